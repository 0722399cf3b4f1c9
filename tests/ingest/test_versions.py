"""Versions of one policy: the 2026 revision supersedes the 2024 measures from 2026-07-01; the old one stays
retrievable by date, a plain question quotes the current one, every citation names its version."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from assistant.app import Assistant
from assistant.cli import main
from tests.ingest.test_relation_flags import settings_in, use

DATA = Path(__file__).parent / "data"
TODAY = dt.date(2026, 9, 1)  # the revision is in force


@pytest.fixture(scope="module")
def versions(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    """Both versions added with add-policy (the second with --supersedes), one real index build, one Assistant."""
    settings = settings_in(tmp_path_factory.mktemp("versions"))
    with pytest.MonkeyPatch.context() as patch:
        use(settings, patch)
        assert main(["add-policy", str(DATA / "mudanjiang.txt"), "--yes", "--no-index"]) == 0
        assert main(["add-policy", str(DATA / "mudanjiang-2026.txt"), "--yes",
                     "--supersedes", "mudanjiang", "--since", "2026-07-01"]) == 0
    return Assistant.load(settings, clock=lambda: TODAY, build_if_missing=False, wait_for_model=True)


@pytest.mark.slow
def test_a_plain_question_quotes_the_current_version_and_names_it(versions: Assistant) -> None:
    reply = versions.ask("牡丹江第1条怎么规定的")
    cited = reply.to_dict()["citations"]
    assert [(c["doc_id"], c["clause"]) for c in cited] == [("mudanjiang-2026", "1")]
    assert "按设备投资额的10%给予补助" in cited[0]["quote"]
    assert "（2026年版）" in reply.text and "8%" not in reply.text


@pytest.mark.slow
@pytest.mark.parametrize(("question", "doc_id", "figure", "version"), [
    ("2022年时牡丹江第1条怎么规定的", "mudanjiang", "按设备投资额的8%给予补助", "（2024年版）"),
    ("2025年时牡丹江第1条怎么规定的", "mudanjiang", "按设备投资额的8%给予补助", "（2024年版）"),
    ("2026年3月牡丹江第一条怎么规定的", "mudanjiang", "按设备投资额的8%给予补助", "（2024年版）"),
    ("2027年牡丹江第1条怎么规定的", "mudanjiang-2026", "按设备投资额的10%给予补助", "（2026年版）"),
])
def test_a_date_in_the_question_quotes_the_version_in_force_then(
    versions: Assistant, question: str, doc_id: str, figure: str, version: str
) -> None:
    reply = versions.ask(question)
    cited = reply.to_dict()["citations"]
    assert [(c["doc_id"], c["clause"]) for c in cited] == [(doc_id, "1")]
    assert figure in cited[0]["quote"] and version in reply.text


@pytest.mark.slow
@pytest.mark.parametrize(("question", "doc_id", "amount"), [
    ("牡丹江技术改造项目设备投资1000万元能补助多少", "mudanjiang-2026", "100万元"),
    ("2025年牡丹江技术改造项目设备投资1000万元能补助多少", "mudanjiang", "80万元"),
])
def test_a_search_and_a_calculation_use_the_version_in_force(
    versions: Assistant, question: str, doc_id: str, amount: str
) -> None:
    reply = versions.ask(question)
    assert reply.route == "calculate", reply.text
    assert {c.doc_id for c in reply.citations} == {doc_id}
    assert amount in reply.text


@pytest.mark.slow
@pytest.mark.parametrize(("question", "note"), [
    # mudanjiang.txt: issued 2023-12-20, in force from 2024-01-01; a year alone means its last day
    ("2022年时牡丹江第1条怎么规定的",
     "最早的版本（2024年版）自2024年1月1日起施行，2022年时尚未印发；以上引用的是该版本的规定。"),
    ("2023年时牡丹江第1条怎么规定的", "最早的版本（2024年版）自2024年1月1日起施行，2023年时已印发但尚未施行；"),
    ("2023年11月牡丹江第1条怎么规定的", "自2024年1月1日起施行，2023年11月时尚未印发；"),
])
def test_a_date_before_the_oldest_version_quotes_it_and_says_the_policy_did_not_exist_yet(
    versions: Assistant, question: str, note: str
) -> None:
    reply = versions.ask(question)
    assert [c.doc_id for c in reply.citations] == ["mudanjiang"]
    assert "注意：" in reply.text and note in reply.text, reply.text


@pytest.mark.slow
@pytest.mark.parametrize("question", ["2025年时牡丹江第1条怎么规定的", "牡丹江第1条怎么规定的",
                                      "2027年牡丹江第1条怎么规定的"])
def test_no_such_note_when_a_version_was_in_force_on_the_date_asked(versions: Assistant, question: str) -> None:
    assert "起施行，" not in versions.ask(question).text
