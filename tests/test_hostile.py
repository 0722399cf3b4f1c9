"""Hostile input: random, adversarial and manipulative text never breaks the assistant.

Property-based (hypothesis) over the amount parser, the clause-reference
resolver and `Assistant.ask`, plus the named adversarial cases: prompt
injection, a term the user tries to impose, absurd figures, overlong input.
Bounded for a 2-core CI: many examples for the pure parsers, few for ask().
"""

from __future__ import annotations

import math
import re
from decimal import Decimal

import cn2an
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from assistant.amounts import find_dates, find_quantities, format_yuan, parse_chinese_number

# Characters the parser and resolver treat specially, plus the kinds of noise people paste in.
DOMAIN_CHARS = (
    "第条项点款章节一二三四五六七八九十百千万亿零〇两壹贰叁拾佰仟0123456789０１２３．，％－"
    ".,%-—~～至到和、或负元块万亿年月日号个家项强次吨省市里级哈尔滨黑龙江附则序言 　\t\n"
    "eE^+×()（）《》“”：:；;？?！!😀🧧\x00\x07\x1b\u200b\u202e\ufeff"
)
hostile_text = st.one_of(
    st.text(max_size=60),  # any Unicode, control characters and emoji included
    st.text(alphabet=DOMAIN_CHARS, max_size=60),
)
PARSER_SETTINGS = settings(max_examples=400, deadline=None)


# ---- amount parser -------------------------------------------------------------------------


@PARSER_SETTINGS
@given(hostile_text)
def test_find_quantities_never_raises_and_spans_match_the_text(text: str) -> None:
    quantities = find_quantities(text)
    assert [q.start for q in quantities] == sorted(q.start for q in quantities)
    for quantity in quantities:
        assert 0 <= quantity.start < quantity.end <= len(text)
        assert text[quantity.start:quantity.end] == quantity.raw
        assert quantity.kind in {"money", "rate", "count", "years", "number"}
        assert not math.isnan(quantity.value)
    for mention in find_dates(text):
        assert text[mention.start:mention.end] == mention.raw


@PARSER_SETTINGS
@given(hostile_text)
def test_parse_chinese_number_returns_a_number_or_none(text: str) -> None:
    value = parse_chinese_number(text)
    assert value is None or isinstance(value, float)


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=2**53))
def test_chinese_numerals_and_grouped_digits_round_trip(number: int) -> None:
    # an2cn writes up to 16 digits (千万亿); above 2**53 a float cannot hold the integer exactly.
    if number < 10**16:
        assert parse_chinese_number(cn2an.an2cn(number)) == number
    assert parse_chinese_number(f"{number:,}元") == number
    assert parse_chinese_number(f"{number}元") == number


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=-(10**18), max_value=10**18))
def test_a_formatted_amount_reads_back_as_the_same_money(milli: int) -> None:
    amount = Decimal(milli) / 1000  # format_yuan keeps 0.001元
    text = format_yuan(amount)
    found = [q for q in find_quantities(f"金额为{text}。") if q.kind == "money"]
    assert [(q.raw, q.value) for q in found] == [(text, float(amount))]


@settings(max_examples=200, deadline=None)
@given(st.decimals(allow_nan=False, allow_infinity=False, min_value=-(Decimal(10) ** 400),
                   max_value=Decimal(10) ** 400))
@example(Decimal("9" * 50))
@example(Decimal("1e20"))
@example(Decimal(10) ** 309)
def test_format_yuan_formats_any_finite_amount(amount: Decimal) -> None:
    # Found by this test: amounts of 10^25 yuan and more raised decimal.InvalidOperation,
    # which escaped from ask() for 「技改投资999…9元（50位），LPR 3.45%，贴息多少」.
    text = format_yuan(amount)
    assert text.endswith("元")
    assert re.fullmatch(r"-?\d+(\.\d+)?[万亿]?元", text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("一万亿", 10**12),
        ("五千万亿", 5 * 10**15),
        ("一万万", 10**8),
        ("两万万元", 2 * 10**8),
        # Found here: a scale after 亿 was added (「3亿亿」 read 4亿), not multiplied.
        ("一亿亿", 10**16),
        ("3亿亿元", 3 * 10**16),
        ("一万亿亿元", 10**20),
        ("3亿亿5000万元", 3 * 10**16 + 5 * 10**7),
    ],
)
def test_stacked_scale_words_multiply(text: str, expected: int) -> None:
    assert parse_chinese_number(text) == expected
    assert [(q.value, q.kind) for q in find_quantities(f"技改投资{text}，贴息多少")] == [(expected, "money")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Found here: the exponent was read as the amount (「10^20元」 → 20元, then computed with).
        ("10^20元", 1e20),
        ("1e20元", 1e20),
        ("1E+20元", 1e20),
        ("2.5e8元", 2.5e8),
        ("1e4万元", 1e8),
    ],
)
def test_exponent_notation_is_one_number_not_its_exponent(text: str, expected: float) -> None:
    assert parse_chinese_number(text) == expected
    assert [(q.raw, q.value, q.kind) for q in find_quantities(f"技改投资{text}，贴息多少")] == [
        (text, expected, "money")
    ]
