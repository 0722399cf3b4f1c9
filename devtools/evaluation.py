"""Score the public API on an evaluation file in the dev.jsonl format.

Each line: id, kind (lookup | calc | clarify | out_of_scope | validity | stacking | …),
q, pre (earlier user turns), gold ([doc_id, clause] pairs), amount (yuan),
eligible, expect ({"text_any": [...], "text_all": [...], "text_none": [...], "route": str}).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.answering.quoting import is_verbatim
from assistant.errors import AssistantError
from assistant.settings import PROJECT_ROOT

AMOUNT_TOLERANCE = 1.0  # yuan


DEV_CASES = PROJECT_ROOT / "tests" / "eval" / "dev.jsonl"  # the default for eval, bench and loadtest


@dataclass
class CaseResult:
    """One case's checks: name → passed, and why it failed."""

    case: dict[str, Any]
    checks: dict[str, bool] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(self.checks.values())


def read_cases(path: Path) -> list[dict[str, Any]]:
    """Cases from a JSON-lines file; AssistantError naming the line on bad input."""
    cases = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            case = json.loads(line)
        except json.JSONDecodeError as error:
            raise AssistantError(f"{path.name} 第{number}行不是合法的 JSON：{error.msg}") from error
        if "q" not in case or "kind" not in case:
            raise AssistantError(f"{path.name} 第{number}行缺少 q 或 kind 字段")
        cases.append(case)
    return cases


def run_case(bot: Any, case: dict[str, Any]) -> CaseResult:
    """Ask the case's earlier turns then its question, and check the reply."""
    history: list[tuple[str, str]] = []
    for turn in case.get("pre", []):
        earlier = bot.ask(turn, history=history)
        history += [("user", turn), ("assistant", earlier.text)]
    reply = bot.ask(case["q"], history=history).to_dict()
    result = CaseResult(case)
    gold = {tuple(g) for g in case.get("gold", [])}
    cited = [(c["doc_id"], c["clause"]) for c in reply["citations"]]
    kind = case["kind"]
    if gold:
        result.checks["hit@3"] = any(c in gold for c in cited[:3])
        if kind == "lookup":
            result.checks["hit@1"] = bool(cited) and cited[0] in gold
        if not result.checks["hit@3"] or not result.checks.get("hit@1", True):
            result.problems.append(f"引用 {cited[:3]}，应为 {sorted(gold)}")
    result.checks["verbatim"] = all(_is_verbatim(bot, c) for c in reply["citations"])
    if not result.checks["verbatim"]:
        result.problems.append("引用原文与条款不一致")
    expected_route = case.get("expect", {}).get("route") or {
        "calc": "calculate", "clarify": "clarify", "out_of_scope": "out_of_scope"}.get(kind)
    if expected_route:
        result.checks["route"] = reply["route"] == expected_route
        if not result.checks["route"]:
            result.problems.append(f"路由为 {reply['route']}，应为 {expected_route}")
    if kind == "clarify":
        result.checks["asks"] = bool(reply["missing"]) and not reply["calculations"]
    if case.get("amount") is not None:
        calculations = reply["calculations"]
        got = calculations[0]["amount_yuan"] if calculations else None
        result.checks["amount"] = got is not None and abs(got - case["amount"]) <= AMOUNT_TOLERANCE
        if not result.checks["amount"]:
            result.problems.append(f"金额 {got}，应为 {case['amount']}")
    if case.get("eligible") is not None:
        calculations = reply["calculations"]
        result.checks["eligible"] = bool(calculations) and calculations[0]["eligible"] == case["eligible"]
    _check_text(reply["text"], case.get("expect", {}), result)
    return result


def evaluate(bot: Any, cases: list[dict[str, Any]]) -> tuple[list[CaseResult], dict[str, Any]]:
    """Run every case; return the results and a summary by kind and by check."""
    results = [run_case(bot, c) for c in cases]
    summary: dict[str, Any] = {"cases": len(results), "passed": sum(r.passed for r in results)}
    by_check: dict[str, list[bool]] = defaultdict(list)
    by_kind: dict[str, list[bool]] = defaultdict(list)
    for result in results:
        by_kind[result.case["kind"]].append(result.passed)
        for name, ok in result.checks.items():
            key = f"{result.case['kind']}:{name}" if name.startswith("hit@") else name
            by_check[key].append(ok)
    summary["by_kind"] = {k: f"{sum(v)}/{len(v)}" for k, v in sorted(by_kind.items())}
    summary["checks"] = {k: f"{sum(v)}/{len(v)} = {100 * sum(v) / len(v):.1f}%" for k, v in sorted(by_check.items())}
    return results, summary


def format_report(results: list[CaseResult], summary: dict[str, Any], quiet: bool = False) -> str:
    """Figures first, then (unless quiet: a held-out set is scored without its cases being read) one line
    per failed case."""
    lines = [f"通过 {summary['passed']}/{summary['cases']} 个用例"]
    lines += [f"  {kind}: {score}" for kind, score in summary["by_kind"].items()]
    lines += [f"  {name}: {score}" for name, score in summary["checks"].items()]
    for result in results:
        if not result.passed and not quiet:
            failed = ",".join(k for k, ok in result.checks.items() if not ok)
            problems = "；".join(result.problems)
            lines.append(f"失败 {result.case.get('id', '?')} [{failed}] {result.case['q']} — {problems}")
    return "\n".join(lines)


def _is_verbatim(bot: Any, citation: dict[str, str]) -> bool:
    clause = bot.corpus.clause(citation["doc_id"], citation["clause"])
    return clause is not None and is_verbatim(clause, citation["quote"])


def _check_text(text: str, expect: dict[str, Any], result: CaseResult) -> None:
    if expect.get("text_any"):
        result.checks["text_any"] = any(w in text for w in expect["text_any"])
        if not result.checks["text_any"]:
            result.problems.append(f"回答中没有 {expect['text_any']} 之一")
    for word in expect.get("text_all", []):
        result.checks[f"text_all:{word}"] = word in text
        if word not in text:
            result.problems.append(f"回答中缺少「{word}」")
    for word in expect.get("text_none", []):
        result.checks[f"text_none:{word}"] = word not in text
        if word in text:
            result.problems.append(f"回答中不应出现「{word}」")
