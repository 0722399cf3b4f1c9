"""The match engine (政策体检): every provision a company's description makes relevant, judged against it.

For each rule of each loaded policy in force where the company is, and that the description touches
(its `audience.mentions`, or every rule when the user asks for everything):
  * not_eligible — a stated fact fails a condition: a company fact the rule requires is denied, or a
    stated figure misses a threshold; the reason names the condition and the figure;
  * needs_info — a fact that decides it is not stated: a required company fact, a parameter, or a
    condition the calculator would otherwise assume (an assumed condition is never a silent yes);
    `missing` holds each fact to give, as a Chinese question;
  * eligible — every condition stated and the amount definite: the calculator's, with worksheet and clause
    (a ceiling 「最高」 or a range is needs_info: the authority sets the amount).
The total counts the eligible amounts and applies the
stacking rules: two documents' awards for the same matter (`audience.matter`, 从优就高 / 从高不重复) or for
a matter one enterprise takes at one level only (Harbin 第十八条's list) count once, the higher kept.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from assistant.answering.profile import (
    CompanyFacts,
    CompanyProfile,
    description_pieces,
    is_tentative,
    mention_state,
    mentioned,
)
from assistant.answering.reply import Benefit
from assistant.calculator import Calculation, Rule, compute, extract_inputs, missing_parameters
from assistant.calculator.conditions import evaluate, is_present, normalise_inputs
from assistant.calculator.extract import ORDINAL_YEAR, stage_years, uncued_params
from assistant.policies.corpus import Corpus
from assistant.text.formatting import format_yuan

YEAR_OPENS = re.compile(r"\s*(?:\d{4}\s*年(?!度)|大前年|前年|去年|今年|上年)")  # not 当年、同年: the same matter
PLACE_QUESTION = "贵企业注册在哪个市（县、区）？（所在地决定适用哪份政策）"


def stages_named(rule: Rule, text: str) -> set[str]:
    """The stages of a staged award (not its years: 「第二年」) that `text` names by their words."""
    if not rule.stage_param:
        return set()
    param = rule.param(rule.stage_param)
    return {choice for word, choice in param.choice_words() if word in text and not ORDINAL_YEAR.fullmatch(choice)}


@dataclass(frozen=True)
class MatchResult:
    """Every matched provision, the total and the stacking decisions behind it."""

    benefits: tuple[Benefit, ...]
    total_yuan: float
    stacking: tuple[str, ...]  # which award the total keeps, and why
    documents: tuple[str, ...]  # the documents whose rules were matched


class Matcher:
    """Matches a company profile against the rules of the loaded policies."""

    def __init__(self, corpus: Corpus, rules: Mapping[str, Rule], lpr_table: Any, facts: CompanyFacts,
                 clock: Callable[[], dt.date] | None = None) -> None:
        self.corpus = corpus
        self.rules = rules
        self.lpr_table = lpr_table
        self.facts = facts
        self.clock = clock  # resolves 去年、今年 against 2025年 in a stated change

    def match(self, profile: CompanyProfile) -> MatchResult:
        """The benefits of every relevant rule in force where the company is, and the total."""
        documents = tuple(d.doc_id for d in self.corpus.documents
                          if profile.applicable is None or d.doc_id in profile.applicable)
        pieces = [piece for text in profile.texts for piece in description_pieces(text, self.today())]
        relevant = [rule for rule in self.rules.values() if rule.doc_id in documents
                    and (profile.everything or any(mentioned(rule, piece) for piece in pieces))]
        benefits = [b for rule in relevant for b in self.judge(rule, profile, relevant)]
        benefits, total, notes = self.apply_stacking(benefits)
        order = {"eligible": 0, "needs_info": 1, "not_eligible": 2}
        benefits.sort(key=lambda b: order[b.status])  # stable: the rules' own order within a group
        return MatchResult(tuple(benefits), total, tuple(notes), documents)

    def today(self) -> dt.date | None:
        return self.clock() if self.clock is not None else None

    # ---- one rule ----------------------------------------------------------------------
    def pieces_about(self, rule: Rule, text: str, relevant: Sequence[Rule]) -> tuple[list[str], list[str]]:
        """(the pieces of one turn about the rule, the pieces about no relevant rule). A piece is about the
        rules it mentions, and a piece that mentions none belongs to the pieces before it (「技改投资3亿，
        LPR 3.45%」)."""
        own: list[str] = []
        shared: list[str] = []
        owner: Rule | None = None
        for piece in (p for p in description_pieces(text, self.today()) if p.strip()):
            named = [r for r in relevant if mentioned(r, piece)]
            if named:
                # a piece about another document's rule for the same matter (one 技改 project under 省第一条
                # and 哈第一条: 「全年实际完成固定资产投资1.2个亿」) is about this rule too
                same = bool(rule.audience.matter) and any(r.audience.matter == rule.audience.matter for r in named)
                owner = rule if rule in named or same else named[0]
            elif YEAR_OPENS.match(piece):
                owner = None  # 「…配套额8000万；2023年营收12亿，…」: a piece opening with a year starts a matter
            if owner is rule:
                own.append(piece)
            elif owner is None:
                shared.append(piece)
        return own, shared

    def firm(self, rule: Rule, pieces: Sequence[str]) -> list[str]:
        """The pieces that say what has happened: one with a tentative word (「准备在创业板首发上市」「计划投资」)
        states a plan, and its stage, kind or figure is not the company's yet."""
        return [p for p in pieces if not is_tentative(p, rule, self.facts)]

    def read_inputs(self, rule: Rule, profile: CompanyProfile, relevant: Sequence[Rule]) -> dict[str, Any]:
        """The rule's figures from the parts of the description about it. A fact still lacking may stand in a
        piece about no rule at all (「年营业收入8亿元，配套采购额从4亿增加到4.6亿」): only the lacking ones are
        taken from there, never a figure a piece about another rule states. A later turn's figures replace an
        earlier turn's."""
        inputs: dict[str, Any] = {}
        levels_said: list[str] = []
        stages_said: set[str] = set()
        today = self.today()
        for said in profile.texts:
            # 「2023年新纳入规上，2024年主营收入2300万」: the years after the event are the award's stages
            text = stage_years(said, rule, today)
            own, shared = self.pieces_about(rule, text, relevant)
            own = self.firm(rule, own)
            if own:
                own_text = "，".join(own)
                found = extract_inputs(own_text, rule, today)
                # a figure taken with none of its parameter's cues beside it, where a piece about no rule
                # states that parameter with its cue: the cued figure is the fact (「今年营业收入同比增加了2500万…
                # 付了利息21万、担保费6万」: 6万 is no 营业收入增加额)
                uncued = uncued_params(own_text, rule, found)
                if uncued and shared:
                    common = extract_inputs("，".join(shared), rule, today)
                    cued = {n: common[n] for n in uncued if n in common}
                    found.update({n: v for n, v in cued.items()
                                  if n not in uncued_params("，".join(shared), rule, cued)})
                if text != said and rule.stage_param and rule.stage_param not in extract_inputs(said, rule, today):
                    found.pop(rule.stage_param, None)  # a year written as a stage does not ask for that stage
                lacking = {p.name for p in missing_parameters(rule, found, self.lpr_table)}
                # a condition the calculator would assume (「总部和主营业务均在我省」「市政府组织的展会」) is a
                # fact about the company or the matter, stated anywhere in the description; so is a stage's
                conditions = [*rule.conditions, *(s.condition for s in rule.stages if s.condition is not None)]
                lacking |= {n for c in conditions if c.assume_if_missing for n in c.params() if n not in found}
                if shared and lacking:
                    common = extract_inputs("，".join(shared), rule, today)
                    found.update({k: v for k, v in common.items() if k in lacking})
                # a rate or a date (「入统时一年期LPR是3.45%」) is no other rule's figure, and a flag the calculator
                # would assume is said in its own words (「参加了市政府组织的巴黎航展，展位费交了15万」, after a
                # piece about another award): they may stand anywhere
                kinds = {p.name: p.kind for p in rule.params}
                lacking = {n for n in lacking if n not in found and kinds.get(n) in ("rate", "date", "flag")}
                if lacking:
                    whole = extract_inputs(text, rule, today)
                    found.update({k: v for k, v in whole.items() if k in lacking})
                inputs.update(found)
                stages_said |= stages_named(rule, own_text)
                levels_said += [v for n, v in found.items() if n in (rule.level_param, rule.previous_level_param)
                                and isinstance(v, str)]
        if rule.level_param in inputs and rule.previous_level_param:
            # 民营500强 in one turn, 中国企业500强 in the next, 世界500强 now: 递进补差 subtracts the highest
            # level reached before, whichever turn named it
            reached = rule.highest_level(levels_said, inputs[rule.level_param])
            if reached is not None:
                inputs[rule.previous_level_param] = reached
        if rule.total_param and len(stages_said) > 1 and rule.total_param not in inputs:
            # 「今年3月完成了上市辅导，10月申请材料被正式受理」: each stage named is a benefit reached, summed
            inputs[rule.total_param] = 1.0
        for param, fact in rule.audience.sets:
            stated = profile.fact(fact)
            if stated is not None:
                inputs[param] = 1.0 if stated else 0.0
        return self.stage_reached(rule, inputs)

    @staticmethod
    def stage_reached(rule: Rule, inputs: dict[str, Any]) -> dict[str, Any]:
        """A staged award whose later stages hang on conditions (「第二年、第三年主营业务收入保持在2000万元以
        上的，再分别奖励」): unless the description names the stage, it has reached the last stage whose
        conditions it states — later ones are not assumed."""
        if not rule.stage_param or inputs.get(rule.stage_param) or not any(s.condition for s in rule.stages):
            return inputs
        try:
            values = normalise_inputs(rule, inputs)
        except ValueError:
            return inputs
        reached = ""
        for stage in rule.stages:
            # a stage whose condition is stated has come, met or not (「第二年1800万，第三年2500万」: 第三年 pays
            # though 第二年 did not, 「再分别奖励」); one not stated is not assumed
            if stage.condition is not None and evaluate(rule, stage.condition, values)[0] == "unknown":
                break
            reached = stage.choice or reached
        return {**inputs, rule.stage_param: reached} if reached else inputs

    def kinds_stated(self, rule: Rule, profile: CompanyProfile, relevant: Sequence[Rule]) -> tuple[str, list[str]]:
        """A definite award by kind (「隐形冠军」 50万, 「小巨人」 100万) whose description states several kinds:
        the choice parameter and each kind stated — each is an award of its own. Staged and progressive
        awards are one award whatever stages they name."""
        if rule.type not in ("fixed", "maximum", "range"):
            return "", []
        pieces = [piece for t in profile.texts for piece in self.pieces_about(rule, t, relevant)[0]]
        text = "，".join(self.firm(rule, pieces))
        for param in rule.params:
            if param.kind != "choice":
                continue
            taken: list[tuple[int, int]] = []
            kinds: list[str] = []
            for word, choice in param.choice_words():
                for match in re.finditer(re.escape(word), text):
                    span = (match.start(), match.end())
                    if any(a < span[1] and span[0] < b for a, b in taken):
                        continue
                    taken.append(span)
                    if choice not in kinds:
                        kinds.append(choice)
            if len(kinds) > 1:
                return param.name, kinds
        return "", []

    def judge(self, rule: Rule, profile: CompanyProfile, relevant: Sequence[Rule]) -> list[Benefit]:
        """The rule's benefit — one per kind when the description states several kinds of a definite award."""
        param, kinds = self.kinds_stated(rule, profile, relevant)
        if not kinds:
            return [self.judge_one(rule, profile, relevant)]
        return [self.judge_one(rule, profile, relevant, {param: kind}) for kind in kinds]

    def judge_one(self, rule: Rule, profile: CompanyProfile, relevant: Sequence[Rule],
                  kind: Mapping[str, str] | None = None) -> Benefit:
        """Eligible, needs_info or not_eligible, with the amount, the questions or the failing condition."""
        def benefit(status: str, amount: float | None = None, missing: Sequence[str] = (), reason: str = "",
                    calculation: Calculation | None = None) -> Benefit:
            return Benefit(rule.doc_id, rule.clause, rule.rule_id, rule.name, status,  # type: ignore[arg-type]
                           amount, tuple(dict.fromkeys(missing)), reason, calculation, quote=rule.quote)

        denied = [self.facts.fact(name) for name in rule.audience.requires if profile.fact(name) is False]
        if denied:
            return benefit("not_eligible", reason=f"条款适用于{'、'.join(f.label for f in denied)}，"
                                                  f"您说明贵企业不是{'、'.join(f.label for f in denied)}")
        said = mention_state(rule, profile.texts, self.facts, self.today())
        subject = rule.audience.mentions[0].replace("…", "")
        if said == "denied":
            return benefit("not_eligible", reason=f"您说明贵企业没有（未获得）{subject}，不符合「{rule.name}」的条件")
        inputs = {**self.read_inputs(rule, profile, relevant), **(kind or {})}
        try:
            values = normalise_inputs(rule, inputs)
        except ValueError as error:
            return benefit("needs_info", missing=[f"{str(error).rstrip('。')}，请核对后重新提供"])
        for condition in rule.conditions:
            status, why = evaluate(rule, condition, values)
            if status == "fail":
                return benefit("not_eligible", reason=why)
        asks: list[str] = []
        if not said:  # listed because everything was asked
            asks.append(f"贵企业是否符合「{rule.name}」的条件（见条款原文）")
        elif said == "tentative":  # 「准备申报」: not got yet
            asks.append(f"贵企业是否已经获得（完成）{subject}？「{rule.name}」须已获得认定或已完成")
        if profile.applicable is None:
            asks.append(PLACE_QUESTION)
        asks += [self.facts.fact(name).ask for name in rule.audience.requires if profile.fact(name) is None]
        asks += [p.ask or f"请提供{p.label}" for p in missing_parameters(rule, inputs, self.lpr_table)]
        for condition in rule.conditions:
            if condition.assume_if_missing and not all(is_present(inputs.get(p)) for p in condition.params()):
                asks.append(f"请确认是否符合：{condition.text}")
        if asks:
            return benefit("needs_info", missing=asks, reason="以下信息决定能否申请及金额，您尚未说明")
        try:
            calculation = compute(rule, inputs, self.lpr_table)
        except ValueError as error:
            return benefit("needs_info", missing=[f"{str(error).rstrip('。')}，请核对后重新提供"])
        if not calculation.eligible:
            return benefit("not_eligible", reason=calculation.reason, calculation=calculation)
        if calculation.is_maximum or calculation.range_min_yuan is not None:
            # 「最高200万元」「50—200万元」: the clause leaves the amount to the authority, so no amount is sure
            return benefit("needs_info", missing=[f"「{rule.name}」原文只规定{self.how(calculation)}，"
                                                  "请向主管部门确认是否符合条件及核定金额"],
                           reason="条件已说明，金额由主管部门评审核定", calculation=calculation)
        return benefit("eligible", calculation.amount_yuan, reason=self.how(calculation), calculation=calculation)

    @staticmethod
    def how(calculation: Calculation) -> str:
        """「可得100万元」, or the ceiling or range the clause states."""
        amount = format_yuan(calculation.amount_yuan)
        if calculation.range_min_yuan is not None:
            low = format_yuan(calculation.range_min_yuan)
            return f"{low}至{amount}的区间"
        if calculation.is_maximum:
            return f"最高{amount}的上限"
        return f"可得{amount}"

    # ---- the total ---------------------------------------------------------------------
    def apply_stacking(self, benefits: list[Benefit]) -> tuple[list[Benefit], float, list[str]]:
        """Mark the amounts the total counts: definite ones (a ceiling or a range is listed, not added); of two
        documents' awards for the same matter only one is taken — the higher, or the definite one when the
        other is a ceiling or a range (the worksheet shows both)."""
        eligible = [b for b in benefits if b.calculation is not None and (
            b.status == "eligible" or (b.status == "needs_info" and not self.definite(b)))]
        kept: list[Benefit] = []
        notes: list[str] = []
        for candidate in eligible:
            rival, why = self.same_matter(candidate, kept)
            if rival is None:
                kept.append(candidate)
                continue
            definite = [b for b in (rival, candidate) if self.definite(b)]
            if len(definite) == 2:
                higher = rival if (rival.amount_yuan or 0) >= (candidate.amount_yuan or 0) else candidate
                lower = candidate if higher is rival else rival
                notes.append(f"「{higher.title}」（{self.document_name(higher.doc_id)}）与「{lower.title}」"
                             f"（{self.document_name(lower.doc_id)}）{why}，合计只计较高的"
                             f"{format_yuan(higher.amount_yuan or 0)}，不计{format_yuan(lower.amount_yuan or 0)}")
            else:
                higher = definite[0] if definite else rival
                lower = candidate if higher is rival else rival
                kind = "区间" if lower.calculation and lower.calculation.range_min_yuan is not None else "上限"
                notes.append(f"「{higher.title}」（{self.document_name(higher.doc_id)}）与「{lower.title}」"
                             f"（{self.document_name(lower.doc_id)}）{why}；后者原文为{kind}、金额待认定，"
                             f"合计按确定金额的「{higher.title}」计，实际可选择较高的一项")
            kept = [k for k in kept if k is not rival] + [higher]
        # by identity: one rule gives a benefit per kind stated (「市级隐形冠军」「国家级小巨人」), and a kind
        # that fails is no part of the total
        counted = {id(b) for b in kept if self.definite(b)}
        marked = [replace(b, counted=id(b) in counted) for b in benefits]
        total = float(sum(b.amount_yuan or 0 for b in marked if b.counted))
        return marked, total, notes

    @staticmethod
    def definite(benefit: Benefit) -> bool:
        """A sure amount: not a ceiling 「最高」 and not a range 「50—200万元」."""
        calculation = benefit.calculation
        return calculation is not None and not calculation.is_maximum and calculation.range_min_yuan is None

    def same_matter(self, benefit: Benefit, kept: Sequence[Benefit]) -> tuple[Benefit | None, str]:
        """A kept award of the other document for the same matter, and the stacking rule that binds them."""
        matter = self.rules[benefit.rule_id].audience.matter
        for other in kept:
            if other.doc_id == benefit.doc_id:
                continue
            for rule in self.corpus.stacking_rules:
                for topic in rule.topics:
                    if {other.rule_id, benefit.rule_id} <= set(topic.rules):
                        return other, (f"同属{topic.name}，按{self.stacking_where(rule.doc_id, rule.clause)}"
                                       "同一企业只能享受省、市其中一级")
            if matter and self.rules[other.rule_id].audience.matter == matter:
                principles = "、".join(f"{self.stacking_where(r.doc_id, r.clause)}「{r.principle}」"
                                       for r in self.corpus.stacking_rules if not r.topics)
                return other, f"是同一{matter}，按{principles}的原则只享受较高的一项"
        return None, ""

    def stacking_where(self, doc_id: str, clause_id: str) -> str:
        clause = self.corpus.clause(doc_id, clause_id)
        return f"《{self.document_name(doc_id)}》{clause.label if clause else clause_id}"

    def document_name(self, doc_id: str) -> str:
        document = self.corpus.document(doc_id)
        return document.short_title if document else doc_id
