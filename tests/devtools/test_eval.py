"""The public evaluation set and the project's own cases pass in full through the API."""

from __future__ import annotations

import pytest

from assistant.settings import PROJECT_ROOT
from devtools.evaluation import evaluate, format_report, read_cases


@pytest.mark.parametrize("name", ["dev.jsonl", "cases.jsonl"])
def test_every_evaluation_case_passes(bot, name: str) -> None:
    cases = read_cases(PROJECT_ROOT / "tests" / "eval" / name)
    results, summary = evaluate(bot, cases)
    assert summary["passed"] == summary["cases"], format_report(results, summary)


def test_own_cases_cover_the_required_kinds() -> None:
    cases = read_cases(PROJECT_ROOT / "tests" / "eval" / "cases.jsonl")
    assert len(cases) >= 40
    kinds = {c["kind"] for c in cases}
    assert {"out_of_scope", "validity", "stacking", "manipulation"} <= kinds
    assert sum(1 for c in cases if c["pre"]) >= 8  # multi-turn


def test_quiet_prints_the_figures_and_no_case(bot) -> None:  # type: ignore[no-untyped-def]
    """A held-out set is run with --quiet so nobody reads its cases: no question text in the report."""
    cases = [{"id": "q1", "kind": "lookup", "q": "哈尔滨第十一条讲什么", "pre": [],
              "gold": [["harbin", "3"]], "expect": {}}]  # the wrong clause on purpose: the case fails
    results, summary = evaluate(bot, cases)
    assert summary["passed"] == 0
    assert "哈尔滨第十一条讲什么" in format_report(results, summary)
    quiet = format_report(results, summary, quiet=True)
    assert "通过 0/1 个用例" in quiet and "哈尔滨第十一条讲什么" not in quiet


def test_earlier_turns_are_read_as_texts_or_role_pairs() -> None:
    """A writer may give earlier turns as [role, text] pairs: the user's are asked, the writer's replies dropped."""
    from devtools.amounts import user_turns

    assert user_turns(["省里首台套奖多少"]) == ["省里首台套奖多少"]
    assert user_turns([["user", "省里首台套奖多少"], ["assistant", "最高1000万元"]]) == ["省里首台套奖多少"]
    with pytest.raises(ValueError):
        user_turns([{"role": "user"}])


def test_retrieval_figures_count_gold_clauses_and_print_no_case(bot) -> None:  # type: ignore[no-untyped-def]
    """`eval --retrieval`: the right clause scores on every check, a wrong gold on none; follow-ups are left out."""
    from devtools.retrieval_eval import format_retrieval_report, score_retrieval

    right = {"q": "哈尔滨第十一条讲什么", "kind": "lookup", "gold": [["harbin", "11"]], "pre": []}
    wrong = {**right, "gold": [["heilongjiang", "3"]]}
    followup = {**right, "pre": ["省里首台套奖多少"]}
    results = score_retrieval(bot, [right, wrong, followup])
    assert len(results) == 2
    assert results[0].checks["cited@1"] and results[0].checks["search_hit@3"]
    assert not any(results[1].checks.values())
    report = format_retrieval_report(results)
    assert any(line.split()[:2] == ["cited@1", "1/2"] for line in report.splitlines()), report
    assert "哈尔滨" not in report
