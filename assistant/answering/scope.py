"""The out-of-scope path: other regions, off-topic questions and questions nothing in the corpus is near.

The reply says what the assistant covers and, where one exists, points to a loaded clause on the same
subject.  The vocabulary of the loaded provisions (rule keywords, clause titles) keeps a question on a
covered subject in scope even when it also matches an off-topic pattern.
"""

from __future__ import annotations

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

OUT_OF_SCOPE_DENSE = 0.72  # below this similarity and with no shared words, nothing in the corpus is near


class OutOfScopeAnswerer:
    """Recognises questions outside the loaded policies and says what the assistant covers."""

    def __init__(self, corpus: Corpus, rules: Mapping[str, Rule], retriever: Retriever,
                 query_vector: Callable[[str], np.ndarray | None]) -> None:
        self.corpus = corpus
        self.retriever = retriever
        self.query_vector = query_vector
        loaded = {d.region for d in corpus.documents} | {a for d in corpus.documents for a in d.aliases}
        self.other_regions = [
            word for line in (PACKAGE_DATA_DIR / "regions.txt").read_text(encoding="utf-8").splitlines()
            if not line.startswith("#") for word in line.split()
            if not any(word in name or name in word for name in loaded)
        ]
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
        region = self.other_region(question)
        if region:
            return self.reply(f"您问的是{region}的政策。", self.pointer(question.text.replace(region, "")))
        if any(p.search(question.text) for p in self.off_topic) and not self.names_topic(question.text):
            return self.reply("这个问题不在政策咨询范围内。")
        return None

    def other_region(self, question: Question) -> str | None:
        """A place outside the loaded policies' regions named without any loaded region."""
        if question.documents:
            return None
        return next((r for r in self.other_regions if r in question.text), None)

    def names_topic(self, question: str) -> bool:
        """The question names a provision's subject (a rule keyword or a clause title)."""
        return any(word in question for word in self.topic_vocabulary)

    def pointer(self, question: str) -> Clause | None:
        """A loaded clause on the same subject, to point to from an out-of-scope answer."""
        if not self.names_topic(question):
            return None
        ranked = self.retriever.score(question, self.query_vector(question))
        return ranked[0].clause if ranked and ranked[0].lexical > 0 else None

    @staticmethod
    def is_unrelated(best: ScoredClause) -> bool:
        """Nothing in the corpus shares a word with the question or is semantically close."""
        return best.lexical <= 0.0 and best.dense < OUT_OF_SCOPE_DENSE

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
