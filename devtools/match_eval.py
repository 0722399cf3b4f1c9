"""`python -m assistant eval FILE --match`: score the 政策体检 match on company descriptions.

Each line of FILE is one company: its description (one message, or several turns), and what the policy
texts give it — the benefits it can apply for, with their amounts, and the total. The writers read only
the policy texts, so a benefit is named by document and clause (a rule_id is used when given). Per
description it counts:
  * eligible found — expected benefits the reply lists as 可申请 (same document and clause);
  * claimed wrongly — benefits the reply lists as 可申请 that the expected list does not;
  * amounts exact — found benefits whose amount is the expected one (±0.5元);
  * total right — the reply's total equals the expected total (None when none is expected).
Field names are read leniently (description/question/text/turns; expected/benefits/eligible; total_yuan/total).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.text.numbering import parse_clause_id

TOLERANCE = 0.5


@dataclass(frozen=True)
class Expected:
    """One benefit the description should get."""

    doc_id: str
    clause: str
    amount_yuan: float | None
    rule_id: str | None = None


@dataclass
class Scored:
    """One description's score."""

    case_id: str
    expected: int = 0
    found: int = 0
    claimed_wrongly: list[str] = field(default_factory=list)
    amounts_checked: int = 0
    amounts_exact: int = 0
    total_expected: float | None = None
    total_given: float | None = None
    route: str = ""
    chat_route: str = ""
    missed: list[str] = field(default_factory=list)
    wrong_amounts: list[str] = field(default_factory=list)

    @property
    def total_right(self) -> bool:
        if self.total_expected is None:
            return self.total_given in (None, 0.0)
        return self.total_given is not None and abs(self.total_given - self.total_expected) <= TOLERANCE


def read_match_cases(path: Path) -> list[dict[str, Any]]:
    """The cases of a JSON-lines file (blank lines and # comments skipped)."""
    cases = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip() and not line.lstrip().startswith("#"):
            try:
                cases.append(json.loads(line))
            except json.JSONDecodeError as error:
                raise ValueError(f"{path.name} 第{number}行不是合法的 JSON：{error.msg}") from error
    return cases


def _first(mapping: Mapping[str, Any], *names: str, default: Any = None) -> Any:
    for name in names:
        if name in mapping and mapping[name] is not None:
            return mapping[name]
    return default


def turns_of(case: Mapping[str, Any]) -> list[str]:
    """The user's turns, oldest first."""
    turns = _first(case, "turns", "messages", "conversation")
    if isinstance(turns, list) and turns:
        return [t if isinstance(t, str) else str(_first(t, "text", "content", "q", default="")) for t in turns
                if isinstance(t, str) or _first(t, "role", default="user") == "user"]
    earlier = [str(t) for t in _first(case, "pre", "history", default=[]) if isinstance(t, str)]
    return [*earlier, str(_first(case, "description", "question", "text", "q", default=""))]


def _clause(value: Any) -> str:
    text = str(value).strip()
    try:
        return parse_clause_id(text)
    except (ValueError, TypeError):
        return text


def expected_of(case: Mapping[str, Any]) -> tuple[list[Expected], float | None]:
    """The expected eligible benefits and total."""
    expect = _first(case, "expected", "expect", default=case)
    items = expect if isinstance(expect, list) else _first(expect, "eligible", "benefits", default=[])
    benefits = []
    for item in items:
        status = _first(item, "status", default="eligible")
        if status != "eligible":
            continue
        amount = _first(item, "amount_yuan", "amount")
        benefits.append(Expected(str(_first(item, "doc_id", "doc", default="")), _clause(_first(item, "clause")),
                                 float(amount) if amount is not None else None, _first(item, "rule_id")))
    total = _first(expect, "total_yuan", "total") if isinstance(expect, Mapping) else None
    if total is None:
        total = _first(case, "expected_total_yuan", "total_yuan")
    return benefits, float(total) if total is not None else None


Ask = Callable[[str, list[tuple[str, str]]], Any]


def score_case(ask: Ask, case: Mapping[str, Any], number: int, chat: Ask | None = None) -> Scored:
    """Ask the case's turns in order (`ask`: the 政策体检 path) and score the last reply; `chat`, when given,
    asks the same turns as chat messages to count how many the router sends to the match by itself."""
    history: list[tuple[str, str]] = []
    reply = None
    chat_route = ""
    for turn in turns_of(case):
        if chat is not None:
            chat_route = chat(turn, history).route
        reply = ask(turn, history)
        history += [("user", turn), ("assistant", reply.text)]
    assert reply is not None
    expected, total = expected_of(case)
    scored = Scored(str(_first(case, "id", default=number)), expected=len(expected), total_expected=total,
                    total_given=reply.total_yuan, route=reply.route, chat_route=chat_route)
    eligible = [b for b in reply.benefits if b.status == "eligible"]
    used: set[int] = set()
    for item in expected:
        candidates = [b for b in eligible if id(b) not in used and (
            b.rule_id == item.rule_id if item.rule_id else (b.doc_id, b.clause) == (item.doc_id, item.clause))]
        exact = [b for b in candidates if item.amount_yuan is not None and b.amount_yuan is not None
                 and abs(b.amount_yuan - item.amount_yuan) <= TOLERANCE]
        chosen = (exact or candidates or [None])[0]
        if chosen is None:
            scored.missed.append(f"{item.doc_id}-{item.clause}")
            continue
        used.add(id(chosen))
        scored.found += 1
        if item.amount_yuan is not None:
            scored.amounts_checked += 1
            if exact:
                scored.amounts_exact += 1
            else:
                scored.wrong_amounts.append(f"{chosen.rule_id}: {chosen.amount_yuan} ≠ {item.amount_yuan}")
    scored.claimed_wrongly = [b.rule_id for b in eligible if id(b) not in used]
    return scored


def score_cases(asker: Callable[[Mapping[str, Any]], tuple[Ask, Ask | None]],
                cases: Iterable[Mapping[str, Any]]) -> list[Scored]:
    """Every case scored, in order; `asker` gives each case its 政策体检 and chat callables (a case's
    `today` sets the clock)."""
    return [score_case(*asker(case)[:1], case, number, asker(case)[1]) for number, case in enumerate(cases, 1)]


def format_match_report(scored: Sequence[Scored], quiet: bool = False) -> str:
    """Per case (unless quiet) and the aggregate figures."""
    lines = []
    if not quiet:
        for s in scored:
            mark = "✓" if s.found == s.expected and not s.claimed_wrongly and s.total_right else "✗"
            chat = f"，聊天原话：{s.chat_route}" if s.chat_route else ""
            lines.append(f"{mark} {s.case_id} [{s.route}{chat}] 找到 {s.found}/{s.expected}，"
                         f"误报 {len(s.claimed_wrongly)}，金额 {s.amounts_exact}/{s.amounts_checked}，"
                         f"合计 {'对' if s.total_right else '错'}"
                         f"（期望 {s.total_expected}，给出 {s.total_given}）"
                         + (f" 漏：{','.join(s.missed)}" if s.missed else "")
                         + (f" 误报：{','.join(s.claimed_wrongly)}" if s.claimed_wrongly else "")
                         + (f" 金额不符：{'；'.join(s.wrong_amounts)}" if s.wrong_amounts else ""))
    expected = sum(s.expected for s in scored)
    found = sum(s.found for s in scored)
    checked = sum(s.amounts_checked for s in scored)
    exact = sum(s.amounts_exact for s in scored)
    totals = sum(s.total_right for s in scored)
    wrong = sum(len(s.claimed_wrongly) for s in scored)
    perfect = sum(s.found == s.expected and not s.claimed_wrongly and s.total_right for s in scored)
    routed = sum(s.chat_route == "match" for s in scored)
    lines += [f"描述 {len(scored)} 条（原话作为聊天消息时路由为 match：{routed}）",
              f"应申请项找到：{found}/{expected} = {_percent(found, expected)}",
              f"误报为可申请：{wrong} 项（涉及 {sum(bool(s.claimed_wrongly) for s in scored)} 条描述）",
              f"金额准确：{exact}/{checked} = {_percent(exact, checked)}",
              f"合计正确：{totals}/{len(scored)} = {_percent(totals, len(scored))}",
              f"全对的描述：{perfect}/{len(scored)}"]
    return "\n".join(lines)


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "—"
