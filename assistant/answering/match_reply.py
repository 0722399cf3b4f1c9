"""The match path: 「我们是……能享受哪些政策？」 answered as a list grouped 可申请 / 需补充信息 / 不符合, the
total with the stacking decisions, and the validity notices. The chat and the 政策体检 form both come here."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from assistant.answering.match import Matcher, MatchResult
from assistant.answering.profile import (
    MATCH_HEADING,
    CompanyFacts,
    CompanyProfile,
    asks_for_benefits,
    audience_mentions,
    profile_turns,
    read_profile,
    recognition_names,
)
from assistant.answering.question import Question, applicable_documents, company_places
from assistant.answering.quoting import cite_line, make_citation
from assistant.answering.reply import Benefit, Citation, Reply
from assistant.answering.validity import add_validity_notices
from assistant.calculator import Rule
from assistant.policies.corpus import Corpus
from assistant.policies.places import Places
from assistant.text.formatting import format_yuan
from assistant.text.numbering import count_word

GROUPS = (("eligible", "可申请"), ("needs_info", "需补充信息"), ("not_eligible", "不符合"))


class MatchAnswerer:
    """Builds the match reply from a conversation or a form."""

    def __init__(self, corpus: Corpus, rules: Mapping[str, Rule], lpr_table: Any, facts: CompanyFacts,
                 places: Places, clock: Callable[[], dt.date]) -> None:
        self.corpus = corpus
        self.rules = rules
        self.facts = facts
        self.places = places
        self.clock = clock
        self.matcher = Matcher(corpus, rules, lpr_table, facts, clock)
        self.mentions = audience_mentions(rules.values())
        self.recognitions = recognition_names(rules.values())

    def wants(self, question: Question) -> bool:
        """The message describes a company and asks for the list of what it can get (or refines one)."""
        return asks_for_benefits(question.text, question.history, self.facts, self.mentions, self.recognitions,
                                 bool(question.places))

    def answer(self, question: Question) -> Reply:
        """The match reply for a chat message, the profile carried by the conversation."""
        texts = profile_turns(question.text, question.history)
        located = list(question.places)
        if not located:
            for text in reversed(texts):
                located = company_places(text, [], self.corpus, self.places)
                if located:
                    break
        applicable = applicable_documents(located, self.corpus, self.places) if located else None
        return self.answer_profile(read_profile(texts, self.facts, located, applicable, self.rules.values()))

    def answer_description(self, description: str) -> Reply:
        """The match reply for one description (the 政策体检 form writes its fields as one)."""
        return self.answer(Question(text=description, history=(), quantities=(), documents=(),
                                    context_document=None, references=(), wants_amount=False,
                                    places=tuple(company_places(description, [], self.corpus, self.places)),
                                    applicable=None))

    def answer_profile(self, profile: CompanyProfile) -> Reply:
        """The reply for a profile: outside every loaded region it says so plainly."""
        given = tuple(profile.given(self.facts))
        if profile.applicable is not None and not profile.applicable:
            place = "、".join(p.full_name for p in profile.places)
            regions = "、".join(f"{d.cited_title}（{d.region}）" for d in self.corpus.documents)
            text = (f"{MATCH_HEADING}\n\n贵企业在{place}，不在已收录政策的适用地域内：已收录的{regions}"
                    f"对{place}的企业都不适用，因此没有可申请的项目。")
            return Reply(text, "match", profile=given)
        result = self.matcher.match(profile)
        sourced = tuple(dataclasses.replace(b, source=self.where(b)) for b in result.benefits)
        reply = self.compose(profile, dataclasses.replace(result, benefits=sourced), given)
        return add_validity_notices(reply, self.corpus, self.clock())

    def compose(self, profile: CompanyProfile, result: MatchResult, given: tuple[tuple[str, str], ...]) -> Reply:
        """The grouped text, the citations of every listed rule, the calculations and the total."""
        names = "、".join(self.document_name(d) for d in result.documents)
        lines = [MATCH_HEADING, "您说明的情况：" + "；".join(f"{k}：{v}" for k, v in given)]
        lines.append(self.scope_line(profile, names))
        if not result.benefits:
            lines.append("您的描述没有提到已收录政策所支持的认定、项目或投资。请说明贵企业获得的认定（如国家级绿色工厂、"
                         "省企业技术中心）、在做的项目（技改、数字化车间、首台套）和相关金额；"
                         "也可以问「所有政策我能享受哪些」，助手逐条列出需要的条件。")
        for status, heading in GROUPS:
            group = [b for b in result.benefits if b.status == status]
            if not group:
                continue
            lines.append(f"【{heading}】{count_word(len(group))}项")
            lines += [f"{n}. {self.line(b)}" for n, b in enumerate(group, 1)]
        if any(b.counted for b in result.benefits):
            counted = [b for b in result.benefits if b.counted]
            lines.append(f"合计：{format_yuan(result.total_yuan)}（{'、'.join(b.title for b in counted)}）。"
                         "各项是否属于同一项目、能否分别申报，以主管部门认定为准。")
        if result.stacking:
            lines.append("叠加规则：" + "；".join(result.stacking) + "。")
        citations = tuple(dict.fromkeys(self.citations(result.benefits) + self.stacking_citations(result)))
        calculations = tuple(b.calculation for b in result.benefits if b.calculation is not None)
        missing = tuple(dict.fromkeys(q for b in result.benefits for q in b.missing))
        total = result.total_yuan if any(b.counted for b in result.benefits) else None
        return Reply("\n\n".join(lines), "match", citations, calculations, missing, total_yuan=total,
                     benefits=result.benefits, profile=given, stacking=result.stacking)

    def scope_line(self, profile: CompanyProfile, names: str) -> str:
        if profile.applicable is None:
            return f"您没有说明企业所在地，以下按已收录的{names}逐项列出；所在地决定适用哪份政策。"
        place = "、".join(p.full_name for p in profile.places)
        left_out = [d for d in self.corpus.documents if d.doc_id not in profile.applicable]
        note = "；".join(f"{d.cited_title}只适用于{d.region}，不适用" for d in left_out)
        return f"按企业所在地{place}，适用{names}" + (f"（{note}）" if note else "") + "。"

    def line(self, benefit: Benefit) -> str:
        where = self.where(benefit)
        if benefit.status == "eligible" and benefit.calculation is not None:
            return f"{where}「{benefit.title}」：{benefit.reason}。\n{benefit.calculation.formula}"
        if benefit.status == "needs_info":
            return f"{where}「{benefit.title}」：还需要您说明——" + "；".join(q.rstrip("。？?") + "？"
                                                                       for q in benefit.missing)
        return f"{where}「{benefit.title}」：{benefit.reason}。"

    def where(self, benefit: Benefit) -> str:
        clause = self.corpus.clause(benefit.doc_id, benefit.clause)
        return cite_line(self.corpus, clause) if clause is not None else benefit.clause

    def citations(self, benefits: Sequence[Benefit]) -> tuple[Citation, ...]:
        cited: list[Citation] = []
        for benefit in benefits:
            rule = self.rules[benefit.rule_id]
            clause = self.corpus.clause(rule.doc_id, rule.clause)
            if clause is not None:
                cited.append(make_citation(clause, rule.quote))
        return tuple(dict.fromkeys(cited))

    def stacking_citations(self, result: MatchResult) -> tuple[Citation, ...]:
        """The stacking provisions a note under the total rests on."""
        cited = []
        for rule in self.corpus.stacking_rules:
            if any(rule.principle in note or any(t.name in note for t in rule.topics) for note in result.stacking):
                clause = self.corpus.clause(rule.doc_id, rule.clause)
                if clause is not None:
                    cited.append(make_citation(clause, rule.quote))
        return tuple(cited)

    def document_name(self, doc_id: str) -> str:
        document = self.corpus.document(doc_id)
        return document.cited_title if document else doc_id


__all__ = ["MatchAnswerer", "MatchResult"]
