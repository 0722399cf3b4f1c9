"""The answer paths: validation, explicit look-up, validity, scope, search look-up.

Every path returns a Reply whose text is built from templates over verbatim
quotes and calculator worksheets; nothing here generates an amount.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from assistant.answering.calculate import Calculator
from assistant.answering.context import Context, read_context, user_turns
from assistant.answering.guard import guard_reply
from assistant.answering.llm import PolicyLlm
from assistant.answering.question import Question, read_question, wants_amount
from assistant.answering.quoting import (
    cite_line,
    describe_clause,
    make_citation,
    quote_best,
    quote_matching,
    quote_whole,
)
from assistant.answering.reply import Citation, Reply
from assistant.calculator import Calculation, Rule, compute
from assistant.policies.clauses import Clause
from assistant.policies.corpus import Corpus, Document
from assistant.policies.stacking import asks_about_stacking, explain_for_question
from assistant.policies.validity import validity_answer, validity_notice
from assistant.search.references import ClauseReference, find_documents
from assistant.search.retriever import ChineseTokenizer, Retriever, ScoredClause
from assistant.settings import PACKAGE_DATA_DIR, Settings
from assistant.text.numbering import CLOSING, count_word

VALIDITY_QUESTION = re.compile(r"有效期|还有效|有效吗|失效|过期|到期|截止|什么时候结束|还能用|还在执行|还执行")
RELATED_RATIO = 0.8  # another document's clause is shown when it scores this close to the best
OUT_OF_SCOPE_DENSE = 0.72  # below this similarity and with no shared words, nothing in the corpus is near


class Router:
    """Chooses the answer path for a question and builds the reply."""

    def __init__(self, *, settings: Settings, corpus: Corpus, retriever: Retriever, tokenizer: ChineseTokenizer,
                 query_vector: Callable[[str], np.ndarray | None], rules: Mapping[str, Rule],
                 lpr_table: Any, llm: PolicyLlm | None, clock: Callable[[], dt.date]) -> None:
        self.settings = settings
        self.corpus = corpus
        self.retriever = retriever
        self.tokenizer = tokenizer
        self.query_vector = query_vector
        self.llm = llm
        self.clock = clock
        loaded = {d.region for d in self.corpus.documents} | {a for d in self.corpus.documents for a in d.aliases}
        self.other_regions = [
            word for line in (PACKAGE_DATA_DIR / "regions.txt").read_text(encoding="utf-8").splitlines()
            if not line.startswith("#") for word in line.split()
            if not any(word in name or name in word for name in loaded)
        ]
        self.calculator = Calculator(corpus, rules, retriever, lpr_table, llm)
        self.rules = rules
        self.lpr_table = lpr_table
        self.off_topic = [
            re.compile(line.strip(), re.IGNORECASE)
            for line in (PACKAGE_DATA_DIR / "off_topic.txt").read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")
        ]
        self.topic_vocabulary = frozenset(
            word for rule in rules.values() for word in rule.keywords if len(word) >= 2
        ) | frozenset(c.title for c in self.corpus.clauses if c.clause.isdigit())

    # ---- entry -------------------------------------------------------------------------
    def answer(self, question: str, history: list[tuple[str, str]]) -> Reply:
        """Route the question, answer it, and let no unbacked amount through."""
        reply = self.route(question, history)
        user_texts = [*user_turns(history), question if isinstance(question, str) else ""]
        template = guard_reply(reply, reply, self.corpus, user_texts, self.recompute)
        if self.llm is None or template is not reply or not reply.citations:
            return template
        names = [cite_line(self.corpus, c) for c in self.cited_clauses(reply)]
        rephrased = self.llm.rephrase(reply.text, names)
        if rephrased is None:
            return template
        rephrased_reply = dataclasses.replace(reply, text=rephrased)
        return guard_reply(rephrased_reply, template, self.corpus, user_texts, self.recompute)

    def recompute(self, rule_id: str, inputs: Mapping[str, Any]) -> Calculation:
        """The calculator's own result for a rule and inputs: what the number guard checks a reply against."""
        return compute(self.rules[rule_id], inputs, self.lpr_table)

    def cited_clauses(self, reply: Reply) -> list[Clause]:
        """The clauses a reply cites, in order."""
        clauses = [self.corpus.clause(c.doc_id, c.clause) for c in reply.citations]
        return [c for c in clauses if c is not None]

    def route(self, question: str, history: list[tuple[str, str]]) -> Reply:
        """The answer path for the question."""
        problem = self.check_question(question)
        if problem:
            return problem
        asked = read_question(question, history, self.corpus)
        question = asked.text
        if asked.references:
            return self.answer_references(question, list(asked.references))
        if VALIDITY_QUESTION.search(question):
            return self.answer_validity(asked)
        region = self.other_region(asked)
        if region:
            return self.out_of_scope(f"您问的是{region}的政策。", self.pointer(question.replace(region, "")))
        if any(p.search(question) for p in self.off_topic) and not self.names_topic(question):
            return self.out_of_scope("这个问题不在政策咨询范围内。")
        if asks_about_stacking(question):
            return self.answer_stacking(question)
        context = read_context(question, history, self.corpus, self.tokenizer, self.names_topic(question))
        return self.answer_search(context, asked)

    # ---- input checks ------------------------------------------------------------------
    def check_question(self, question: str) -> Reply | None:
        """A clarify reply for input that cannot be answered as given, else None."""
        if not isinstance(question, str) or not question.strip():
            return Reply("请输入您的问题，例如「哈尔滨第十一条讲什么」或「技术改造项目贴息怎么算？」",
                         "clarify", missing=("您的问题",))
        limit = self.settings.max_question_chars
        if len(question) > limit:
            return Reply(f"问题太长了（{len(question)}字），请精简到{limit}字以内，一次问一件事。", "clarify",
                         missing=("精简后的问题",))
        if not re.search(r"[\u4e00-\u9fff]", _printable(question)):
            return Reply(f"请用中文提问，例如「企业上市有什么补助？」本助手解答{self.coverage()}。", "clarify",
                         missing=("用中文描述的问题",))
        return None

    def coverage(self) -> str:
        """「黑龙江省、哈尔滨市的工业扶持政策」 from the loaded documents."""
        return "、".join(dict.fromkeys(d.region for d in self.corpus.documents)) + "已收录的扶持政策"

    # ---- explicit references -----------------------------------------------------------
    def answer_references(self, question: str, references: list[ClauseReference]) -> Reply:
        """Quote the clauses the question names (「哈尔滨第十一条讲什么」)."""
        clauses: list[Clause] = []
        missing: list[str] = []
        for reference in references:
            doc_ids = [reference.doc_id] if reference.doc_id else self.documents_by_numbering()
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

    # ---- validity ----------------------------------------------------------------------
    def answer_validity(self, question: Question) -> Reply:
        """「这个政策现在还有效吗」: the validity of the documents the question or conversation is about."""
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

    # ---- stacking ----------------------------------------------------------------------
    def answer_stacking(self, question: str) -> Reply:
        """「省里和市里的X能一起拿吗」: the stacking rule that applies, cited."""
        text, rules = explain_for_question(self.corpus, question)
        citations = [self.calculator.rule_citation(rule) for rule in rules]
        context = read_context(question, [], self.corpus, self.tokenizer)
        ranked, vector = self.search(context, find_documents(question, self.corpus))
        pairs = self.calculator.side_by_side(question, ranked, vector)
        if pairs:
            lines = [self.calculator.headline(calculation, rule) for rule, calculation in pairs]
            text += "\n\n金额对照（各自按条款计算，不能同时享受时按上面的规则取其一）：\n" + "\n".join(lines)
            citations += [self.calculator.rule_citation(rule) for rule, _ in pairs]
        calculations = tuple(c for _, c in pairs)
        return self.finish(Reply(text, "lookup", tuple(citations), calculations))

    # ---- scope -------------------------------------------------------------------------
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

    def out_of_scope(self, reason: str, pointer: Clause | None = None) -> Reply:
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

    # ---- search look-up ----------------------------------------------------------------
    def search(self, context: Context, named: Sequence[str]) -> tuple[list[ScoredClause], Any]:
        """Hybrid search over the question (with the previous turn when it leans on it),
        restricted to the documents the question itself (`named`), else the conversation, names."""
        doc_ids = list(named)
        if not doc_ids and context.leans_on_earlier and context.earlier:
            doc_ids = find_documents(context.earlier[-1], self.corpus)
        vector = self.query_vector(context.search_text)
        return self.retriever.score(context.search_text, vector, doc_ids or None), vector

    def answer_search(self, context: Context, question: Question) -> Reply:
        """Compute when an amount is asked, else find the clause that answers and quote it."""
        ranked, vector = self.search(context, question.documents)
        if (context.earlier and not context.leans_on_earlier and question.wants_amount
                and not self.calculator.stands_alone(context.question, ranked, vector)):
            # 「交易额50万元能拿多少」 after 「买高校专利有补贴吗」: the figures belong to the earlier subject
            context = dataclasses.replace(context, leans_on_earlier=True)
            ranked, vector = self.search(context, question.documents)
        if not ranked or self.is_unrelated(ranked[0]):
            return self.out_of_scope("已收录的政策中没有与您的问题直接相关的条款。")
        if question.wants_amount or (context.leans_on_earlier and wants_amount(context.search_text)):
            calculated = self.calculator.answer(context, ranked, vector)
            if calculated is None:
                calculated = self.calculator.no_rule(ranked)
            if calculated is not None:
                return self.finish(calculated)
        chosen = self.pick_citations(ranked)
        citations = [make_citation(s.clause, quote_best(s)) for s in chosen]
        parts = [describe_clause(self.corpus, s.clause, c.quote) for s, c in zip(chosen, citations, strict=True)]
        if len(chosen) > 1:
            parts[1] = "相关条款：" + parts[1]
        return self.finish(Reply("\n\n".join(parts), "lookup", tuple(citations)))

    def is_unrelated(self, best: ScoredClause) -> bool:
        """Nothing in the corpus shares a word with the question or is semantically close."""
        return best.lexical <= 0.0 and best.dense < OUT_OF_SCOPE_DENSE

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

    # ---- shared ------------------------------------------------------------------------
    def finish(self, reply: Reply) -> Reply:
        """Append the validity notice of every cited document that needs one."""
        today = self.clock()
        notices = []
        for doc_id in dict.fromkeys(c.doc_id for c in reply.citations):
            document = self.corpus.document(doc_id)
            if document is not None and document.is_in_force(today) is not True:
                notices.append(validity_notice(document, today))
        if not notices:
            return reply
        text = reply.text + "\n\n" + "\n".join(notices)
        return dataclasses.replace(reply, text=text, notices=reply.notices + tuple(notices))


def _printable(text: str) -> str:
    return "".join(ch for ch in text if unicodedata.category(ch)[0] != "C")
