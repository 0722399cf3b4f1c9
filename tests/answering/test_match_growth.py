"""A growth stated as two yearly values (「去年2亿，今年2.5亿」) gives the increase and the rate; relative years
(前年、去年、今年) resolve against the injectable clock when set beside explicit ones (2025年)."""

from __future__ import annotations

import datetime as dt

from assistant.calculator.extract import find_changes
from assistant.text.amounts import find_quantities

TODAY = dt.date(2026, 6, 1)
W = 10_000


def changes(text: str, today: dt.date | None = TODAY) -> list[tuple[float, float]]:
    quantities = find_quantities(text)
    return [(quantities[a].value, quantities[b].value) for a, b in find_changes(text, quantities, today)]


def test_two_yearly_values_are_a_change_from_the_earlier_year_whichever_comes_first() -> None:
    assert changes("前年营收1.5亿，去年1.8亿") == [(150_000_000, 180_000_000)]
    assert changes("今年销售额6000万，去年是5000万") == [(50_000_000, 60_000_000)]


def test_an_explicit_year_beside_a_relative_one_is_placed_by_the_clock() -> None:
    # 今年 is 2026 by the clock: 2025 is the earlier year
    assert changes("2025年产值1亿，今年1.6亿") == [(100_000_000, 160_000_000)]
    # by a clock in 2024, 今年 is 2024 and the 2025 figure is the later one
    assert changes("2025年产值1亿，今年1.6亿", dt.date(2024, 3, 1)) == [(160_000_000, 100_000_000)]
    # without a clock the two kinds of year are not compared
    assert changes("2025年产值1亿，今年1.6亿", None) == []


def test_a_difference_or_another_figure_is_no_yearly_value() -> None:
    # 「比去年增加了3000万」 is already the increase; 「当年新增贷款」 is a figure of another kind
    assert changes("今年营业收入比去年增加了3000万，当年新增流动资金贷款1000万") == []


def benefit(bot, description: str, rule_id: str):  # type: ignore[no-untyped-def]
    return next(b for b in bot.check_company(description, []).benefits if b.rule_id == rule_id)


def test_output_stated_for_two_years_gives_the_harbin_output_growth_award(bot) -> None:
    # 哈尔滨第二条: 增加3000万（含）以上 20万，每增加2000万再10万; 1.2亿 − 8000万 = 4000万 → 20万
    found = benefit(bot, "哈尔滨阿城区的规上制造业企业，前年产值8000万，去年产值1.2亿。", "harbin-2-output-growth")
    assert (found.status, found.amount_yuan) == ("eligible", 200_000)
    # 2.1亿 − 1.4亿 = 7000万 → 20万 + 2 × 10万
    found = benefit(bot, "哈尔滨阿城区的规上制造业企业，今年产值2.1亿，去年1.4亿。", "harbin-2-output-growth")
    assert (found.status, found.amount_yuan) == ("eligible", 400_000)


def test_a_single_years_output_is_no_growth(bot) -> None:
    reply = bot.check_company("哈尔滨阿城区的规上制造业企业，去年产值1.2亿。", [])
    assert not [b for b in reply.benefits if b.rule_id == "harbin-2-output-growth" and b.status == "eligible"]


def test_purchases_stated_for_two_years_give_the_growth_rate(bot) -> None:
    # 哈尔滨第四条: 采购额增长10%（含）以上; 3亿 → 3.6亿 is 20%, 新增6000万 × 3% = 180万
    found = benefit(bot, "我们是哈尔滨的领航企业，年营业收入7亿元，配套采购额去年3亿，今年3.6亿。",
                    "harbin-4-supply-growth")
    assert (found.status, found.amount_yuan) == ("eligible", 1_800_000)
    short = benefit(bot, "我们是哈尔滨的领航企业，年营业收入7亿元，配套采购额去年3亿，今年3.2亿。",
                    "harbin-4-supply-growth")
    assert short.status == "not_eligible"  # 6.7% is under 10%


def test_the_years_after_entering_the_statistics_are_the_stages_of_the_entry_award(bot) -> None:
    # 省第11条: 第一年20万，第二年、第三年主营业务收入保持在2000万元以上的，再分别奖励20万元
    found = benefit(bot, "绥化的食品加工企业，2023年新纳入规上统计，2024年主营收入2100万，2025年3100万。",
                    "heilongjiang-11-above-scale")
    assert (found.status, found.amount_yuan) == ("eligible", 600_000)
    # a year below the line pays nothing, the next one still does (「再分别奖励」): 20万 + 0 + 20万
    found = benefit(bot, "绥化的食品加工企业，前年新纳入规上统计，去年主营收入1500万，今年2200万。",
                    "heilongjiang-11-above-scale")
    assert (found.status, found.amount_yuan) == ("eligible", 400_000)
    # a later year not stated is not assumed: the first year only
    found = benefit(bot, "绥化的食品加工企业，今年新纳入规上统计。", "heilongjiang-11-above-scale")
    assert found.amount_yuan == 200_000


def test_a_piece_opening_with_a_year_starts_a_matter_of_its_own(bot) -> None:
    # 哈第四条: 投产当年配套额6000万 × 5% = 300万 (引进配套); 新增配套额2亿 × 3% = 600万 (配套增长, 增长20%≥15%).
    # 「当年」 is the year just named (2024), not today's; 「2024年营收10亿…」 is not the supplier's piece.
    result = bot.check_company("道外区的食品龙头，是产业链领航企业。2024年引进一家配套企业，投产当年实际配套额6000万；"
                               "2024年营收10亿，本地配套采购额增长20%，新增配套额2亿。能享受哪些政策？", [])
    found = {b.rule_id: b for b in result.benefits}
    assert found["harbin-4-supplier-intro"].status == "eligible"
    assert found["harbin-4-supplier-intro"].amount_yuan == 300 * W
    assert found["harbin-4-supply-growth"].status == "eligible"
    assert found["harbin-4-supply-growth"].amount_yuan == 600 * W
