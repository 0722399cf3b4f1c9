"""Compose look-up answers: the clause named, the sentences that answer quoted verbatim."""

from __future__ import annotations

import itertools
import re

from assistant.answering.reply import Citation
from assistant.policies.clauses import Clause, split_sentences
from assistant.policies.corpus import Corpus
from assistant.search.retriever import ScoredClause
from assistant.text.numbering import ARTICLE, ARTICLE_MARK, MEASURE_MARK, NAMED_PARTS, SECTION_MARK

# Sentences that open a clause with its title (「1.支持企业技术改造。」) carry no content.
HEADING_SENTENCE = re.compile(rf"^(?:{ARTICLE_MARK}[\u3000 ]?|{MEASURE_MARK}|{SECTION_MARK})?[^，。；]{{0,24}}。$")
QUOTE_LIMIT = 3  # sentences quoted from a clause cited beside a calculation
QUOTE_MARGIN = 0.25  # a sentence is quoted when it scores within this of the best


def clause_body(clause: Clause) -> str:
    """The clause without its number and title sentence and without the department list."""
    spans = _content_spans(clause)
    return "".join(clause.text[s:e] for s, e in spans).strip() or clause.text


def quote_whole(clause: Clause) -> str:
    """The clause's full content, verbatim (for 「第十一条讲什么」)."""
    spans = _content_spans(clause)
    if not spans:
        return clause.text
    return clause.text[spans[0][0] : spans[-1][1]]


def quote_best(scored: ScoredClause, limit: int | None = QUOTE_LIMIT) -> str:
    """The sentences of the clause that best answer the question, verbatim, in document order.

    A sentence answers when it scores within QUOTE_MARGIN of the best one; `limit` caps how many
    are kept (None: every one that answers, as a look-up quotes them, so that no stage or amount
    the question asks about is hidden behind 「……」).
    """
    clause = scored.clause
    content = set(_content_spans(clause))
    ranked = [(s, e, score) for s, e, score in scored.sentences if (s, e) in content]
    if not ranked:
        return quote_whole(clause)
    best = ranked[0][2]
    chosen = [(s, e) for s, e, score in ranked[:limit] if score >= best - QUOTE_MARGIN]
    chosen.sort()
    return _join_spans(clause.text, chosen)


def quote_matching(clause: Clause, words: list[str]) -> str:
    """The sentences of the clause containing any of `words`, verbatim; the whole clause if none."""
    spans = [(s, e) for s, e in _content_spans(clause) if any(w in clause.text[s:e] for w in words)]
    return _join_spans(clause.text, spans) if spans else quote_whole(clause)


def is_verbatim(clause: Clause, quote: str) -> bool:
    """Every part of the quote (gaps marked 「……」) is the clause's own words."""
    return all(part in clause.text for part in quote.split("……") if part)


def make_citation(clause: Clause, quote: str) -> Citation:
    """A citation whose quote is checked to be the clause's own words."""
    if not is_verbatim(clause, quote):
        raise ValueError(f"quote is not verbatim from {clause.doc_id} {clause.clause}: {quote[:20]}")
    return Citation(clause.doc_id, clause.clause, clause.title, quote)


def cite_line(corpus: Corpus, clause: Clause) -> str:
    """「《…》（哈政规〔2021〕10号）第十一条 降低企业融资成本」."""
    document = corpus.document(clause.doc_id)
    assert document is not None
    title = "" if clause.clause in NAMED_PARTS else f" {clause.title}"
    return f"{document.cited_title}{clause.label}{title}"


def describe_clause(corpus: Corpus, clause: Clause, quote: str) -> str:
    """A look-up paragraph: citation line, verbatim quote, responsible departments."""
    lines = [f"{cite_line(corpus, clause)}：", f"「{quote}」"]
    if clause.departments:
        lines.append(f"责任部门：{'、'.join(clause.departments)}")
    return "\n".join(lines)


def _content_spans(clause: Clause) -> list[tuple[int, int]]:
    spans = split_sentences(clause.text)
    content = []
    for index, (start, end) in enumerate(spans):
        sentence = clause.text[start:end]
        if index == 0 and HEADING_SENTENCE.match(sentence) and len(spans) > 1:
            continue
        if clause.departments and sentence.startswith("（") and index == len(spans) - 1:
            continue
        content.append((start, end))
    # drop the article number that prefixes a first sentence which is not a heading
    if content and clause.text[content[0][0] :].startswith("第"):
        match = ARTICLE.match(clause.text[content[0][0] :])
        if match:
            content[0] = (content[0][0] + match.end(), content[0][1])
    return content


def _join_spans(text: str, spans: list[tuple[int, int]]) -> str:
    """Adjacent sentences join as printed; gaps are marked with 「……」."""
    if not spans:
        return ""
    parts = [text[spans[0][0] : spans[0][1]]]
    for (_, previous_end), (start, end) in itertools.pairwise(spans):
        gap = text[previous_end:start]
        parts.append(gap if gap.strip() == "" and "\n" not in gap else "……")
        parts.append(text[start:end])
    return "".join(parts)
