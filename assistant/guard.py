"""The number guard: no amount leaves the assistant unless a source backs it.

Every money figure in a reply's text (元/万元/亿元, Arabic or Chinese numerals)
must equal a figure printed in a cited clause, a calculation's inputs, results,
shares or worksheet, or the user's own words.  A reply that fails is replaced by
its safe template and the event is logged.  This runs on every answer path.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from assistant.amounts import find_quantities
from assistant.corpus import Corpus
from assistant.reply import Reply

logger = logging.getLogger(__name__)
TOLERANCE_YUAN = 0.5


@dataclass(frozen=True)
class GuardFinding:
    """An amount in the text that nothing backs."""

    raw: str
    value_yuan: float


def money_in(text: str) -> list[tuple[str, float]]:
    """(raw, yuan) for every money amount written in `text`."""
    return [(q.raw, q.value) for q in find_quantities(text) if q.kind == "money"]


def backed_amounts(reply: Reply, corpus: Corpus, user_texts: Sequence[str]) -> set[float]:
    """Every amount a reply may state: cited clauses, calculations and the user's words."""
    allowed: set[float] = set()
    for citation in reply.citations:
        clause = corpus.clause(citation.doc_id, citation.clause)
        sources = [clause.text] if clause is not None else []
        allowed.update(v for text in sources for _, v in money_in(text))
    for calculation in reply.calculations:
        allowed.add(float(calculation["amount_yuan"]))
        allowed.update(_numbers(calculation.get("inputs", {}).values()))
        allowed.update(v for _, v in money_in(str(calculation.get("formula", ""))))
    for extra in reply.calculation_details:
        allowed.update(float(v) for v in getattr(extra, "shares", {}).values())
    for text in user_texts:
        allowed.update(v for _, v in money_in(text))
    return allowed


def find_unbacked(reply: Reply, corpus: Corpus, user_texts: Sequence[str]) -> list[GuardFinding]:
    """Amounts in the reply text that no source backs."""
    stated = money_in(reply.text)
    if not stated:  # nothing to check: don't scan the sources (a pasted essay costs seconds)
        return []
    allowed = backed_amounts(reply, corpus, user_texts)
    return [
        GuardFinding(raw, value)
        for raw, value in stated
        if not any(abs(value - ok) <= TOLERANCE_YUAN for ok in allowed)
    ]


def guard_reply(reply: Reply, fallback: Reply, corpus: Corpus, user_texts: Sequence[str]) -> Reply:
    """`reply` if every amount in it is backed, else `fallback` (itself checked), logging the event."""
    findings = find_unbacked(reply, corpus, user_texts)
    if not findings:
        return reply
    logger.warning("number guard stopped a reply: unbacked amounts %s", [f.raw for f in findings])
    if fallback is reply or find_unbacked(fallback, corpus, user_texts):
        return Reply(
            "抱歉，这条回答中的金额无法与政策原文或计算结果核对一致，已被拦截。请换个问法，或直接查询条款原文。",
            "clarify", (), (), ("问题的具体内容",),
        )
    return fallback


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
