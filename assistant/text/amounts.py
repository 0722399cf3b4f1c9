"""Find and normalise the numbers people write in Chinese questions.

Pure text processing (no I/O).  Money is normalised to yuan, rates to a
fraction (3.45% -> 0.0345), durations to years, counts to plain numbers.

The parser is our own rather than cn2an's because we need exact spans, mixed
Arabic/Chinese forms (「3千万」「3亿5000万」「1,800,000元」) and to tell a date
(「2023年9月」), an ordinal (「第11条」「第二年」) or a ranking (「500强」) from
money.  Arithmetic is done in `Decimal` so 「517.5万」 stays exactly 5175000.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Literal

QuantityKind = Literal["money", "rate", "count", "years", "number"]

_CN_DIGITS = {
    "零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
    "七": 7, "八": 8, "九": 9, "壹": 1, "贰": 2, "叁": 3, "肆": 4, "伍": 5, "陆": 6,
    "柒": 7, "捌": 8, "玖": 9,
}
_CN_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_CN_SCALES = {"万": 10**4, "亿": 10**8}
_CN_CHARS = "".join(_CN_DIGITS) + "".join(_CN_UNITS) + "".join(_CN_SCALES) + "点"

# Full-width digits and signs map one-to-one onto ASCII, so spans stay valid.
_WIDTH_MAP = str.maketrans("０１２３４５６７８９．，％－", "0123456789.,%-")

_ARABIC = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
# 「1e20」「10^20」 are one number: read apart, the exponent would pass for the amount (「20元」).
_ARABIC_POWER = rf"(?:{_ARABIC})(?:(?:[eE][+-]?|\^)\d+)?"
_MAX_EXPONENT = 999  # beyond this a figure is no quantity at all (and Decimal would overflow)
_NUMBER = re.compile(rf"(?:{_ARABIC_POWER}|[{_CN_CHARS}])+")
_PERCENT_WORDS = re.compile(rf"百分之((?:{_ARABIC}|[{_CN_CHARS}])+)")
_DATE_CN = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月(?:\s*(\d{1,2})\s*[日号])?")
_DATE_ISO = re.compile(r"(?<!\d)(\d{4})[-/](\d{1,2})(?:[-/](\d{1,2}))?(?!\d)")

# Units that follow a number, longest first; each says what the number is.
_RATE_UNITS = ("个百分点", "%")
_COUNT_UNITS = ("品种", "家", "户", "个", "项", "款", "种", "台", "套", "件", "次", "名", "人", "座")
_MONEY_UNITS = ("元", "块钱", "块")
# Everyday scales written after the number: 「一个亿」「1.5个亿」「12个亿元」, 「800w」「800W元」.
_SPOKEN_SCALES = (("个亿元", 10**8), ("个亿", 10**8), ("亿元", 10**8), ("w元", 10**4), ("W元", 10**4),
                  ("w", 10**4), ("W", 10**4))
# 「3个多亿」「100来万」「两千多万」「8000多块」「20余家」: a rough figure, never computed with (asked for).
_ROUGH = re.compile(r"(?:个)?(?:多|来|余|几)(?:个)?(?:[万亿]|块|元|户|家)|[万亿](?:多|来|余)")
_MEASURE_UNITS = ("吨标准煤", "吨", "平方米", "亩", "千瓦时", "千瓦", "度")
# A number followed by one of these is not a quantity we compute with.
_SKIP_AFTER = ("次性", "强", "月", "日", "号", "点", "时", "分", "秒")
# 「一年期LPR」 is a loan tenor, no quantity; 「买了5年期」 (insurance, a lease) is a term of years.
_TENOR_OF = ("LPR", "lpr", "贷款", "利率", "市场报价", "报价", "中国人民银行", "人民银行", "央行", "的LPR", "的贷款")
_ORDINAL_BEFORE = ("第",)
_POINTING = ("这", "那", "哪")  # 「这两块」「哪几块」 point at matters; 「两块钱」 is money
_GAP = re.compile(r"[ \t\u3000]*")
_UNIT_WINDOW = 8  # longer than any unit word above
_JOINS_NEXT = re.compile(r"\s*(?:—|–|-|~|～|至|到|和|、|或)\s*\d")
_SHARE_WORDS = ("都是", "均为", "都为", "均是", "各为", "各是", "分别都是", "每个", "每件", "每台", "每套", "各")


@dataclass(frozen=True)
class Quantity:
    """One number found in text, normalised by its kind."""

    value: float  # money in yuan; rate as a fraction; counts and years as plain numbers
    kind: QuantityKind
    start: int
    end: int
    raw: str  # the matched text, unit included
    unit: str = ""  # the unit word that followed the number (元, 家, 年, 吨 …)


@dataclass(frozen=True)
class DateMention:
    """A calendar date (at least year and month) written in the text."""

    year: int
    month: int
    day: int | None
    start: int
    end: int
    raw: str

    def iso(self) -> str:
        """「2023-09」 or 「2023-09-15」."""
        base = f"{self.year:04d}-{self.month:02d}"
        return base if self.day is None else f"{base}-{self.day:02d}"


def parse_chinese_number(text: str) -> float | None:
    """Parse a written number: 「三亿五千万」→350000000, 「八十五万」→850000, 「3千万」, 「1,800,000元」.

    A trailing 元 is allowed.  Percent forms (「百分之三点四五」) are rates and are
    handled by `find_quantities`; they return None here, as does anything that
    is not a number.
    """
    token = text.translate(_WIDTH_MAP).strip().removesuffix("元")
    if not _looks_numeric(token):
        return None
    value = _parse_decimal(token)
    return None if value is None else float(value)


def find_quantities(text: str) -> list[Quantity]:
    """Every money amount, rate, count, duration and plain number in `text`, in text order.

    Dates (「2023年9月」), ordinals (「第11条」「第二年」), rankings (「500强」) and
    tenors (「一年期」) are not quantities.  「300—500万」 and 「600和500万」 give the
    first number the unit of the second.
    """
    norm = text.translate(_WIDTH_MAP)
    taken = [False] * len(norm)
    for mention in find_dates(norm):
        for i in range(mention.start, mention.end):
            taken[i] = True
    found: list[Quantity] = []
    for match in _PERCENT_WORDS.finditer(norm):
        value = _parse_decimal(match.group(1))
        if value is not None:
            start, end = match.span()
            found.append(Quantity(float(value / 100), "rate", start, end, text[start:end], "%"))
            for i in range(start, end):
                taken[i] = True
    pending: list[tuple[int, int, Decimal, str]] = []  # bare numbers waiting for the unit of the next one
    for match in _NUMBER.finditer(norm):
        start, end = match.span()
        classified = None
        value = _parse_decimal(match.group()) if _looks_numeric(match.group()) else None
        if value is not None and not any(taken[start:end]) and norm[start - 1:start] not in _ORDINAL_BEFORE:
            if _is_negative_sign(norm, start):
                value, start = -value, start - 1
            classified = _classify(norm, start, end, value, match.group())
        if classified is None or value is None:
            found.extend(Quantity(float(v), "number", s, e, r) for s, e, v, r in pending)
            pending = []
            continue
        if classified.kind == "number" and classified.unit == "" and _joins_next(norm, end):
            pending.append((start, end, value, text[start:end]))
            continue
        found.extend(_with_unit_of(classified, s, e, v, r, match.group()) for s, e, v, r in pending)
        pending = []
        end = classified.end
        found.append(Quantity(classified.value, classified.kind, start, end, text[start:end], classified.unit))
    found.extend(Quantity(float(v), "number", s, e, r) for s, e, v, r in pending)
    return _apply_fractions(norm, text, sorted(found, key=lambda q: q.start))


# 「计划1个亿…只完成了计划的六成」「合同400万，实际支付了一半」: a stated share of an earlier figure is the
# figure the facts are about.  Only a share the company states as a fact (a fact verb between the two, no
# award word: 「能拿到投资的一成吗」 is a question about the award, not a fact) and only share words, never
# 「%」 (「按投资额的5%」 quotes the clause).
_FRACTION = re.compile(r"(?:的|了|只有|仅|约)(?P<share>[一二三四五六七八九]成[一二三四五六七八九]?|一半|半数"
                       r"|(?P<den>[二三四五六七八九十\d]+)分之(?P<num>[一二三四五六七八九\d]+))")
_FACT_CUES = ("只有", "只", "仅", "完成", "支付", "付了", "到位", "入统", "实际", "达到", "用了", "花了", "投了",
              "落实")
_AWARD_WORDS = ("补", "奖", "贴", "拿", "给", "享受", "能", "可以", "吗", "多少")
_FRACTION_WINDOW = 24
_SENTENCE_END = "。！？；!?;\n"


def _share_value(match: re.Match[str]) -> Decimal | None:
    share = match.group("share")
    if share in ("一半", "半数"):
        return Decimal("0.5")
    if match.group("den"):
        den, num = _parse_decimal(match.group("den")), _parse_decimal(match.group("num"))
        return num / den if den and num is not None and 0 < num < den else None
    tenths = _CN_DIGITS[share[0]]
    hundredths = _CN_DIGITS[share[2]] if len(share) == 3 else 0
    return Decimal(tenths * 10 + hundredths) / 100


def _apply_fractions(norm: str, text: str, found: list[Quantity]) -> list[Quantity]:
    """Replace a money figure by the share of it that a later phrase states as the fact."""
    for match in _FRACTION.finditer(norm):
        share = _share_value(match)
        if share is None:
            continue
        before = [q for q in found if q.end <= match.start()]
        if not before or before[-1].kind != "money" or any(q.start < match.end() and match.start() < q.end
                                                            for q in found):
            continue
        figure = before[-1]
        stretch = norm[figure.end:match.start("share")]
        if (len(stretch) > _FRACTION_WINDOW or any(ch in stretch for ch in _SENTENCE_END)
                or not any(cue in stretch for cue in _FACT_CUES) or any(w in stretch for w in _AWARD_WORDS)):
            continue
        exact = Decimal(str(figure.value)) * share
        if exact != exact.to_integral_value():  # 「500万的三分之二」 is no whole amount: leave the figure as written
            continue
        value, end = float(exact), match.end()
        found[found.index(figure)] = Quantity(value, "money", figure.start, end, text[figure.start:end], figure.unit)
    return found


def find_dates(text: str) -> list[DateMention]:
    """Dates with at least a year and a month: 「2023年9月」, 「2023年9月15日」, 「2023-09-15」."""
    norm = text.translate(_WIDTH_MAP)
    found: list[DateMention] = []
    for pattern in (_DATE_CN, _DATE_ISO):
        for match in pattern.finditer(norm):
            year, month = int(match.group(1)), int(match.group(2))
            day = int(match.group(3)) if match.group(3) else None
            if not (1900 <= year <= 2100 and 1 <= month <= 12) or (day is not None and not 1 <= day <= 31):
                continue
            if any(m.start < match.end() and match.start() < m.end for m in found):
                continue
            found.append(DateMention(year, month, day, match.start(), match.end(), text[match.start():match.end()]))
    return sorted(found, key=lambda m: m.start)


# One character class, no nested repetition: a run of 10,000 digits must not backtrack exponentially.
_FIGURE_CHARS = rf"[\d.,{_CN_CHARS}半几]"
_MONEY_LIKE = re.compile(
    rf"(?<!{_FIGURE_CHARS}){_FIGURE_CHARS}+\s*(?:(?:个)?(?:多|来|余|几)?(?:个)?(?:[万亿]|[wW](?![A-Za-z]))元?"
    r"|(?:多|来|余)(?:块钱|块|元))")  # … and 「8000多块」


def unread_amounts(text: str) -> list[str]:
    """Money-like figures in `text` that `find_quantities` could not read as an exact amount
    (「半个亿」「3个多亿」「两千多万」): the caller asks for the figure instead of using an older one."""
    norm = text.translate(_WIDTH_MAP)
    read = [(q.start, q.end) for q in find_quantities(text) if q.kind == "money"]
    unread = []
    for match in _MONEY_LIKE.finditer(norm):
        start, end = match.span()
        figure = match.group()
        if not _looks_numeric(figure.rstrip("元万亿wW个多来余几 ")) and not any(ch in figure for ch in "半几"):
            continue
        if not any(s < end and start < e for s, e in read):
            unread.append(text[start:end])
    return unread


# 「大概两个亿上下」「约3000万」「5000万左右」: an estimate, fine for a threshold it clears, never the base of
# an amount (the caller asks for the exact figure)
_APPROX_BEFORE = ("大概", "大约", "约", "差不多", "估计", "预计", "估摸")
_APPROX_AFTER = ("左右", "上下", "出头", "前后")


def approximate_amounts(text: str) -> list[Quantity]:
    """The money figures `text` states as estimates (「大概两个亿上下」)."""
    norm = text.translate(_WIDTH_MAP)
    found = []
    for q in find_quantities(text):
        if q.kind != "money":
            continue
        before, after = norm[max(0, q.start - 3):q.start], norm[q.end:q.end + 2]
        if any(before.endswith(w) for w in _APPROX_BEFORE) or any(after.startswith(w) for w in _APPROX_AFTER):
            found.append(q)
    return found


def has_share_word(text: str) -> bool:
    """True when the text says one value applies to each item (「都是」「均为」「每个」「各」).

    Meant for the short stretch between a count and a value (「三个产品都是800万」).
    """
    return any(word in text for word in _SHARE_WORDS)


# ---------------------------------------------------------------- internals


def _looks_numeric(token: str) -> bool:
    body = token.lstrip("-")
    if any(ch.isdigit() for ch in body):
        return True
    # A Chinese number needs a digit (「三」「两」) or to start with 十 (「十万」);
    # 「万一」「千万不要」「百千万工程」 are words, not numbers.
    return body[:1] == "十" or any(ch in _CN_DIGITS for ch in body)


def _parse_decimal(token: str) -> Decimal | None:
    token = token.strip()
    negative = token.startswith(("-", "负"))
    token = token.lstrip("-负")
    if not token:
        return None
    items = _tokenise(token)
    if items is None:
        return None
    total = Decimal(0)  # completed 亿 sections
    section = Decimal(0)  # completed 万 section below 亿
    small = Decimal(0)  # below 万
    num: Decimal | None = None
    last_mult = 0  # the multiplier just used, for colloquial 「一万五」「三千五」
    zero_seen = False
    previous = ""  # the kind of the previous item
    for kind, item in items:
        if kind == "num":
            if num is not None:
                return None
            num, zero_seen = item[0], item[1]
        elif kind == "unit":
            small += (num if num is not None else Decimal(1)) * item[0]
            num, last_mult, zero_seen = None, int(item[0]), False
        else:  # scale
            head = section + small + (num if num is not None else Decimal(0))
            if previous == "scale" and (total or section):
                # 「一亿亿」「一万万」「一万亿」: a scale right after a scale multiplies everything before it
                total, section = (total + section) * item[0], Decimal(0)
            elif item[0] == 10**8:
                total += (head if head else Decimal(1)) * item[0]
                section = Decimal(0)
            else:
                section = (head if head else Decimal(1)) * item[0]
            small, num, last_mult, zero_seen = Decimal(0), None, int(item[0]), False
        previous = kind
    if num is not None:
        had_multiplier = last_mult > 0 and (small or section or total)
        if had_multiplier and not zero_seen and 0 < num < 10 and num == int(num) and last_mult >= 100:
            num = num * last_mult / 10  # 「一万五」= 15000, 「三千五」= 3500
        small += num
    result = total + section + small
    return -result if negative else result


def _tokenise(token: str) -> list[tuple[str, tuple[Decimal, bool]]] | None:
    """Split into ("num", (value, led_by_zero)), ("unit", (10|100|1000,)), ("scale", (1e4|1e8,))."""
    items: list[tuple[str, tuple[Decimal, bool]]] = []
    i = 0
    while i < len(token):
        ch = token[i]
        arabic = re.match(_ARABIC_POWER, token[i:])
        if arabic:
            value = _arabic_value(arabic.group())
            if value is None:
                return None
            items.append(("num", (value, False)))
            i += arabic.end()
        elif ch in _CN_DIGITS:
            j = i
            while j < len(token) and (token[j] in _CN_DIGITS or token[j] == "点"):
                j += 1
            value = _digit_run(token[i:j])
            if value is None:
                return None
            items.append(("num", (value, token[i] in "零〇")))
            i = j
        elif ch in _CN_UNITS:
            items.append(("unit", (Decimal(_CN_UNITS[ch]), False)))
            i += 1
        elif ch in _CN_SCALES:
            items.append(("scale", (Decimal(_CN_SCALES[ch]), False)))
            i += 1
        else:  # 点 not between Chinese digits, or a stray character
            return None
    return items


def _arabic_value(text: str) -> Decimal | None:
    """「1,800,000」「3.45」「1e20」「10^20」 as a Decimal; None when the exponent is absurd."""
    digits = text.replace(",", "")
    base, caret, power = digits.partition("^")
    try:
        value = Decimal(base)
        exponent = int(power) if caret else value.adjusted()
        if abs(exponent) > _MAX_EXPONENT:
            return None
        return value ** int(power) if caret else value
    except InvalidOperation:
        return None


def _digit_run(run: str) -> Decimal | None:
    """「三点四五」→3.45, 「二〇二三」→2023, 「零五」→5 (after 百/千), 「五」→5."""
    whole, _, frac = run.partition("点")
    if not whole or "点" in frac or (frac == "" and run.endswith("点")):
        return None
    digits = "".join(str(_CN_DIGITS[c]) for c in whole)
    if frac:
        digits += "." + "".join(str(_CN_DIGITS[c]) for c in frac)
    return Decimal(digits)


@dataclass(frozen=True)
class _Classified:
    value: float
    kind: QuantityKind
    end: int
    unit: str


def _classify(norm: str, start: int, end: int, value: Decimal, token: str) -> _Classified | None:
    """Decide what the number at norm[start:end] is from the unit after it."""
    # Look only just past the number: slicing the rest of the text for every number made
    # find_quantities quadratic (a pasted 1,000,000-character question took ~30 s).
    unit_end = _GAP.match(norm, end).end()  # type: ignore[union-attr]  # matches the empty string at least
    after = norm[unit_end:unit_end + _UNIT_WINDOW]
    if after.startswith(_SKIP_AFTER) or _ROUGH.match(after) or _ROUGH.match(norm, end - 1):
        return None
    if after.startswith("年期"):
        if norm[unit_end + 2:unit_end + 2 + _UNIT_WINDOW].lstrip("（(").startswith(_TENOR_OF):
            return None
        return _Classified(float(value), "years", unit_end + 2, "年")
    for suffix, scale in _SPOKEN_SCALES:
        # 「w」 only straight after an Arabic number and not inside a Latin word (「3wifi」)
        latin_next = suffix[0] in "wW" and norm[unit_end + len(suffix):unit_end + len(suffix) + 1].isascii() and \
            norm[unit_end + len(suffix):unit_end + len(suffix) + 1].isalpha()
        if after.startswith(suffix) and not latin_next and (suffix[0] not in "wW" or token[-1:].isdigit()):
            return _Classified(float(value * scale), "money", unit_end + len(suffix), "元")
    for unit in _RATE_UNITS:
        if after.startswith(unit):
            return _Classified(float(value / 100), "rate", unit_end + len(unit), "%")
    if after.startswith("个月"):
        return _Classified(float(value / 12), "years", unit_end + 2, "个月")
    if after.startswith("年"):
        if value >= 1900 and value == int(value):
            return None  # a calendar year, not a duration
        return _Classified(float(value), "years", unit_end + 1, "年")
    for unit in _COUNT_UNITS:
        if after.startswith(unit):
            return _Classified(float(value), "count", unit_end + len(unit), unit)
    for unit in _MONEY_UNITS:
        if after.startswith(unit):
            if unit == "块" and norm[start - 1:start] in _POINTING:
                return None  # 「市里这三块能拿多少」: three matters, not 3元
            return _Classified(float(value), "money", unit_end + len(unit), "元")
    for unit in _MEASURE_UNITS:
        if after.startswith(unit):
            return _Classified(float(value), "number", unit_end + len(unit), unit)
    if token.rstrip()[-1:] in _CN_SCALES or any(ch in _CN_SCALES for ch in token):
        # 「3亿」「5000万」, and the spoken 「一亿二」「三万五」, in a question are money
        return _Classified(float(value), "money", end, "元")
    if not any(ch.isdigit() for ch in token):
        return None  # a bare Chinese numeral (「一」「三」) is a word, not a figure
    return _Classified(float(value), "number", end, "")


def _is_negative_sign(norm: str, start: int) -> bool:
    """「-5万」「负5万」 are negative; the dash of 「300-500」 is a range, not a sign."""
    if start == 0 or norm[start - 1] not in "-负":
        return False
    before = norm[start - 2:start - 1]
    return not (before.isdigit() or (before != "" and before in _CN_CHARS))


def _joins_next(norm: str, end: int) -> bool:
    """「300—500万」「600和500万」: this bare number shares the unit of the next one."""
    return _JOINS_NEXT.match(norm, end) is not None


def _with_unit_of(
    target: _Classified, start: int, end: int, value: Decimal, raw: str, target_token: str
) -> Quantity:
    """The bare number at [start, end) with the unit (and 万/亿 scale) of the number after it."""
    scale = Decimal(1)
    for ch in reversed(target_token.rstrip()):
        if ch in _CN_SCALES:
            scale *= _CN_SCALES[ch]
        else:
            break
    if target.kind == "money":
        return Quantity(float(value * scale), "money", start, end, raw, target.unit)
    if target.kind == "rate":
        return Quantity(float(value / 100), "rate", start, end, raw, "%")
    return Quantity(float(value), target.kind, start, end, raw, target.unit)
