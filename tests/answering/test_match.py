"""The match (政策体检): a described company against every provision of the policies in force where it is."""

from __future__ import annotations

import pytest

from assistant.answering.profile import load_company_facts, read_facts, recognition_names

HARBIN_COMPANY = ("我们是哈尔滨的规上制造业企业，去年产值比前年多了9000万，今年刚评上国家级绿色工厂，"
                  "还有一个首台套产品卖了700万，能享受哪些政策？")


def statuses(reply) -> dict[str, tuple[str, float | None]]:  # type: ignore[no-untyped-def]
    return {b.rule_id: (b.status, b.amount_yuan) for b in reply.benefits}


def test_a_harbin_company_gets_both_documents_with_amounts_and_the_total(bot) -> None:
    reply = bot.ask(HARBIN_COMPANY)
    assert reply.route == "match"
    found = statuses(reply)
    # 哈尔滨第二条：20万 + ⌊(9000万 − 3000万) ÷ 2000万⌋ × 10万 = 50万
    assert found["harbin-2-output-growth"] == ("eligible", 500_000)
    # 省第3条：国家级绿色工厂 100万；省第19条：700万 × 50% = 350万，单品上限 200万
    assert found["heilongjiang-3-green-factory"] == ("eligible", 1_000_000)
    assert found["heilongjiang-19-first-set"] == ("eligible", 2_000_000)
    # 50万 + 100万 + 200万: Harbin's first-set ceiling and green-list range are listed, not added
    assert reply.total_yuan == 3_500_000
    assert {"heilongjiang", "harbin"} == {b.doc_id for b in reply.benefits}
    assert "【可申请】" in reply.text and "合计：350万元" in reply.text and "叠加规则" in reply.text
    assert "有效期" in reply.text


def test_the_public_shape_has_the_benefits(bot) -> None:
    shape = bot.ask(HARBIN_COMPANY).to_dict()
    assert shape["route"] == "match" and shape["total_yuan"] == 3_500_000
    first = shape["benefits"][0]
    assert set(first) == {"doc_id", "clause", "rule_id", "title", "status", "amount_yuan", "missing", "reason"}


def test_a_company_elsewhere_in_the_province_sees_the_province_only(bot) -> None:
    reply = bot.ask("我们是大庆的规上化工企业，去年被评为国家级绿色工厂，能享受哪些政策？")
    assert reply.route == "match"
    assert {b.doc_id for b in reply.benefits} == {"heilongjiang"}
    assert statuses(reply)["heilongjiang-3-green-factory"] == ("eligible", 1_000_000)
    assert "只适用于哈尔滨市" in reply.text


def test_a_company_outside_the_province_is_told_none_applies(bot) -> None:
    reply = bot.ask("我们是沈阳的规上制造业企业，评上了国家级绿色工厂，能享受哪些政策？")
    assert reply.route == "match"
    assert reply.benefits == () and reply.total_yuan is None
    assert "都不适用" in reply.text


def test_an_unstated_condition_is_a_question_never_a_silent_yes(bot) -> None:
    # 省第3条 pays national-level green factories only; 「绿色工厂」 alone does not say which level
    reply = bot.ask("我们是哈尔滨的制造业企业，有一个绿色工厂，能享受哪些政策？")
    benefit = next(b for b in reply.benefits if b.rule_id == "heilongjiang-3-green-factory")
    assert benefit.status == "needs_info" and benefit.amount_yuan is None
    assert any("国家级绿色工厂" in question for question in benefit.missing)
    assert "【需补充信息】" in reply.text


def test_a_denied_company_fact_fails_the_rule_with_its_reason(bot) -> None:
    # 哈尔滨第二条 产值增长奖励 is for 规模以上制造业企业
    reply = bot.ask("我们是哈尔滨的规下制造业企业，产值比去年增加了5000万，能拿哪些钱？")
    benefit = next(b for b in reply.benefits if b.rule_id == "harbin-2-output-growth")
    assert benefit.status == "not_eligible" and "规模以上" in benefit.reason
    assert reply.total_yuan is None


def test_a_figure_below_the_threshold_is_not_eligible_naming_the_figure(bot) -> None:
    # 3000万（含）以上 is the threshold; 2000万 fails it
    reply = bot.ask("我们是哈尔滨的规上制造业企业，产值比去年增加了2000万，能享受哪些政策？")
    benefit = next(b for b in reply.benefits if b.rule_id == "harbin-2-output-growth")
    assert benefit.status == "not_eligible" and "2000万元" in benefit.reason and "3000万元" in benefit.reason


def test_a_company_silent_about_listing_is_not_told_about_listing_awards(bot) -> None:
    reply = bot.ask(HARBIN_COMPANY)
    assert not any(b.rule_id.startswith("heilongjiang-14-") for b in reply.benefits)


def test_asking_for_everything_lists_every_provision(bot, corpus) -> None:  # type: ignore[no-untyped-def]
    reply = bot.ask("我们是哈尔滨的规上制造业企业，所有政策我们能享受哪些？")
    assert len(reply.benefits) == len(corpus.rules)
    assert all(b.status in ("needs_info", "not_eligible", "eligible") for b in reply.benefits)


def test_follow_ups_add_to_and_replace_in_the_same_profile(bot) -> None:
    history: list[tuple[str, str]] = []
    first = bot.ask(HARBIN_COMPANY)
    history += [("user", HARBIN_COMPANY), ("assistant", first.text)]
    added = bot.ask("我们还被认定为省企业技术中心", history=history)
    assert added.route == "match"
    assert statuses(added)["heilongjiang-18-enterprise-tech-center"] == ("eligible", 500_000)
    assert added.total_yuan == 4_000_000  # 350万 + 50万
    history += [("user", "我们还被认定为省企业技术中心"), ("assistant", added.text)]
    replaced = bot.ask("产值其实增加了1.1亿", history=history)
    # 20万 + ⌊(1.1亿 − 3000万) ÷ 2000万⌋ × 10万 = 20万 + 4 × 10万 = 60万
    assert statuses(replaced)["harbin-2-output-growth"] == ("eligible", 600_000)
    assert replaced.total_yuan == 4_100_000


@pytest.mark.parametrize(("text", "expected"), [
    ("我们是规上制造业企业", {"above_scale": True, "manufacturing": True, "industrial": True}),
    ("我们还没入规，是做软件的软件公司", {"above_scale": False, "manufacturing": False}),
    ("我们不是规上企业", {"above_scale": False}),
])
def test_company_facts_are_read_from_their_words(text: str, expected: dict[str, bool]) -> None:
    found = read_facts([text], load_company_facts())
    assert {k: found.get(k) for k in expected} == expected


@pytest.mark.parametrize("question", ["哈尔滨第二条讲什么", "技改投资3亿元，LPR 3.45%，能拿多少贴息？",
                                      "省里和市里的绿色工厂奖励能同时拿吗"])
def test_questions_that_do_not_ask_for_a_list_keep_their_route(bot, question: str) -> None:
    assert bot.ask(question).route != "match"


@pytest.mark.parametrize("question", [
    "大庆的化工企业，今年技改投了3个亿，项目已经入统，入统时一年期LPR 3.45%。",  # asks nothing: a description
    "大庆的化工企业，今年技改投了3个亿，项目已经入统，入统时一年期LPR 3.45%，能拿什么补贴？",
    "我们是哈尔滨南岗的规上装备制造企业，今年产值比去年多了1.2个亿，帮我看看",
    "哈尔滨香坊区规上制造业，产值比去年增加了2500万，有什么政策能用上？",
])
def test_a_company_described_with_a_general_ask_is_a_match(bot, question: str) -> None:
    assert bot.ask(question).route == "match"


@pytest.mark.parametrize("question", [
    "大庆的化工企业，今年技改投了3个亿，项目已经入统，入统时一年期LPR 3.45%，能拿多少贴息？",  # one amount
    "哈尔滨规上制造企业，产值同比增加了2800万，市里产值增长奖能拿吗？",  # one award, yes or no
    "上海市有什么制造业补贴",  # a place and an industry, no company described
    "哈尔滨的工业强市政策有效期几年",
])
def test_one_amount_or_no_company_described_is_no_match(bot, question: str) -> None:
    assert bot.ask(question).route != "match"


def test_the_number_guard_checks_every_yuan_of_a_match_reply(bot, corpus) -> None:  # type: ignore[no-untyped-def]
    import dataclasses

    from assistant.answering.guard import find_unbacked

    reply = bot.ask(HARBIN_COMPANY)
    said = [HARBIN_COMPANY]
    recompute = bot.router.recompute
    assert find_unbacked(reply, corpus, said, recompute) == []
    inflated = dataclasses.replace(reply, total_yuan=4_500_000.0)
    assert find_unbacked(inflated, corpus, said, recompute)
    first = reply.benefits[0]
    tampered = dataclasses.replace(reply, benefits=(dataclasses.replace(first, amount_yuan=9_000_000.0),
                                                    *reply.benefits[1:]))
    assert find_unbacked(tampered, corpus, said, recompute)
    wrong_text = dataclasses.replace(reply, text=reply.text.replace("合计：350万元", "合计：450万元"))
    assert find_unbacked(wrong_text, corpus, said, recompute)


def test_a_size_figure_is_not_a_growth_figure(bot) -> None:
    # 「年产值5亿元」 says how big the company is, not how much its output grew: no 产值增长奖励 from it
    reply = bot.ask("我们是哈尔滨的规上制造业企业，年产值5亿元，能享受哪些政策？")
    assert reply.route == "match"
    assert "harbin-2-output-growth" not in statuses(reply) and reply.total_yuan is None


def test_a_recognition_applied_for_is_asked_and_one_denied_fails(bot) -> None:
    reply = bot.ask("我们是哈尔滨的规上制造业企业，正在申报全国质量标杆，没有首台套产品，能享受哪些政策？")
    found = statuses(reply)
    assert found["harbin-2-quality-benchmark"] == ("needs_info", None)
    assert found["heilongjiang-19-first-set"] == ("not_eligible", None)
    assert reply.total_yuan is None


def test_a_company_newly_above_scale_elsewhere_gets_the_provinces_first_year(bot) -> None:
    # 省第11条：新纳入规上 第一年 20万；哈尔滨第二条的 50万 is for Harbin companies only
    reply = bot.ask("我们是齐齐哈尔的制造企业，今年刚进入规上，能拿哪些钱？")
    assert statuses(reply) == {"heilongjiang-11-above-scale": ("eligible", 200_000)}
    assert reply.total_yuan == 200_000


def test_a_recognition_name_says_nothing_about_the_companys_industry(corpus) -> None:  # type: ignore[no-untyped-def]
    # 「绿色工厂」「工业互联网平台」 are recognitions, not the company's own industry
    names = recognition_names(corpus.rules.values())
    assert read_facts(["我们有国家级绿色工厂，建了工业互联网平台"], load_company_facts(), names) == {}
    assert read_facts(["我们厂今年新纳入规上统计"], load_company_facts(), names)["above_scale"] is True


def test_the_form_path_matches_a_description_that_asks_nothing(bot) -> None:
    # 双城 is 哈尔滨市双城区: 省第11条 first year 20万 and 哈尔滨第二条 50万 are the same matter, the higher kept
    reply = bot.check_company("双城的食品厂，今年刚进规上，主要做速冻食品。")
    assert reply.route == "match"
    assert statuses(reply) == {"harbin-2-new-above-scale": ("eligible", 500_000),
                               "heilongjiang-11-above-scale": ("eligible", 200_000)}
    assert reply.total_yuan == 500_000 and "从高不重复" in reply.text


def test_two_kinds_of_one_award_each_count(bot) -> None:
    # 省第12条：省级隐形冠军 50万，国家级专精特新小巨人 100万
    reply = bot.check_company("牡丹江的企业，去年认定了省级制造业隐形冠军，今年又拿了国家级专精特新小巨人。")
    assert sorted(b.amount_yuan or 0 for b in reply.benefits) == [500_000, 1_000_000]
    assert reply.total_yuan == 1_500_000
