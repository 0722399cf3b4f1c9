"""Kinds of amount questions that once got a confident wrong amount: each is now right or asked back."""

from __future__ import annotations

from assistant.answering.calculate import names_rule
from assistant.answering.question import wants_amount

W = 10_000


def test_a_range_award_is_asked_about_not_presented_as_its_ceiling(bot) -> None:
    # 哈第十条: 50—200万 with no rule for where in the range; the ceiling is not "the amount"
    reply = bot.ask("哈尔滨企业被评为国家能效之星，市里给多少奖金？")
    assert reply.route == "clarify" and not reply.calculations
    assert "50万元至200万元" in reply.text


def test_a_range_award_asked_for_its_most_gives_the_ceiling(bot) -> None:
    reply = bot.ask("哈尔滨新认定国家级工业设计中心，市里最多奖多少？")
    assert reply.route == "calculate" and reply.calculations[0].amount_yuan == 500 * W


def test_a_level_word_before_a_keyword_names_another_rule() -> None:
    # 「市级制造业创新中心」 is the city's centre: the national award's keyword does not name it
    assert not names_rule("我们是市级制造业创新中心", "创新中心", ("市级", "省级"))
    assert names_rule("我们是国家级制造业创新中心，市级财政配套吗", "创新中心", ("市级",))
    assert names_rule("制造业创新中心", "创新中心", ("市级",))


def test_a_city_level_centre_gets_the_city_award(bot) -> None:
    reply = bot.ask("在哈尔滨刚认定了市级制造业创新中心，奖励是多少？")
    assert reply.calculations[0].rule_id == "harbin-6-city-innovation-carrier"
    assert reply.calculations[0].amount_yuan == 50 * W


def test_a_share_of_an_award_is_computed_from_the_award_the_facts_give(bot) -> None:
    # 哈第四条: 6000万 × 5% = 300万 配套奖励; 30% of it may go to managers → 90万
    reply = bot.ask("哈尔滨领航企业引进的配套企业投产年配套额6000万，拿到的奖励能分给高管多少？")
    assert [c.rule_id for c in reply.calculations] == ["harbin-4-personal-share", "harbin-4-supplier-intro"]
    assert reply.calculations[0].amount_yuan == 90 * W
    assert reply.calculations[1].amount_yuan == 300 * W


def test_the_province_and_the_city_asked_together_are_both_answered_with_the_total(bot) -> None:
    # 省第11条 first year 20万 + 哈第二条 50万 = 70万
    reply = bot.ask("哈尔滨制造企业今年刚入规，省里加市里的入规奖励一共多少？")
    assert reply.route == "calculate" and reply.total_yuan == 70 * W
    assert {c.rule_id for c in reply.calculations} == {"heilongjiang-11-above-scale", "harbin-2-new-above-scale"}


def test_the_award_asked_about_by_its_figure_picks_the_rule_that_gives_it(bot) -> None:
    # 省第14条: the 800万 is the 北交所 award, which needs the listing itself; 受理 is not enough
    reply = bot.ask("我们新三板挂牌以后报了北交所，已经受理，还没上市，省里那800万能拿吗？")
    assert reply.calculations[0].rule_id == "heilongjiang-14-bse"
    assert not reply.calculations[0].eligible


def test_a_yes_no_question_about_a_figure_is_an_amount_question() -> None:
    assert wants_amount("评上全国质量标杆，市里奖三百万是真的吗？")
    assert wants_amount("国家服务型制造示范企业，市里那200万有吗？")
    assert not wants_amount("质量标杆是什么意思？")
