"""The calculator rules a question can score, found without walking every rule of every policy.

`Calculator.rank_rules` scores a rule only when its document holds one of the best clauses of
the question (the clause itself, or a keyword of the rule in the question): a rule of any other
document is skipped, since the question is restricted to another document.  So the rules worth
looking at are those of at most TOP_CLAUSES documents, which an index by document gives at once;
at a hundred policies that is ~90 rules of 3,100 instead of all of them, per call, three calls
per question.  The candidates keep the rules' order in the mapping, so ties rank as before.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from assistant.calculator import Rule


class RuleIndex:
    """The rules by document, built once at load."""

    def __init__(self, rules: Mapping[str, Rule]) -> None:
        self._by_document: dict[str, list[tuple[int, Rule]]] = {}
        for position, rule in enumerate(rules.values()):
            self._by_document.setdefault(rule.doc_id, []).append((position, rule))

    def candidates(self, clause_keys: Iterable[tuple[str, str]]) -> list[Rule]:
        """Every rule of the documents of `clause_keys` ((doc_id, clause) of the best clauses), in
        the mapping's order: a superset of the rules rank_rules scores."""
        documents = dict.fromkeys(doc_id for doc_id, _ in clause_keys)
        found = [entry for doc_id in documents for entry in self._by_document.get(doc_id, ())]
        if len(documents) > 1:
            found.sort(key=lambda entry: entry[0])
        return [rule for _, rule in found]
