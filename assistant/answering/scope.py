"""The out-of-scope path: other regions, off-topic questions and questions nothing in the corpus is near.

The reply says what the assistant covers and, where one exists, points to a loaded clause on the same
subject.  The vocabulary of the loaded provisions (rule keywords, clause titles) keeps a question on a
covered subject in scope even when it also matches an off-topic pattern.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping

import numpy as np

from assistant.answering.question import Question
from assistant.answering.quoting import cite_line, make_citation, quote_whole
from assistant.answering.reply import Citation, Reply
from assistant.calculator import Rule
from assistant.policies.clauses import Clause
from assistant.policies.corpus import Corpus
from assistant.search.retriever import Retriever, ScoredClause
from assistant.settings import PACKAGE_DATA_DIR


class OutOfScopeAnswerer:
    """Recognises questions outside the loaded policies and says what the assistant covers."""

    def __init__(self, corpus: Corpus, rules: Mapping[str, Rule], retriever: Retriever,
                 query_vector: Callable[[str], np.ndarray | None]) -> None:
        self.corpus = corpus
        self.retriever = retriever
        self.query_vector = query_vector
        self.off_topic = [
            re.compile(line.strip(), re.IGNORECASE)
            for line in (PACKAGE_DATA_DIR / "off_topic.txt").read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")
        ]
        self.topic_vocabulary = frozenset(
            word for rule in rules.values() for word in rule.keywords if len(word) >= 2
        ) | frozenset(c.title for c in corpus.clauses if c.clause.isdigit())

    def refuse(self, question: Question) -> Reply | None:
        """An out-of-scope reply for a question about another region or off the policies' topics, else None."""
        if any(p.search(question.text) for p in self.off_topic) and not self.names_topic(question.text):
            return self.reply("这个问题不在政策咨询范围内。")
        return None

    def names_topic(self, question: str) -> bool:
        """The question names a provision's subject (a rule keyword or a clause title)."""
        return any(word in question for word in self.topic_vocabulary)

    def pointer(self, question: str) -> Clause | None:
        """A loaded clause on the same subject, to point to from an out-of-scope answer."""
        if not self.names_topic(question):
            return None
        ranked = self.retriever.score(question, self.query_vector(question))
        return ranked[0].clause if ranked and ranked[0].lexical > 0 else None

    def is_unrelated(self, best: ScoredClause) -> bool:
        """Nothing in the corpus shares a word with the question or is semantically close."""
        return best.lexical <= 0.0 and best.dense < self.retriever.out_of_scope_similarity  # per model: manifest

    def outside(self, question: Question) -> Reply:
        """The company is somewhere no loaded policy is in force: say so plainly."""
        place = "、".join(p.full_name for p in question.places)
        pointer = self.pointer(question.text)
        return self.reply(f"您提到的{place}不在已收录政策的适用地域内，这些政策对{place}的企业不适用。", pointer)

    def not_in_force_there(self, question: Question, doc_ids: list[str]) -> Reply:
        """The question asks about a policy that is not in force where the company is."""
        place = "、".join(p.full_name for p in question.places)
        asked = "；".join(f"{self._document(d).cited_title}只适用于{self._document(d).region}" for d in doc_ids)
        applicable = [self._document(d) for d in question.applicable or ()]
        instead = "、".join(f"{d.cited_title}（适用于{d.region}）" for d in applicable)
        text = (f"{asked}，您的企业在{place}，不能享受。" +
                (f"在{place}适用的是{instead}，可以按其条款咨询。" if instead else ""))
        return Reply(text, "out_of_scope")

    def with_place_note(self, reply: Reply, question: Question) -> Reply:
        """A reply restricted to the policies in force where the company is, saying so."""
        place = "、".join(p.full_name for p in question.places)
        left_out = [d for d in self.corpus.documents if d.doc_id not in (question.applicable or ())]
        if not left_out:
            return reply
        names = "、".join(d.cited_title for d in left_out)
        note = f"（按您的企业所在地{place}，只列适用的政策；{names}仅适用于{'、'.join(d.region for d in left_out)}。）"
        return dataclasses.replace(reply, text=f"{reply.text}\n\n{note}")

    def _document(self, doc_id: str):  # type: ignore[no-untyped-def]
        document = self.corpus.document(doc_id)
        assert document is not None
        return document

    def reply(self, reason: str, pointer: Clause | None = None) -> Reply:
        """What the assistant covers, and where a related clause exists, a pointer to it."""
        listing = "；".join(f"{d.cited_title}（{d.region}）" for d in self.corpus.documents)
        text = f"{reason}本助手只解答已收录的政策：{listing}。"
        citations: tuple[Citation, ...] = ()
        if pointer is not None:
            document = self.corpus.document(pointer.doc_id)
            region = document.region if document else ""
            text += f"\n已收录政策中的同类条款可参考：{cite_line(self.corpus, pointer)}（适用于{region}）。"
            citations = (make_citation(pointer, quote_whole(pointer)),)
        return Reply(text, "out_of_scope", citations)
