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
from assistant.policies.validity import format_date, validity_answer, validity_notice
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
    """The reply with the validity notice of every cited document not known to be in force, and the
    loaded documents that implement, amend, supersede or extend a cited clause (relation_notices)."""
    notices = []
    for doc_id in dict.fromkeys(c.doc_id for c in reply.citations):
        document = corpus.document(doc_id)
        if document is not None and document.is_in_force(today) is not True:
            notices.append(validity_notice(document, today))
    notices += relation_notices(reply, corpus, today)
    if not notices:
        return reply
    text = reply.text + "\n\n" + "\n".join(notices)
    return dataclasses.replace(reply, text=text, notices=reply.notices + tuple(notices))


def relation_notices(reply: Reply, corpus: Corpus, today: dt.date) -> list[str]:
    """「本条另有《…》（2024年7月1日起施行）修改其金额标准」 for each cited clause, and for a calculation
    whose figures an amendment in force on `today` replaces: that the amount shown is the earlier standard."""
    notes: list[str] = []
    for doc_id, clause in dict.fromkeys((c.doc_id, c.clause) for c in reply.citations):
        for other, relation in corpus.related(doc_id, clause):
            since = f"（自{format_date(relation.since)}起）" if relation.since else ""
            scope = "本条" if relation.clauses else "本政策"
            what = {"implements": f"是{scope}的实施细则", "amends": f"修改了{scope}的金额标准",
                    "supersedes": "废止并替代了本政策", "extends_validity": "延长了本政策的有效期"}[relation.kind]
            notes.append(f"另：已收录的{other.cited_title}{since}{what}。")
    for calculation in reply.calculations:
        rule = corpus.rules.get(calculation.rule_id.split(":")[0])
        if rule is None:
            continue
        used = next(((d, r) for d in corpus.documents for r in d.relations
                     if r.kind == "amends" and rule.rule_id in dict(r.rules).values()), None)
        if used is not None and used[1].since is not None:
            notes.append(f"说明：以上「{rule.name}」按{used[0].cited_title}自{format_date(used[1].since)}起执行的"
                         f"修改后标准计算（{used[1].target} 原规定已被修改）。")
            continue
        current, amending, amendment = corpus.rule_in_force(rule, today)
        if current is not rule and amending is not None and amendment is not None and amendment.since is not None:
            notes.append(f"注意：以上「{rule.name}」按{rule.clause_label}原标准计算；自{format_date(amendment.since)}起"
                         f"执行{amending.cited_title}修改后的标准（规则 {current.rule_id}），以上金额不是现行标准。")
    return list(dict.fromkeys(notes))
