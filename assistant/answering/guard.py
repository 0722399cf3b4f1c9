"""The number guard: no amount leaves the assistant unless a source backs it.

Every money figure in a reply's text (元/万元/亿元, Arabic or Chinese numerals)
must equal a figure printed in a cited clause, a calculation's inputs, results,
shares or worksheet, or the user's own words.  The calculations themselves are
checked too: each is computed again by the calculator from its inputs, and its
amount, fiscal shares and every amount on its worksheet must agree with that
recomputation (or with the clause and the user's words).  A reply that fails is
replaced by its safe template and the event is logged.  This runs on every answer path.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from assistant.answering.reply import Reply
from assistant.calculator import Calculation
from assistant.policies.corpus import Corpus
from assistant.text.amounts import find_quantities

logger = logging.getLogger(__name__)
TOLERANCE_YUAN = 0.5


@dataclass(frozen=True)
class GuardFinding:
    """An amount in the text that nothing backs."""

    raw: str
    value_yuan: float


@functools.lru_cache(maxsize=4096)
def money_in(text: str) -> tuple[tuple[str, float], ...]:
    """(raw, yuan) for every money amount written in `text`. Cached: the guard reads the same clause
    texts and worksheet lines for reply after reply, and the reading depends on the text alone."""
    return tuple((q.raw, q.value) for q in find_quantities(text) if q.kind == "money")


# Computes a rule again from a calculation's inputs: (rule_id, inputs) → the calculator's Calculation.
Recompute = Callable[[str, Mapping[str, Any]], Calculation]


def clause_amounts(corpus: Corpus, doc_id: str, clause_id: str) -> set[float]:
    """Every money figure printed in one clause."""
    clause = corpus.clause(doc_id, clause_id)
    return {v for _, v in money_in(clause.text)} if clause is not None else set()


def backed_amounts(reply: Reply, corpus: Corpus, user_texts: Sequence[str]) -> set[float]:
    """Every amount a reply may state: cited clauses, calculations and the user's words."""
    allowed: set[float] = set()
    for citation in reply.citations:
        allowed.update(clause_amounts(corpus, citation.doc_id, citation.clause))
    for calculation in reply.calculations:
        allowed.add(float(calculation.amount_yuan))
        allowed.update(_numbers(calculation.inputs.values()))
        allowed.update(_worksheet_amounts(calculation))
        allowed.update(float(v) for v in calculation.shares.values())
    if reply.total_yuan is not None and total_is_backed(reply):
        allowed.add(float(reply.total_yuan))
    for text in user_texts:
        allowed.update(v for _, v in money_in(text))
    return allowed


def total_is_backed(reply: Reply) -> bool:
    """A reply's total is the sum of some of its calculations (all of them, or the higher of two that
    may not be taken together): checked as a subset sum, so no other figure can pass for it. A match
    reply's total is the sum of the benefits it counts, each backed by a calculation of the reply."""
    assert reply.total_yuan is not None
    if reply.benefits:
        counted = [b for b in reply.benefits if b.counted]
        if any(b.calculation is None or b.calculation not in reply.calculations for b in counted):
            return False
        return abs(float(reply.total_yuan) - sum(float(b.calculation.amount_yuan) for b in counted
                                                 if b.calculation is not None)) <= TOLERANCE_YUAN
    amounts = [float(c.amount_yuan) for c in reply.calculations if c.eligible and ":" not in c.rule_id]
    sums = {0.0}
    for amount in amounts[:12]:
        sums |= {total + amount for total in sums}
    return any(abs(float(reply.total_yuan) - total) <= TOLERANCE_YUAN for total in sums)


def find_unbacked(reply: Reply, corpus: Corpus, user_texts: Sequence[str],
                  recompute: Recompute | None = None) -> list[GuardFinding]:
    """Amounts in the reply text that no source backs; with `recompute`, also every calculation
    whose amount, shares or worksheet the calculator does not reproduce from its inputs."""
    findings = unverified_calculations(reply, corpus, user_texts, recompute) if recompute else []
    findings += unbacked_benefits(reply)
    if reply.total_yuan is not None and not total_is_backed(reply):
        findings.append(GuardFinding("合计", float(reply.total_yuan)))
    stated = money_in(reply.text)
    if not stated:  # nothing to check: don't scan the sources (a pasted essay costs seconds)
        return findings
    allowed = backed_amounts(reply, corpus, user_texts)
    return findings + [
        GuardFinding(raw, value)
        for raw, value in stated
        if not _within(value, allowed)
    ]


def unbacked_benefits(reply: Reply) -> list[GuardFinding]:
    """A match reply's benefit amounts: each is its own calculation's, and that calculation is the reply's."""
    findings = []
    for benefit in reply.benefits:
        if benefit.amount_yuan is None:
            continue
        calculation = benefit.calculation
        if (calculation is None or calculation not in reply.calculations or benefit.status != "eligible"
                or not _within(float(benefit.amount_yuan), [float(calculation.amount_yuan)])):
            findings.append(GuardFinding(f"{benefit.rule_id} 金额", float(benefit.amount_yuan)))
    return findings


def unverified_calculations(reply: Reply, corpus: Corpus, user_texts: Sequence[str],
                            recompute: Recompute) -> list[GuardFinding]:
    """Each calculation shown must be what the calculator gives for its inputs: its amount, every
    fiscal share and every amount on its worksheet (or a figure of its clause or the user's words)."""
    findings: list[GuardFinding] = []
    said = {v for text in user_texts for _, v in money_in(text)}
    for shown in reply.calculations:
        base_id, _, share_key = shown.rule_id.partition(":")
        try:
            fresh = recompute(base_id, shown.inputs)
        except (KeyError, ValueError) as error:  # no such rule, or inputs it refuses: nothing backs it
            findings.append(GuardFinding(f"{shown.rule_id}: {error}", float(shown.amount_yuan)))
            continue
        expected: float | None = fresh.amount_yuan
        if share_key:  # 「省里出多少」: one payer's part of the split
            payer = next((s.payer for s in fresh.share_specs if s.key == share_key), None)
            expected = fresh.shares.get(payer) if payer is not None else None
        # an award shown as 0 because a stacking clause excludes it (already had from another level) is not a
        # yuan to act on: its computed figure stays on the worksheet, checked below
        excluded = not shown.eligible and shown.amount_yuan == 0 and not share_key
        if not excluded and (expected is None or not _within(float(shown.amount_yuan), [expected])):
            findings.append(GuardFinding(f"{shown.rule_id} 金额", float(shown.amount_yuan)))
        for payer, value in shown.shares.items():  # a share's own record repeats the whole split
            if payer not in fresh.shares or not _within(float(value), [fresh.shares[payer]]):
                findings.append(GuardFinding(f"{shown.rule_id} {payer}负担", float(value)))
        backing = (_worksheet_amounts(fresh) | set(fresh.shares.values()) | {float(expected or 0)} | said
                   | clause_amounts(corpus, fresh.doc_id, fresh.clause) | _numbers(fresh.inputs.values())
                   | ({0.0} if excluded else set()))
        findings += [GuardFinding(f"{shown.rule_id} 计算单", value) for value in _worksheet_amounts(shown)
                     if not _within(value, backing)]
    return findings


def guard_reply(reply: Reply, fallback: Reply, corpus: Corpus, user_texts: Sequence[str],
                recompute: Recompute | None = None) -> Reply:
    """`reply` if every amount in it is backed, else `fallback` (itself checked), logging the event."""
    findings = find_unbacked(reply, corpus, user_texts, recompute)
    if not findings:
        return reply
    logger.warning("number guard stopped a reply: unbacked amounts %s", [f.raw for f in findings])
    if fallback is reply or find_unbacked(fallback, corpus, user_texts, recompute):
        return Reply(
            "抱歉，这条回答中的金额无法与政策原文或计算结果核对一致，已被拦截。请换个问法，或直接查询条款原文。",
            "clarify", (), (), ("问题的具体内容",),
        )
    return fallback


def _within(value: float, allowed: Iterable[float]) -> bool:
    return any(abs(value - ok) <= TOLERANCE_YUAN for ok in allowed)


def _worksheet_amounts(calculation: Calculation) -> set[float]:
    """Every amount on a calculation's worksheet: each line's result and every figure printed in it."""
    amounts = {float(line.amount_yuan) for line in calculation.worksheet if line.amount_yuan is not None}
    return amounts | {v for line in calculation.worksheet for _, v in money_in(line.text)}


def _numbers(values: Iterable[object]) -> set[float]:
    found: set[float] = set()
    for value in values:
        if isinstance(value, bool):
            continue
        if isinstance(value, int | float):
            found.add(float(value))
        elif isinstance(value, list | tuple):
            found.update(_numbers(value))
    return found
