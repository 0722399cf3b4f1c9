"""Draft calculator rules from a policy's clause sentences: `python -m assistant rules draft FILE`.

Each sentence of a clause is read for the common shapes of Chinese support policies:

  rate        「按…的N%给予补助，最高不超过M万元」 (a share of a stated base, capped)
  fixed       「一次性奖励N万元」「给予N万元奖励」; 「每户…N万元」 is one enterprise's award
  per unit    「每个产品奖励N万元」「每亩补助N元」 (an amount per counted unit)
  maximum     「给予最高N万元补助」 (a ceiling, not a promise)
  range       「给予300—500万元奖励」
  threshold   「…N万元（含）以上的」 (an eligibility condition on a parameter)
  tiers       「达到A的，给予X；达到B的，给予Y」 (one rule, a variant per tier)
  caps        「单个项目最高…」 per item, 「每户企业每年累计最高…」 per enterprise per year
  shares      「省级财政负担60%，其余由市县财政负担」
  multi-year  「连续支持3年」

A draft is a rules-file entry (assistant/calculator/rules_file.py) carrying the
sentence it came from as its `quote`, character-exact, and every figure it uses
comes from that sentence.  A sentence with a figure the drafter cannot place
in one of these shapes becomes `non_computable` with the reason: it is never
guessed.  Pure text work: nothing is read or written here.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from assistant.calculator import compute, parse_rules
from assistant.policies.clauses import Clause, split_sentences
from assistant.text.amounts import Quantity, find_quantities
from assistant.text.formatting import format_rate, format_yuan
from assistant.text.numbering import clause_label

__all__ = ["Draft", "DraftView", "DraftedRules", "describe_drafts", "draft_rules", "example_inputs", "format_drafts"]

# Sentences that name an amount without fixing it.
VAGUE = (("一事一议", "「一事一议」，没有固定金额"), ("左右", "金额为约数（「左右」），不能据此计算"),
         ("一定比例", "「一定比例」没有给出比例"), ("给予一定", "「给予一定」没有给出金额"),
         ("不低于", "「不低于」只给出下限，不能据此计算"), ("视情", "「视情」给予，金额不确定"),
         ("每增加", "按增量累进（「每增加」）的句式尚未支持，请手工编写"),
         ("分档", "「分档」给予但未列出各档金额"), ("提高到", "「提高到」调整的是另一句的标准，请手工编写"),
         ("提高至", "「提高至」调整的是另一句的标准，请手工编写"))
AWARD_WORDS = ("奖励", "补助", "补贴", "资助", "贴息", "支持", "扶持", "奖补")
RATE_BASE = re.compile(r"按(?:照)?(?P<pre>不超过|不高于)?(?:其|企业|项目)?(?P<base>[^，。；、]{2,30}?)"
                       r"的(?P<max>不超过|不高于)?$")
CAP_BEFORE = re.compile(r"(?:最高(?:不超过|可达|给予|奖励|补助|补贴|支持)?|不超过|上限为?|封顶)$")
PER_UNIT = re.compile(r"每(?P<unit>品种|户|家|个|项|款|台|套|件|种|名|人|座|亩|平方米|千瓦|吨)"
                      r"(?P<what>[^，。；]{0,10}?)"
                      r"(?:一次性)?(?:给予|奖励|补助|补贴|资助|支持)?(?:最高)?$")
THRESHOLD_AFTER = re.compile(r"^\s*(?:（含）|\(含\))?\s*(?:及)?以上")
BELOW_AFTER = re.compile(r"^\s*(?:（含）)?\s*以下")
SHARE = re.compile(r"(?P<payer>省级|市级|县级|市县|区县|省|市|县|区)(?:级)?[）)]?财政"
                   r"(?:负担|承担|出资|分担)[^，。；]{0,8}?$")
REST = re.compile(r"其余(?:部分)?由(?P<payer>[^，。；]{1,10}?)(?:财政)?(?:负担|承担)")
YEARS = re.compile(r"连续(?:支持|奖励|补助|给予)?(?P<n>[\d一二三四五六七八九十两]{1,2})年")
PER_ITEM = re.compile(r"每(?:个)?(?P<unit>品种|个|项|款|台|套|件|种)(?P<what>[\u4e00-\u9fff]{0,4}?)(?:给予|奖励|补助)")
AGGREGATE = re.compile(r"合计|累计|总额|多个|多项")
STEPPED = re.compile(r"补差")
ITEM_WORDS = ("单品", "单个项目", "单个产品", "每个项目", "每个产品", "单项", "每项", "单个")
YEAR_WORDS = ("每年", "年度", "当年")
ENTERPRISE_UNITS = ("户", "家")
CN_YEARS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}


@dataclass
class Draft:
    """One proposed rule: its rules-file entry and the sentence(s) it was read from."""

    entry: dict[str, Any]
    sentence: str
    formula: str


@dataclass
class DraftedRules:
    """The drafts of one document and the sentences it refused, with their reasons."""

    doc_id: str
    drafts: list[Draft] = field(default_factory=list)
    non_computable: list[dict[str, str]] = field(default_factory=list)

    def rules_file(self, doc_title: str, chinese_labels: bool) -> dict[str, Any]:
        """The drafts as a corpus/<doc_id>.rules.json object."""
        return {"doc_id": self.doc_id, "doc_title": doc_title,
                "clause_label": "第{clause_cn}条" if chinese_labels else "第{clause}条",
                "comment": "由 python -m assistant add-policy 从条款原文起草（assistant/ingest/drafting.py），"
                           "收录时已确认",
                "rules": [d.entry for d in self.drafts], "non_computable": self.non_computable}


@dataclass
class _Figure:
    role: str  # rate | cap | item_cap | year_cap | threshold | below | amount | unit | share | years
    value: Decimal
    q: Quantity
    label: str = ""
    unit: str = ""
    maximum: bool = False


class _Unreadable(Exception):
    pass


# ---- reading one sentence --------------------------------------------------------------------
def _figures(sentence: str) -> list[_Figure]:
    """Every figure of `sentence` with its role; _Unreadable when one has none."""
    out: list[_Figure] = []
    quantities = find_quantities(sentence)
    for index, q in enumerate(quantities):
        before, after = sentence[:q.start], sentence[q.end:]
        value = Decimal(repr(q.value))
        if q.kind == "rate":
            share = SHARE.search(before[-12:])
            if share:
                out.append(_Figure("share", value, q, label=share.group("payer")))
                continue
            base = RATE_BASE.search(before)
            if not base:
                raise _Unreadable(f"比例{q.raw}没有可读出的计算基数（「按…的N%」）")
            maximum = bool(base.group("max") or base.group("pre"))
            out.append(_Figure("rate", value, q, label=_clean_label(base.group("base")), maximum=maximum))
        elif q.kind == "years":
            if YEARS.search(sentence[max(0, q.start - 6):q.end + 1]):
                out.append(_Figure("years", value, q))
            elif THRESHOLD_AFTER.match(after):
                out.append(_Figure("unchecked", value, q, label=f"{q.raw}以上"))
            # other durations (「认定有效期3年」) are no figure of the amount
        elif q.kind == "money":
            between = sentence[q.end:quantities[index + 1].start] if index + 1 < len(quantities) else ""
            if between and re.fullmatch(r"\s*[—–\-~～至到]\s*", between):
                raise _Range(q, quantities[index + 1])
            if THRESHOLD_AFTER.match(after):
                out.append(_Figure("threshold", value, q, label=_threshold_label(before)))
            elif BELOW_AFTER.match(after):
                raise _Unreadable(f"「{q.raw}以下」的上限条件尚未支持")
            elif (CAP_BEFORE.search(before) and not re.search(r"给予最高$|奖励最高$|补助最高$|最高$", before)) \
                    or re.search(r"(?:最高|累计)不超过$|不超过$", before):
                window = before[-16:]
                role = "item_cap" if any(w in window for w in ITEM_WORDS) else "year_cap" if any(
                    w in window for w in YEAR_WORDS) else "cap"
                out.append(_Figure(role, value, q))
            elif re.search(r"最高$", before):
                unit = PER_UNIT.search(before[-16:])
                out.append(_Figure("unit" if unit and unit.group("unit") not in ENTERPRISE_UNITS else "amount",
                                   value, q, maximum=True, unit=unit.group("unit") if unit else "",
                                   label=unit.group("what") if unit else ""))
            else:
                unit = PER_UNIT.search(before[-16:])
                basis = unit is not None and before[:len(before) - len(unit.group(0))].endswith(("按", "按照"))
                if unit and (unit.group("unit") not in ENTERPRISE_UNITS or basis):
                    out.append(_Figure("unit", value, q, unit=unit.group("unit"), label=unit.group("what")))
                elif _awards(after[:8]) or _awards(before[-8:]):
                    out.append(_Figure("amount", value, q))
                else:
                    raise _Unreadable(f"金额{q.raw}在句中的作用未能读出")
        elif q.kind == "count" and THRESHOLD_AFTER.match(after):
            out.append(_Figure("threshold", value, q, label=_threshold_label(before), unit=q.unit))
        elif THRESHOLD_AFTER.match(after) or BELOW_AFTER.match(after):
            # 「1000吨标准煤以上」「三年以上」: a condition the calculator could not check, so no amount either
            raise _Unreadable(f"条件「{q.raw}以上/以下」未能读成可核对的参数")
    return out


class _Range(Exception):
    def __init__(self, low: Quantity, high: Quantity) -> None:
        super().__init__()
        self.low, self.high = low, high


def _awards(text: str) -> bool:
    return any(word in text for word in AWARD_WORDS) or "给予" in text


def _clean_label(text: str) -> str:
    text = re.sub(r"^(?:对|按|按照|其|且|并|、|，)+", "", text)
    return text.strip("的，、 ") or text


def _threshold_label(before: str) -> str:
    """What a threshold measures: the words just before its figure, back to the last clause break."""
    tail = re.split(r"[，；。、]|(?<!较)对|且|并", before)[-1]
    tail = re.sub(r"(?:达到|超过|在|为|累计)$", "", tail)
    return _clean_label(tail)[-14:]


def _cues(label: str) -> list[str]:
    """Words that mark a figure in a question as this parameter: the label and its parts."""
    parts = [label, re.sub(r"额$", "", label)]
    parts += [p for p in re.split(r"较同期|较上年|的|及|和|或|且", label) if len(p) >= 2]
    for word in ("投资额", "投资", "销售收入", "营业收入", "主营业务收入", "产值", "增加值", "费用", "金额", "资金",
                 "合同", "贷款", "利息", "租金", "营收", "收入", "面积", "数量"):
        if word in label:
            parts.append(word)
    return list(dict.fromkeys(p for p in parts if p))


def _same_measure(a: str, b: str) -> bool:
    a, b = re.sub(r"额$", "", a), re.sub(r"额$", "", b)
    return bool(a) and bool(b) and (a in b or b in a or any(a[i:i + 4] in b for i in range(max(1, len(a) - 3))))


# ---- drafting ----------------------------------------------------------------------------------
def draft_rules(doc_id: str, clauses: Sequence[Clause]) -> DraftedRules:
    """Draft rules for every numbered clause of a document; unreadable sentences become non_computable."""
    result = DraftedRules(doc_id)
    for clause in clauses:
        if clause.clause in ("序言", "附则"):
            continue
        before = len(result.drafts)
        refused: list[str] = []
        tiers: list[tuple[str, list[_Figure]]] = []
        clause_caps: list[tuple[str, Decimal, int]] = []
        since = before
        shares = _shares(clause.text)
        for start, end in split_sentences(clause.text):
            sentence = clause.text[start:end]
            vague = next((reason for word, reason in VAGUE if word in sentence), None)
            try:
                figures = _figures(sentence)
            except _Range as found:
                result.drafts.append(_range_draft(doc_id, clause, sentence, found, len(result.drafts)))
                continue
            except _Unreadable as unreadable:
                refused.append(f"「{_short(sentence)}」：{unreadable}")
                continue
            amounts = [f for f in figures if f.role in ("rate", "amount", "unit")]
            caps = [f for f in figures if f.role in ("cap", "item_cap", "year_cap")]
            if not amounts and caps:
                if len(caps) == 1 and AGGREGATE.search(sentence):  # 「有多个产品的，每户企业每年奖励合计不超过…」
                    clause_caps.append((sentence, caps[0].value, len(result.drafts)))
                    continue
                if len(caps) == 1 and _awards(sentence[caps[0].q.end:caps[0].q.end + 6]):
                    caps[0].role, caps[0].maximum = "amount", True  # 「给予一次性最高不超过50万元奖励」
                    per = PER_ITEM.search(sentence[:caps[0].q.start][-20:])
                    if per:  # 「每个品种给予一次性最高不超过300万元奖励」: a ceiling per unit
                        caps[0].role, caps[0].unit, caps[0].label = "unit", per.group("unit"), per.group("what")
                    amounts = caps
                else:
                    refused.append(f"「{_short(sentence)}」：上限未能对应到哪一项补助")
                    continue
            if amounts and STEPPED.search(clause.text):
                refused.append(f"「{_short(sentence)}」：本条按「递进补差」计发，须扣除已获奖励，请手工编写")
                continue
            if not amounts:
                if vague:
                    refused.append(f"「{_short(sentence)}」：{vague}")
                continue
            if vague:
                refused.append(f"「{_short(sentence)}」：{vague}")
                continue
            thresholds = [f for f in figures if f.role == "threshold"]
            if len(amounts) > 1 or len(thresholds) > 1:
                pairs = _tier_pairs(figures)
                if pairs is None:
                    refused.append(f"「{_short(sentence)}」：一句中有多个金额，未能一一对应到条件，请手工编写")
                else:
                    tiers.append((sentence, pairs))
                continue
            if thresholds and amounts[0].role == "amount" and not amounts[0].maximum \
                    and not any(f.role in ("cap", "item_cap", "year_cap") for f in figures):
                tiers.append((sentence, figures))  # a one-tier tier: merged with its neighbours below
                continue
            try:
                result.drafts.append(_draft(doc_id, clause, sentence, figures, shares, len(result.drafts)))
            except _Unreadable as unreadable:
                refused.append(f"「{_short(sentence)}」：{unreadable}")
        result.drafts += _tier_drafts(doc_id, clause, tiers, shares, len(result.drafts), refused)
        for sentence, cap, upto in clause_caps:  # a cap sentence bounds the drafts of the sentences before it
            _apply_clause_cap(result.drafts[since:upto], sentence, cap, refused)
            since = upto
        kept = [d for d in result.drafts[before:] if not d.entry.get("_refused")]
        del result.drafts[before:]
        result.drafts += kept
        if len(result.drafts) == before:
            has_figure = any(q.kind in ("money", "rate") for q in find_quantities(clause.text))
            reason = "；".join(refused) if refused else ("没有补助金额" if not has_figure else "金额句式未能读出")
            result.non_computable.append({"clause": clause.clause, "reason": reason})
        elif refused:
            reason = "部分句子未起草规则：" + "；".join(refused)
            result.non_computable.append({"clause": clause.clause, "reason": reason})
    return result


def _apply_clause_cap(drafts: list[Draft], sentence: str, cap: Decimal, refused: list[str]) -> None:
    """A cap stated in a sentence of its own (「每户企业每年奖励合计不超过300万元」) bounds every draft
    of the clause: a rate's amount is capped, a fixed award above it is refused."""
    for draft in drafts:
        entry = draft.entry
        note = f"本条另规定「{sentence.rstrip('。；，')}」，多项合计不得超过{format_yuan(cap)}"
        if entry["type"] == "rate":
            entry["cap"] = float(min(Decimal(repr(entry["cap"])), cap)) if entry.get("cap") is not None else float(cap)
            draft.formula = f"min({draft.formula}, {format_yuan(cap)})"
            entry["notes"] = [*entry.get("notes", []), note]
        elif max(entry.get("amount") or 0, entry.get("max_amount") or 0) > cap:
            entry["_refused"] = True
            refused.append(f"「{_short(draft.sentence)}」：金额高于本条「{_short(sentence)}」的上限")
        else:
            entry["notes"] = [*entry.get("notes", []), note]


def _short(sentence: str) -> str:
    return sentence if len(sentence) <= 40 else sentence[:39] + "…"


def _shares(text: str) -> list[dict[str, Any]]:
    """The fiscal split a clause states, when its ratios add up to 1 (with 「其余由…负担」)."""
    found: list[tuple[str, Decimal]] = []
    for q in find_quantities(text):
        share = SHARE.search(text[:q.start][-12:]) if q.kind == "rate" else None
        if share:
            found.append((share.group("payer"), Decimal(repr(q.value))))
    if not found:
        return []
    rest = REST.search(text)
    total = sum((ratio for _, ratio in found), Decimal(0))
    if rest and total < 1:
        found.append((rest.group("payer"), 1 - total))
    if sum((ratio for _, ratio in found), Decimal(0)) != 1:
        return []
    return [{"payer": f"{payer}财政" if not payer.endswith("财政") else payer, "key": payer[:2],
             "ratio": float(ratio), "aliases": list(dict.fromkeys([payer, payer[:1] + "里", payer[:1] + "级"]))}
            for payer, ratio in found]


def _rule_base(doc_id: str, clause: Clause, sentence: str, number: int, kind: str) -> dict[str, Any]:
    name = re.sub(r"^(?:支持|鼓励|推动|加快|加大|实施|强化)", "", clause.title).rstrip("。；，") or clause.title
    award = next((w for w in AWARD_WORDS if w in sentence), "补助")
    subject = re.search(r"对(?P<s>[^，。；]{2,24}?)(?:的|，)", sentence)
    keywords = [name, *([subject.group("s")] if subject else []), award]
    return {"rule_id": f"{doc_id}-{clause.clause}-d{number + 1}", "doc_id": doc_id, "clause": clause.clause,
            "name": f"{name}{award}" if not name.endswith(award) else name, "type": kind,
            "keywords": list(dict.fromkeys(k for k in keywords if k)), "quote": sentence, "params": []}


def _money_param(name: str, label: str, ask: str = "") -> dict[str, Any]:
    return {"name": name, "label": label, "unit": "元", "kind": "money", "required": True, "cues": _cues(label),
            "ask": ask or f"请提供{label}"}


def _draft(doc_id: str, clause: Clause, sentence: str, figures: list[_Figure], shares: list[dict[str, Any]],
           number: int) -> Draft:
    amount = next(f for f in figures if f.role in ("rate", "amount", "unit"))
    caps = {f.role: f.value for f in figures if f.role in ("cap", "item_cap", "year_cap")}
    years = next((f.value for f in figures if f.role == "years"), None)
    threshold = next((f for f in figures if f.role == "threshold"), None)
    entry = _rule_base(doc_id, clause, sentence, number, "rate")
    params: list[dict[str, Any]] = []
    conditions: list[dict[str, Any]] = []
    notes: list[str] = []
    if amount.role == "rate":
        params.append(_money_param("base", amount.label))
        entry.update(base="base", rate=float(amount.value))
        if amount.maximum:
            entry["rate_is_maximum"] = True
        formula = f"{amount.label} × {format_rate(amount.value)}"
    elif amount.role == "unit":
        label = f"{amount.label or ''}数量（{amount.unit}）"
        params.append({"name": "units", "label": label, "unit": amount.unit,
                       "kind": "count" if amount.unit not in ("亩", "平方米", "千瓦", "吨") else "number",
                       "required": True,
                       "cues": list(dict.fromkeys([amount.unit, *(_cues(amount.label) if amount.label else [])])),
                       "ask": f"请提供数量（{amount.unit}）"})
        entry.update(base="units", unit_amount=float(amount.value))
        formula = f"数量 × {format_yuan(amount.value)}/{amount.unit}"
        if amount.maximum:
            entry["rate_is_maximum"] = True
    else:
        entry.update(type="maximum" if amount.maximum else "fixed", amount=float(amount.value))
        formula = ("最高" if amount.maximum else "") + format_yuan(amount.value)
        if "每户" in sentence or "每家" in sentence:
            notes.append("按每户（家）企业计")
        if "一次性" in sentence:
            notes.append("一次性给予")
    if threshold is not None:
        if amount.role == "rate" and _same_measure(threshold.label, amount.label):
            name = "base"
        else:
            name = "measure"
            params.append(_money_param(name, threshold.label) if not threshold.unit else
                          {"name": name, "label": threshold.label or "数量", "unit": threshold.unit, "kind": "count",
                           "required": True, "cues": _cues(threshold.label) or [threshold.unit]})
        text = f"{threshold.label}{threshold.q.raw}{'' if threshold.unit in ('', '元') else threshold.unit}以上"
        conditions.append({"param": name, "min": float(threshold.value), "inclusive": True, "text": text})
    if years is not None and amount.role in ("rate", "unit"):
        entry["term_years"] = float(years)
        formula += f" × {format(years.normalize(), 'f')}年"
        notes.append(f"连续支持{format(years.normalize(), 'f')}年，按每年相同的{params[0]['label']}计")
    elif years is not None:
        entry["type"] = "staged"
        per = entry.pop("amount")
        entry["stages"] = [{"label": f"第{i}年", "amount": per} for i in range(1, int(years) + 1)]
        formula = f"{format_yuan(amount.value)} × {format(years.normalize(), 'f')}年"
        if amount.maximum:
            raise _Unreadable("连续多年的最高金额尚未支持")
    if entry["type"] in ("maximum", "fixed", "staged") and caps:
        raise _Unreadable("定额奖励另有上限，句式未能完整读出")
    notes += [f"原文条件「{f.label}」未能核对，须符合原文" for f in figures if f.role == "unchecked"]
    if "item_cap" in caps:
        params[0]["multiple"] = True
        entry["item_label"] = "项"
        item_conditions = [c for c in conditions if c["param"] == params[0]["name"]]
        if item_conditions:  # a threshold on the base is a test of each item (单个项目)
            entry["item_min"] = item_conditions[0]
            conditions = [c for c in conditions if c["param"] != params[0]["name"]]
        entry["item_cap"] = float(caps["item_cap"])
        formula = f"Σ每项 min({formula}, {format_yuan(caps['item_cap'])})"
    if "cap" in caps or "year_cap" in caps:
        cap = caps.get("cap", caps.get("year_cap"))
        assert cap is not None
        entry["cap"] = float(cap)
        formula = f"min({formula}, {format_yuan(cap)})"
        if "year_cap" in caps:
            notes.append(f"每户企业每年累计不超过{format_yuan(cap)}")
    entry["params"] = params
    if conditions:
        entry["conditions"] = conditions
    if shares and entry["type"] in ("rate", "fixed", "maximum"):
        entry["shares"] = shares
    if notes:
        entry["notes"] = notes
    return Draft(entry, sentence, formula)


def _range_draft(doc_id: str, clause: Clause, sentence: str, found: _Range, number: int) -> Draft:
    entry = _rule_base(doc_id, clause, sentence, number, "range")
    low, high = Decimal(repr(found.low.value)), Decimal(repr(found.high.value))
    entry.update(min_amount=float(low), max_amount=float(high))
    return Draft(entry, sentence, f"{format_yuan(low)}—{format_yuan(high)}")


def _tier_pairs(figures: list[_Figure]) -> list[_Figure] | None:
    """「达到A的奖励X，达到B的奖励Y」 in one sentence: thresholds and amounts alternate, one measure."""
    kinds = [f.role for f in figures if f.role in ("threshold", "amount")]
    if len(kinds) < 4 or kinds != ["threshold", "amount"] * (len(kinds) // 2) or \
            any(f.role not in ("threshold", "amount", "share") or f.maximum for f in figures):
        return None
    return figures


def _tier_drafts(doc_id: str, clause: Clause, tiers: list[tuple[str, list[_Figure]]],
                 shares: list[dict[str, Any]], number: int, refused: list[str]) -> list[Draft]:
    """Sentences of thresholds with awards on one measure → one rule with a variant per tier."""
    pairs: list[tuple[_Figure, _Figure]] = []
    sentences: list[str] = []
    for sentence, figures in tiers:
        ordered = [f for f in figures if f.role in ("threshold", "amount")]
        for earlier, later in itertools.pairwise([f for f in ordered if f.role == "threshold"]):
            later.label = later.label or earlier.label  # 「达到1亿元以上的…，达到5亿元以上的…」
        pairs += list(zip(ordered[0::2], ordered[1::2], strict=True))
        sentences.append(sentence)
    if not pairs:
        return []
    labels = [t.label for t, _ in pairs]
    if not all(_same_measure(labels[0], label) for label in labels) or len({t.unit for t, _ in pairs}) > 1:
        refused.append("「" + _short("".join(sentences)) + "」：各档条件衡量的不是同一指标，请手工编写")
        return []
    first, last = clause.text.find(sentences[0]), clause.text.find(sentences[-1])
    quote = clause.text[first:last + len(sentences[-1])]
    pairs.sort(key=lambda pair: pair[0].value)
    entry = _rule_base(doc_id, clause, quote, number, "fixed")
    threshold = pairs[0][0]
    label = max(labels, key=len)
    param = (_money_param("measure", label) if not threshold.unit else
             {"name": "measure", "label": label, "unit": threshold.unit, "kind": "count", "required": True,
              "cues": _cues(label) or [threshold.unit]})
    entry.update(params=[param], amount=float(pairs[0][1].value),
                 conditions=[{"param": "measure", "min": float(threshold.value), "inclusive": True,
                              "text": f"{label}{threshold.q.raw}以上"}])
    if len(pairs) > 1:
        entry["default_label"] = f"{threshold.q.raw}以上档"
        entry["variants"] = [{"when": {"param": "measure", "min": float(t.value), "inclusive": True,
                                       "text": f"{label}{t.q.raw}以上"},
                              "set": {"amount": float(a.value)}, "label": f"{t.q.raw}以上档"}
                             for t, a in reversed(pairs[1:])]
    if shares:
        entry["shares"] = shares
    formula = "；".join(f"{label}≥{t.q.raw} → {format_yuan(a.value)}" for t, a in pairs)
    return [Draft(entry, quote, formula)]


# ---- showing drafts ------------------------------------------------------------------------------
def example_inputs(entry: dict[str, Any]) -> dict[str, Any]:
    """Inputs that make a draft's example: every condition just met, a round base, three units."""
    inputs: dict[str, Any] = {}
    conditions = [*entry.get("conditions", []), *([entry["item_min"]] if entry.get("item_min") else [])]
    mins = {c["param"]: c["min"] for c in conditions if c.get("min") is not None}
    tiers = [v["when"]["min"] for v in entry.get("variants", [])]
    for param in entry.get("params", []):
        if param["kind"] == "money":
            value = max([mins.get(param["name"], 0), *tiers]) or 10_000_000.0
            inputs[param["name"]] = (value, value / 2) if param.get("multiple") else value
        elif param["kind"] in ("count", "number"):
            inputs[param["name"]] = max(3.0, mins.get(param["name"], 0))
    return inputs


@dataclass(frozen=True)
class DraftView:
    """One draft as staff review it: sentence → formula → an example computed."""

    rule_id: str
    clause_label: str
    name: str
    kind: str
    sentence: str
    formula: str
    details: tuple[str, ...]  # 条件 / 每项条件 / 分担 lines
    example: str  # 「设备投资额=500万元 → 40万元」


def describe_drafts(drafted: DraftedRules, doc_title: str = "", chinese_labels: bool = True) -> list[DraftView]:
    """Each draft with its example computed by the calculator on example_inputs."""
    rules = {r.rule_id: r for r in parse_rules(drafted.rules_file(doc_title, chinese_labels))} if drafted.drafts else {}
    views = []
    for draft in drafted.drafts:
        entry = draft.entry
        details = [f"条件：{condition['text']}" for condition in entry.get("conditions", [])]
        if entry.get("item_min"):
            details.append(f"每项条件：{entry['item_min']['text']}")
        if entry.get("shares"):
            details.append("分担：" + "；".join(f"{s['payer']}{format_rate(Decimal(repr(s['ratio'])))}"
                                               for s in entry["shares"]))
        inputs = example_inputs(entry)
        calc = compute(rules[entry["rule_id"]], inputs)
        shown = "，".join(f"{p['label']}={_show(inputs[p['name']], p)}" for p in entry["params"] if p["name"] in inputs)
        result = ("最高" if calc.is_maximum else "") + format_yuan(calc.amount_yuan)
        views.append(DraftView(entry["rule_id"], clause_label(entry["clause"], chinese_labels), entry["name"],
                               entry["type"], draft.sentence, draft.formula, tuple(details),
                               f"{shown or '（无需输入）'} → {result}"))
    return views


def format_drafts(drafted: DraftedRules, doc_title: str = "", chinese_labels: bool = True) -> str:
    """Each draft as sentence → formula → an example computed; then the refused sentences."""
    lines = [f"起草的计算规则：{len(drafted.drafts)} 条（{drafted.doc_id}）"]
    for view in describe_drafts(drafted, doc_title, chinese_labels):
        lines.append(f"· {view.clause_label} {view.name}（{view.rule_id}，{view.kind}）")
        lines.append(f"  原文：「{view.sentence}」")
        lines.append(f"  公式：{view.formula}")
        lines += [f"  {detail}" for detail in view.details]
        lines.append(f"  例：{view.example}")
    if drafted.non_computable:
        lines.append(f"未起草规则的条款或句子：{len(drafted.non_computable)} 处")
        for item in drafted.non_computable:
            lines.append(f"  {clause_label(item['clause'], chinese_labels)}：{item['reason']}")
    return "\n".join(lines)


def _show(value: Any, param: dict[str, Any]) -> str:
    values = value if isinstance(value, tuple) else (value,)
    if param["kind"] == "money":
        return "、".join(format_yuan(Decimal(repr(v))) for v in values)
    return "、".join(f"{v:g}{param['unit']}" for v in values)
