"""The stacking path: 「省里和市里的X能一起拿吗」 — the rule that applies, cited, with the amounts side by side."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from assistant.answering.calculate import Calculator
from assistant.answering.context import Context, read_context
from assistant.answering.reply import Reply
from assistant.answering.validity import add_validity_notices
from assistant.policies.corpus import Corpus
from assistant.policies.stacking import explain_for_question
from assistant.search.references import find_documents
from assistant.search.retriever import ChineseTokenizer, ScoredClause

Search = Callable[[Context, Sequence[str]], tuple[list[ScoredClause], Any]]


class StackingAnswerer:
    """Answers whether awards of different documents may be taken together."""

    def __init__(self, corpus: Corpus, tokenizer: ChineseTokenizer, search: Search, calculator: Calculator,
                 clock: Callable[[], dt.date]) -> None:
        self.corpus = corpus
        self.tokenizer = tokenizer
        self.search = search
        self.calculator = calculator
        self.clock = clock

    def answer(self, question: str) -> Reply:
        """The rule that applies, quoted, and each document's amount when the question gives the figures."""
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
        reply = Reply(text, "lookup", tuple(citations), calculations)
        return add_validity_notices(reply, self.corpus, self.clock())
