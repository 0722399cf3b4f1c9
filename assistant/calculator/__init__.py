"""Deterministic subsidy calculator whose rules are data.

Pure: imports nothing from llama_index, reads no files, calls no network or
LLM.  The rules live in corpus/<doc_id>.rules.json and the LPR table in
assistant/data/lpr.json; the caller loads them and passes them in.  Every
amount comes from a rule that carries its clause and the sentence it
implements, and the worksheet (计算单) shows every step with exact figures.

Rules file
    {"doc_id", "doc_title", "clause_label": "第{clause}条" | "第{clause_cn}条",
     "rules": [rule, ...], "non_computable": [{"clause", "reason"}, ...]}
    Provisions without a computable figure (一事一议, 「一定」, 「左右」) are listed
    under non_computable and get no rule: the engine never invents an amount.

Fields every rule has
    rule_id "<doc_id>-<clause>-<ascii-slug>", doc_id, clause, name (Chinese),
    type, keywords (words that pick this rule among its clause's rules),
    quote (the clause text it implements, character-exact), params, and
    optionally notes, shares, conditions, variants, default_label.
  params       [{name, label, unit, kind, required, cues, choices, aliases,
                 multiple, default, ask}]; kind is money | rate | count | years
                 | choice | flag | date | number.  Rates are fractions (0.1).
  conditions   eligibility, all must hold: {param, min, inclusive, max, in,
                 equals, text, assume_if_missing} or {any: [...], text}.
                 「（含）」 is inclusive: true; 「以上」 in Chinese regulations
                 (《民法典》第1259条) also includes the number itself, so it is
                 inclusive: true as well.  A failed condition gives eligible
                 False, amount 0 and the reason.  assume_if_missing: when the
                 user did not say, compute as met and say so in the notes.
  variants     [{when: condition, set: {rate|term_years|cap|item_cap|year_cap|
                 amount|unit_amount: value}, label, hint}]: the first whose
                 condition holds overrides the rule's values (tiers such as
                 「2亿元（含）以上…24个月…2500万元」, kinds such as 数字化车间 vs
                 智能工厂).  hint is said when the deciding input is unknown.
  shares       [{payer, key, ratio, aliases}] fiscal split (ratios sum to 1).

Rule types and their fields
  rate         amount = Σ items min(base × rate × factor × term, item_cap),
                 then min(…, cap).  base: a param (multiple → one item per
                 product/year, max_items); or base_product [params] multiplied
                 when base is absent, with base_product_caps {param: cap}.
                 Exactly one of rate (fixed fraction), rate_param (from the
                 user; rate_param_cap caps it; rate_table "lpr" + rate_date_param
                 looks it up by date) or unit_amount (yuan per unit of a count
                 base).  term_years, or term_param (+ term_max) from the user;
                 year_cap caps each year before multiplying by the term.
                 item_min: a condition each item must meet.  rate_is_maximum:
                 the clause says 「按不超过X%」, so the result is a ceiling.
  fixed        amount (or per-variant amount): a definite award.
  maximum      amount is a ceiling the clause states with 「最高（不超过）」;
                 count_param multiplies it (每个品种最高300万元).  is_maximum.
  range        min_amount—max_amount 「300—500万元」: reports the top with
                 range_min_yuan; is_maximum.
  step         base ≥ condition: base_amount + ⌊(base − step_origin) ÷
                 step_size⌋ × step_amount, capped by cap.
  staged       stages [{label, amount, choice, condition}] summed; with
                 stage_param, the stages up to the one reached.
  progressive  levels [{choice, amount}] chosen by level_param; an earlier
                 level (previous_level_param) or award (previous_award_param)
                 is deducted: 「递进补差，就高不重复」.

User text never changes a rule: a term, cap or rate written in the question
(「贴息请按10年计算」) is not a parameter of the rule and is ignored.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any

from assistant.calculator.conditions import (
    Calculation,
    InputValue,
    MissingParameters,
    WorksheetLine,
    lpr_row,
    missing_for,
)
from assistant.calculator.engine import run
from assistant.calculator.extract import extract_inputs
from assistant.calculator.schema import (
    Condition,
    NonComputable,
    Parameter,
    Rule,
    Share,
    Variant,
    parse_non_computable,
    parse_rules,
)
from assistant.text.formatting import format_rate, format_yuan

__all__ = [
    "Calculation", "Condition", "InputValue", "MissingParameters", "NonComputable", "Parameter", "Rule",
    "Share", "Variant", "WorksheetLine", "choose_rule", "compute", "extract_inputs", "focus_share", "lookup_lpr",
    "missing_parameters", "parse_non_computable", "parse_rules",
]

LprTable = Sequence[Mapping[str, Any]] | Mapping[str, Any]


def compute(rule: Rule, inputs: Mapping[str, InputValue], lpr_table: LprTable | None = None) -> Calculation:
    """Apply `rule` to `inputs` and return the amount with its worksheet.

    Raises MissingParameters (a ValueError with `.parameters`) when required
    inputs are absent, and ValueError with a Chinese message for impossible
    or absurd inputs (negative, over 10万亿元, a rate over 100%).  `lpr_table`
    (the rows of assistant/data/lpr.json, or the whole parsed file) supplies
    the LPR when the rule looks it up by date and the user gave no rate.
    """
    return run(rule, inputs, lpr_table)


def missing_parameters(
    rule: Rule, inputs: Mapping[str, InputValue], lpr_table: LprTable | None = None
) -> list[Parameter]:
    """Required parameters `inputs` does not give, in the rule's order.

    A rate looked up by date counts as given when the date is given and an
    LPR table is passed; conditions without assume_if_missing need their inputs.
    """
    has_table = lpr_table is not None
    return missing_for(rule, inputs, has_table=has_table)


def lookup_lpr(table: LprTable, on: datetime.date) -> tuple[float, dict]:
    """The one-year LPR in force on `on` (a fraction: 0.0345) and the table row it comes from.

    A row's rate is in force from its date until the next row's date.
    ValueError for a date before the first row (LPR reform, 2019-08-20).
    """
    rate, row = lpr_row(table, on)
    return float(rate), row


# A payer's name alone is often the jurisdiction (「省里的技改贴息能拿多少」); the question asks for that
# payer's part only when it also says so: 「其中省级财政承担多少」「市里要掏多少」「省里出多少」.
PART_WORDS = ("承担", "负担", "分担", "出多少", "出资", "出钱", "掏", "拨付", "拨多少", "部分", "那份", "占多少",
              "到账", "配套", "那块", "这块", "那一块")  # 「市县配套那块是多少」
PART_WINDOW = 8  # characters between the payer and the word that asks for its part


def _asks_part(question: str, alias: str) -> bool:
    for start in (m.start() for m in re.finditer(re.escape(alias), question)):
        after = question[start + len(alias):start + len(alias) + PART_WINDOW]
        if any(word in after for word in PART_WORDS) or "其中" in question[max(0, start - 4):start]:
            return True
    return False


def focus_share(calc: Calculation, question: str) -> Calculation | None:
    """When `question` asks about one payer's share (省级/省里 vs 市县/地方), that share as a Calculation.

    Returns None when the calculation has no fiscal split, is not eligible,
    or the question names no payer or several.
    """
    if not calc.eligible or not calc.share_specs or calc.amount_yuan <= 0:
        return None
    named = [s for s in calc.share_specs if any(_asks_part(question, alias) for alias in s.aliases)]
    if len(named) != 1:
        return None
    share = named[0]
    total = Decimal(repr(calc.amount_yuan))
    part = Decimal(repr(calc.shares[share.payer]))
    asked = f"{share.payer}负担 = {format_yuan(total)} × {format_rate(share.ratio)} = {format_yuan(part)}"
    line = WorksheetLine("所问", asked, float(part), conclusion=True)
    return replace(
        calc, rule_id=f"{calc.rule_id}:{share.key}", name=f"{calc.name}（{share.payer}负担部分）",
        amount_yuan=float(part), worksheet=(*calc.worksheet, line),
        notes=(*calc.notes, f"总额{format_yuan(total)}中由{share.payer}负担{format_rate(share.ratio)}"),
    )


def choose_rule(question: str, rules: Sequence[Rule]) -> Rule | None:
    """The rule whose keywords best match `question`; None if no keyword of any rule occurs.

    Score: total length of the rule's keywords found in the question; ties
    are broken by its choice words and parameter cues found, then by order.
    Meant to choose between the rules of one clause once the clause is known.
    """
    best: tuple[int, int] = (0, 0)
    chosen: Rule | None = None
    for rule in rules:
        score = sum(len(word) for word in rule.keywords if word in question)
        words = {word for p in rule.params if p.kind == "choice" for word, _ in p.choice_words()}
        words |= {cue for p in rule.params for cue in p.cues}
        tie_break = sum(len(word) for word in words if word in question)
        if score > 0 and (score, tie_break) > best:
            best, chosen = (score, tie_break), rule
    return chosen
