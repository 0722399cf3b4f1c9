"""Number forms people write in Chinese questions, and exact money formatting."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assistant.text.amounts import find_dates, find_quantities, parse_chinese_number, unread_amounts
from assistant.text.formatting import format_rate, format_yuan


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("三亿五千万", 350_000_000),
        ("八十五万", 850_000),
        ("3千万", 30_000_000),
        ("1.5亿", 150_000_000),
        ("0.8亿元", 80_000_000),
        ("3亿", 300_000_000),
        ("3亿元", 300_000_000),
        ("1,800,000元", 1_800_000),
        ("5000万", 50_000_000),
        ("2500万", 25_000_000),
        ("3亿5000万", 350_000_000),
        ("两百万", 2_000_000),
        ("十万", 100_000),
        ("一万五", 15_000),
        ("三千五", 3_500),
        ("一百零五", 105),
        ("三点四五", 3.45),
        ("517.5万", 5_175_000),
        ("１２万", 120_000),
    ],
)
def test_parse_chinese_number_reads_mixed_forms(text: str, expected: float) -> None:
    assert parse_chinese_number(text) == expected


@pytest.mark.parametrize("text", ["", "abc", "万", "千万不要", "百分之三点四五", "3点"])
def test_parse_chinese_number_returns_none_for_non_numbers(text: str) -> None:
    assert parse_chinese_number(text) is None


def _found(text: str) -> list[tuple[float, str]]:
    return [(q.value, q.kind) for q in find_quantities(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("技改投资3亿，LPR 3.45%", [(300_000_000, "money"), (0.0345, "rate")]),
        ("投资1.5亿元", [(150_000_000, "money")]),
        ("LPR百分之三点四五", [(0.0345, "rate")]),
        ("LPR为3.45个百分点", [(0.0345, "rate")]),
        ("投资额是8000万", [(80_000_000, "money")]),
        ("合同金额6000万", [(60_000_000, "money")]),
        ("成交价600万和500万", [(6_000_000, "money"), (5_000_000, "money")]),
        ("三个产品都是800万", [(3, "count"), (8_000_000, "money")]),
        ("服务3000家中小企业", [(3000, "count")]),
        ("服务三家中小企业", [(3, "count")]),
        ("合作4年", [(4, "years")]),
        ("合作三年以上", [(3, "years")]),
        ("12个月的贴息", [(1, "years")]),
        ("年能耗5000吨标准煤", [(5000, "number")]),
        ("300—500万元", [(3_000_000, "money"), (5_000_000, "money")]),
        ("1,800,000元", [(1_800_000, "money")]),
        ("八十五万", [(850_000, "money")]),
        ("第二年收入2500万，第三年1800万", [(25_000_000, "money"), (18_000_000, "money")]),
        ("-5万元", [(-50_000, "money")]),
        ("投资800", [(800, "number")]),
        # a term of years written with 期 (insurance, lease), unlike the loan tenor 「一年期LPR」
        ("综合险投保了3年期", [(3, "years")]),
        ("买的是五年期的保险，年保费40万", [(5, "years"), (400_000, "money")]),
    ],
)
def test_find_quantities_normalises_each_form(text: str, expected: list[tuple[float, str]]) -> None:
    assert _found(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "2023年9月入统",  # a date, not money or years
        "第11条怎么规定",  # a clause number
        "第二年、第三年",  # ordinals
        "中国企业500强",  # a ranking
        "一年期LPR",  # a loan tenor
        "按一年期贷款市场报价利率",  # a loan tenor, spelled out
        "一年期（LPR）",  # a loan tenor, bracketed
        "一次性奖励",  # a word
        "2019-08-20",  # an ISO date
        "市里这三块能拿多少",  # three matters pointed at, not 3元
        "哪几块能申请",  # the same, asked
    ],
)
def test_find_quantities_ignores_dates_ordinals_rankings_and_words(text: str) -> None:
    assert find_quantities(text) == []


def test_a_count_of_kuai_without_a_pointing_word_is_still_money() -> None:
    assert [(q.value, q.kind) for q in find_quantities("设备补了三块钱")] == [(3.0, "money")]
    assert [(q.value, q.kind) for q in find_quantities("花了8000块")] == [(8000.0, "money")]


def test_find_quantities_reports_spans_and_raw_text() -> None:
    text = "技改投资3亿元，LPR 3.45%"
    money, rate = find_quantities(text)
    assert text[money.start:money.end] == money.raw == "3亿元"
    assert text[rate.start:rate.end] == rate.raw == "3.45%"
    assert money.unit == "元"


def test_find_dates_reads_month_and_day_forms() -> None:
    assert [d.iso() for d in find_dates("2023年9月入统，2024年10月21日调整，2019-08-20起")] == [
        "2023-09", "2024-10-21", "2019-08-20"]


def test_find_dates_rejects_impossible_months() -> None:
    assert find_dates("2023年13月") == []


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (8_280_000, "828万元"),
        (5_175_000, "517.5万元"),
        (12_345, "1.2345万元"),
        (1_000, "1000元"),
        (25_000_000, "2500万元"),
        (300_000_000, "3亿元"),
        (150_000_000, "1.5亿元"),
        (123_456_789, "12345.6789万元"),
        (20_700_000.000000004, "2070万元"),  # float noise from 3e8 * 0.0345 * 2
        (0.5, "0.5元"),
        (0, "0元"),
        (-50_000, "-5万元"),
    ],
)
def test_format_yuan_is_exact(value: float, text: str) -> None:
    assert format_yuan(value) == text


def test_format_rate_is_exact() -> None:
    assert format_rate(0.0345) == "3.45%"
    assert format_rate(0.3) == "30%"


@given(st.integers(min_value=0, max_value=10**12))
def test_format_yuan_round_trips_through_the_parser(value: int) -> None:
    assert parse_chinese_number(format_yuan(value)) == value


@given(st.integers(min_value=1, max_value=99_999), st.sampled_from(["万", "亿", "万元", "亿元"]))
def test_find_quantities_reads_any_arabic_amount_with_a_scale(number: int, unit: str) -> None:
    scale = 10**8 if unit.startswith("亿") else 10**4
    assert _found(f"投资{number}{unit}") == [(number * scale, "money")]


# ---- everyday forms and figures that cannot be read exactly ------------------------------------


@pytest.mark.parametrize(
    ("text", "yuan"),
    [
        ("投资一个亿", 1e8), ("两个亿", 2e8), ("1.5个亿", 1.5e8), ("12个亿元的项目", 1.2e9),
        ("800w", 8e6), ("800W元", 8e6), ("一亿二", 1.2e8), ("三万五", 35_000),
    ],
)
def test_everyday_money_forms_are_read(text: str, yuan: float) -> None:
    assert [q.value for q in find_quantities(text) if q.kind == "money"] == [yuan]


@pytest.mark.parametrize("text", ["3个多亿", "100来万", "两千多万", "1亿多", "上云服务费8000多块", "500余元"])
def test_rough_figures_are_not_read_as_exact_amounts(text: str) -> None:
    assert [q for q in find_quantities(text) if q.kind == "money"] == []
    assert unread_amounts(text) != []
    assert [q for q in find_quantities(text) if q.kind == "count"] == []  # nor as a count (「8000户」)


@pytest.mark.parametrize("text", ["投资一个亿", "5000万", "千万不要", "万一", "3wifi", "技改投资3亿元，第十一条"])
def test_readable_or_non_figures_are_not_reported_unread(text: str) -> None:
    assert unread_amounts(text) == []


@pytest.mark.parametrize(("text", "expected"), [
    ("技改原计划投1个亿，最后入统的只有计划的八成", 80_000_000),
    ("计划年投1个亿，今年实际只完成了计划的六成", 60_000_000),
    ("服务合同400万，实际已经支付了一半", 2_000_000),
    ("合同500万，到位了八成五", 4_250_000),
    ("合同600万，实际支付了三分之二", 4_000_000),
])
def test_a_share_stated_as_a_fact_is_the_figure(text: str, expected: float) -> None:
    money = [q for q in find_quantities(text) if q.kind == "money"]
    assert [q.value for q in money] == [expected]
    assert money[0].raw.startswith(text[money[0].start:money[0].start + 2])


@pytest.mark.parametrize("text", [
    "投资1亿，实际补贴能有投资的一成吗",  # a question about the award, not a fact about the investment
    "投资1亿，按投资额的5%补",  # the clause's rate, quoted
    "合同500万，实际支付了三分之二",  # no whole amount: the figure stays as written
    "合同500万。后来的一半是另一个项目",  # another sentence
])
def test_a_share_that_is_no_stated_fact_changes_nothing(text: str) -> None:
    money = [q for q in find_quantities(text) if q.kind == "money"]
    assert money[0].value in (100_000_000, 5_000_000)
