"""The router: checks a question, reads it once, and hands it to the answer path that fits.

The paths, one class each: explicit clause references and search look-ups (lookup.py), validity
(validity.py), out of scope (scope.py), stacking (stacking.py), calculation (calculate.py) and the
match of a described company against every provision (match_reply.py, match.py).
Every path returns a Reply whose text is built from templates over verbatim quotes and calculator
worksheets; nothing generates an amount, and the number guard checks every reply before it leaves.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from assistant.answering.calculate import Calculator
from assistant.answering.context import Context, read_context, topic_words, user_turns
from assistant.answering.guard import guard_reply
from assistant.answering.llm import PolicyLlm
from assistant.answering.lookup import LookupAnswerer
from assistant.answering.match_reply import MatchAnswerer
from assistant.answering.profile import load_company_facts
from assistant.answering.question import BENEFIT_QUESTION, Question, read_question, wants_amount
from assistant.answering.quoting import cite_line
from assistant.answering.reply import Reply
from assistant.answering.scope import OutOfScopeAnswerer
from assistant.answering.stacking import StackingAnswerer
from assistant.answering.validity import ValidityAnswerer, add_validity_notices, asks_about_validity
from assistant.calculator import Calculation, Rule, compute
from assistant.policies.clauses import Clause
from assistant.policies.corpus import Corpus
from assistant.policies.places import Places, load_places
from assistant.policies.stacking import asks_about_stacking
from assistant.search.retriever import ChineseTokenizer, Retriever
from assistant.settings import Settings


class Router:
    """Chooses the answer path for a question and lets no unbacked amount through."""

    def __init__(self, *, settings: Settings, corpus: Corpus, retriever: Retriever, tokenizer: ChineseTokenizer,
                 query_vector: Callable[[str], np.ndarray | None], rules: Mapping[str, Rule],
                 lpr_table: Any, llm: PolicyLlm | None, clock: Callable[[], dt.date]) -> None:
        self.settings = settings
        self.corpus = corpus
        self.tokenizer = tokenizer
        self.llm = llm
        self.clock = clock
        self.rules = rules
        self.lpr_table = lpr_table
        self.calculator = Calculator(corpus, rules, retriever, lpr_table, llm, clock)
        self.places = local_short_names(load_places(), corpus, tokenizer)
        self.lookup = LookupAnswerer(corpus, retriever, query_vector, clock)
        self.validity = ValidityAnswerer(corpus, clock)
        self.scope = OutOfScopeAnswerer(corpus, rules, retriever, query_vector)
        self.stacking = StackingAnswerer(corpus, tokenizer, self.lookup.search, self.calculator, clock)
        self.match = MatchAnswerer(corpus, rules, lpr_table, load_company_facts(), self.places, clock)

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

    def check_company(self, description: str, history: list[tuple[str, str]]) -> Reply:
        """The match (政策体检) of a company description, whatever it asks: the 政策体检 form's path."""
        problem = self.check_question(description)
        if problem:
            return problem
        asked = read_question(description, history, self.corpus, self.places)
        reply = self.match.answer(asked)
        user_texts = [*user_turns(history), description]
        return guard_reply(reply, reply, self.corpus, user_texts, self.recompute)

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
        asked = read_question(question, history, self.corpus, self.places)
        if not asked.references and self.match.wants(asked):  # 「我们是……能享受哪些政策」
            return self.match.answer(asked)
        if asked.applicable is not None:
            if not asked.applicable:
                return self.scope.outside(asked)
            outside = [d for d in asked.documents if d not in asked.applicable]
            if outside:
                return self.scope.not_in_force_there(asked, outside)
            if len(asked.applicable) < len(self.corpus.documents):
                restricted = dataclasses.replace(asked, documents=asked.documents or asked.applicable)
                return self.scope.with_place_note(self.route_read(restricted, history), asked)
        return self.route_read(asked, history)

    def route_read(self, asked: Question, history: list[tuple[str, str]]) -> Reply:
        """The answer path for a question already read."""
        question = asked.text
        if asked.references:
            return self.lookup.answer_references(asked.references, question)
        if asks_about_validity(question):
            return self.validity.answer(asked)
        refused = self.scope.refuse(asked)
        if refused:
            return refused
        if asks_about_stacking(question):
            return self.stacking.answer(question)
        context = read_context(question, history, self.corpus, self.tokenizer, self.scope.names_topic(question))
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

    # ---- search: calculation or look-up ------------------------------------------------
    def answer_search(self, context: Context, question: Question) -> Reply:
        """Compute when an amount is asked, else find the clause that answers and quote it."""
        ranked, vector = self.lookup.search(context, question.documents)
        if (context.earlier and not context.leans_on_earlier and question.wants_amount
                and not self.calculator.stands_alone(context.question, ranked, vector)):
            # 「交易额50万元能拿多少」 after 「买高校专利有补贴吗」: the figures belong to the earlier subject
            context = dataclasses.replace(context, leans_on_earlier=True)
            ranked, vector = self.lookup.search(context, question.documents)
        if not ranked or self.scope.is_unrelated(ranked[0]):
            return self.scope.reply("已收录的政策中没有与您的问题直接相关的条款。")
        same = self.same_matter(context, question)
        if same is not None:  # 「那市里呢」: the other level's clause on the matter the earlier turn was about
            key = (same.doc_id, same.clause)
            ranked = ([s for s in ranked if (s.clause.doc_id, s.clause.clause) == key]
                      + [s for s in ranked if (s.clause.doc_id, s.clause.clause) != key])
            if (ranked[0].clause.doc_id, ranked[0].clause.clause) != key:
                same = None
        if question.wants_amount or (context.leans_on_earlier and wants_amount(context.search_text)):
            calculated = self.calculator.answer(context, ranked, vector, prefer=same)
            if calculated is None:
                calculated = self.calculator.no_rule(ranked)
            if calculated is not None:
                return add_validity_notices(calculated, self.corpus, self.clock())
        elif BENEFIT_QUESTION.search(question.text):
            # 「评上了国家级专精特新小巨人，省里有奖吗」: an award the stated facts settle (a fixed amount, every
            # condition stated) is answered with its worksheet; anything the facts leave open is looked up
            calculated = self.calculator.answer(context, ranked, vector, prefer=same)
            if (calculated is not None and calculated.route == "calculate" and calculated.calculations
                    and not any(c.assumed_conditions for c in calculated.calculations)):
                return add_validity_notices(calculated, self.corpus, self.clock())
        return self.lookup.answer_ranked(ranked)


    def same_matter(self, context: Context, question: Question) -> Rule | None:
        """A follow-up that only moves to another document (「那市里呢」 after 「省里入规奖励多少」): that
        document's rule for the matter (rules data: audience.matter) of the rule the earlier turn was about;
        None when the follow-up names a subject of its own or no rule shares the matter."""
        if not context.leans_on_earlier or not context.earlier or len(question.documents) != 1:
            return None
        if topic_words(context.question, self.corpus, self.tokenizer):
            return None
        target = question.documents[0]
        earlier = Context(context.earlier[-1], context.earlier[:-1], False)
        ranked, vector = self.lookup.search(earlier, ())
        choices = self.calculator.rank_rules(earlier.question, ranked, vector)
        if not choices or choices[0].keyword_chars == 0 or choices[0].rule.doc_id == target:
            return None
        matter = choices[0].rule.audience.matter
        same = [r for r in self.rules.values() if matter and r.doc_id == target and r.audience.matter == matter]
        return same[0] if len(same) == 1 else None


COMMON_WORD_FREQUENCY = 50  # a short county name this common in jieba's dictionary is a word first (「平房」 198)


def local_short_names(places: Places, corpus: Corpus, tokenizer: ChineseTokenizer) -> Places:
    """The division table, knowing the districts and counties of the loaded documents' provinces by their
    short names too (「双城的食品厂」 is 哈尔滨市双城区); those that are common words (「平房」「新兴」) only with a
    place cue (「在平房」「平房的企业」「哈尔滨平房」)."""
    regions = [places.region(d.region) for d in corpus.documents]
    provinces = [r for r in regions if r is not None and r.level == 1]
    return places.with_short_names(provinces, lambda word: tokenizer.word_frequency(word) >= COMMON_WORD_FREQUENCY)


def _printable(text: str) -> str:
    return "".join(ch for ch in text if unicodedata.category(ch)[0] != "C")
