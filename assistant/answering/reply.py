"""The assistant's answer types: what leaves the core, free of llama-index types."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from assistant.calculator import Calculation

Route = Literal["lookup", "calculate", "clarify", "out_of_scope", "match"]
ROUTES: tuple[str, ...] = ("lookup", "calculate", "clarify", "out_of_scope", "match")
BenefitStatus = Literal["eligible", "needs_info", "not_eligible"]


@dataclass(frozen=True)
class Citation:
    """A clause the answer rests on, with the words quoted from it verbatim."""

    doc_id: str
    clause: str
    title: str
    quote: str

    def to_dict(self) -> dict[str, str]:
        """The public citation shape."""
        return {"doc_id": self.doc_id, "clause": self.clause, "title": self.title, "quote": self.quote}


@dataclass(frozen=True)
class Benefit:
    """One provision matched against a company profile (the 政策体检): whether it can apply, and why."""

    doc_id: str
    clause: str
    rule_id: str
    title: str  # the rule's name, 「国家级绿色工厂/绿色供应链管理企业奖励」
    status: BenefitStatus
    amount_yuan: float | None  # the calculator's amount when eligible (a ceiling when is_maximum), else None
    missing: tuple[str, ...]  # needs_info: each fact to give, as a Chinese question
    reason: str  # eligible: how it was reached; not_eligible: the failing condition and figure
    calculation: Calculation | None = None  # the worksheet (eligible, and not_eligible when it was computed)
    counted: bool = False  # the amount is in the reply's total (a definite amount, kept by the stacking rules)
    quote: str = ""  # the clause sentence(s) the rule implements, verbatim
    source: str = ""  # 「《…》第十一条 降低企业融资成本」

    def to_dict(self) -> dict[str, Any]:
        """The public benefit shape (see README)."""
        return {"doc_id": self.doc_id, "clause": self.clause, "rule_id": self.rule_id, "title": self.title,
                "status": self.status, "amount_yuan": self.amount_yuan, "missing": list(self.missing),
                "reason": self.reason}


@dataclass(frozen=True)
class Reply:
    """One answer: its text, route, citations (most relevant first) and calculations."""

    text: str
    route: Route
    citations: tuple[Citation, ...] = ()
    calculations: tuple[Calculation, ...] = ()  # typed; to_dict() gives README's summary of each
    missing: tuple[str, ...] = ()
    notices: tuple[str, ...] = field(default=(), compare=False)  # validity and stacking notes, also in text
    total_yuan: float | None = None  # a message asking for several awards: what they come to together
    benefits: tuple[Benefit, ...] = ()  # route "match": every provision matched against the company
    profile: tuple[tuple[str, str], ...] = field(default=(), compare=False)  # match: the company facts as given
    stacking: tuple[str, ...] = field(default=(), compare=False)  # match: which award the total keeps, and why

    def to_dict(self) -> dict[str, Any]:
        """The public API shape (see README): exactly these keys, and "benefits" for a match."""
        shape = {
            "text": self.text,
            "route": self.route,
            "citations": [c.to_dict() for c in self.citations],
            "calculations": [c.to_dict() for c in self.calculations],
            "missing": list(self.missing),
            "total_yuan": self.total_yuan,
        }
        if self.route == "match":
            shape["benefits"] = [b.to_dict() for b in self.benefits]
        return shape
