"""`python -m assistant eval FILE --retrieval`: how well search finds the clauses a question is about.

For comparing embedding models (issue 15: the default must retrieve at least as well as m3e on every
evaluation file). Every case with a gold clause list is asked once, with no earlier turns, and scored on:
  * search hit@1 / hit@3 — the fused (BM25 + dense) ranking over every loaded document: the first
    clause, or any of the first three, is a gold clause;
  * dense hit@1 — the clause whose best unit is most similar to the question by the model alone,
    over every loaded document (the model's own share, what a change of model moves most);
  * cited@1 — the first clause the full reply cites (routing, scope and calculation included).
Follow-up cases (those with earlier turns) are left out: their question alone does not name the topic.
The report holds figures only, so a held-out file can be run without reading its cases.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

CHECKS = ("search_hit@1", "search_hit@3", "dense_hit@1", "cited@1")


@dataclass(frozen=True)
class RetrievalResult:
    """One case's four checks."""

    case: dict[str, Any]
    checks: dict[str, bool]


def dense_best(bot: Any, vector: np.ndarray) -> tuple[str, str] | None:
    """The clause whose best unit the query vector is most similar to (model only, no BM25)."""
    retriever = bot.retriever
    if vector is None or not len(retriever.keys):
        return None
    per_clause = retriever.per_clause(retriever.vectors @ vector)
    per_clause[retriever.preamble] = -np.inf  # as the search does: 序言 answers only when named
    return tuple(retriever.keys[int(np.argmax(per_clause))])  # type: ignore[return-value]


def score_retrieval(bot: Any, cases: Iterable[dict[str, Any]]) -> list[RetrievalResult]:
    """Score every case with gold clauses and no earlier turns."""
    results = []
    for case in cases:
        gold = {tuple(g) for g in case.get("gold") or []}
        if not gold or case.get("pre"):
            continue
        question = case["q"]
        vector = bot.query_vector(question)
        ranked = [(s.clause.doc_id, s.clause.clause) for s in bot.retriever.score(question, vector)]
        cited = [(c.doc_id, c.clause) for c in bot.ask(question).citations]
        results.append(RetrievalResult(case, {
            "search_hit@1": bool(ranked) and ranked[0] in gold,
            "search_hit@3": any(key in gold for key in ranked[:3]),
            "dense_hit@1": dense_best(bot, vector) in gold,
            "cited@1": bool(cited) and cited[0] in gold,
        }))
    return results


def format_retrieval_report(results: list[RetrievalResult]) -> str:
    """One line of figures per check; no case is printed."""
    count = len(results)
    lines = [f"有标准条款、无前文的用例 {count} 个"]
    for name in CHECKS:
        hits = sum(r.checks[name] for r in results)
        lines.append(f"  {name:13} {hits:4}/{count} = {hits / max(1, count):.3f}")
    return "\n".join(lines)
