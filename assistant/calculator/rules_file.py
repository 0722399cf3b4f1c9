"""The shape of a rules file, checked strictly before any rule is built.

Every key a rules file may use is declared here with its type (pydantic,
extra="forbid"): a mistyped key (`capp` for `cap`), a value of the wrong type
or a missing field stops loading with one Chinese line naming the rule and the
key.  Amounts must never depend on a typo going unnoticed.  The meaning of each
field, and the checks between fields, are in assistant/calculator/schema.py.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, StrictBool, StrictFloat, StrictInt, StrictStr, ValidationError

Number = StrictFloat  # strict: accepts 800 and 0.1, refuses "八百万" and true

RuleType = Literal["rate", "fixed", "maximum", "range", "step", "staged", "progressive"]
ParamKind = Literal["money", "rate", "count", "years", "choice", "flag", "date", "number"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class ConditionEntry(_Strict):
    param: StrictStr | None = None
    min: Number | None = None
    max: Number | None = None
    inclusive: StrictBool = True
    equals: Number | None = None
    in_: list[StrictStr] | None = None
    any: list[ConditionEntry] | None = None
    all: list[ConditionEntry] | None = None
    text: StrictStr = ""
    assume_if_missing: StrictBool = False

    model_config = ConfigDict(extra="forbid", strict=True, populate_by_name=True,
                              alias_generator=lambda name: "in" if name == "in_" else name)


class ParameterEntry(_Strict):
    name: StrictStr
    label: StrictStr
    kind: ParamKind
    required: StrictBool
    unit: StrictStr = ""
    cues: list[StrictStr] = []
    choices: list[StrictStr] = []
    aliases: dict[str, list[StrictStr]] = {}
    multiple: StrictBool = False
    default: Number | None = None
    ask: StrictStr = ""
    derived: Literal["increase", "growth"] | None = None
    against: list[StrictStr] = []
    sums: StrictBool = False  # money that is a total of items: listed figures are added up


class VariantEntry(_Strict):
    when: ConditionEntry
    set: dict[str, Number]  # which fields a variant may override is checked in schema.py
    label: StrictStr = ""
    hint: StrictStr = ""


class ShareEntry(_Strict):
    payer: StrictStr
    key: StrictStr
    ratio: Number
    aliases: list[StrictStr]


class StageEntry(_Strict):
    label: StrictStr
    amount: Number
    choice: StrictStr = ""
    condition: ConditionEntry | None = None


class LevelEntry(_Strict):
    choice: StrictStr
    amount: Number


class AudienceEntry(_Strict):
    mentions: list[StrictStr]
    requires: list[Literal["manufacturing", "above_scale", "industrial"]] = []
    sets: dict[str, Literal["manufacturing", "above_scale", "industrial"]] = {}
    matter: StrictStr = ""


class RuleEntry(_Strict):
    rule_id: StrictStr
    doc_id: StrictStr
    clause: StrictStr
    name: StrictStr
    type: RuleType
    keywords: list[StrictStr]
    quote: StrictStr
    params: list[ParameterEntry] = []
    doc_title: StrictStr = ""
    clause_label: StrictStr = ""
    notes: list[StrictStr] = []
    default_label: StrictStr = ""
    conditions: list[ConditionEntry] = []
    variants: list[VariantEntry] = []
    shares: list[ShareEntry] = []
    # rate
    base: StrictStr | None = None
    base_product: list[StrictStr] = []
    base_product_caps: dict[str, Number] = {}
    rate: Number | None = None
    rate_param: StrictStr | None = None
    rate_param_cap: Number | None = None
    rate_table: Literal["lpr"] | None = None
    rate_date_param: StrictStr | None = None
    factor: Number | None = None
    unit_amount: Number | None = None
    rate_is_maximum: StrictBool = False
    term_years: Number | None = None
    term_param: StrictStr | None = None
    term_max: Number | None = None
    cap: Number | None = None
    item_cap: Number | None = None
    year_cap: Number | None = None
    item_min: ConditionEntry | None = None
    max_items: StrictInt | None = None
    item_label: StrictStr = "项"
    # fixed / maximum / range
    amount: Number | None = None
    count_param: StrictStr | None = None
    min_amount: Number | None = None
    max_amount: Number | None = None
    # step
    step_origin: Number | None = None
    base_amount: Number | None = None
    step_size: Number | None = None
    step_amount: Number | None = None
    # staged
    stages: list[StageEntry] = []
    stage_param: StrictStr | None = None
    total_param: StrictStr | None = None
    # progressive
    levels: list[LevelEntry] = []
    level_param: StrictStr | None = None
    previous_level_param: StrictStr | None = None
    previous_award_param: StrictStr | None = None
    # a share of another rule's award (「所获配套奖励的30%」): those rules' ids
    award_of: list[StrictStr] = []
    # who the rule is for (the 政策体检 match)
    audience: AudienceEntry | None = None


class NonComputableEntry(_Strict):
    clause: StrictStr
    reason: StrictStr


class RulesFile(_Strict):
    doc_id: StrictStr
    rules: list[dict[str, Any]]  # each checked as a RuleEntry, so an error can name its rule_id
    doc_title: StrictStr = ""
    clause_label: StrictStr = ""
    comment: StrictStr = ""
    non_computable: list[NonComputableEntry] = []


_EXPECTED = {
    "float_type": "应为数字", "int_type": "应为整数", "string_type": "应为文本", "bool_type": "应为 true 或 false",
    "list_type": "应为列表", "dict_type": "应为对象", "model_type": "应为对象", "model_attributes_type": "应为对象",
}


def check_rules_file(data: Any) -> None:
    """ValueError with one Chinese line naming the rule and the key, for any key or type a rules file
    may not have; `data` is a parsed rules file (an object) or a bare list of rules."""
    if isinstance(data, dict):
        _check(RulesFile, data, "")
        entries = data["rules"]
    elif isinstance(data, list):
        entries = data
    else:
        raise ValueError("规则文件应为 JSON 对象（或规则列表）")
    defaults = {k: data[k] for k in ("doc_id", "doc_title", "clause_label") if isinstance(data, dict) and k in data}
    for number, entry in enumerate(entries, 1):
        if not isinstance(entry, dict):
            raise ValueError(f"第{number}条规则应为 JSON 对象")
        rule_id = entry.get("rule_id")
        who = f"规则 {rule_id}：" if isinstance(rule_id, str) and rule_id else f"第{number}条规则（无 rule_id）："
        _check(RuleEntry, {**defaults, **entry}, who)


def _check(model: type[BaseModel], data: dict[str, Any], who: str) -> None:
    try:
        model.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        raise ValueError(who + _describe(first, data)) from None


def _describe(error: Any, data: dict[str, Any]) -> str:
    """「未知字段 'capp'」「缺少字段 'quote'」「字段 'cap' 应为数字（实际为 '八百万'）」."""
    path = _path(error["loc"], data)
    kind = error["type"]
    if kind == "extra_forbidden":
        return f"未知字段 '{path}'（字段名拼写错误？可用字段见 assistant/calculator/rules_file.py）"
    if kind == "missing":
        return f"缺少字段 '{path}'"
    if kind == "literal_error":
        return f"字段 '{path}' 的值 {error['input']!r} 无效，应为 {error['ctx']['expected']}"
    expected = _EXPECTED.get(kind, error["msg"])
    return f"字段 '{path}' {expected}（实际为 {error['input']!r}）"


def _path(loc: tuple[Any, ...], data: Any) -> str:
    """The key's dotted path as the rules file reference writes it: params by name, list positions dropped."""
    parts: list[str] = []
    node = data
    for part in loc:
        if isinstance(part, int):
            item = node[part] if isinstance(node, list) and part < len(node) else None
            if parts and parts[-1] == "params" and isinstance(item, dict) and isinstance(item.get("name"), str):
                parts.append(item["name"])
            node = item
            continue
        parts.append("in" if part == "in_" else str(part))
        node = node.get(part) if isinstance(node, dict) else None
    return ".".join(parts)
