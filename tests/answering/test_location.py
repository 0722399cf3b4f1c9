"""Where the company is decides which loaded policies apply: the province's measures everywhere in
黑龙江省, Harbin's only in 哈尔滨市 and its districts and counties, none outside the province."""

from __future__ import annotations

import pytest


def cited_documents(reply) -> set[str]:  # type: ignore[no-untyped-def]
    return {c.doc_id for c in reply.citations}


def test_a_company_elsewhere_in_the_province_gets_the_province_only(bot) -> None:
    # 省11：新纳入规上 60万；Harbin's 50万 is not for a company in 牡丹江
    reply = bot.ask("牡丹江新增规上企业奖励多少")
    assert reply.route == "calculate"
    assert {c.doc_id for c in reply.calculations} == {"heilongjiang"}
    assert cited_documents(reply) == {"heilongjiang"}
    assert "牡丹江市" in reply.text and "仅适用于哈尔滨市" in reply.text


def test_a_clause_number_asked_from_another_city_is_the_provinces(bot) -> None:
    reply = bot.ask("大庆第十一条讲什么")
    assert reply.route == "lookup"
    assert (reply.citations[0].doc_id, reply.citations[0].clause) == ("heilongjiang", "11")


@pytest.mark.parametrize("question", ["沈阳的制造企业今年新入规，黑龙江和哈尔滨的入规奖励我们能拿吗？",
                                      "内蒙古呼伦贝尔的药企仿制药过了一致性评价，能拿多少奖励？",
                                      # a county-level city elsewhere, named without 市, beside the province's name
                                      "满洲里的一家装备企业，挨着黑龙江，首台套认定了，成交价300万，能拿黑龙江的奖励吗？",
                                      "在昆山的厂，技改投资3个亿，LPR3.45%，能贴息多少"])
def test_a_company_outside_the_province_is_told_no_policy_applies(bot, question: str) -> None:
    reply = bot.ask(question)
    assert reply.route == "out_of_scope"
    assert reply.calculations == ()
    assert "不在已收录政策的适用地域内" in reply.text


def test_a_county_of_harbin_gets_harbins_policy(bot) -> None:
    # 哈尔滨第二条：新增入统规上制造业企业每户 50万
    reply = bot.ask("我们在宾县，新入规的制造业企业市里奖多少")
    assert [(c.doc_id, c.amount_yuan) for c in reply.calculations][:1] == [("harbin", 500_000)]


def test_the_city_asked_about_in_a_follow_up_is_the_companys_own(bot) -> None:
    history = [("user", "我们是牡丹江的企业，省里对首台套有什么奖励"), ("assistant", "……")]
    reply = bot.ask("那市里呢", history=history)
    assert reply.route == "out_of_scope" and reply.calculations == ()
    assert "只适用于哈尔滨市" in reply.text and "牡丹江市" in reply.text


def test_a_harbin_award_asked_by_a_company_elsewhere_is_refused_with_what_applies(bot) -> None:
    reply = bot.ask("我们在大庆，今年新入统成了规上制造业企业，哈尔滨那个每户50万的奖励我们能拿吗？")
    assert reply.route == "out_of_scope" and reply.calculations == ()
    assert "不能享受" in reply.text and "黑龙江省推动工业振兴若干政策措施" in reply.text


def test_a_place_the_company_goes_to_does_not_move_the_company(bot) -> None:
    """「哈尔滨的机械厂，今年去广州参展」: a Harbin company at a fair elsewhere (哈第五条's booth fees),
    not a 广州 one."""
    reply = bot.ask("哈尔滨的机械厂，今年跟着市政府组织去广州参展，展位费花了8万，能补多少？")
    assert reply.route == "calculate", reply.text
    assert [(c.doc_id, c.clause, c.amount_yuan) for c in reply.calculations] == [("harbin", "5", 80_000)]


def test_a_policy_named_by_its_city_does_not_place_the_company_there(bot) -> None:
    reply = bot.ask("大庆的企业，哈尔滨那个入规奖励能拿吗")
    assert "您的企业在黑龙江省大庆市" in reply.text and not reply.calculations


def test_a_follow_up_naming_the_citys_policy_keeps_the_company_where_it_said(bot) -> None:
    first = "我们在齐齐哈尔，技改入统2亿，LPR 3.1%，省里贴息多少？"
    reply = bot.ask("那哈尔滨市里那个固投补助我们能申请吗？", history=[("user", first), ("assistant", "…")])
    assert reply.route == "out_of_scope" and not reply.calculations
    assert "齐齐哈尔" in reply.text and "不能享受" in reply.text
