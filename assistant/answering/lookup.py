"""The look-up path: quote the clauses a question names, or the clauses a search finds.

「哈尔滨第十一条讲什么」 names its clauses and is answered without search; any other question that
asks for no amount is answered by the best clause of a hybrid search, with the closest clause of
each other document beside it.  The quotes are verbatim sentences of the clauses.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from assistant.answering.context import Context
from assistant.answering.dates import asked_date, asked_phrase
from assistant.answering.quoting import describe_clause, make_citation, quote_best, quote_whole
from assistant.answering.reply import Reply
from assistant.answering.validity import add_validity_notices
from assistant.errors import CorpusError
from assistant.policies.clauses import Clause
from assistant.policies.corpus import Corpus, Document
from assistant.policies.places import load_places
from assistant.policies.validity import format_date
from assistant.search.references import ClauseReference, find_documents
from assistant.search.retriever import Retriever, ScoredClause
from assistant.text.numbering import count_word

RELATED_RATIO = 0.8  # another document's clause is shown when it scores this close to the best


def before_first_version(corpus: Corpus, doc_ids: Sequence[str], on: dt.date, phrase: str | None) -> list[str]:
    """A note for each policy not yet in force on `on` (its oldest version starts later): what is quoted is
    that oldest version, and the policy did not yet exist (or was issued but not yet in force) then."""
    notes = []
    for doc_id in dict.fromkeys(doc_ids):
        family = corpus.versions(doc_id)
        oldest = family[0] if family else None
        start = corpus.version_start(oldest.doc_id) if oldest else None
        if oldest is None or start is None or on >= start:
            continue
        name = f"最早的版本（{oldest.version}）" if len(family) > 1 and oldest.version else ""
        state = "尚未印发" if oldest.issued is not None and on < oldest.issued else "已印发但尚未施行"
        shown = "该版本" if name else "该政策"
        notes.append(f"注意：{oldest.short_title}{name}自{format_date(start)}起施行，"
                     f"{f'{phrase}时' if phrase else '目前'}{state}；以上引用的是{shown}的规定。")
    return notes


def versions_on(corpus: Corpus, doc_ids: Sequence[str], on: dt.date) -> list[str]:
    """`doc_ids` with each policy of several versions replaced by its version in force on `on`, in order."""
    out: list[str] = []
    for doc_id in doc_ids:
        version = corpus.version_on(doc_id, on)
        chosen = version.doc_id if version else doc_id
        if chosen not in out:
            out.append(chosen)
    return out


def enclosing_documents(corpus: Corpus) -> dict[str, tuple[str, ...]]:
    """doc_id → the loaded documents whose region strictly contains its region (policies/places.py):
    the province's policy for each of its cities' policies."""
    try:
        places = load_places()
    except CorpusError:
        return {}
    regions = {d.doc_id: places.region(d.region) for d in corpus.documents}
    enclosing: dict[str, tuple[str, ...]] = {}
    for doc_id, region in regions.items():
        outer = [other for other, around in regions.items()
                 if region is not None and around is not None and around != region and region.within(around)]
        if outer:
            enclosing[doc_id] = tuple(outer)
    return enclosing


class LookupAnswerer:
    """Finds the clauses that answer a question and quotes them."""

    def __init__(self, corpus: Corpus, retriever: Retriever, query_vector: Callable[[str], np.ndarray | None],
                 clock: Callable[[], dt.date]) -> None:
        self.corpus = corpus
        self.retriever = retriever
        self.query_vector = query_vector
        self.clock = clock
        self.enclosing = enclosing_documents(corpus)

    # ---- explicit references -----------------------------------------------------------
    def answer_references(self, references: Sequence[ClauseReference], question: str = "") -> Reply:
        """Quote the clauses the question names (「哈尔滨第十一条讲什么」), from the version of each policy
        in force on the date the question names (「2022年时」), else today."""
        clauses: list[Clause] = []
        missing: list[str] = []
        on = asked_date(question, self.clock())
        for reference in references:
            doc_ids = [reference.doc_id] if reference.doc_id else self.documents_by_numbering()
            doc_ids = versions_on(self.corpus, doc_ids, on)
            found = [c for c in (self.corpus.clause(d, reference.clause) for d in doc_ids) if c]
            if not found:
                missing.append(self._reference_label(reference))
            clauses.extend(c for c in found if c not in clauses)
        if not clauses:
            known = "；".join(f"{d.short_title}共{sum(c.clause.isdigit() for c in d.clauses)}条"
                             for d in self.corpus.documents)
            return Reply(f"没有找到{'、'.join(missing)}。{known}。请核对条款序号。", "clarify")
        citations = [make_citation(c, quote_whole(c)) for c in clauses]
        parts = [describe_clause(self.corpus, c, cit.quote) for c, cit in zip(clauses, citations, strict=True)]
        if missing:
            parts.append(f"另：没有找到{'、'.join(missing)}。")
        phrase = asked_phrase(question, self.clock())
        parts += before_first_version(self.corpus, [c.doc_id for c in clauses], on, phrase)
        documents = len({c.doc_id for c in clauses})
        if any(r.doc_id is None for r in references) and documents > 1:
            parts.insert(0, f"您没有说明是哪份政策，{count_word(documents)}份政策的该条都列在下面：")
        return self.finish(Reply("\n\n".join(parts), "lookup", tuple(citations)))

    def documents_by_numbering(self) -> list[str]:
        """Documents in the order a bare 「第X条」 most likely means: 第X条-numbered ones first."""
        def numbered_as_articles(document: Document) -> bool:
            return any(c.text.startswith("第") for c in document.clauses if c.clause.isdigit())

        return [d.doc_id for d in sorted(self.corpus.documents, key=lambda d: not numbered_as_articles(d))]

    def _reference_label(self, reference: ClauseReference) -> str:
        document = self.corpus.document(reference.doc_id) if reference.doc_id else None
        prefix = document.short_title if document else ""
        return f"{prefix}第{reference.clause}条" if reference.clause.isdigit() else f"{prefix}{reference.clause}"

    # ---- search ------------------------------------------------------------------------
    def search(self, context: Context, named: Sequence[str]) -> tuple[list[ScoredClause], Any]:
        """Hybrid search over the question (with the previous turn when it leans on it),
        restricted to the documents the question itself (`named`), else the conversation, names."""
        doc_ids = list(named)
        if not doc_ids and context.leans_on_earlier and context.earlier:
            doc_ids = find_documents(context.earlier[-1], self.corpus)
        # a policy named by an alias its other versions do not carry is searched in all of its versions
        doc_ids = list(dict.fromkeys(v.doc_id for d in doc_ids for v in self.corpus.versions(d))) or doc_ids
        vector = self.query_vector(context.search_text)
        ranked = self.retriever.score(context.search_text, vector, doc_ids or None)
        if any(d.version for d in self.corpus.documents):
            on = asked_date(context.question, self.clock())
            ranked = [s for s in ranked if versions_on(self.corpus, [s.clause.doc_id], on) == [s.clause.doc_id]]
        return ranked + self.enclosing_beside(context.search_text, vector, doc_ids, ranked), vector

    def enclosing_beside(self, text: str, vector: Any, doc_ids: list[str],
                         ranked: list[ScoredClause]) -> list[ScoredClause]:
        """A city's policy never stands alone: the clauses of the policies whose region contains the
        named ones' (齐齐哈尔 → 黑龙江省), ranked after every clause of the named documents, so the
        answer and its amounts still come from the document named, and the province's measure is
        quoted beside it when close (pick_citations). Their scores are those of one search over both,
        scaled so each keeps its ratio to the named documents' best there."""
        outer = [d for named in doc_ids for d in self.enclosing.get(named, ()) if d not in doc_ids]
        if not outer or not ranked:
            return []
        both = self.retriever.score(text, vector, [*doc_ids, *outer])
        named_best = next((s.score for s in both if s.clause.doc_id in doc_ids), 0.0)
        if named_best <= 0:
            return []
        scale = ranked[0].score / named_best
        return [dataclasses.replace(s, score=s.score * scale) for s in both if s.clause.doc_id in outer]

    def answer_ranked(self, ranked: list[ScoredClause]) -> Reply:
        """Quote the best of the ranked clauses and the close ones beside it."""
        chosen = self.pick_citations(ranked)
        citations = [make_citation(s.clause, quote_best(s, limit=None)) for s in chosen]
        parts = [describe_clause(self.corpus, s.clause, c.quote) for s, c in zip(chosen, citations, strict=True)]
        if len(chosen) > 1:
            parts[1] = "相关条款：" + parts[1]
        return self.finish(Reply("\n\n".join(parts), "lookup", tuple(citations)))

    def pick_citations(self, ranked: list[ScoredClause], limit: int = 3) -> list[ScoredClause]:
        """The best clause, then the best close clause of each other document, then the runners-up."""
        best = ranked[0]
        chosen = [best]
        for document in self.corpus.documents:
            if document.doc_id == best.clause.doc_id:
                continue
            other = next((s for s in ranked if s.clause.doc_id == document.doc_id), None)
            if other is not None and other.score >= RELATED_RATIO * best.score:
                chosen.append(other)
        for scored in ranked[1:]:
            if len(chosen) >= limit:
                break
            if scored not in chosen:
                chosen.append(scored)
        return chosen[:limit]

    def finish(self, reply: Reply) -> Reply:
        """The reply with the validity notices of the documents it cites."""
        return add_validity_notices(reply, self.corpus, self.clock())
