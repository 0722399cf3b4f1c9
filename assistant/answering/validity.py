"""The validity path: 「这个政策现在还有效吗」, and the validity notice every other path appends."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable

from assistant.answering.question import Question
from assistant.answering.quoting import make_citation, quote_matching
from assistant.answering.reply import Reply
from assistant.policies.corpus import Corpus
from assistant.policies.validity import validity_answer, validity_notice
from assistant.text.numbering import CLOSING

VALIDITY_QUESTION = re.compile(r"有效期|还有效|有效吗|失效|过期|到期|截止|什么时候结束|还能用|还在执行|还执行")


def asks_about_validity(question: str) -> bool:
    """「有效期到什么时候」「还有效吗」「过期了没有」."""
    return bool(VALIDITY_QUESTION.search(question))


class ValidityAnswerer:
    """Answers when the documents a question or conversation is about are in force, quoting their 附则."""

    def __init__(self, corpus: Corpus, clock: Callable[[], dt.date]) -> None:
        self.corpus = corpus
        self.clock = clock

    def answer(self, question: Question) -> Reply:
        """The validity of the documents the question names, else the conversation's, else all."""
        doc_ids = list(question.documents)
        if not doc_ids:
            context = question.context_document
            doc_ids = [context] if context else [d.doc_id for d in self.corpus.documents]
        documents = [d for d in self.corpus.documents if d.doc_id in doc_ids]
        citations = []
        for document in documents:
            closing = document.clause(CLOSING)
            if closing is not None:
                words = [w for w in (document.validity_rule.rstrip("。"), "有效期", "施行") if w]
                citations.append(make_citation(closing, quote_matching(closing, words)))
        text = validity_answer(documents, self.clock())
        return Reply(text, "lookup", tuple(citations))


def add_validity_notices(reply: Reply, corpus: Corpus, today: dt.date) -> Reply:
    """The reply with the validity notice of every cited document not known to be in force."""
    notices = []
    for doc_id in dict.fromkeys(c.doc_id for c in reply.citations):
        document = corpus.document(doc_id)
        if document is not None and document.is_in_force(today) is not True:
            notices.append(validity_notice(document, today))
    if not notices:
        return reply
    text = reply.text + "\n\n" + "\n".join(notices)
    return dataclasses.replace(reply, text=text, notices=reply.notices + tuple(notices))
