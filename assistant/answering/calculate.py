"""The calculation path: pick the rule by meaning, read the facts, compute or ask.

The rule is chosen by retrieval: the clauses the hybrid search ranks highest
carry rules, and among those the rule whose name and keywords are closest to
the question (dense similarity plus keyword overlap) wins.  Facts come from the
question and, in a follow-up, from the user's earlier turns.  Missing facts are
asked for; an amount is only ever the calculator's.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from assistant.answering.context import Context
from assistant.answering.dates import asked_date
from assistant.answering.guard import money_in
from assistant.answering.llm import PolicyLlm
from assistant.answering.multipart import (
    Part,
    asks_both_levels,
    asks_several,
    asks_with_earlier,
    combined_total,
    compute_parts,
    find_parts,
)
from assistant.answering.question import asks_ceiling, asks_per_year
from assistant.answering.quoting import cite_line, describe_clause, make_citation, quote_best
from assistant.answering.reply import Citation, Reply
from assistant.calculator import (
    Calculation,
    Rule,
    WorksheetLine,
    compute,
    extract_inputs,
    focus_share,
    missing_parameters,
)
from assistant.calculator.extract import (
    asked_figures,
    figures_taken,
    reached_again,
    several_choices,
    stage_years,
    uncued_figures,
    unexplained_figures,
)
from assistant.policies.corpus import Corpus
from assistant.policies.stacking import StackingRule, explain_for_calculations, received_at_another_level
from assistant.search.references import find_documents
from assistant.search.retriever import Retriever, ScoredClause
from assistant.search.rule_index import RuleIndex
from assistant.text.amounts import approximate_amounts, find_quantities, unread_amounts
from assistant.text.formatting import format_yuan
from assistant.text.numbering import count_word

TOP_CLAUSES = 3
KEYWORD_WEIGHT = 0.08  # per character of a rule keyword found in the question
RULE_DENSE_WEIGHT = 0.6
CLOSE_CALL_RATIO = 0.97  # rules scoring this close to the best are "uncertain" for the router
BORROW_RATIO = 0.9  # a rule of a lower-ranked clause is used only when its clause is this close to the top
OTHER_DOCUMENT_RATIO = 0.85  # the other document's rule is shown beside when this close
FIT_RATIO = 0.75  # rules scoring this close to the best compete on how well they fit the stated facts
FIT_CANDIDATES = 6


# 「要是评上世界500强呢」: a follow-up that asks what if, replacing the earlier fact rather than adding to it.
HYPOTHETICAL = re.compile(r"如果|要是|假如|假设|换成|改成|若是|倘若")
# … unless it speaks of what comes after the earlier fact (「如果后来又首次进了中国企业500强，还能再拿多少」)
AFTER_EARLIER = re.compile(r"后来|之后|以后|此后|接着|又|再拿|还能再|再评|再进|再获")

# 「第二年又花了700万，两年加起来」 after 「第一年花了1300万」: the turn adds an item (a year, a round) to a list
# the earlier turns began, rather than replacing it
ADDS_ITEM = re.compile(r"又|再|另外|还有|明年|后年|下一年|接下来|第[二三四五六七八九十2-9]\s*(?:年|个|台|项|轮|批|次)")

QUALIFIER_WINDOW = 5  # 「市级制造业创新中心」: a level word this close before a keyword qualifies it


def added_items(rule: Rule, before: Mapping[str, Any], own: Mapping[str, Any], question: str) -> list[str]:
    """The list parameters (`multiple`) whose items the question adds to those the earlier turns stated
    (「第二年又花了700万」 after 「第一年花了1300万」), not replaces; 「要是…呢」 replaces."""
    if not ADDS_ITEM.search(question) or (HYPOTHETICAL.search(question) and not AFTER_EARLIER.search(question)):
        return []
    return [p.name for p in rule.params
            if p.multiple and isinstance(before.get(p.name), tuple) and isinstance(own.get(p.name), tuple)]


def names_rule(text: str, keyword: str, denials: Sequence[str]) -> bool:
    """`keyword` occurs in `text` other than as part of a thing the rule's against-words deny: in
    「市级制造业创新中心」 the national award's keyword 「制造业创新中心」 names the city's centre, not its own."""
    for found in re.finditer(re.escape(keyword), text):
        before = text[max(0, found.start() - QUALIFIER_WINDOW):found.start()]
        if not any(w in before for w in denials) or any(ch in "，,。；;" for ch in before):
            return True
    return False


@dataclass(frozen=True)
class RuleChoice:
    """A rule with how well it matches the question."""

    rule: Rule
    score: float
    keyword_chars: int


class Calculator:
    """The calculation path: picks the rule, reads the facts, computes or asks for what is missing."""

    def __init__(self, corpus: Corpus, rules: Mapping[str, Rule], retriever: Retriever, lpr_table: Any,
                 llm: PolicyLlm | None, clock: Callable[[], dt.date] | None = None) -> None:
        self.corpus = corpus
        self.rules = rules
        self.rule_index = RuleIndex(rules)  # rank_rules looks only at the rules of the best clauses' documents
        # looked up per question, so read off the rules once (a walk over every rule grows with the corpus)
        self.share_rules: dict[str, list[Rule]] = {}
        for other in rules.values():
            for award in other.award_of if other.base is not None else ():
                self.share_rules.setdefault(award, []).append(other)
        self.documents_with_rules = frozenset(r.doc_id for r in rules.values())
        # a choice word several rules share (国家级、市级: a level) names none of them: 「那哈尔滨市里呢」 after
        # 「国家级绿色工厂」 is not the city's 国家级 innovation-demo award
        uses = Counter(w for r in rules.values() for w in {w for p in r.params if p.kind == "choice"
                                                            for w, _ in p.choice_words()})
        self.shared_choice_words = frozenset(w for w, n in uses.items() if n > 1)
        self.retriever = retriever
        self.lpr_table = lpr_table
        self.llm = llm
        self.clock = clock

    def in_force(self, best: RuleChoice, question: str) -> RuleChoice:
        """The version of `best`'s rule in force on the date the question names (else today): an amendment
        (corpus relations) from its date on, the original before it."""
        if self.clock is None:
            return best
        on = asked_date(question, self.clock())  # a year alone: its last day (answering/dates.py)
        original = next((self.rules[old] for d in self.corpus.documents for r in d.relations
                         for old, new in r.rules if new == best.rule.rule_id and old in self.rules), best.rule)
        rule = self.corpus.rule_in_force(original, on)[0]
        return best if rule is best.rule else replace(best, rule=rule)

    def rank_rules(self, text: str, ranked: Sequence[ScoredClause], vector: Any) -> list[RuleChoice]:
        """Rules of the best clauses, scored by clause relevance, rule similarity and keywords."""
        clause_score = {(s.clause.doc_id, s.clause.clause): s.score for s in ranked[:TOP_CLAUSES]}
        dense = self.retriever.score_rules(vector)
        choices = []
        candidates = list(self.rule_index.candidates(clause_score))
        named = self.named_chars(text, candidates)
        for rule in candidates:
            key = (rule.doc_id, rule.clause)
            chars = named[rule.rule_id]
            chars += sum(len(w) for p in rule.params if p.kind == "choice" for w, _ in p.choice_words()
                         if w in text and w not in self.shared_choice_words)
            if key not in clause_score and chars == 0:
                continue
            if key not in clause_score and not any(k[0] == rule.doc_id for k in clause_score):
                continue  # the question is restricted to another document
            score = clause_score.get(key, 0.0) + RULE_DENSE_WEIGHT * dense.get(rule.rule_id, 0.0)
            choices.append(RuleChoice(rule, score + KEYWORD_WEIGHT * min(chars, 8), chars))
        return sorted(choices, key=lambda c: -c.score)

    @staticmethod
    def named_chars(text: str, rules: Sequence[Rule]) -> dict[str, int]:
        """Per rule of `rules` (whole documents: the candidates), the characters of its keywords the text
        contains. A keyword that one of the rule's against-words qualifies (「市级制造业创新中心」 for the
        national award) does not count when a sibling rule of the same clause is named without such a
        qualifier: the text is about the sibling."""
        plain = {r.rule_id: sum(len(w) for w in r.keywords if w and w in text) for r in rules}
        unqualified = {r.rule_id: sum(len(w) for w in r.keywords if w and w in text and names_rule(text, w, denials))
                       if plain[r.rule_id] and (denials := r.denials()) else plain[r.rule_id]
                       for r in rules}
        named = dict(plain)
        for rule in rules:
            if unqualified[rule.rule_id] < plain[rule.rule_id] and any(
                    o.rule_id != rule.rule_id and (o.doc_id, o.clause) == (rule.doc_id, rule.clause)
                    and unqualified[o.rule_id] > 0 for o in rules):
                named[rule.rule_id] = unqualified[rule.rule_id]
        return named

    def settle_close_call(self, question: str, choices: list[RuleChoice]) -> RuleChoice:
        """The best rule; when the runner-up is too close to call, the optional LLM may pick
        between them (only from this list)."""
        best = choices[0]
        llm = self.llm
        close = [c for c in choices[1:4] if c.score >= CLOSE_CALL_RATIO * best.score]
        if llm is None or not close:
            return best
        options = [best, *close]
        picked = llm.choose(question, [(c.rule.rule_id, c.rule.name) for c in options])
        return next((c for c in options if c.rule.rule_id == picked), best)

    def side_by_side(self, question: str, ranked: Sequence[ScoredClause], vector: Any) -> list[
        tuple[Rule, Calculation]
    ]:
        """For a question about several documents: each document's best keyword-matched rule that
        computes from what the question gives (fixed awards, ranges), one per document."""
        pairs: list[tuple[Rule, Calculation]] = []
        seen: set[str] = set()
        for choice in self.rank_rules(question, ranked, vector):
            if choice.rule.doc_id in seen or choice.keyword_chars == 0:
                continue
            inputs = extract_inputs(question, choice.rule)
            if missing_parameters(choice.rule, inputs, self.lpr_table):
                continue
            try:
                pairs.append((choice.rule, compute(choice.rule, inputs, self.lpr_table)))
            except ValueError:
                continue
            seen.add(choice.rule.doc_id)
        return pairs if len(pairs) > 1 else []

    def stands_alone(self, question: str, ranked: Sequence[ScoredClause], vector: Any) -> bool:
        """The question names its own rule: the best rule's keywords are in it."""
        choices = self.rank_rules(question, ranked, vector)
        return bool(choices) and choices[0].keyword_chars > 0

    def answer(self, context: Context, ranked: list[ScoredClause], vector: Any,
               prefer: Rule | None = None) -> Reply | None:
        """A calculate or clarify reply, or None when no rule fits (the caller then looks up). `prefer`: the
        rule the conversation has already settled on (the other level's rule for the earlier matter)."""
        choices = self.rank_rules(context.search_text, ranked, vector)
        if prefer is not None:
            others = [c for c in choices if c.rule.rule_id != prefer.rule_id]
            best_score = choices[0].score if choices else 1.0
            choices = [RuleChoice(prefer, best_score, max(1, len(prefer.name))), *others]
        if not choices:
            return None
        # a share of another award (「所获配套奖励的30%，可用于对…个人的奖励」) is part of that award, not an
        # award of its own to add to a total: it is answered beside its award (share_of_award), never as a part
        portions = {r.rule_id for shares in self.share_rules.values() for r in shares}
        # the other rules a part may name: those of the documents searched, or of those the message names
        # (「市里两项一共」 is the city's awards only; 「省市加起来」 both)
        searched = {s.clause.doc_id for s in ranked}
        named = set(find_documents(context.question, self.corpus, searched)) & searched
        in_scope = searched if asks_both_levels(context.question) or not named else named
        ranked_rules = {c.rule.rule_id for c in choices}
        candidates = [c.rule for c in choices if c.rule.rule_id not in portions]
        rest = [r for r in self.rules.values() if r.doc_id in in_scope and r.rule_id not in ranked_rules | portions]

        def names_documents(text: str) -> list[str]:
            return find_documents(text, self.corpus, searched)

        if context.earlier and self.adds_items(choices[0].rule, context):
            # 「第二年又花了700万，两年加起来多少」: more years of the earlier award, not another award
            candidates, rest = [], []
        parts = find_parts(context.question, candidates, rest, names_documents) if candidates else []
        message = context.question
        if candidates and not parts and context.earlier and (asks_several(context.question)
                                                             or asks_with_earlier(context.question)):
            # 「后来又去北交所上市了，两项一共多少」 after 「新三板挂牌了，省里给多少」: the earlier turn's award
            # is one of the parts asked, and its facts (营收、流贷) may be the other part's too
            joined = f"{context.earlier[-1]}；另外{context.question}"
            parts = find_parts(joined, candidates, rest, names_documents) or parts
            message = joined if parts else message
        if parts:
            return self.answer_parts(parts, context, message)
        if candidates and (parts is None or asks_several(context.question)):
            # several awards asked, but not each matched to its provision: one amount would drop the rest
            return Reply("您的问题包含几项奖励，助手没能把每一项都对应到具体条款。为免漏算或错算，请逐项说明"
                         "（每项是什么认定或项目、涉及的金额），助手再逐项计算并合计。", "clarify",
                         (self.rule_citation(choices[0].rule),), (), ("每一项奖励的名称和数额",))
        best = choices[0] if prefer is not None else self.best_fitting(
            context, self.settle_close_call(context.question, choices), choices)
        if context.leans_on_earlier and best.keyword_chars == 0:
            # 「那市里呢」 after a question about a rule the other document lacks: the earlier
            # figures must not be poured into whatever rule ranks first there.
            return None
        top = ranked[0]
        if (best.rule.doc_id, best.rule.clause) != (top.clause.doc_id, top.clause.clause):
            key = (best.rule.doc_id, best.rule.clause)
            rule_clause = next((s for s in ranked if (s.clause.doc_id, s.clause.clause) == key), None)
            close = rule_clause is not None and rule_clause.score >= BORROW_RATIO * top.score
            if best.keyword_chars == 0 or not close:
                return None  # the clause that answers has no rule: never borrow another clause's figures
        best = self.in_force(best, context.question)
        both = self.both_levels(best.rule, context, {s.clause.doc_id for s in ranked})
        if both:
            return self.answer_parts(both, context, context.question)
        unread = unread_amounts(context.question)
        if unread and any(p.kind == "money" for p in best.rule.params):
            # never fall back on an earlier turn's figure when this one's could not be read
            return Reply(f"没能读出「{'」「'.join(unread)}」的确切金额。请用数字加单位写明具体数额（如多少万元、"
                         "多少亿元），助手再按条款计算，不会沿用之前的数字。", "clarify",
                         (self.rule_citation(best.rule),), (), ("确切金额",))
        stated = [q for q in find_quantities(context.question) if q.kind == "money"]
        several = several_choices(context.question, best.rule) if len(stated) > 1 else []
        if several:  # a figure for each of two kinds named: one calculation would drop one (without figures, as before)
            return self.several_kinds(best.rule, several)
        inputs = self.read_inputs(best.rule, context)
        from_award = self.award_for_share(best.rule, context)
        if from_award is not None:  # 「这笔奖励里能拿多少去奖励高管」: the share of the award the earlier turns give
            part = compute(best.rule, {**inputs, best.rule.base or "": from_award.amount_yuan}, self.lpr_table)
            return self.compose([part, from_award], None, ranked, context.question)
        missing = missing_parameters(best.rule, inputs, self.lpr_table)
        if missing:
            return self.clarify(best.rule, [p.label for p in missing], [p.ask for p in missing if p.ask])
        base = inputs.get(best.rule.base or "")
        estimate = next((q for q in approximate_amounts(context.question)
                         if any(abs(q.value - v) <= 0.5 for v in (base if isinstance(base, tuple) else (base,))
                                if isinstance(v, float))), None)
        if estimate is not None:  # 「技改大概两个亿上下」: the amount would rest on a guess
            label = best.rule.param(best.rule.base or "").label
            return Reply(f"「{estimate.raw}」是估计数，而「{best.rule.name}」按{label}计算，金额不能按估计数给出。"
                         f"请提供准确的{label}，助手再按条款计算。", "clarify",
                         (self.rule_citation(best.rule),), (), (label,))
        term = best.rule.term_param
        whole_term: Calculation | None = None
        if term and term not in inputs and asks_per_year(context.question):
            # 「每年能拿多少」 of an award paid 「连续3年」: one year's figure first, the whole term beside it
            try:
                whole_term = compute(best.rule, inputs, self.lpr_table)
            except ValueError:
                whole_term = None
            inputs = {**inputs, term: 1}
        try:
            calculation = compute(best.rule, inputs, self.lpr_table)
        except ValueError as error:  # absurd figures: say why in Chinese, compute nothing
            message = str(error).rstrip("。")
            said = {v for text in context.user_texts for _, v in money_in(text)}
            if any(v not in said for _, v in money_in(message)):  # the engine's own limits are not policy figures
                message = "您提供的数字不在合理范围内（为负数，或数额大得不合常理）"
            return Reply(f"{message}。请核对后重新输入，助手不会按这个数字计算。", "clarify",
                         (self.rule_citation(best.rule),), (), ("核对后的数字",))
        left = unexplained_figures(context.question, best.rule, inputs)
        if left and context.earlier:  # 「这2070万里省里出多少」: the award itself quoted back is explained
            award = {calculation.amount_yuan, *calculation.shares.values()}
            left = [f for f in left if not any(abs(q.value - a) <= 0.5 for q in find_quantities(f) for a in award)]
        if left:  # computed on some figures while another stated one has no place: ask, never guess
            return self.unplaced(best.rule, left)
        received = received_at_another_level(self.corpus, best.rule.rule_id, best.rule.doc_id, context.question)
        if received is not None and calculation.eligible:  # 「已经拿了省级的流贷贴息，市里的还能再拿吗」
            calculation = self.not_again(calculation, *received)
            reply = self.compose([calculation], None, ranked, context.question)
            return replace(reply, citations=(*reply.citations, self.rule_citation(received[0])))
        if calculation.range_min_yuan is not None and not asks_ceiling(context.question):
            return self.range_only(best.rule, calculation)
        calculations = [calculation]
        if whole_term is not None and whole_term.amount_yuan != calculation.amount_yuan:
            calculations.append(whole_term)
        of_award = self.share_of_award(best.rule, calculation, context.question)
        if of_award is not None:  # 「拿了这笔奖励，能分给高管多少」: the share, with the award it is taken from
            calculations.insert(0, of_award)
        share = focus_share(calculation, context.question)
        if share is not None:
            calculations.insert(0, share)
        beside = self.beside(best, choices, context)
        return self.compose(calculations, beside, ranked, context.question)

    def both_levels(self, rule: Rule, context: Context, in_scope: set[str]) -> list[Part]:
        """「省里和市里加起来」: `rule` and the other document's rule for the same matter (audience.matter),
        as two parts of one answer; [] when not asked so or no other rule shares the matter.  Only the
        documents searched for this question count (those of the company's place): with several cities'
        policies loaded, another city's rule for the matter is not the "市里" of this company."""
        if not rule.audience.matter or not asks_both_levels(context.question):
            return []
        others = [r for r in self.rules.values() if r.doc_id != rule.doc_id and r.doc_id in in_scope
                  and r.audience.matter == rule.audience.matter]
        if len(others) != 1:
            return []
        return [Part(context.question, r, self.read_inputs(r, context)) for r in (rule, others[0])]

    def not_again(self, calculation: Calculation, stacking: StackingRule, topic: Any, level: str) -> Calculation:
        """`calculation` made ineligible: the enterprise has had the same topic's award from another level,
        and the stacking rule lets one enterprise take it from one level only.  The worksheet keeps what the
        award would be, then says why it is 0."""
        clause = self.corpus.clause(stacking.doc_id, stacking.clause)
        where = cite_line(self.corpus, clause) if clause else stacking.clause
        reason = (f"您已享受{level}的{topic.name}，按{where}「{stacking.quote}」，同一企业只能享受其中一级，"
                  "不能再享受本项")
        lines: list[WorksheetLine] = []
        for line in calculation.worksheet:
            if line.conclusion or line.label == "最高可得":  # the award as computed stays; the answer becomes 0
                lines += [WorksheetLine(f"按条款{line.label}", line.value),
                          WorksheetLine("不重复享受", f"已享受{level}的{topic.name}——本项不能再享受"),
                          WorksheetLine("应得", format_yuan(0), 0.0, True)]
            else:
                lines.append(line)
        return replace(calculation, amount_yuan=0.0, eligible=False, reason=reason, worksheet=tuple(lines),
                       is_maximum=False, range_min_yuan=None)

    def award_for_share(self, rule: Rule, context: Context) -> Calculation | None:
        """For a share rule (a part of another award, award_of) asked in a follow-up without its own figure:
        the award the earlier turns' facts compute, the first of award_of that they complete.  The earlier
        turn's figure (a 配套额) is that award's input, never the share's base."""
        if not rule.award_of or rule.base is None or not context.earlier:
            return None
        if rule.base in extract_inputs(context.question, rule):
            return None  # the award's amount is stated: the share is taken of it
        found: list[tuple[int, Calculation]] = []
        for award_id in rule.award_of:
            award = self.rules.get(award_id)
            if award is None:
                continue
            inputs: dict[str, Any] = {}
            for text in context.earlier:
                inputs.update(extract_inputs(text, award))
            if not any(p.kind == "money" and p.name in inputs for p in award.params):
                continue
            if missing_parameters(award, inputs, self.lpr_table):
                continue
            try:
                calculation = compute(award, inputs, self.lpr_table)
            except ValueError:
                continue
            if calculation.eligible and calculation.amount_yuan > 0:
                # the award the earlier turn asked about is the one its figures fit: each taken, none left over
                fit = sum(taken - stated for text in context.earlier
                          for taken, stated in [figures_taken(text, award, extract_inputs(text, award), quoted=False)])
                found.append((fit, calculation))
        best = [c for fit, c in found if fit == max(f for f, _ in found)] if found else []
        return best[0] if len(best) == 1 else None  # two awards fit as well: the share is asked about

    def share_of_award(self, rule: Rule, award: Calculation, question: str) -> Calculation | None:
        """The rule that takes a share of `rule`'s award, computed from that award, when the question asks
        for the share in the share rule's own words (those that are not cues of the award it takes)."""
        if not award.eligible or award.amount_yuan <= 0:
            return None
        for other in self.share_rules.get(rule.rule_id, ()):
            assert other.base is not None
            cues = other.param(other.base).cues
            if not any(w in question for w in other.keywords if not any(cue in w for cue in cues)):
                continue
            try:
                return compute(other, {other.base: award.amount_yuan}, self.lpr_table)
            except ValueError:
                return None
        return None

    def range_only(self, rule: Rule, calculation: Calculation) -> Reply:
        """A clause that gives a range (「50—200万元」) and no way to fix the amount inside it: say the range
        and ask, never present its ceiling as the amount (unless the ceiling is what was asked)."""
        clause = self.corpus.clause(rule.doc_id, rule.clause)
        assert clause is not None and calculation.range_min_yuan is not None
        low, high = format_yuan(calculation.range_min_yuan), format_yuan(calculation.amount_yuan)
        text = (f"按{cite_line(self.corpus, clause)}，「{rule.name}」原文给出的是{low}至{high}的区间，没有规定"
                f"区间内的具体金额如何确定，由主管部门认定，助手不能给出一个确切数额。如需了解区间的上限或下限，"
                f"可以问「最多多少」或「最少多少」。\n\n" + describe_clause(self.corpus, clause, rule.quote))
        return Reply(text, "clarify", (self.rule_citation(rule),), (), ("主管部门认定的具体金额",))

    def several_kinds(self, rule: Rule, several: Sequence[tuple[str, list[str]]]) -> Reply:
        """The question names two or more kinds of one award (two values of one choice): each kind is its own
        calculation, and which figure belongs to which is not certain; ask rather than compute one."""
        clause = self.corpus.clause(rule.doc_id, rule.clause)
        assert clause is not None
        label, choices = several[0]
        named = "」和「".join(choices)
        text = (f"您提到了「{named}」{count_word(len(choices))}种（{label}），按「{rule.name}」它们各自单独计算。"
                f"为免只算其中一项或把金额算到别的一项上，请逐项说明：每一项是哪一种、涉及的金额各是多少，"
                f"助手再逐项计算并合计。\n\n" + describe_clause(self.corpus, clause, rule.quote))
        return Reply(text, "clarify", (self.rule_citation(rule),), (), tuple(f"「{c}」的情况" for c in choices))

    def unplaced(self, rule: Rule, figures: Sequence[str]) -> Reply:
        """A stated figure the chosen rule has no place for: the rule may be the wrong one, or the figures
        may add up to one input. Computing with one figure and ignoring the other could give a wrong amount."""
        clause = self.corpus.clause(rule.doc_id, rule.clause)
        assert clause is not None
        said = "」「".join(figures)
        text = (f"按「{rule.name}」计算时，您提到的「{said}」没有对应的计算项，助手不能确定它的含义"
                f"（是另一个项目、应与其他金额合计，还是不相关）。为免算错，请说明每个金额是什么；"
                f"「{rule.name}」需要的是：{'、'.join(p.label for p in rule.params if p.kind == 'money')}。\n\n"
                + describe_clause(self.corpus, clause, rule.quote))
        return Reply(text, "clarify", (self.rule_citation(rule),), (), ("每个金额的含义",))

    def unexplained(self, rule: Rule, context: Context) -> int:
        """How many money figures the question states that no parameter of the rule takes."""
        taken, stated = figures_taken(context.question, rule, self.read_inputs(rule, context), quoted=False)
        return stated - taken

    def best_fitting(self, context: Context, best: RuleChoice, choices: list[RuleChoice]) -> RuleChoice:
        """Among the rules that rank close to the best, the one whose parameters take the figures the
        question states: a rule that leaves a stated figure unexplained loses to one that explains it.
        A rule of another clause competes only when the question names it (its keywords)."""
        top = [best] + [c for c in choices[:FIT_CANDIDATES] if c is not best and c.score >= FIT_RATIO * best.score
                        and ((c.rule.doc_id, c.rule.clause) == (best.rule.doc_id, best.rule.clause)
                             or c.keyword_chars > 0)]
        if len(top) == 1:
            return best
        left = {c.rule.rule_id: self.unexplained(c.rule, context) for c in top}
        # 「省里那800万能拿吗」: the award asked about by its figure is the rule whose clause sentence gives it
        asked = asked_figures(context.question)
        named = {c.rule.rule_id: any(abs(q.value - a) <= 0.5 for q in find_quantities(c.rule.quote)
                                     if q.kind == "money" for a in asked) for c in top}
        # only stated figures decide: a rule still lacking a fact is asked about, not passed over;
        # min is stable: ties keep the ranking
        uncued = {c.rule.rule_id: uncued_figures(context.question, c.rule, self.read_inputs(c.rule, context))
                  for c in top}
        return min(top, key=lambda c: (left[c.rule.rule_id], not named[c.rule.rule_id], uncued[c.rule.rule_id]))

    def answer_parts(self, parts: list[Part], context: Context, message: str) -> Reply:
        """Every award the message asks about, each with its worksheet, then the total. `message`: the text
        the parts were read from (the question, or the earlier turn joined to it)."""
        def ask_for(part: Part, labels: list[str], asks: list[str]) -> Reply:
            reply = self.clarify(part.rule, labels, asks)
            names = "、".join(f"「{p.rule.name}」" for p in parts)
            return replace(reply, text=f"您问到{count_word(len(parts))}项：{names}。其中「{part.rule.name}」"
                                       f"还需要补充信息才能计算。\n\n{reply.text}")
        try:
            outcome = compute_parts(parts, message, self.lpr_table, ask_for)
        except ValueError as error:
            return Reply(f"{str(error).rstrip('。')}。请核对后重新输入，助手不会按这个数字计算。", "clarify",
                         tuple(self.rule_citation(p.rule) for p in parts), (), ("核对后的数字",))
        if isinstance(outcome, Reply):
            return outcome
        total, notes = combined_total(self.corpus, outcome, message)
        lines = [f"您问到{count_word(len(parts))}项，逐项计算如下："]
        for number, (part, calculation) in enumerate(zip(parts, outcome, strict=True), 1):
            lines.append(f"{number}. {self.headline(calculation, part.rule)}\n{calculation.formula}")
        lines.append(f"合计：{format_yuan(total)}" + ("（" + "；".join(notes) + "）" if notes else "") +
                     "。各项是否属于同一项目、能否分别申报，以主管部门认定为准。")
        citations = tuple(dict.fromkeys(self.rule_citation(p.rule) for p in parts))
        unsure = {calculation.name: self.unsure_facts(calculation, part.rule, part.text)
                  for part, calculation in zip(parts, outcome, strict=True)}
        unsure = {name: facts for name, facts in unsure.items() if facts}
        if unsure:  # a part that is only the clause's ceiling: the total is not a sure figure either
            said = "、".join(f"「{name}」" for name in unsure)
            lines.insert(0, f"合计还不能确定：{said}原文只规定了最高额度，实际金额由主管部门审核确定。"
                            "下面的合计把这些项按上限计入，不是确定可得的金额。")
            return Reply("\n\n".join(lines), "clarify", citations, tuple(outcome),
                         tuple(dict.fromkeys(f for facts in unsure.values() for f in facts)), total_yuan=total)
        return Reply("\n\n".join(lines), "calculate", citations, tuple(outcome), total_yuan=total)

    def without_award_quoted(self, rule: Rule, earlier: dict[str, Any], own: dict[str, Any]) -> dict[str, Any]:
        """A follow-up's money figure that is the award the earlier turns' facts give (「这2070万里省里出多少」
        after 3亿 × 3.45% × 2 = 2070万) is the award quoted back, not a new input of it."""
        try:
            before = compute(rule, earlier, self.lpr_table) if earlier else None
        except ValueError:  # MissingParameters too
            return own
        if before is None or not before.eligible or before.amount_yuan <= 0:
            return own
        money = {p.name for p in rule.params if p.kind == "money"}
        return {k: v for k, v in own.items()
                if not (k in money and isinstance(v, int | float) and abs(v - before.amount_yuan) <= 0.5)}

    def adds_items(self, rule: Rule, context: Context) -> bool:
        """The question adds items (a year, a round) to a list of the rule the earlier turns began."""
        today = self.clock() if self.clock is not None else None
        before: dict[str, Any] = {}
        for text in context.earlier:
            before.update(extract_inputs(text, rule, today))
        return bool(added_items(rule, before, extract_inputs(context.question, rule, today), context.question))

    def read_inputs(self, rule: Rule, context: Context) -> dict[str, Any]:
        """Facts for the rule from earlier turns (oldest first), overridden by the question's own."""
        inputs: dict[str, Any] = {}
        today = self.clock() if self.clock is not None else None
        for text in context.earlier:
            inputs.update(extract_inputs(text, rule, today))
        own = extract_inputs(context.question, rule, today)  # read once: the 递进补差 level and the asked total use it
        if rule.stage_param and context.earlier:
            # 「前年营收2100万，去年1800万」 after 「大前年新入规」: the years count from the earlier turn's event
            joined = f"{context.earlier[-1]}，{context.question}"
            if stage_years(joined, rule, today) != joined:
                staged = extract_inputs(joined, rule, today)
                own = {**{k: v for k, v in staged.items() if k not in inputs}, **own}
        if context.earlier and own:
            own = self.without_award_quoted(rule, inputs, own)
        derived = [p.name for p in rule.params if p.derived]
        if derived and context.earlier and not any(name in own for name in derived):
            reached = reached_again(context.question, context.earlier, rule, today)
            if reached is not None:  # 「要是冲到6.5亿呢」 after 「产值从5亿涨到5.8亿」: 6.5亿 − 5亿, not 6.5亿
                for name in derived:
                    inputs.pop(name, None)
                own = {**reached, **own}
        if rule.total_param and own.get(rule.total_param) and rule.stage_param and rule.stage_param not in own:
            inputs.pop(rule.stage_param, None)  # 「三年加起来多少」 after 「第一年给多少」: the total, not that stage
        for name in added_items(rule, inputs, own, context.question):
            before, now = inputs[name], own[name]
            assert isinstance(before, tuple) and isinstance(now, tuple)
            own = {**own, name: (*before, *now)}
        inputs.update(own)
        level, previous = rule.level_param, rule.previous_level_param
        if level and previous and level in own and previous not in own:
            # 「今年第一次同时进了中国企业500强和中国制造业企业500强」: 就高不重复, the higher list pays
            named = [choice for word, choice in rule.param(level).choice_words() if word in context.question]
            highest = rule.highest_level(named, "")
            if highest is not None:
                inputs[level] = own[level] = highest
        if (level and previous and context.earlier and level in own and previous not in own
                and (not HYPOTHETICAL.search(context.question) or AFTER_EARLIER.search(context.question))):
            # 「首次评为中国制造业企业500强…」 then 「后来又评上了中国企业500强」: the levels the earlier turns
            # established were rewarded (递进补差), and what was received is the highest of them; 「要是…呢」
            # asks instead of it
            said = [value for text in context.earlier for name, value in extract_inputs(text, rule).items()
                    if name in (level, previous) and isinstance(value, str)]
            now = own[level]
            highest = rule.highest_level(said, now) if isinstance(now, str) else None
            if highest is not None:
                inputs[previous] = highest
        if rule.total_param:  # what is asked (the total, or the stage reached) is this question's, not a fact
            inputs.pop(rule.total_param, None)
            asked = own.get(rule.total_param)
            if asked is not None:
                inputs[rule.total_param] = asked
        return inputs

    def beside(self, best: RuleChoice, choices: list[RuleChoice], context: Context) -> Calculation | None:
        """The other document's rule for the same matter, computed with the same facts, if it applies."""
        best_left: int | None = None
        for other in choices[1:]:
            if other.rule.doc_id == best.rule.doc_id or other.keyword_chars == 0:
                continue
            if other.score < OTHER_DOCUMENT_RATIO * best.score:
                return None
            if best_left is None:
                best_left = self.unexplained(best.rule, context)
            if self.unexplained(other.rule, context) > best_left:
                return None  # it would leave a figure the user stated unexplained: not the same matter
            inputs = self.read_inputs(other.rule, context)
            if missing_parameters(other.rule, inputs, self.lpr_table):
                return None
            try:
                return compute(other.rule, inputs, self.lpr_table)
            except ValueError:
                return None
        return None

    def compose(self, calculations: list[Calculation], beside: Calculation | None,
                ranked: list[ScoredClause], question: str) -> Reply:
        """The answer: amount first, then the worksheet, the clause quoted, notes."""
        main = calculations[0]
        rule = self.rules[main.rule_id.split(":")[0]]
        parts = [self.headline(main, rule), main.formula]
        for other_term in calculations[1:]:
            if other_term.rule_id == main.rule_id:  # the yearly figure was asked: the whole term beside it
                parts[0] = parts[0].rstrip("。") + "（所问为每年的金额）。"
                parts.append(f"按条款的支付年数计，合计{format_yuan(other_term.amount_yuan)}：\n{other_term.formula}")
        citations = [self.rule_citation(rule)]
        details = list(calculations)
        if beside is not None:
            other = self.rules[beside.rule_id]
            parts.append("另一份政策的同类条款：" + self.headline(beside, other) + "\n" + beside.formula)
            citations.append(self.rule_citation(other))
            details.append(beside)
            note, stacking = explain_for_calculations(self.corpus, [calculations[-1], beside], question)
            if note:
                parts.append(note)
                citations += [self.rule_citation(r) for r in stacking]
        for scored in ranked[:1]:
            if (scored.clause.doc_id, scored.clause.clause) not in {(c.doc_id, c.clause) for c in citations}:
                citations.append(make_citation(scored.clause, quote_best(scored)))
        reply = Reply("\n\n".join(parts), "calculate", tuple(citations), tuple(details))
        unsure = self.unsure_facts(main, rule, question)
        if unsure:  # the clause's ceiling and nothing computed: shown, but asked, never "the amount"
            lead = (f"「{main.name}」原文只规定了最高额度，实际金额由主管部门逐项审核确定，助手不能给出确定"
                    "可得的数额。下面的数字是条款的上限，不是应得金额；如问的是最多能拿多少，上限即为答案。")
            return replace(reply, text=lead + "\n\n" + reply.text, route="clarify", missing=unsure)
        return reply

    def unsure_facts(self, calculation: Calculation, rule: Rule, question: str) -> tuple[str, ...]:
        """What still decides an eligible calculation's amount: () when the calculation gives it.  A rule of
        type maximum (「单次服务补助最高不超过200万元」「每个品种给予一次性最高不超过300万元奖励」) computes
        nothing from the user's facts: its figure is the clause's ceiling, fixed by the department case by
        case, so it is shown as the ceiling and asked about, never given as the amount, unless the ceiling is
        what was asked (「最多能拿多少」).  A rate capped 「按不超过X%」 is computed from the user's own figure
        and stays an answer, marked 「最高…（原文为上限）」."""
        if not calculation.eligible or calculation.amount_yuan <= 0 or rule.type not in ("maximum", "range"):
            return ()
        if calculation.is_maximum and not asks_ceiling(question):
            return ("主管部门审核确定的实际奖补金额",)
        return ()

    def headline(self, calculation: Calculation, rule: Rule) -> str:
        """「按《…》第1条 技术改造项目贴息，可获贴息2070万元。」"""
        clause = self.corpus.clause(rule.doc_id, rule.clause)
        where = cite_line(self.corpus, clause) if clause else rule.clause
        if not calculation.eligible:
            return f"按{where}，您的情况不符合「{calculation.name}」的条件：{calculation.reason}，该项金额为0元。"
        amount = format_yuan(calculation.amount_yuan)
        if calculation.range_min_yuan is not None:
            return (f"按{where}，「{calculation.name}」为{format_yuan(calculation.range_min_yuan)}至{amount}"
                    f"（原文给出的是区间，具体金额由主管部门认定，最高{amount}）。")
        assumed = ""
        if calculation.assumed_conditions:  # the engine took an unstated condition as met
            assumed = "（部分条件您未说明，按满足条件计算，详见计算单）"
        if calculation.is_maximum:
            return f"按{where}，「{calculation.name}」最高{amount}（原文为上限，实际金额以审核为准）{assumed}。"
        return f"按{where}，「{calculation.name}」可得{amount}{assumed}。"

    def rule_citation(self, rule: Rule | StackingRule) -> Citation:
        """A calculator or stacking rule's own sentence(s), checked verbatim against its clause."""
        clause = self.corpus.clause(rule.doc_id, rule.clause)
        assert clause is not None
        return make_citation(clause, rule.quote)

    def clarify(self, rule: Rule, labels: list[str], asks: list[str]) -> Reply:
        """Ask for exactly the missing facts, quoting the rule."""
        clause = self.corpus.clause(rule.doc_id, rule.clause)
        assert clause is not None
        question = asks[0] if len(asks) == 1 else f"请告诉我{'、'.join(labels)}"
        text = (f"要计算「{rule.name}」，还需要您提供：{'、'.join(labels)}。{question.rstrip('。')}。\n\n"
                + describe_clause(self.corpus, clause, rule.quote))
        return Reply(text, "clarify", (self.rule_citation(rule),), (), tuple(labels))

    def no_rule(self, ranked: list[ScoredClause]) -> Reply | None:
        """An amount was asked for a clause that gives no computable figure: quote it and say so."""
        if not ranked:
            return None
        best = ranked[0].clause
        has_rules = best.doc_id in self.documents_with_rules
        reasons = {n.clause: n.reason for n in self.corpus.no_amount.get(best.doc_id, ())}
        document = self.corpus.document(best.doc_id)
        title = document.cited_title if document else best.doc_id
        if not has_rules:
            lead = f"{title}尚未配置计算规则，助手不能给出金额；以下是相关条款原文，金额以原文和主管部门认定为准。"
        elif best.clause in reasons:
            lead = f"该条款没有可直接计算的金额（{reasons[best.clause]}），以下是原文。"
        else:
            return None
        citation = make_citation(best, quote_best(ranked[0]))
        text = lead + "\n\n" + describe_clause(self.corpus, best, citation.quote)
        return Reply(text, "lookup", (citation,))
