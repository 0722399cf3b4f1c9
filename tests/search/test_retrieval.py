"""Colloquial questions find the clause that answers them (real e5 model, real index)."""

from __future__ import annotations

import pytest

P, H = "heilongjiang", "harbin"

COLLOQUIAL = [
    ("公司去A股IPO政府给多少钱", (P, "14")),
    ("电费暖气费能不能降", (H, "14")),
    ("买高校专利有补贴吗", (H, "7")),
    ("招工难，技术工人培训有支持吗", (H, "13")),
    ("仿制药过了一致性评价奖励多少", (P, "6")),
    ("流动资金贷款利息能补贴吗", (H, "11")),
    ("租设备有补贴吗", (H, "11")),
    ("评上专精特新小巨人有奖励吗", (P, "12")),
    ("世界500强奖励多少", (P, "15")),
    ("新能源汽车有什么扶持", (P, "8")),
    ("首台套保险补偿怎么算", (P, "19")),
    ("领航企业引进配套企业有奖励吗", (H, "4")),
    ("企业上云补助标准", (P, "13")),
    ("参加展会展位费报销吗", (H, "5")),
    ("工业互联网平台建设补助", (H, "8")),
    ("融资担保费率有什么规定", (H, "11")),
    ("工业用地标准地出让是怎么规定的", (H, "12")),
    ("超低能耗建筑的目标是多少", (P, "9")),
]


@pytest.mark.parametrize(("question", "gold"), COLLOQUIAL)
def test_colloquial_question_cites_the_answering_clause_first(bot, question: str, gold: tuple[str, str]) -> None:
    reply = bot.ask(question)
    cited = [(c.doc_id, c.clause) for c in reply.citations]
    assert cited and cited[0] == gold, cited


def test_both_documents_are_cited_when_both_answer(bot) -> None:
    cited = [(c.doc_id, c.clause) for c in bot.ask("新入规企业有什么奖励").citations]
    assert (P, "11") in cited[:2] and (H, "2") in cited[:2]


def test_naming_a_jurisdiction_filters_the_search(bot) -> None:
    cited = {c.doc_id for c in bot.ask("哈尔滨对新入规企业奖励多少").citations}
    assert cited == {H}
    cited = {c.doc_id for c in bot.ask("省里对企业上市有什么补助").citations}
    assert cited == {P}


def test_lexical_search_alone_still_answers_while_the_model_loads(bot) -> None:
    ranked = bot.retriever.score("展位费能补吗", None)
    assert (ranked[0].clause.doc_id, ranked[0].clause.clause) == (H, "5")


def test_serving_keeps_numpy_s_openblas_to_one_thread(bot) -> None:  # type: ignore[no-untyped-def]
    """On two cores OpenBLAS's spinning worker threads took the CPU from the query encoder."""
    from threadpoolctl import threadpool_info

    assert bot is not None
    # numpy's own OpenBLAS (numpy.libs/); scipy's copy, loaded later by the m3e tests, is not serving's
    numpy_blas = [info for info in threadpool_info()
                  if info["internal_api"] == "openblas" and "numpy.libs" in info["filepath"]]
    assert numpy_blas and all(info["num_threads"] == 1 for info in numpy_blas)
