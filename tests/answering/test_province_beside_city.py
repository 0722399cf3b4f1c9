"""A question about one city keeps the province's measures, which apply in all its cities, beside the city's."""

from __future__ import annotations

import dataclasses
import shutil

import pytest

from assistant.app import Assistant
from assistant.policies.corpus import load_corpus
from assistant.search.index_store import build_index
from assistant.settings import PROJECT_ROOT, Settings
from devtools.synthetic_corpus import write_corpus
from tests.conftest import TODAY


@pytest.fixture(scope="module")
def city_bot(tmp_path_factory: pytest.TempPathFactory, session_settings: Settings) -> Assistant:
    """The two real policies and Harbin's text under 齐齐哈尔's and 鸡西's names (synthetic, devtools)."""
    root = tmp_path_factory.mktemp("cities")
    shutil.copytree(session_settings.index_dir, root / "index")  # its embedding cache: only new texts embed
    write_corpus(PROJECT_ROOT / "corpus", root / "corpus", 4)
    settings = dataclasses.replace(session_settings, index_dir=root / "index", corpus_dir=root / "corpus")
    build_index(settings, load_corpus(settings.corpus_dir), report=lambda _: None)
    return Assistant.load(settings, clock=lambda: TODAY, wait_for_model=True)


def cited(reply) -> set[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return {(c.doc_id, c.clause) for c in reply.citations}


@pytest.mark.parametrize("question", ["齐齐哈尔对首台套产品有什么奖励", "鸡西的企业首台（套）产品有奖励吗"])
def test_the_province_measure_is_quoted_beside_the_city_clause(city_bot: Assistant, question: str) -> None:
    city = {"齐齐哈尔": "city2302", "鸡西": "city2303"}[next(n for n in ("齐齐哈尔", "鸡西") if n in question)]
    reply = city_bot.ask(question)
    assert ("heilongjiang", "19") in cited(reply), reply.text
    assert (city, "6") in cited(reply), reply.text
    assert not {d for d, _ in cited(reply)} - {"heilongjiang", city}  # no other city's policy


def test_a_city_question_never_cites_another_city(city_bot: Assistant) -> None:
    reply = city_bot.ask("齐齐哈尔技术创新示范企业奖励多少")
    assert {d for d, _ in cited(reply)} <= {"heilongjiang", "city2302"}, reply.text


def test_province_and_city_together_takes_the_companys_own_city(city_bot: Assistant) -> None:
    """「省里和市里加起来」 with several cities loaded: the province's award and the company's own city's."""
    reply = city_bot.ask("我们是齐齐哈尔的食品制造企业，今年刚入规，省里和市里入规奖励第一年加起来能拿多少？").to_dict()
    parts = {(c["doc_id"], c["clause"]): c["amount_yuan"] for c in reply["calculations"]}
    assert parts == {("heilongjiang", "11"): 200_000, ("city2302", "2"): 500_000}, reply["text"]
    assert reply["total_yuan"] == 700_000
