"""Awards in tiers: steps (「每增加…再奖励…」), stages (上市分阶段, 入规三年) and levels with 递进补差."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from assistant.calculator.conditions import Value, WorksheetLine, evaluate
from assistant.calculator.model import Rule
from assistant.calculator.work import Work, apply_cap, final
from assistant.text.formatting import format_number, format_yuan


def step(rule: Rule, values: Mapping[str, Value], s: Mapping[str, Any], w: Work) -> None:
    x = values[rule.base or ""]
    assert isinstance(x, Decimal) and rule.step_origin is not None and rule.step_size and rule.base_amount is not None
    assert rule.step_amount is not None
    steps = ((x - rule.step_origin) / rule.step_size).to_integral_value(ROUND_FLOOR)
    total = rule.base_amount + steps * rule.step_amount
    first, each = format_yuan(rule.base_amount), format_yuan(rule.step_amount)
    w.lines.append(WorksheetLine(
        "计算", f"{first} + ⌊({format_yuan(x)} − {format_yuan(rule.step_origin)}) ÷ {format_yuan(rule.step_size)}⌋"
        f" × {each} = {first} + {format_number(steps)} × {each} = {format_yuan(total)}"))
    w.amount = apply_cap(total, s["cap"], w)
    final(w)


def staged(rule: Rule, values: Mapping[str, Value], s: Mapping[str, Any], w: Work) -> None:
    stages = list(rule.stages)
    reached = values.get(rule.stage_param or "")
    total = values.get(rule.total_param or "") == Decimal(1)
    if isinstance(reached, str):
        index = next(i for i, st in enumerate(stages) if st.choice == reached)
        if total:  # 「累计能拿多少」: every stage up to the one reached
            stages = stages[: index + 1]
            w.notes.append(f"其中「{rule.stages[index].label}」阶段本身的补助为{format_yuan(rule.stages[index].amount)}，"
                           "此前各阶段分别拨付")
        else:  # 「受理了，这个阶段补多少」: the stage reached; the earlier ones were paid on their own
            stages = [stages[index]]
            earlier = "、".join(f"{st.label}{format_yuan(st.amount)}" for st in rule.stages[:index])
            w.notes.append(f"按所处的「{rule.stages[index].label}」阶段计算" + (
                f"；此前各阶段（{earlier}）分别拨付，问累计时一并计入" if earlier else ""))
    elif rule.stage_param:
        w.notes.append("未说明所处阶段，按全部阶段合计")
    parts: list[Decimal] = []
    for stage in stages:
        status, text = ("pass", "") if stage.condition is None else evaluate(rule, stage.condition, values)
        if status == "fail":
            parts.append(Decimal(0))
            w.add(f"{stage.label}", f"0元（{text}）")
            continue
        parts.append(stage.amount)
        extra = f"（{text}）" if text else ""
        if status == "unknown" and stage.condition is not None:
            extra = f"（{text}，按满足「{stage.condition.text}」计）"
            w.notes.append(f"{stage.label}：{text}，按满足「{stage.condition.text}」计算")
            w.assumed = True
        w.add(f"{stage.label}", f"{format_yuan(stage.amount)}{extra}")
    w.amount = sum(parts, Decimal(0))
    w.add("合计", " + ".join(format_yuan(p) for p in parts) + f" = {format_yuan(w.amount)}")
    final(w)


def progressive(rule: Rule, values: Mapping[str, Value], s: Mapping[str, Any], w: Work) -> None:
    amounts = {level.choice: level.amount for level in rule.levels}
    level = values[rule.level_param or ""]
    assert isinstance(level, str)
    target = amounts[level]
    w.add("本级奖励", f"{level} {format_yuan(target)}")
    earlier = Decimal(0)
    previous = values.get(rule.previous_level_param or "")
    if isinstance(previous, str):
        earlier = amounts[previous]
        w.add(f"已获奖励（按此前评定的{previous}）", f"{format_yuan(earlier)}")
    award = values.get(rule.previous_award_param or "")
    if isinstance(award, Decimal) and award > earlier:
        earlier = award
        w.add("已获奖励（用户提供）", f"{format_yuan(award)}")
    if earlier >= target and (isinstance(previous, str) or isinstance(award, Decimal)):
        w.eligible = False
        w.reason = (f"已获奖励{format_yuan(earlier)}不低于本级奖励{format_yuan(target)}，"
                    "按「递进补差，就高不重复」不再补发")
        return
    w.amount = target - earlier
    if earlier:
        difference = f"{format_yuan(target)} − {format_yuan(earlier)} = {format_yuan(w.amount)}"
        w.add("计算", f"{difference}（递进补差，就高不重复）")
    else:
        w.add("计算", f"{format_yuan(target)}（未说明此前已获本条奖励，无需补差抵扣）")
    final(w)
