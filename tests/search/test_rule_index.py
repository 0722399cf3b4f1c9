"""The rule pre-filter (search/rule_index.py): rank_rules looks only at the best clauses' documents' rules,
and ranks exactly as a walk over every rule does."""

from __future__ import annotations

import copy
from collections.abc import Iterable

import pytest

from assistant.calculator import Rule
from assistant.search.rule_index import RuleIndex
from assistant.settings import PROJECT_ROOT
from devtools.evaluation import read_cases

QUESTIONS = [case["q"] for name in ("dev", "cases", "paraphrases")
             for case in read_cases(PROJECT_ROOT / "tests" / "eval" / f"{name}.jsonl")]


class EveryRule:
    """What rank_rules walked before the pre-filter: every rule of every policy."""

    def __init__(self, rules: Iterable[Rule]) -> None:
        self.rules = list(rules)

    def candidates(self, clause_keys: Iterable[tuple[str, str]]) -> list[Rule]:
        return self.rules


@pytest.fixture(scope="module")
def vectors(bot):  # type: ignore[no-untyped-def]
    """Each question's embedding, once for the three scopes."""
    return {question: bot.query_vector(question) for question in dict.fromkeys(QUESTIONS)}


@pytest.mark.parametrize("documents", [None, ("harbin",), ("heilongjiang",)], ids=["all", "harbin", "province"])
def test_the_candidates_hold_every_rule_the_full_walk_scores_and_rank_the_same(bot, vectors, documents) -> None:  # type: ignore[no-untyped-def]
    calculator = bot.router.calculator
    walking = copy.copy(calculator)
    walking.rule_index = EveryRule(calculator.rules.values())
    compared = filtered = 0
    for question in QUESTIONS:
        vector = vectors[question]
        ranked = bot.retriever.score(question, vector, documents)
        full = walking.rank_rules(question, ranked, vector)
        keys = [(s.clause.doc_id, s.clause.clause) for s in ranked[:3]]
        candidates = {rule.rule_id for rule in calculator.rule_index.candidates(keys)}
        assert {c.rule.rule_id for c in full if c.score > 0} <= candidates, question
        assert [(c.rule.rule_id, c.score) for c in calculator.rank_rules(question, ranked, vector)] == [
            (c.rule.rule_id, c.score) for c in full], question
        compared += bool(full)
        filtered += len(candidates) < len(calculator.rules)
    assert compared > len(QUESTIONS) // 2
    if documents:  # one document in scope: the other's rules are never looked at
        assert filtered == len(QUESTIONS)


def test_candidates_keep_the_rules_order_across_documents(bot) -> None:  # type: ignore[no-untyped-def]
    rules = bot.router.calculator.rules
    index = RuleIndex(rules)
    both = index.candidates([("heilongjiang", "19"), ("harbin", "11")])
    assert [r.rule_id for r in both] == [r.rule_id for r in rules.values()]
    assert {r.doc_id for r in index.candidates([("harbin", "11")])} == {"harbin"}
    assert index.candidates([]) == [] and index.candidates([("no-such-policy", "1")]) == []
