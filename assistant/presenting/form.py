"""The calculator tab: a rule's parameters as form fields, and the typed values read back for the engine."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from assistant.calculator import Parameter, Rule
from assistant.policies.corpus import Corpus
from assistant.presenting.markup import WIDTH_MAP, escape_markdown

LIST_SEPARATORS = re.compile(r"[,，、;；\s]+")
MONEY_SCALE = Decimal(10_000)  # the form asks for money in 万元; the engine takes 元
RATE_SCALE = Decimal(100)  # the form asks for rates in %; the engine takes fractions


@dataclass(frozen=True)
class FormField:
    """How one rule parameter is asked for in the calculator form."""

    name: str
    label: str  # with its unit: 「入统投资额（万元）」
    widget: str  # "text" or "choice"
    choices: tuple[str, ...]
    placeholder: str
    required: bool


def form_fields(rule: Rule) -> list[FormField]:
    """The form for a rule's parameters, in the rule's order, money in 万元 and rates in %."""
    return [_form_field(p) for p in rule.params]


def _form_field(param: Parameter) -> FormField:
    unit = form_unit(param)
    label = f"{param.label}（{unit}）" if unit else param.label
    label += "" if param.required else "（选填）"
    if param.kind in ("choice", "flag"):
        choices = param.choices if param.kind == "choice" else ("是", "否")
        return FormField(param.name, label, "choice", choices, "", param.required)
    if param.kind == "date":
        hint = "如 2023-09 或 2023-09-15"
    elif param.multiple:
        hint = "可填多个，用逗号分隔，如 120, 80"
    else:
        hint = {"money": "如 3000 表示3000万元", "rate": "如 3.45 表示3.45%"}.get(param.kind, "填数字")
    if param.default is not None:
        hint += f"；不填按{format(_to_form(param, param.default).normalize(), 'f')}{unit}"
    return FormField(param.name, label, "text", (), hint, param.required)


def form_unit(param: Parameter) -> str:
    """The unit the form asks in."""
    if param.kind in ("money", "rate"):
        return "万元" if param.kind == "money" else "%"
    return param.unit if param.kind not in ("choice", "flag", "date") else ""


def form_inputs(rule: Rule, values: Mapping[str, Any]) -> dict[str, Any]:
    """The engine's inputs from what was typed: 万元 → 元 and % → fraction, exactly (Decimal).

    Blank fields are left out (the engine says what is missing).  ValueError with a
    Chinese message for text that is not a number.
    """
    inputs: dict[str, Any] = {}
    for param in rule.params:
        raw = values.get(param.name)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            continue
        if param.kind in ("choice", "flag", "date"):
            inputs[param.name] = str(raw).strip()
        elif param.multiple:
            items = [item for item in LIST_SEPARATORS.split(str(raw).translate(WIDTH_MAP)) if item]
            inputs[param.name] = tuple(str(_from_form(param, item)) for item in items)
        else:
            inputs[param.name] = str(_from_form(param, str(raw)))
    return inputs


def _from_form(param: Parameter, text: str) -> Decimal:
    cleaned = str(text).translate(WIDTH_MAP).replace(",", "").strip()
    try:
        value = Decimal(cleaned)
    except InvalidOperation as error:
        raise ValueError(f"「{param.label}」应填数字，收到「{text}」") from error
    if not value.is_finite():
        raise ValueError(f"「{param.label}」应填数字，收到「{text}」")
    if param.kind == "money":
        return value * MONEY_SCALE
    if param.kind == "rate":
        return value / RATE_SCALE
    return value


def _to_form(param: Parameter, value: Decimal) -> Decimal:
    if param.kind == "money":
        return value / MONEY_SCALE
    if param.kind == "rate":
        return value * RATE_SCALE
    return value


def rule_markdown(rule: Rule) -> str:
    """The rule's name and the clause words it implements, for the calculator."""
    return f"**{escape_markdown(rule_label(rule))}**\n\n「{escape_markdown(rule.quote)}」"


def rule_label(rule: Rule) -> str:
    """「第十一条 新增流动资金贷款贴息」."""
    return f"{rule.clause_label or rule.clause} {rule.name}"


def rules_by_document(corpus: Corpus, rules: Mapping[str, Rule]) -> dict[str, list[tuple[str, str]]]:
    """doc_id → [(label, rule_id)] in clause order: the calculator's rule list, grouped by document."""
    grouped: dict[str, list[tuple[str, str]]] = {}
    order = {(c.doc_id, c.clause): c.order for c in corpus.clauses}
    for document in corpus.documents:
        own = [r for r in rules.values() if r.doc_id == document.doc_id]
        own.sort(key=lambda r: order.get((r.doc_id, r.clause), 0))
        if own:
            grouped[document.doc_id] = [(rule_label(r), r.rule_id) for r in own]
    return grouped
