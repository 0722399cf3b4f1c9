"""What a rule-type function fills in while it computes: the amount, the worksheet lines, the notes."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from assistant.calculator.conditions import WorksheetLine
from assistant.text.formatting import format_yuan


@dataclass
class Work:
    """What a type function fills in."""

    amount: Decimal = Decimal(0)
    lines: list[WorksheetLine] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    eligible: bool = True
    reason: str = ""
    is_maximum: bool = False
    range_min: Decimal | None = None
    assumed: bool = False  # an input or condition the user did not state was taken as given / met

    def add(self, label: str, value: str) -> None:
        """Append a worksheet line 「label：value」 ("" label: the value is the whole line)."""
        self.lines.append(WorksheetLine(label, value))


def final(w: Work) -> None:
    """The worksheet's answer line: 「应得」, or 「最高可得」 for a ceiling."""
    w.lines.append(WorksheetLine("最高可得" if w.is_maximum else "应得", format_yuan(w.amount), float(w.amount),
                                 conclusion=not w.is_maximum))


def apply_cap(total: Decimal, cap: Decimal | None, w: Work) -> Decimal:
    """The total, or the cap when it exceeds it; the 「上限」 line says which."""
    if cap is None:
        return total
    if total > cap:
        w.add("上限", f"{format_yuan(cap)}，计算值{format_yuan(total)}超过上限，按上限封顶")
        return cap
    w.add("上限", f"{format_yuan(cap)}，未触及上限")
    return total
