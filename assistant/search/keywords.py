"""The hotline's keyword search over clause texts: every keyword must occur, forgivingly.

「首台套」「首台(套)」 and 「首台（套）」 are the same words to a caller, so matching folds width
(NFKC: full-width brackets, letters and digits to ASCII), case (「lpr」 finds 「LPR」) and ignores
brackets and spaces; each keyword also matches the policy words the thesaurus
(assistant/data/synonyms.json) gives for it (「技改」 finds 「技术改造」).  Matches come back as
spans of the original text, so the page highlights the words as printed.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from assistant.policies.clauses import Clause

IGNORED = set("()[]{}<> \u3000\t\n")


@dataclass(frozen=True)
class KeywordMatch:
    """A clause containing every keyword: where each match lies in its title and its text."""

    clause: Clause
    title_spans: tuple[tuple[int, int], ...]
    text_spans: tuple[tuple[int, int], ...]


def fold(text: str) -> tuple[str, list[int]]:
    """`text` width- and case-folded without brackets or spaces, with each kept character's original index."""
    folded: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        for piece in unicodedata.normalize("NFKC", char).casefold():
            if piece not in IGNORED:
                folded.append(piece)
                origin.append(index)
    return "".join(folded), origin


class KeywordSearch:
    """Finds the clauses that contain every space-separated keyword (or a thesaurus word for it)."""

    def __init__(self, clauses: Sequence[Clause], synonyms: Mapping[str, Sequence[str]]) -> None:
        self.clauses = list(clauses)
        self.synonyms = {fold(k)[0]: tuple(v) for k, v in synonyms.items()}
        self._folded = {id(c): (fold(c.title), fold(c.text)) for c in self.clauses}

    def variants(self, keyword: str) -> list[str]:
        """The keyword folded, then the thesaurus words it stands for, folded, longest first."""
        own = fold(keyword)[0]
        found = {own, *(fold(w)[0] for w in self.synonyms.get(own, ()))}
        return sorted((w for w in found if w), key=len, reverse=True)

    def find(self, keyword: str, doc_id: str | None = None) -> list[KeywordMatch]:
        """Clauses (document order) in which every keyword occurs in the title or the text."""
        groups = [self.variants(w) for w in keyword.split()]
        groups = [g for g in groups if g]
        if not groups:
            return []
        matches = []
        for clause in self.clauses:
            if doc_id is not None and clause.doc_id != doc_id:
                continue
            title, text = self._folded[id(clause)]
            title_spans, text_spans, every = [], [], True
            for group in groups:
                in_title, in_text = _spans(clause.title, title, group), _spans(clause.text, text, group)
                every &= bool(in_title or in_text)
                title_spans += in_title
                text_spans += in_text
            if every:
                matches.append(KeywordMatch(clause, _merge(title_spans), _merge(text_spans)))
        return matches


def _spans(original: str, folded: tuple[str, list[int]], words: Sequence[str]) -> list[tuple[int, int]]:
    text, origin = folded
    spans = []
    for word in words:
        start = text.find(word)
        while start >= 0:
            low, high = origin[start], origin[start + len(word) - 1] + 1
            # 「首台（套」 is shown with its closing bracket: 「首台（套）」
            opened = sum(original[low:high].count(b) for b in "（(") - sum(original[low:high].count(b) for b in "）)")
            while opened > 0 and high < len(original) and original[high] in "）)":
                high, opened = high + 1, opened - 1
            spans.append((low, high))
            start = text.find(word, start + len(word))
    return spans


def _merge(spans: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(merged)
