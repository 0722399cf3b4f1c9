"""Score amount questions by outcome: exact, asked back, or a confident wrong amount.

For the paraphrase sets (tests/eval/paraphrases.jsonl, tests/eval/heldout.jsonl), written from the
policy texts by people who had not read the code. Each case: kind (calc | followup | multi |
not_eligible | clarify | out_of_scope), q, pre, gold, amount (yuan; the total for multi; 0 for
not_eligible), parts (multi), today (the clock for relative dates), failure_kind.

Outcomes, worst first:
  wrong    an amount above 0 is presented as the answer and it is not the expected one (or none was
           expected): the defect that matters most
  partial  the total is right but a part of a multi-part question is missing or wrong
  none     no amount and no question back (a look-up or out-of-scope reply where an amount was due)
  asked    a question back (clarify) where an amount was due: safe but not an answer
  exact    the expected amount (or, for not_eligible, the rule applied and found ineligible; for
           clarify, a question back; for out_of_scope, an out-of-scope reply)
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

TOLERANCE_YUAN = 1.0
DEFAULT_TODAY = "2026-12-01"  # the day the paraphrase sets were written; a case's "today" overrides it
OUTCOMES = ("exact", "asked", "none", "partial", "wrong")


@dataclass(frozen=True)
class AmountResult:
    """One case's outcome and what the reply said."""

    case: dict[str, Any]
    outcome: str
    got: float | None
    reply: dict[str, Any]


def headline_amount(reply: dict[str, Any]) -> float | None:
    """The amount a reader takes as the answer: the reply's total, else its first calculation's."""
    if reply.get("total_yuan") is not None:
        return float(reply["total_yuan"])
    calculations = reply["calculations"]
    return float(calculations[0]["amount_yuan"]) if calculations else None


def judge(case: dict[str, Any], reply: dict[str, Any]) -> tuple[str, float | None]:
    """The outcome of one reply against its case (see the module docstring)."""
    got = headline_amount(reply)
    kind, expected = case["kind"], case.get("amount")
    calculations = reply["calculations"]
    presented = got is not None and got > 0
    if kind in ("calc", "followup", "multi") and expected not in (None, 0):
        if got is not None and abs(got - float(expected)) <= TOLERANCE_YUAN:
            if kind == "multi" and not _all_parts(case.get("parts", []), calculations):
                return "partial", got
            return "exact", got
        if presented:
            return "wrong", got
        return ("asked" if reply["route"] == "clarify" else "none"), got
    if kind == "not_eligible" or expected == 0:
        if calculations and (not calculations[0]["eligible"] or calculations[0]["amount_yuan"] == 0):
            return "exact", got
        if presented:
            return "wrong", got
        return ("asked" if reply["route"] == "clarify" else "none"), got
    if presented and reply["route"] == "calculate":
        return "wrong", got
    wanted = "clarify" if kind == "clarify" else "out_of_scope"
    return ("exact" if reply["route"] == wanted else "none"), got


def _all_parts(parts: Iterable[dict[str, Any]], calculations: list[dict[str, Any]]) -> bool:
    return all(any(c["doc_id"] == p["doc_id"] and c["clause"] == p["clause"]
                   and abs(c["amount_yuan"] - p["amount"]) <= TOLERANCE_YUAN for c in calculations) for p in parts)


def user_turns(pre: Iterable[Any]) -> list[str]:
    """The user's earlier messages of a case: each turn a string, or a [role, text] pair.

    A writer's own assistant turns are dropped: the bot answers each earlier message itself, so a
    follow-up is read against what the product said, as in a real conversation.
    """
    turns = []
    for turn in pre:
        if isinstance(turn, str):
            turns.append(turn)
        elif isinstance(turn, (list, tuple)) and len(turn) == 2 and all(isinstance(x, str) for x in turn):
            if turn[0] == "user":
                turns.append(turn[1])
        else:
            raise ValueError(f"earlier turn is neither a text nor a [role, text] pair: {turn!r}")
    return turns


def run_amount_cases(load_bot: Callable[[dt.date], Any], cases: list[dict[str, Any]]) -> list[AmountResult]:
    """Ask every case (earlier turns first) with a bot whose clock is the case's day."""
    bots: dict[str, Any] = {}
    results = []
    for case in cases:
        day = case.get("today", DEFAULT_TODAY)
        if day not in bots:
            bots[day] = load_bot(dt.date.fromisoformat(day))
        bot = bots[day]
        history: list[tuple[str, str]] = []
        for turn in user_turns(case.get("pre", [])):
            history += [("user", turn), ("assistant", bot.ask(turn, history=history).text)]
        reply = bot.ask(case["q"], history=history).to_dict()
        outcome, got = judge(case, reply)
        results.append(AmountResult(case, outcome, got, reply))
    return results


def format_amount_report(results: list[AmountResult], quiet: bool = False) -> str:
    """Totals, then per kind and per failure kind, then (unless quiet) one line per case not exact."""
    total = Counter(r.outcome for r in results)
    groups: dict[str, Counter[str]] = defaultdict(Counter)
    for result in results:
        groups[f"kind:{result.case['kind']}"][result.outcome] += 1
        groups[result.case.get("failure_kind", "?")][result.outcome] += 1
    count = len(results) or 1
    amount_cases = [r for r in results if r.case["kind"] in ("calc", "followup", "multi", "not_eligible")]
    exact_amounts = sum(r.outcome == "exact" for r in amount_cases)
    share = 100 * exact_amounts / max(1, len(amount_cases))
    wrong = sum(r.outcome == "wrong" for r in amount_cases)
    lines = [f"{len(results)} 个用例：" + "，".join(f"{name} {total[name]}（{100 * total[name] / count:.1f}%）"
                                               for name in OUTCOMES),
             f"金额题 {len(amount_cases)} 个：金额正确 {exact_amounts}（{share:.1f}%），错误金额 {wrong}"]
    for name in sorted(groups):
        counts = groups[name]
        lines.append(f"  {name:22} n={sum(counts.values()):3} " + " ".join(f"{o}={counts[o]:3}" for o in OUTCOMES))
    if not quiet:
        for r in results:
            if r.outcome != "exact":
                cited = [(c["doc_id"], c["clause"]) for c in r.reply["citations"][:2]]
                rules = [c["rule_id"] for c in r.reply["calculations"]]
                lines.append(f"{r.outcome:7} {r.case.get('id')} [{r.case['kind']}/{r.case.get('failure_kind')}] "
                             f"{r.case['q']} | pre={r.case.get('pre', [])} | 应为 {r.case.get('amount')} 得 {r.got} "
                             f"route={r.reply['route']} 引用={cited} 规则={rules}")
    return "\n".join(lines)
