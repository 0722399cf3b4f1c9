"""Load and validate rules JSON into the data model of assistant/calculator/model.py.

A rules file (corpus/<doc_id>.rules.json) is
``{"doc_id", "doc_title", "clause_label", "rules": [...], "non_computable": [...]}``;
see assistant/calculator/__init__.py for what each rule type and field means.
Bad data raises ValueError naming the rule_id and the field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from assistant.calculator.model import (
    PARAM_KINDS,
    RULE_TYPES,
    VARIANT_FIELDS,
    Audience,
    Condition,
    Level,
    NonComputable,
    Parameter,
    Rule,
    Share,
    Stage,
    Variant,
)
from assistant.calculator.rules_file import check_rules_file
from assistant.text.numbering import clause_id_to_chinese

__all__ = ["Audience", "Condition", "Level", "NonComputable", "Parameter", "Rule", "Share", "Stage", "Variant",
           "parse_non_computable", "parse_rules"]

_IDENT = re.compile(r"^[a-z][a-z0-9_]*$")

def parse_rules(data: list[dict] | dict) -> list[Rule]:
    """Build validated rules from a parsed rules file (the dict) or a bare list of rule dicts.

    Unknown keys, wrong types and missing fields are refused first (rules_file.check_rules_file).
    """
    check_rules_file(data)
    if isinstance(data, dict):
        items = data.get("rules")
        if not isinstance(items, list):
            raise ValueError("rules file: field 'rules' must be a list")
        defaults = {key: data[key] for key in ("doc_id", "doc_title", "clause_label") if key in data}
    elif isinstance(data, list):
        items, defaults = data, {}
    else:
        raise ValueError("rules data must be a dict or a list")
    rules: list[Rule] = []
    seen: set[str] = set()
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise ValueError(f"rule #{index}: must be an object")
        rule = _parse_rule({**defaults, **item}, defaults.get("clause_label", ""))
        if rule.rule_id in seen:
            raise ValueError(f"{rule.rule_id}: field 'rule_id' is duplicated")
        seen.add(rule.rule_id)
        rules.append(rule)
    return rules


def parse_non_computable(data: dict) -> list[NonComputable]:
    """The provisions a rules file marks as having no computable amount."""
    doc_id = str(data.get("doc_id", ""))
    items = data.get("non_computable", [])
    if not isinstance(items, list):
        raise ValueError(f"{doc_id}: field 'non_computable' must be a list")
    out = []
    for item in items:
        if not isinstance(item, dict) or not item.get("clause") or not item.get("reason"):
            raise ValueError(f"{doc_id}: field 'non_computable' entries need 'clause' and 'reason'")
        out.append(NonComputable(doc_id, str(item["clause"]), str(item["reason"])))
    return out


class _Reader:
    """Typed access to one rule's dict; every error names the rule and the field."""

    def __init__(self, rule_id: str, raw: Mapping[str, Any]) -> None:
        self.rule_id, self.raw = rule_id, raw

    def fail(self, name: str, problem: str) -> ValueError:
        return ValueError(f"{self.rule_id}: field '{name}' {problem}")

    def text(self, name: str, default: str | None = None) -> str:
        value = self.raw.get(name, default)
        if not isinstance(value, str) or (default is None and not value.strip()):
            raise self.fail(name, "must be a non-empty string")
        return value

    def opt_text(self, name: str) -> str | None:
        value = self.raw.get(name)
        if value is not None and not (isinstance(value, str) and value):
            raise self.fail(name, "must be a non-empty string")
        return value

    def words(self, name: str, required: bool = False) -> tuple[str, ...]:
        value = self.raw.get(name, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value) or (required and not value):
            raise self.fail(name, "must be a non-empty list of strings" if required else "must be a list of strings")
        return tuple(value)

    def number(self, name: str, value: Any = None, allow_none: bool = True) -> Decimal | None:
        value = self.raw.get(name) if value is None else value
        if value is None:
            if allow_none:
                return None
            raise self.fail(name, "is required")
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise self.fail(name, "must be a number")
        try:
            number = Decimal(str(value))
        except InvalidOperation as error:
            raise self.fail(name, "must be a number") from error
        if not number.is_finite() or number < 0:
            raise self.fail(name, "must be a non-negative number")
        return number

    def amount(self, name: str, value: Any) -> Decimal:
        """A number that must be present."""
        number = self.number(name, value, allow_none=False)
        assert number is not None  # number() raised otherwise
        return number

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.raw.get(name, default)
        if not isinstance(value, bool):
            raise self.fail(name, "must be true or false")
        return value


def _parse_rule(raw: Mapping[str, Any], clause_label: str) -> Rule:
    rule_id = raw.get("rule_id")
    if not isinstance(rule_id, str) or not rule_id:
        raise ValueError(f"rule {raw.get('name', '?')}: field 'rule_id' is missing")
    r = _Reader(rule_id, raw)
    doc_id, clause = r.text("doc_id"), r.text("clause")
    if not re.fullmatch(rf"{re.escape(doc_id)}-{re.escape(clause)}-[a-z0-9]+(?:-[a-z0-9]+)*", rule_id):
        raise r.fail("rule_id", f"must look like '{doc_id}-{clause}-<ascii-slug>'")
    kind = r.text("type")
    if kind not in RULE_TYPES:
        raise r.fail("type", f"must be one of {RULE_TYPES}")
    params = tuple(_parse_param(r, p) for p in _list(r, "params"))
    names = [p.name for p in params]
    if len(set(names)) != len(names):
        raise r.fail("params", "has duplicate names")
    fields: dict[str, Any] = {
        "rule_id": rule_id, "doc_id": doc_id, "clause": clause, "type": kind,
        "name": r.text("name"), "keywords": r.words("keywords", required=True), "quote": r.text("quote"),
        "params": params, "doc_title": r.text("doc_title", ""),
        "clause_label": (r.text("clause_label", "") or clause_label).replace("{clause}", clause).replace(
            "{clause_cn}", clause_id_to_chinese(clause)),
        "notes": r.words("notes"), "default_label": r.text("default_label", ""),
        "conditions": tuple(_parse_condition(r, c, "conditions") for c in _list(r, "conditions")),
        "variants": tuple(_parse_variant(r, v) for v in _list(r, "variants")),
        "shares": tuple(_parse_share(r, s) for s in _list(r, "shares")),
    }
    for name in ("base", "rate_param", "rate_table", "rate_date_param", "term_param", "count_param",
                 "stage_param", "total_param", "level_param", "previous_level_param", "previous_award_param"):
        fields[name] = r.opt_text(name)
    for name in ("rate", "rate_param_cap", "unit_amount", "term_max", "cap", "item_cap", "year_cap",
                 "amount", "min_amount", "max_amount", "step_origin", "base_amount", "step_size", "step_amount"):
        fields[name] = r.number(name)
    fields["factor"] = r.number("factor") or Decimal(1)
    fields["term_years"] = r.number("term_years") or Decimal(1)
    fields["rate_is_maximum"] = r.flag("rate_is_maximum")
    fields["base_product"] = r.words("base_product")
    fields["award_of"] = r.words("award_of")
    caps = raw.get("base_product_caps", {})
    if not isinstance(caps, dict):
        raise r.fail("base_product_caps", "must be an object")
    fields["base_product_caps"] = tuple((k, r.amount("base_product_caps", v)) for k, v in caps.items())
    if raw.get("item_min") is not None:
        fields["item_min"] = _parse_condition(r, raw["item_min"], "item_min")
    max_items = raw.get("max_items")
    if max_items is not None and (not isinstance(max_items, int) or isinstance(max_items, bool) or max_items < 1):
        raise r.fail("max_items", "must be a positive integer")
    fields["max_items"] = max_items
    fields["item_label"] = r.text("item_label", "项") or "项"
    fields["stages"] = tuple(_parse_stage(r, s) for s in _list(r, "stages"))
    fields["levels"] = tuple(
        Level(_need(r, lv, "choice", "levels"), r.amount("levels", lv.get("amount")))
        for lv in _list(r, "levels"))
    fields["audience"] = _parse_audience(r, raw.get("audience"))
    rule = Rule(**fields)
    _check_references(r, rule)
    _check_type(r, rule)
    return rule


def _list(r: _Reader, name: str) -> list[Any]:
    value = r.raw.get(name, [])
    if not isinstance(value, list):
        raise r.fail(name, "must be a list")
    for item in value:
        if not isinstance(item, dict):
            raise r.fail(name, "entries must be objects")
    return value


def _need(r: _Reader, item: Mapping[str, Any], key: str, where: str) -> str:
    value = item.get(key)
    if not isinstance(value, str) or not value:
        raise r.fail(where, f"entry needs a non-empty '{key}'")
    return value


def _parse_param(r: _Reader, raw: Mapping[str, Any]) -> Parameter:
    name = _need(r, raw, "name", "params")
    where = f"params.{name}"
    if not _IDENT.match(name):
        raise r.fail(where, "name must be an ascii identifier")
    kind = _need(r, raw, "kind", where)
    if kind not in PARAM_KINDS:
        raise r.fail(f"{where}.kind", f"must be one of {PARAM_KINDS}")
    sub = _Reader(r.rule_id, raw)
    choices = sub.words("choices")
    if kind == "choice" and not choices:
        raise r.fail(f"{where}.choices", "must list the choices of a choice parameter")
    aliases = raw.get("aliases", {})
    if not isinstance(aliases, dict) or any(k not in choices for k in aliases) or not all(
        isinstance(v, list) and all(isinstance(w, str) and w for w in v) for v in aliases.values()
    ):
        raise r.fail(f"{where}.aliases", "must map existing choices to lists of words")
    if not isinstance(raw.get("required"), bool):
        raise r.fail(f"{where}.required", "must be true or false")
    return Parameter(
        name=name, label=_need(r, raw, "label", where), unit=str(raw.get("unit", "")), kind=kind,
        required=raw["required"], cues=sub.words("cues"), choices=choices,
        aliases=tuple((k, tuple(v)) for k, v in aliases.items()),
        multiple=sub.flag("multiple"), default=sub.number("default"), ask=str(raw.get("ask", "")),
        derived=str(raw.get("derived") or ""), against=sub.words("against"), sums=sub.flag("sums"),
    )


def _parse_condition(r: _Reader, raw: Any, where: str) -> Condition:
    if not isinstance(raw, dict):
        raise r.fail(where, "condition must be an object")
    sub = _Reader(r.rule_id, raw)
    inclusive = raw.get("inclusive", True)
    if not isinstance(inclusive, bool):
        raise r.fail(f"{where}.inclusive", "must be true or false")
    for key in ("any", "all"):
        if key in raw:
            group = raw[key]
            if not isinstance(group, list) or len(group) < 2:
                raise r.fail(f"{where}.{key}", "must list at least two conditions")
            parsed = tuple(_parse_condition(r, c, where) for c in group)
            return Condition(any_of=parsed if key == "any" else (), all_of=parsed if key == "all" else (),
                             text=str(raw.get("text", "")), assume_if_missing=sub.flag("assume_if_missing"))
    cond = Condition(
        param=_need(r, raw, "param", where), min=sub.number("min"), inclusive=inclusive, max=sub.number("max"),
        one_of=sub.words("in"), equals=sub.number("equals"), text=str(raw.get("text", "")),
        assume_if_missing=sub.flag("assume_if_missing"),
    )
    if cond.min is None and cond.max is None and not cond.one_of and cond.equals is None:
        raise r.fail(where, f"condition on '{cond.param}' needs min, max, in or equals")
    return cond


def _parse_audience(r: _Reader, raw: Any) -> Audience:
    if raw is None:
        return Audience()
    sub = _Reader(r.rule_id, raw)
    sets = raw.get("sets", {})
    kinds = {p.get("name"): p.get("kind") for p in r.raw.get("params", []) if isinstance(p, dict)}
    for param in sets:
        if kinds.get(param) != "flag":
            raise r.fail("audience.sets", f"names '{param}', which is not a declared flag parameter")
    return Audience(mentions=sub.words("mentions", required=True), requires=sub.words("requires"),
                    sets=tuple(sets.items()), matter=sub.text("matter", ""))


def _parse_variant(r: _Reader, raw: Mapping[str, Any]) -> Variant:
    values = raw.get("set")
    if not isinstance(values, dict) or not values or any(k not in VARIANT_FIELDS for k in values):
        raise r.fail("variants.set", f"must override some of {VARIANT_FIELDS}")
    return Variant(
        when=_parse_condition(r, raw.get("when"), "variants.when"),
        values={k: r.amount(f"variants.set.{k}", v) for k, v in values.items()},
        label=str(raw.get("label", "")), hint=str(raw.get("hint", "")),
    )


def _parse_share(r: _Reader, raw: Mapping[str, Any]) -> Share:
    ratio = r.amount("shares.ratio", raw.get("ratio"))
    if ratio > 1:
        raise r.fail("shares.ratio", "must be a fraction between 0 and 1")
    return Share(_need(r, raw, "payer", "shares"), _need(r, raw, "key", "shares"), ratio,
                 _Reader(r.rule_id, raw).words("aliases", required=True))


def _parse_stage(r: _Reader, raw: Mapping[str, Any]) -> Stage:
    cond = raw.get("condition")
    return Stage(_need(r, raw, "label", "stages"), r.amount("stages.amount", raw.get("amount")),
                 str(raw.get("choice", "")), _parse_condition(r, cond, "stages.condition") if cond else None)


def _check_references(r: _Reader, rule: Rule) -> None:
    """Every parameter a field names must be declared, with a fitting kind."""
    kinds = {p.name: p.kind for p in rule.params}
    expected = {
        "base": ("money", "count", "number"), "rate_param": ("rate",), "rate_date_param": ("date",),
        "term_param": ("years",), "count_param": ("count",), "stage_param": ("choice",), "total_param": ("flag",),
        "level_param": ("choice",), "previous_level_param": ("choice",), "previous_award_param": ("money",),
    }
    for name, allowed in expected.items():
        ref = getattr(rule, name)
        if ref is not None and kinds.get(ref) not in allowed:
            raise r.fail(name, f"names '{ref}', which is not a declared parameter of kind {allowed}")
    stage_conditions = [s.condition for s in rule.stages if s.condition]
    conditions = [*rule.conditions, *(v.when for v in rule.variants), *stage_conditions]
    for cond in conditions + ([rule.item_min] if rule.item_min else []):
        for ref in cond.params():
            if ref not in kinds:
                raise r.fail("conditions", f"names undeclared parameter '{ref}'")
    choices = {p.name: set(p.choices) for p in rule.params}
    for cond in conditions:
        for leaf in cond.any_of or cond.all_of or (cond,):
            if leaf.one_of and not set(leaf.one_of) <= choices.get(leaf.param or "", set()):
                raise r.fail("conditions", f"'in' lists a value that is not a choice of '{leaf.param}'")
    for owner, values in ((rule.stage_param, [s.choice for s in rule.stages if s.choice]),
                          (rule.level_param, [lv.choice for lv in rule.levels])):
        if owner and not set(values) <= choices[owner]:
            where = "stages" if owner == rule.stage_param else "levels"
            raise r.fail(where, f"names a value that is not a choice of '{owner}'")
    for ref in list(rule.base_product) + [k for k, _ in rule.base_product_caps]:
        if ref not in kinds:
            raise r.fail("base_product", f"names undeclared parameter '{ref}'")
    if rule.shares and sum(s.ratio for s in rule.shares) != 1:
        raise r.fail("shares", "ratios must add up to 1")


def _check_type(r: _Reader, rule: Rule) -> None:
    """The fields each rule type cannot do without."""
    variant_has = {k for v in rule.variants for k in v.values}
    if rule.type == "rate":
        if rule.base is None:
            raise r.fail("base", "is required for a rate rule")
        sources = [rule.rate is not None or "rate" in variant_has, rule.rate_param is not None,
                   rule.unit_amount is not None or "unit_amount" in variant_has]
        if sum(sources) != 1:
            raise r.fail("rate", "a rate rule needs exactly one of rate, rate_param, unit_amount")
        if rule.rate is not None and rule.rate > 1:
            raise r.fail("rate", "must be a fraction (0.1 for 10%)")
        if rule.rate_table and not rule.rate_date_param:
            raise r.fail("rate_date_param", "is required with rate_table")
    elif rule.type in ("fixed", "maximum") and rule.amount is None and "amount" not in variant_has:
        raise r.fail("amount", f"is required for a {rule.type} rule")
    elif rule.type == "range" and (
            rule.min_amount is None or rule.max_amount is None or rule.min_amount > rule.max_amount):
        raise r.fail("max_amount", "a range rule needs min_amount <= max_amount")
    elif rule.type == "step":
        for name in ("base", "step_origin", "base_amount", "step_size", "step_amount"):
            if getattr(rule, name) is None:
                raise r.fail(name, "is required for a step rule")
        if rule.step_size == 0:
            raise r.fail("step_size", "must be positive")
    elif rule.type == "staged" and not rule.stages:
        raise r.fail("stages", "is required for a staged rule")
    elif rule.type == "progressive" and (not rule.levels or rule.level_param is None):
        raise r.fail("levels", "a progressive rule needs levels and level_param")

