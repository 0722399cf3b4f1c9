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
from assistant.text.formatting import format_yuan

HIGHER = "高"  # 从高不重复, 从优就高不重复: the stacking rule keeps the higher award

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
        total = None
        definite = [c for c in calculations if c.eligible and c.amount_yuan > 0]
        matters = {rule.audience.matter for rule, _ in pairs}
        if (len(pairs) == 2 and len(definite) == 2 and rules and all(HIGHER in r.principle for r in rules)
                and len(matters) == 1 and "" not in matters):
            # 「能一起拿吗？最后能拿多少」 of one matter (the rules' audience.matter: one 技改 project under both
            # documents): the rule keeps the higher one; a ceiling is said as a ceiling, never as what the company
            # gets. Awards for different matters (单项冠军 and 小巨人) are not one project: no conclusion here
            higher, lower = sorted(definite, key=lambda c: c.amount_yuan, reverse=True)
            amount = format_yuan(higher.amount_yuan)
            if higher.is_maximum or higher.range_min_yuan is not None or lower.is_maximum:
                text += (f"\n\n同一项目只能享受其中较高的一项；其中有按上限计算的金额，实际以审核为准，"
                         f"较高的一项最高为{amount}（「{higher.name}」）。")
            else:
                text += (f"\n\n结论：同一项目按较高的一项享受，即「{higher.name}」{amount}，"
                         f"「{lower.name}」{format_yuan(lower.amount_yuan)}不再叠加。")
                total = higher.amount_yuan
                calculations = (higher, lower)
        reply = Reply(text, "lookup", tuple(citations), calculations, total_yuan=total)
        return add_validity_notices(reply, self.corpus, self.clock())
