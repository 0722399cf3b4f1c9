"""Inputs, conditions and results of the subsidy calculator (pure, no I/O).

`normalise_inputs` turns user values into exact Decimals and rejects absurd
ones with a Chinese message; `evaluate` tests a rule's eligibility
conditions; `Calculation` is what the engine returns.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from assistant.calculator.model import Condition, Parameter, Rule, Share
from assistant.text.amounts import find_quantities
from assistant.text.formatting import format_number, format_rate, format_yuan

InputValue = float | str | tuple[float, ...]
Value = Decimal | str | tuple[Decimal, ...]  # dates are ISO strings 「2023-09」「2023-09-15」

MAX_MONEY = Decimal("1e13")  # 10万亿元: no provision is anywhere near; larger is a typo
MAX_COUNT = Decimal("1e7")
MAX_YEARS = Decimal(100)


@dataclass(frozen=True)
class WorksheetLine:
    """One line of a worksheet (计算单): what it is, its figures as written, and its amount when it concludes."""

    label: str  # 「入统投资额」「条件」「上限」「应得」; "" for a line that is one sentence
    value: str  # exactly as printed, e.g. 「3亿元 × 3.45% × 2年 = 2070万元」
    amount_yuan: float | None = None  # the line's result in yuan (应得, 最高可得, 结论, 所问)
    conclusion: bool = False  # the worksheet's answer (应得, 结论, 所问), shown in bold by the UI

    @property
    def text(self) -> str:
        """The line as printed in the reply: 「label：value」."""
        return f"{self.label}：{self.value}" if self.label else self.value


NON_COMPUTING_LABELS = ("依据", "说明", "计算单")


@dataclass(frozen=True)
class Calculation:
    """The result of applying one rule to one set of inputs."""

    rule_id: str
    doc_id: str
    clause: str
    name: str
    amount_yuan: float  # 0 when not eligible
    eligible: bool
    is_maximum: bool  # the amount is a ceiling the clause states with 「最高/不超过」, not a sure figure
    worksheet: tuple[WorksheetLine, ...]  # the 计算单, the title line (计算单) first
    inputs: dict[str, InputValue]
    shares: dict[str, float]
    notes: tuple[str, ...]
    reason: str  # why not eligible; "" otherwise
    share_specs: tuple[Share, ...] = ()
    range_min_yuan: float | None = None  # lower end when the clause gives a range 「300—500万元」
    assumed_conditions: bool = False  # a condition the user did not state was taken as met

    @property
    def formula(self) -> str:
        """The worksheet as text, one line each, as it appears in the reply and the public API."""
        return "\n".join(line.text for line in self.worksheet)

    @property
    def breakdown(self) -> tuple[tuple[str, float], ...]:
        """(label, yuan) for every amount on the worksheet — inputs, years, items, caps, shares, the result —
        so every yuan in the text can be checked against structure. The clause quote and notes are not lines
        of the computation and are left out."""
        entries: list[tuple[str, float]] = []
        for line in self.worksheet:
            if line.label in NON_COMPUTING_LABELS:
                continue
            if line.amount_yuan is not None:
                entries.append((line.label or line.value, float(line.amount_yuan)))
                continue
            for piece in line.value.split("；"):
                found = [q.value for q in find_quantities(piece) if q.kind == "money"]
                if not found:
                    continue
                name = piece.split("=")[0].strip() if line.label in ("财政分担",) else line.label
                # a step 「a × b = c」 contributes its result; a list of inputs 「600万元、500万元」 each figure
                for value in found[-1:] if "=" in piece else found:
                    entries.append((name or line.value, value))
        return tuple(entries)

    def to_dict(self) -> dict[str, Any]:
        """The summary for serialising: rule_id, amount_yuan, eligible, formula, inputs, doc_id, clause, breakdown."""
        inputs = {k: list(v) if isinstance(v, tuple) else v for k, v in self.inputs.items()}
        return {"rule_id": self.rule_id, "amount_yuan": self.amount_yuan, "eligible": self.eligible,
                "formula": self.formula, "inputs": inputs, "doc_id": self.doc_id, "clause": self.clause,
                "breakdown": [{"label": label, "amount_yuan": amount} for label, amount in self.breakdown]}


class MissingParameters(ValueError):
    """Required inputs are absent; `.parameters` says which, in the rule's order."""

    def __init__(self, rule_id: str, parameters: Sequence[Parameter]) -> None:
        self.rule_id = rule_id
        self.parameters = list(parameters)
        asks = "；".join(p.ask or f"请提供{p.label}" for p in self.parameters)
        super().__init__(f"计算还缺少：{'、'.join(p.label for p in self.parameters)}。{asks}")


def lpr_row(
    table: Sequence[Mapping[str, Any]] | Mapping[str, Any], on: datetime.date
) -> tuple[Decimal, dict[str, Any]]:
    """The one-year LPR (as an exact fraction) in force on `on`, and its row."""
    rows = table.get("rows", []) if isinstance(table, Mapping) else table
    dated = sorted((datetime.date.fromisoformat(str(row["date"])), dict(row)) for row in rows)
    if not dated:
        raise ValueError("LPR表为空，无法查询")
    if on < dated[0][0]:
        raise ValueError(f"{on.isoformat()}早于LPR首次报价日{dated[0][0].isoformat()}，无法按LPR计算")
    row = [r for d, r in dated if d <= on][-1]
    return Decimal(str(row["rate_percent"])) / 100, row


def is_present(value: object) -> bool:
    """An input counts as given unless it is None, "" or an empty list."""
    return value is not None and value != "" and value != () and value != []


def normalise_inputs(rule: Rule, inputs: Mapping[str, object]) -> dict[str, Value]:
    """The rule's inputs as exact values; ValueError (Chinese) for impossible or absurd ones."""
    out: dict[str, Value] = {}
    for param in rule.params:
        raw = inputs.get(param.name)
        if not is_present(raw):
            continue
        if param.kind == "choice":
            if raw not in param.choices:
                raise ValueError(f"{param.label}「{raw}」不是可选项（可选：{'、'.join(param.choices)}）")
            out[param.name] = str(raw)
        elif param.kind == "date":
            out[param.name] = _date(param, raw)
        elif param.kind == "flag":
            out[param.name] = _flag(param, raw)
        elif param.multiple:
            values = raw if isinstance(raw, (list, tuple)) else (raw,)
            if len(values) > 1000:
                raise ValueError(f"{param.label}的数值个数过多（{len(values)}个），请核对")
            out[param.name] = tuple(_number(param, v) for v in values)
        else:
            if isinstance(raw, (list, tuple)):
                if len(raw) != 1:
                    raise ValueError(f"{param.label}只能有一个数值，收到{len(raw)}个")
                raw = raw[0]
            out[param.name] = _number(param, raw)
    return out


def plain_inputs(values: Mapping[str, Value]) -> dict[str, InputValue]:
    """Exact values back to the float/str form the Calculation reports."""
    out: dict[str, InputValue] = {}
    for name, value in values.items():
        if isinstance(value, tuple):
            out[name] = tuple(float(v) for v in value)
        elif isinstance(value, Decimal):
            out[name] = float(value)
        else:
            out[name] = value
    return out


def show(param: Parameter, value: Value) -> str:
    """A value as the worksheet prints it: 「3亿元」「3.45%」「3000户」「4年」."""
    if isinstance(value, tuple):
        return "、".join(show(param, v) for v in value)
    if isinstance(value, str):
        return value
    if param.kind == "money":
        return format_yuan(value)
    if param.kind == "rate":
        return format_rate(value)
    if param.kind == "flag":
        return "是" if value else "否"
    return f"{format_number(value)}{param.unit}"


def evaluate(rule: Rule, cond: Condition, values: Mapping[str, Value]) -> tuple[str, str]:
    """("pass"|"fail"|"unknown", explanation) for one condition; explanations are Chinese."""
    if cond.any_of:
        results = [evaluate(rule, c, values) for c in cond.any_of]
        passed = [text for status, text in results if status == "pass"]
        if passed:
            return "pass", passed[0]
        if all(status == "fail" for status, _ in results):
            return "fail", f"不满足「{cond.text}」：" + "；".join(text for _, text in results)
        return "unknown", f"未提供判断「{cond.text}」所需的信息"
    if cond.all_of:
        results = [evaluate(rule, c, values) for c in cond.all_of]
        failed = [text for status, text in results if status == "fail"]
        if failed:
            return "fail", failed[0]
        if all(status == "pass" for status, _ in results):
            return "pass", "，".join(text for _, text in results)
        return "unknown", f"未提供判断「{cond.text}」所需的信息"
    param = rule.param(cond.param or "")
    value = values.get(param.name)
    if value is None:
        return "unknown", f"未提供{param.label}"
    if isinstance(value, tuple):
        value = sum(value, Decimal(0))
    shown = f"{param.label}{show(param, value)}"
    if cond.min is not None and isinstance(value, Decimal):
        limit = show(param, cond.min) + ("（含）" if cond.inclusive else "（不含）")
        if value < cond.min or (value == cond.min and not cond.inclusive):
            return "fail", f"{shown}低于{limit}的门槛"
        if cond.max is None:
            return "pass", f"{shown}，达到{limit}以上"
    if cond.max is not None and isinstance(value, Decimal):
        if value > cond.max:
            return "fail", f"{shown}高于{show(param, cond.max)}的上限"
        return "pass", f"{shown}，未超过{show(param, cond.max)}"
    if cond.one_of:
        if value in cond.one_of:
            return "pass", f"{param.label}为{value}"
        return "fail", f"{param.label}为{value}，不属于{'/'.join(cond.one_of)}"
    if cond.equals is not None:
        if value == cond.equals:
            return "pass", cond.text or param.label
        return "fail", f"不满足「{cond.text or param.label}」"
    return "pass", shown


def missing_for(rule: Rule, given: Mapping[str, object], has_table: bool) -> list[Parameter]:
    """Required inputs absent from `given` (names → values), in the rule's order.

    A condition that is not assume_if_missing needs enough inputs to be
    decided: 「节能800吨」 alone leaves 「或减碳2500吨、或达到标杆」 open, so
    those inputs are reported as missing rather than guessed.
    """
    present = {name for name, value in given.items() if is_present(value)}
    missing: list[str] = []
    for param in rule.params:
        if not param.required or param.name in present or param.default is not None:
            continue
        if param.name == rule.stage_param and rule.total_param and given.get(rule.total_param) in (1, True, "1"):
            continue  # a required stage (上市辅导 → 受理 → 上市) is not needed when 「一共」 is asked: all stages
        if param.name == rule.rate_param and rule.rate_table and has_table and rule.rate_date_param in present:
            continue  # the table gives the rate for the stated date
        if param.name == rule.base and rule.base_product and all(f in present for f in rule.base_product):
            continue  # the base can be derived (e.g. 保费 = 保额 × 费率)
        missing.append(param.name)
    try:
        values: Mapping[str, Value] | None = normalise_inputs(rule, given)
    except ValueError:
        values = None  # absurd inputs are reported by compute; here only presence counts
    for cond in rule.conditions:
        if cond.assume_if_missing:
            continue
        undecided = values is not None and evaluate(rule, cond, values)[0] == "unknown"
        if undecided or not any(name in present for name in cond.params()):
            missing.extend(name for name in cond.params() if name not in present and name not in missing)
    return [p for p in rule.params if p.name in missing]


def _number(param: Parameter, raw: object) -> Decimal:
    if isinstance(raw, bool) or not isinstance(raw, (int, float, Decimal, str)):
        raise ValueError(f"{param.label}应为数值，收到「{raw}」")
    try:
        value = raw if isinstance(raw, Decimal) else Decimal(repr(raw) if isinstance(raw, float) else str(raw).strip())
    except InvalidOperation as error:
        raise ValueError(f"{param.label}应为数值，收到「{raw}」") from error
    if not value.is_finite():
        raise ValueError(f"{param.label}应为有限数值，收到「{raw}」")
    if value < 0:
        raise ValueError(f"{param.label}不能为负数（收到{format_number(value)}），请核对")
    if param.kind == "money" and value > MAX_MONEY:
        raise ValueError(f"{param.label}{format_yuan(value)}超出合理范围（超过10万亿元），请核对单位")
    if param.kind == "rate" and value > 1:
        raise ValueError(f"{param.label}{format_rate(value)}超过100%，不是合理的比例或利率，请核对")
    if param.kind == "count" and (value != value.to_integral_value() or value > MAX_COUNT):
        raise ValueError(f"{param.label}应为合理的整数个数，收到{format_number(value)}")
    if param.kind == "years" and value > MAX_YEARS:
        raise ValueError(f"{param.label}{format_number(value)}年超出合理范围，请核对")
    if param.kind == "number" and value > MAX_MONEY:
        raise ValueError(f"{param.label}{format_number(value)}超出合理范围，请核对")
    return value


def parse_date(text: str) -> datetime.date:
    """「2023-09」 (a month: its first day) or 「2023-09-15」 as a date; ValueError otherwise."""
    return datetime.date.fromisoformat(text + "-01" if len(text) == 7 else text)


def _date(param: Parameter, raw: object) -> str:
    """A validated ISO date or month string; a month stays a month so the worksheet can say so."""
    if isinstance(raw, datetime.date):
        return raw.isoformat()
    text = str(raw).strip()
    try:
        parse_date(text)
    except ValueError as error:
        raise ValueError(f"{param.label}「{raw}」不是有效日期（应为2023-09或2023-09-15）") from error
    return text


def _flag(param: Parameter, raw: object) -> Decimal:
    if raw in (True, 1, 1.0, "1", "是", "true", "True"):
        return Decimal(1)
    if raw in (False, 0, 0.0, "0", "否", "false", "False"):
        return Decimal(0)
    raise ValueError(f"{param.label}应为「是」或「否」，收到「{raw}」")
