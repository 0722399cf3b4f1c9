"""The data model of subsidy rules: parameters, conditions, variants, shares and rules.

Pure data (frozen dataclasses).  Numbers are `Decimal` so the engine's
arithmetic is exact.  assistant/calculator/schema.py builds these from JSON.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

RULE_TYPES = ("rate", "fixed", "maximum", "range", "step", "staged", "progressive")
PARAM_KINDS = ("money", "rate", "count", "years", "choice", "flag", "date", "number")
# Fields a variant may override; anything else would let a variant change the rule's shape.
VARIANT_FIELDS = ("rate", "term_years", "cap", "item_cap", "year_cap", "amount", "unit_amount")


@dataclass(frozen=True)
class Parameter:
    """One input a rule needs, with the words that identify it in a question."""

    name: str  # identifier, e.g. "investment"
    label: str  # Chinese, e.g. "入统投资额"
    unit: str  # "元", "%", "年", "户", …
    kind: str  # one of PARAM_KINDS
    required: bool
    cues: tuple[str, ...]  # words that, near a number, mark it as this parameter
    choices: tuple[str, ...] = ()  # for kind "choice": canonical values
    aliases: tuple[tuple[str, tuple[str, ...]], ...] = ()  # choice -> words that name it
    multiple: bool = False  # several values (one per product / per year)
    default: Decimal | None = None  # used when the input is absent (always stated in the worksheet)
    ask: str = ""  # the question to put to the user when it is missing
    # Read from a stated change 「从4亿增加到4.6亿」「去年8亿，今年9.2亿」: "increase" = after − before,
    # "growth" = (after − before) ÷ before.
    derived: str = ""
    # flags: words that state the condition is not met (「省级绿色工厂」 for a national-level award, 「规下企业」)
    against: tuple[str, ...] = ()
    # money that is a total of items (「合同金额（含设备投资和工业软件购置…）」): figures the question lists
    # next to each other (「设备1200万、工业软件300万」「分别3.5万和6万」) are added up
    sums: bool = False

    def choice_words(self) -> list[tuple[str, str]]:
        """(word, choice) pairs, the choice's own name included, longest word first."""
        pairs = {(choice, choice) for choice in self.choices}
        pairs |= {(word, choice) for choice, words in self.aliases for word in words}
        return sorted(pairs, key=lambda pair: -len(pair[0]))


@dataclass(frozen=True)
class Condition:
    """An eligibility test: a numeric threshold, a choice, a flag, or any-of a group."""

    param: str | None = None
    min: Decimal | None = None
    inclusive: bool = True  # 「（含）」; 「以上」 in Chinese regulations is inclusive too
    max: Decimal | None = None
    one_of: tuple[str, ...] = ()
    equals: Decimal | None = None
    any_of: tuple[Condition, ...] = ()
    all_of: tuple[Condition, ...] = ()
    text: str = ""  # how the clause states it, e.g. 「3000万元（含）以上」
    assume_if_missing: bool = False  # absent input: treat as met and say so

    def params(self) -> list[str]:
        """The parameter names this condition reads."""
        if self.any_of or self.all_of:
            return [name for cond in (*self.any_of, *self.all_of) for name in cond.params()]
        return [self.param] if self.param else []


@dataclass(frozen=True)
class Variant:
    """Overrides (cap, term, amount …) that apply when `when` holds: tiers and kinds."""

    when: Condition
    values: Mapping[str, Decimal]
    label: str = ""
    hint: str = ""  # said when the deciding input is missing


@dataclass(frozen=True)
class Share:
    """Who pays which fraction of the amount (财政分担)."""

    payer: str  # 「省级财政」
    key: str  # short suffix for focus_share, 「省级」
    ratio: Decimal
    aliases: tuple[str, ...]  # words in a question that mean this payer


@dataclass(frozen=True)
class Stage:
    """One step of a staged award (上市辅导 → 受理 → 上市; 入规第一年 → 第三年)."""

    label: str
    amount: Decimal
    choice: str = ""
    condition: Condition | None = None


@dataclass(frozen=True)
class Level:
    """One rung of a progressive award (递进补差)."""

    choice: str
    amount: Decimal


@dataclass(frozen=True)
class Audience:
    """Who a rule is for, as a company profile reads it (the 政策体检 match).

    `mentions`: what a company description says that makes the rule relevant to it (a recognition, a
    project kind, a stage; 「产值…增加」 is two words in that order, close together); `requires`:
    company facts the rule demands (names of the facts in assistant/data/company_facts.json:
    manufacturing, above_scale, industrial); `sets`: a flag
    parameter of the rule that one of those facts decides; `matter`: the project or matter the award
    is for, shared by another document's rule for the same matter (从优就高 / 从高不重复 applies).
    """

    mentions: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()
    sets: tuple[tuple[str, str], ...] = ()  # (parameter, fact)
    matter: str = ""


@dataclass(frozen=True)
class Rule:
    """One computable provision of a policy clause, as data."""

    rule_id: str  # "<doc_id>-<clause>-<ascii-slug>"
    doc_id: str
    clause: str
    name: str
    keywords: tuple[str, ...]
    quote: str  # the clause sentence(s) it implements, character-exact
    params: tuple[Parameter, ...]
    type: str = "fixed"
    doc_title: str = ""
    clause_label: str = ""
    conditions: tuple[Condition, ...] = ()
    variants: tuple[Variant, ...] = ()
    default_label: str = ""
    shares: tuple[Share, ...] = ()
    notes: tuple[str, ...] = ()
    # rate
    base: str | None = None
    base_product: tuple[str, ...] = ()
    base_product_caps: tuple[tuple[str, Decimal], ...] = ()
    rate: Decimal | None = None
    rate_param: str | None = None
    rate_param_cap: Decimal | None = None
    rate_table: str | None = None
    rate_date_param: str | None = None
    factor: Decimal = Decimal(1)
    unit_amount: Decimal | None = None
    rate_is_maximum: bool = False
    term_years: Decimal = Decimal(1)
    term_param: str | None = None
    term_max: Decimal | None = None
    cap: Decimal | None = None
    item_cap: Decimal | None = None
    year_cap: Decimal | None = None
    item_min: Condition | None = None
    max_items: int | None = None
    item_label: str = "项"  # how the worksheet counts items: 第1项, 第1年
    # fixed / maximum / range
    amount: Decimal | None = None
    count_param: str | None = None
    min_amount: Decimal | None = None
    max_amount: Decimal | None = None
    # step
    step_origin: Decimal | None = None
    base_amount: Decimal | None = None
    step_size: Decimal | None = None
    step_amount: Decimal | None = None
    # staged
    stages: tuple[Stage, ...] = ()
    stage_param: str | None = None
    # a flag parameter: the question asks for the total over the stages (「一共」「累计」), not the stage reached
    total_param: str | None = None
    # progressive
    levels: tuple[Level, ...] = ()
    level_param: str | None = None
    previous_level_param: str | None = None
    previous_award_param: str | None = None
    # the rule's base is the award another rule gives (「领航企业所获配套奖励的30%」): a question that states
    # that award's facts, not the award, is answered by computing the award first
    award_of: tuple[str, ...] = ()
    audience: Audience = Audience()

    def denials(self) -> tuple[str, ...]:
        """Words that deny one of the rule's flag conditions (「市级」 for a national-level award)."""
        return tuple(w for p in self.params if p.kind == "flag" for w in p.against)

    def highest_level(self, said: Sequence[str], other_than: str) -> str | None:
        """Of the levels a conversation has stated (递进补差), the one paying most other than `other_than`:
        what was already received is the highest level reached before, not the latest one named
        (民营500强, then 中国企业500强, then 世界500强: 200万 was received, not 100万)."""
        amounts = {level.choice: level.amount for level in self.levels}
        earlier = [choice for choice in said if choice != other_than and choice in amounts]
        return max(earlier, key=lambda choice: amounts[choice], default=None)

    def param(self, name: str) -> Parameter:
        """The parameter called `name` (KeyError if the rule has none)."""
        for param in self.params:
            if param.name == name:
                return param
        raise KeyError(name)


@dataclass(frozen=True)
class NonComputable:
    """A provision that gives no computable amount (一事一议, 「一定」, no figure)."""

    doc_id: str
    clause: str
    reason: str
