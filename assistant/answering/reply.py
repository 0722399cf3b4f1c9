"""The assistant's answer types: what leaves the core, free of llama-index types."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from assistant.calculator import Calculation

Route = Literal["lookup", "calculate", "clarify", "out_of_scope"]
ROUTES: tuple[str, ...] = ("lookup", "calculate", "clarify", "out_of_scope")


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
class Reply:
    """One answer: its text, route, citations (most relevant first) and calculations."""

    text: str
    route: Route
    citations: tuple[Citation, ...] = ()
    calculations: tuple[Calculation, ...] = ()  # typed; to_dict() gives README's summary of each
    missing: tuple[str, ...] = ()
    notices: tuple[str, ...] = field(default=(), compare=False)  # validity and stacking notes, also in text
    total_yuan: float | None = None  # a message asking for several awards: what they come to together

    def to_dict(self) -> dict[str, Any]:
        """The public API shape (see README): exactly these keys."""
        return {
            "text": self.text,
            "route": self.route,
            "citations": [c.to_dict() for c in self.citations],
            "calculations": [c.to_dict() for c in self.calculations],
            "missing": list(self.missing),
            "total_yuan": self.total_yuan,
        }
