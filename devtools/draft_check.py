"""Drafted rules against the hand-written ones: `python -m devtools.draft_check`.

Rules are drafted for each loaded policy from its text alone
(assistant.ingest.drafting) and compared with corpus/<doc_id>.rules.json on a
grid of inputs (money and counts over a fixed grid plus each threshold, just
under it and above it; every choice value): a hand-written rule is recalled
when every grid point it computes is computed with the same amount and
eligibility by a drafted rule of the same clause (a hand-written rule with
choices may be covered by several drafts, one a sentence).  Recall = recalled
hand-written rules / all of them.  A draft agrees with a hand-written rule when,
for one choice of its choice parameters, the two agree on every grid point.

Precision is checked two ways.  Support: every figure a draft uses (rate, caps,
amounts, thresholds, years) is a figure of the sentence it quotes, and the quote
is character-exact in the clause.  Agreement: a draft in a clause the hand-written
file marks non_computable, or a draft that matches no hand-written rule of its
clause, is listed with the grid point where it differs, for review.
"""

from __future__ import annotations

import itertools
import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from assistant.calculator import Rule, compute, parse_rules
from assistant.calculator.conditions import InputValue
from assistant.ingest.drafting import DraftedRules, draft_rules
from assistant.policies.corpus import load_corpus
from assistant.settings import PROJECT_ROOT
from assistant.text.amounts import find_quantities
from assistant.text.numbering import ARABIC_ITEM

MONEY_GRID = (50_000.0, 1_000_000.0, 3_000_000.0, 20_000_000.0, 100_000_000.0, 600_000_000.0)
COUNT_GRID = (1.0, 3.0, 12.0)


@dataclass
class Report:
    hand: int = 0
    drafted: int = 0
    matched_hand: list[str] = field(default_factory=list)
    matched_drafts: set[str] = field(default_factory=set)
    unsupported: list[str] = field(default_factory=list)
    in_non_computable: list[str] = field(default_factory=list)
    unmatched_drafts: list[str] = field(default_factory=list)
    unmatched_hand: list[str] = field(default_factory=list)


def run(corpus_dir: Path = PROJECT_ROOT / "corpus") -> Report:
    """Draft every loaded policy and compare with its hand-written rules."""
    corpus = load_corpus(corpus_dir)
    report = Report()
    for document in corpus.documents:
        hand = [r for r in corpus.rules.values() if r.doc_id == document.doc_id]
        chinese = not any(ARABIC_ITEM.match(c.text) for c in document.clauses if c.clause.isdigit())
        drafted = draft_rules(document.doc_id, document.clauses)
        data = drafted.rules_file(document.title, chinese)
        drafts = parse_rules(data) if data["rules"] else []
        report.hand += len(hand)
        report.drafted += len(drafts)
        clause_text = {c.clause: c.text for c in document.clauses}
        for rule in drafts:
            problem = _unsupported(rule, clause_text.get(rule.clause, ""))
            if problem:
                report.unsupported.append(f"{rule.rule_id}：{problem}")
        no_amount = {n.clause for n in corpus.no_amount.get(document.doc_id, ())}
        for h in hand:
            same_clause = [d for d in drafts if d.clause == h.clause]
            report.matched_drafts.update(d.rule_id for d in same_clause if _first_difference(h, d) == "")
            if _covered(h, same_clause):
                report.matched_hand.append(h.rule_id)
            else:
                report.unmatched_hand.append(f"{h.rule_id}（{h.type}）")
        for d in drafts:
            if d.clause in no_amount:
                report.in_non_computable.append(f"{d.rule_id}：人工规则文件标为无金额，起草却算出金额「{d.quote[:30]}…」")
            elif d.rule_id not in report.matched_drafts:
                report.unmatched_drafts.append(f"{d.rule_id}（{d.type}）{_difference(d, hand)}：「{d.quote[:36]}…」")
        _ = drafted  # the refused sentences are in drafted.non_computable; `rules draft` prints them
    return report


def _figures(rule: Rule) -> list[tuple[str, Decimal]]:
    """Every figure a rule computes with, and its kind."""
    out: list[tuple[str, Decimal]] = []
    for name in ("cap", "item_cap", "year_cap", "amount", "unit_amount", "min_amount", "max_amount"):
        value = getattr(rule, name)
        if value is not None:
            out.append(("money", value))
    if rule.rate is not None:
        out.append(("rate", rule.rate))
    if rule.term_years != 1:
        out.append(("years", rule.term_years))
    out += [("money", s.amount) for s in rule.stages]
    out += [("money", v) for variant in rule.variants for v in variant.values.values()]
    conditions = [*rule.conditions, *([rule.item_min] if rule.item_min else []),
                  *(v.when for v in rule.variants)]
    out += [("threshold", c.min) for c in conditions if c.min is not None]
    return out


def _unsupported(rule: Rule, clause_text: str) -> str:
    """Why a draft's figures are not all its sentence's, or ""."""
    if rule.quote not in clause_text:
        return "引文不在条款原文中"
    # the quote, and the sentences of the clause a note cites (a cap stated in a sentence of its own)
    cited = [rule.quote, *(m for note in rule.notes for m in re.findall(r"「([^」]+)」", note) if m in clause_text)]
    stated = [q for text in cited for q in find_quantities(text)]
    values = {Decimal(repr(q.value)) for q in stated}
    for kind, value in _figures(rule):
        if value not in values and not (kind == "years" and value in {Decimal(int(value))}
                                        and f"{int(value)}年" in rule.quote):
            return f"数值{value}（{kind}）不是引文中的数字"
    if rule.shares and "财政" not in rule.quote and not any(s.payer in clause_text for s in rule.shares):
        return "财政分担比例不在条款原文中"
    return ""


def _numeric(rule: Rule) -> list[Any]:
    return [p for p in rule.params if p.kind in ("money", "count", "number")]


def _pairing(hand: Rule, draft: Rule) -> dict[str, str] | None:
    """Draft parameter → hand parameter, by kind and label; None when one cannot be placed."""
    pairs: dict[str, str] = {}
    free = _numeric(hand)
    for param in _numeric(draft):
        same_kind = [h for h in free if (h.kind == "money") == (param.kind == "money")]
        best = max(same_kind, key=lambda h: _overlap(h.label + "".join(h.cues), param.label), default=None)
        if best is None:
            return None
        pairs[param.name] = best.name
        free.remove(best)
    return pairs


def _overlap(a: str, b: str) -> int:
    return sum(1 for i in range(len(b) - 1) if b[i:i + 2] in a)


def _grid(hand: Rule) -> Iterator[tuple[tuple[str, ...], dict[str, InputValue]]]:
    """(choices picked, inputs) for `hand`: each numeric parameter over the grid and its thresholds,
    every combination of its choice parameters."""
    numeric = _numeric(hand)
    thresholds = {c.param: float(c.min) for c in (*hand.conditions, *(v.when for v in hand.variants),
                                                  *([hand.item_min] if hand.item_min else ()))
                  if c.param and c.min is not None}
    axes: list[list[float]] = []
    for param in numeric:
        base = list(MONEY_GRID if param.kind == "money" else COUNT_GRID)
        if param.name in thresholds:
            t = thresholds[param.name]
            base += [t, t * 0.999, t * 1.5]
        axes.append(sorted(set(base)))
    choices = [p for p in hand.params if p.kind == "choice"]
    for picked in itertools.product(*(p.choices for p in choices)) if choices else [()]:
        for values in itertools.product(*axes) if len(axes) <= 2 else zip(*axes, strict=False):
            inputs: dict[str, InputValue] = {}
            for param, value in zip(numeric, values, strict=True):
                inputs[param.name] = (value,) if param.multiple else value
            for param, choice in zip(choices, picked, strict=True):
                inputs[param.name] = choice
            yield picked, inputs


def _amount(rule: Rule, inputs: dict[str, InputValue]) -> tuple[bool, float] | None:
    try:
        calc = compute(rule, inputs)
    except ValueError:
        return None
    return calc.eligible, calc.amount_yuan


def _mapped(draft: Rule, pairs: dict[str, str], inputs: dict[str, InputValue]) -> dict[str, InputValue] | None:
    mine: dict[str, InputValue] = {}
    for name, other in pairs.items():
        value = inputs.get(other)
        if value is None:
            return None
        plain = float(value[0] if isinstance(value, tuple) else value)
        mine[name] = (plain,) if draft.param(name).multiple else plain
    return mine


def _covered(hand: Rule, drafts: Sequence[Rule]) -> bool:
    """Every grid point `hand` computes is computed the same by some draft of its clause."""
    pairings = [(d, _pairing(hand, d)) for d in drafts]
    compared = 0
    for _, inputs in _grid(hand):
        theirs = _amount(hand, inputs)
        if theirs is None:
            continue
        compared += 1
        if not any(pairs is not None and (mine := _mapped(d, pairs, inputs)) is not None
                   and _amount(d, mine) == theirs for d, pairs in pairings):
            return False
    return compared > 0


def _first_difference(hand: Rule, draft: Rule) -> str:
    """"" when, for some choice of `hand`'s choice parameters, `draft` agrees on every grid point."""
    pairs = _pairing(hand, draft)
    if pairs is None:
        return "参数对不上"
    by_choice: dict[tuple[str, ...], list[str]] = {}
    for picked, inputs in _grid(hand):
        mine = _mapped(draft, pairs, inputs)
        if mine is None:
            continue
        ours, theirs = _amount(draft, mine), _amount(hand, inputs)
        if ours is None or theirs is None:
            continue
        found = by_choice.setdefault(picked, [])
        if ours != theirs:
            found.append(f"输入{mine}：起草{ours[1]:g}元{'（不符合）' if not ours[0] else ''}，人工{theirs[1]:g}元")
    if any(not problems for problems in by_choice.values()):
        return ""
    return next((problems[0] for problems in by_choice.values() if problems), "没有可比较的输入")


def _difference(draft: Rule, hand: Sequence[Rule]) -> str:
    same_clause = [h for h in hand if h.clause == draft.clause]
    if not same_clause:
        return "，人工规则中本条没有规则"
    return "，与" + "；与".join(f"{h.rule_id}：{_first_difference(h, draft)}" for h in same_clause)


def format_report(report: Report) -> str:
    recall = len(report.matched_hand) / report.hand if report.hand else 0.0
    lines = [
        f"人工规则 {report.hand} 条，起草规则 {report.drafted} 条",
        f"召回：{len(report.matched_hand)}/{report.hand} = {recall:.1%}（同一条款、网格上每个输入金额与资格都相同）",
        f"与人工规则一致的起草规则：{len(report.matched_drafts)}/{report.drafted}",
        f"数字不全出自引文的起草规则：{len(report.unsupported)}",
        *[f"  ✗ {line}" for line in report.unsupported],
        f"人工标为无金额的条款却起草出金额：{len(report.in_non_computable)}",
        *[f"  ✗ {line}" for line in report.in_non_computable],
        f"未与任何人工规则一致的起草规则（待审核）：{len(report.unmatched_drafts)}",
        *[f"  ? {line}" for line in report.unmatched_drafts],
        f"未被召回的人工规则：{len(report.unmatched_hand)}",
        "  " + "、".join(report.unmatched_hand),
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    report = run(Path(args[0]) if args else PROJECT_ROOT / "corpus")
    print(format_report(report))
    return 0 if not report.unsupported and not report.in_non_computable else 1


__all__ = ["DraftedRules", "Report", "format_report", "main", "run"]

if __name__ == "__main__":
    raise SystemExit(main())
