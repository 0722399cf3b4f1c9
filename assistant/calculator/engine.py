"""Apply one rule to exact inputs and write the worksheet (pure, no I/O).

One function per rule type computes the amount and the worksheet lines;
`run` wraps them with input checks, the LPR look-up, eligibility
conditions, caps, fiscal shares and the clause quote.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from assistant.calculator.conditions import (
    Calculation,
    MissingParameters,
    Value,
    WorksheetLine,
    evaluate,
    lpr_row,
    missing_for,
    normalise_inputs,
    parse_date,
    plain_inputs,
    show,
)
from assistant.calculator.model import Rule, Variant
from assistant.calculator.tiers import progressive, staged, step
from assistant.calculator.work import Work, apply_cap, final
from assistant.text.formatting import format_number, format_rate, format_yuan

FEN = Decimal("0.01")
LPR_SOURCE = "全国银行间同业拆借中心公布的一年期LPR"


LprTable = Sequence[Mapping[str, Any]] | Mapping[str, Any]
SETTINGS = ("rate", "term_years", "cap", "item_cap", "year_cap", "amount", "unit_amount")


def run(rule: Rule, inputs: Mapping[str, object], lpr_table: LprTable | None) -> Calculation:
    """Compute `rule` for `inputs`; see calculator.compute."""
    values = normalise_inputs(rule, inputs)
    work = Work()
    rate_note = _resolve_table_rate(rule, values, lpr_table, work)
    missing = missing_for(rule, values, has_table=False)
    if missing:
        raise MissingParameters(rule.rule_id, missing)
    for param in rule.params:
        if param.name not in values and param.default is not None:
            values[param.name] = param.default
            work.notes.append(f"未提供{param.label}，按{show(param, param.default)}计")
            work.assumed = True
    source = f"《{rule.doc_title}》{rule.clause_label}" if rule.doc_title else rule.clause_label
    lines = [WorksheetLine("计算单", f"{rule.name}（{source}）")]
    for param in rule.params:
        if param.name in values:
            suffix = rate_note if param.name == rule.rate_param and rate_note else ""
            lines.append(WorksheetLine(f"{param.label}", f"{show(param, values[param.name])}{suffix}"))
    failed = _check_conditions(rule, values, lines, work)
    if not failed:
        variant = _pick_variant(rule, values, work)
        if variant is not None and variant.label:
            lines.append(WorksheetLine("适用", f"{variant.label}"))
        elif variant is None and rule.default_label:
            lines.append(WorksheetLine("适用", f"{rule.default_label}"))
        settings = {**{k: getattr(rule, k) for k in SETTINGS}, **(dict(variant.values) if variant else {})}
        TYPES[rule.type](rule, values, settings, work)
        lines.extend(work.lines)
    amount = work.amount.quantize(FEN, ROUND_HALF_UP) if work.eligible else Decimal(0)
    if amount != work.amount and work.eligible:
        work.notes.append(f"按分取整：{format_number(work.amount)}元 → {format_yuan(amount)}")
    shares: dict[str, float] = {}
    if work.eligible and amount > 0 and rule.shares:
        parts = []
        for index, share in enumerate(rule.shares):
            # the last payer takes the remainder so the shares add up to the amount to the fen
            last = index == len(rule.shares) - 1
            part = amount - sum((Decimal(repr(v)) for v in shares.values()), Decimal(0)) if last else (
                amount * share.ratio).quantize(FEN, ROUND_HALF_UP)
            shares[share.payer] = float(part)
            parts.append(f"{share.payer}{format_rate(share.ratio)} = {format_yuan(part)}")
        lines.append(WorksheetLine("财政分担", "；".join(parts)))
    if not work.eligible:
        lines.append(WorksheetLine("结论", f"不符合条件，金额0元（{work.reason}）", 0.0, conclusion=True))
    notes = tuple(dict.fromkeys([*work.notes, *rule.notes]))
    lines.extend(WorksheetLine("说明", note) for note in notes)
    lines.append(WorksheetLine("依据", f"{rule.clause_label}「{rule.quote}」"))
    return Calculation(
        rule_id=rule.rule_id, doc_id=rule.doc_id, clause=rule.clause, name=rule.name,
        amount_yuan=float(amount), eligible=work.eligible, is_maximum=work.is_maximum and work.eligible,
        worksheet=tuple(lines), inputs=plain_inputs(values), shares=shares, notes=notes,
        reason=work.reason, share_specs=rule.shares,
        range_min_yuan=float(work.range_min) if work.range_min is not None and work.eligible else None,
        assumed_conditions=work.assumed,
    )


def _resolve_table_rate(rule: Rule, values: dict[str, Value], table: LprTable | None, work: Work) -> str:
    """Fill the rate from the LPR table when the user gave a date, not a rate."""
    if not rule.rate_param:
        return ""
    stated = values.get(rule.rate_date_param or "")
    if rule.rate_param in values:
        if rule.rate_table == "lpr" and table is not None and isinstance(stated, str):
            _note_table_mismatch(values[rule.rate_param], stated, table, work)
        return "（用户提供）" if rule.rate_table else ""
    if rule.rate_table != "lpr" or table is None or not isinstance(stated, str):
        return ""
    when = parse_date(stated)
    rate, row = lpr_row(table, when)
    values[rule.rate_param] = rate
    rows = table.get("rows", []) if isinstance(table, Mapping) else table
    if len(stated) == 7:  # only a month: the rate in force on its first day, and say if it changed later that month
        changed = [r for r in rows if str(r["date"]).startswith(stated) and str(r["date"]) != when.isoformat()]
        if changed:
            work.notes.append(f"{stated}月内LPR于{changed[0]['date']}调整为{changed[0]['rate_percent']}%，"
                              "只给出年月时按月初执行的利率计；如入统日在调整之后请告知具体日期")
    last = max(str(r["date"]) for r in rows)
    if when.isoformat() > last:
        work.notes.append(f"LPR表最后一条为{last}，此后如有调整以官方公布为准")
    work.notes.append("LPR取自本地LPR表，须以全国银行间同业拆借中心官方公布为准")
    return f"（按入统时间{stated}查LPR表：{row['date']}起执行{row['rate_percent']}%，来源：{LPR_SOURCE}）"


def _note_table_mismatch(given: Value, stated: str, table: LprTable, work: Work) -> None:
    """The user's rate is used, but a difference from the table for their date is worth a check."""
    try:
        listed, row = lpr_row(table, parse_date(stated))
    except ValueError:
        return  # no table rate for that date (before the LPR reform): nothing to compare
    if listed != given:
        work.notes.append(f"按用户提供的利率计算；LPR表中{stated}执行的是{row['rate_percent']}%（{row['date']}起），请核对")


def _check_conditions(rule: Rule, values: Mapping[str, Value], lines: list[WorksheetLine], work: Work) -> bool:
    """Write one line per condition; mark the work ineligible on the first failure."""
    for cond in rule.conditions:
        status, text = evaluate(rule, cond, values)
        label = cond.text or text
        if status == "pass":
            lines.append(WorksheetLine("条件", f"{label}——满足（{text}）"))
        elif status == "unknown":
            lines.append(WorksheetLine("条件", f"{label}——未提供信息，按满足计"))
            work.notes.append(f"{text}，按满足「{label}」计算；不满足则不能享受")
            work.assumed = True
        else:
            lines.append(WorksheetLine("条件", f"{label}——不满足"))
            work.eligible, work.reason = False, text
            return True
    return False


def _pick_variant(rule: Rule, values: Mapping[str, Value], work: Work) -> Variant | None:
    for variant in rule.variants:
        status, _ = evaluate(rule, variant.when, values)
        if status == "pass":
            return variant
        if status == "unknown" and variant.hint:
            work.notes.append(variant.hint)
    return None


def _rate(rule: Rule, values: Mapping[str, Value], s: Mapping[str, Any], w: Work) -> None:
    items = _base_items(rule, values, w)
    if rule.max_items and len(items) > rule.max_items:
        w.notes.append(f"条款最多支持{rule.max_items}项（年），只计前{rule.max_items}项")
        items = items[: rule.max_items]
    unit_amount = s["unit_amount"]
    if unit_amount is not None:
        rate, rate_text = unit_amount, format_yuan(unit_amount)
    else:
        rate = _decimal(values, rule.rate_param) if rule.rate_param else s["rate"]
        rate_text = ("不超过" if rule.rate_is_maximum else "") + format_rate(rate)
        limit = rule.rate_param_cap
        if limit is not None and rate > limit:
            label = rule.param(rule.rate_param or "").label
            w.add("", f"{label}超过条款上限{format_rate(limit)}，按{format_rate(limit)}计")
            rate, rate_text = limit, format_rate(limit)
    term = _term(rule, values, s, w)
    show_term = rule.term_param is not None or any("term_years" in v.values for v in rule.variants)
    factor = "" if rule.factor == 1 else f" × {format_rate(rule.factor)}"
    pieces: list[Decimal] = []
    for index, item in enumerate(items):
        tag = f"第{index + 1}{rule.item_label}" if len(items) > 1 else "计算"
        if rule.item_min is not None:
            status, text = evaluate(rule, rule.item_min, {rule.item_min.param or "": item})
            if status == "fail":
                w.add(tag, f"{format_yuan(item)}不符合条件（{text}），不计")
                continue
        per = item * rate * rule.factor
        head = f"{show(rule.param(rule.base or ''), item)} × {rate_text}{factor}"
        year_cap = s["year_cap"]
        if year_cap is not None:
            yearly = min(per, year_cap)
            status = "已封顶" if per > year_cap else "未触及上限"
            w.add(tag, f"{head} = {format_yuan(per)}/年；每年上限{format_yuan(year_cap)}，{status}")
            value = yearly * term
            total_text = f"{format_yuan(yearly)} × {format_number(term)}年 = {format_yuan(value)}"
            w.add("合计", total_text) if len(items) == 1 else WorksheetLine(tag, f"合计：{total_text}")
        else:
            value = per * term
            w.add(tag, f"{head}{f' × {format_number(term)}年' if show_term else ''} = {format_yuan(value)}")
        item_cap = s["item_cap"]
        if item_cap is not None:
            capped = min(value, item_cap)
            status = f"封顶为{format_yuan(capped)}" if value > capped else "未触及上限"
            w.add("", f"每{rule.item_label}上限{format_yuan(item_cap)}，{status}")
            value = capped
        pieces.append(value)
    if not pieces:
        w.eligible, w.reason = False, "没有符合条件的项目：" + (rule.item_min.text if rule.item_min else "")
        return
    total = sum(pieces, Decimal(0))
    if len(pieces) > 1:
        w.add("合计", " + ".join(format_yuan(p) for p in pieces) + f" = {format_yuan(total)}")
    w.amount = apply_cap(total, s["cap"], w)
    w.is_maximum = rule.rate_is_maximum
    final(w)


def _decimal(values: Mapping[str, Value], name: str) -> Decimal:
    value = values[name]
    if not isinstance(value, Decimal):
        raise ValueError(f"参数{name}应为单个数值")
    return value


def _base_items(rule: Rule, values: Mapping[str, Value], w: Work) -> list[Decimal]:
    """The base amount(s); derived from base_product when the base itself is absent."""
    caps = dict(rule.base_product_caps)
    if rule.base in values:
        raw = values[rule.base or ""]
        items = [v for v in (raw if isinstance(raw, tuple) else (raw,)) if isinstance(v, Decimal)]
        for name, cap in caps.items():
            given = values.get(name)
            if isinstance(given, Decimal) and given > cap:
                w.add("", f"{rule.param(name).label}{format_rate(given)}超过{format_rate(cap)}的上限，"
                         f"按{format_rate(cap)}折算")
                items = [i * cap / given for i in items]
        return items
    factors = []
    for name in rule.base_product:
        value = values[name]
        assert isinstance(value, Decimal)
        if name in caps and value > caps[name]:
            w.add("", f"{rule.param(name).label}{format_rate(value)}超过{format_rate(caps[name])}的上限，"
                     f"按{format_rate(caps[name])}计")
            value = caps[name]
        factors.append((rule.param(name), value))
    base = Decimal(1)
    for _, value in factors:
        base *= value
    text = " × ".join(show(p, v) for p, v in factors)
    how = "×".join(p.label for p, _ in factors)
    w.add(f"{rule.param(rule.base or '').label}（按{how}计）", f"{text} = {format_yuan(base)}")
    return [base]


def _term(rule: Rule, values: Mapping[str, Value], s: Mapping[str, Any], w: Work) -> Decimal:
    if rule.term_param is None:
        return s["term_years"]
    term = values[rule.term_param]
    assert isinstance(term, Decimal)
    if rule.term_max is not None and term > rule.term_max:
        w.add("", f"{rule.param(rule.term_param).label}{format_number(term)}年超过条款规定的最长"
                  f"{format_number(rule.term_max)}年，按{format_number(rule.term_max)}年计")
        term = rule.term_max
    return term


def _fixed(rule: Rule, values: Mapping[str, Value], s: Mapping[str, Any], w: Work) -> None:
    w.amount = s["amount"]
    w.add("奖励标准", f"{format_yuan(w.amount)}（定额）")
    final(w)


def _maximum(rule: Rule, values: Mapping[str, Value], s: Mapping[str, Any], w: Work) -> None:
    ceiling: Decimal = s["amount"]
    count = values.get(rule.count_param or "")
    if isinstance(count, Decimal) and rule.count_param:
        w.amount = ceiling * count
        unit = rule.param(rule.count_param).unit
        product = f"{format_number(count)}{unit} = {format_yuan(w.amount)}"
        w.add("计算", f"每{unit}最高{format_yuan(ceiling)} × {product}")
    else:
        w.amount = ceiling
        w.add("条款上限", f"最高不超过{format_yuan(ceiling)}")
    w.is_maximum = True
    w.notes.append("条款规定的是最高额，实际金额以主管部门评审核定为准")
    final(w)


def _range(rule: Rule, values: Mapping[str, Value], s: Mapping[str, Any], w: Work) -> None:
    assert rule.min_amount is not None and rule.max_amount is not None
    w.range_min, w.amount, w.is_maximum = rule.min_amount, rule.max_amount, True
    w.add("奖励区间", f"{format_yuan(rule.min_amount)}—{format_yuan(rule.max_amount)}（条款给出区间，不是确定金额）")
    w.notes.append(f"条款给出的是{format_yuan(rule.min_amount)}—{format_yuan(rule.max_amount)}的区间，具体金额由主管部门核定")
    final(w)


TYPES = {"rate": _rate, "fixed": _fixed, "maximum": _maximum, "range": _range,
         "step": step, "staged": staged, "progressive": progressive}
