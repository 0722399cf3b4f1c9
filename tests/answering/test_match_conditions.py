"""The match claims a benefit only when every condition of its clause is stated: conditions the rules data
carries for who a provision is for (总部在省、首次、领航企业、市政府组织、认定级别、计划名单、政策性担保)."""

from __future__ import annotations


def benefits_of(bot, description: str, rule_id: str) -> list:  # type: ignore[no-untyped-def]
    return [b for b in bot.check_company(description, []).benefits if b.rule_id == rule_id]


def one(bot, description: str, rule_id: str):  # type: ignore[no-untyped-def]
    found = benefits_of(bot, description, rule_id)
    assert len(found) == 1, found
    return found[0]


# 省第14条：「对总部和主营业务均在我省，在境内主板、创业板及科创板首发上市的企业，给予分阶段补助」
def test_listing_stages_ask_where_the_headquarters_is_when_the_description_does_not_say(bot) -> None:
    benefit = one(bot, "七台河一家煤机企业，上市辅导已经验收完成。", "heilongjiang-14-ipo-staged")
    assert benefit.status == "needs_info" and benefit.amount_yuan is None
    assert any("总部和主营业务" in question for question in benefit.missing)


def test_listing_stages_pay_when_headquarters_and_business_are_stated_in_the_province(bot) -> None:
    # the headquarters stands in a piece of its own, before the piece that names the listing stage
    benefit = one(bot, "我们总部和主营业务都在鹤岗，去年完成了上市辅导。", "heilongjiang-14-ipo-staged")
    assert (benefit.status, benefit.amount_yuan) == ("eligible", 2_000_000)


def test_listing_stages_are_refused_to_a_company_headquartered_outside_the_province(bot) -> None:
    benefit = one(bot, "绥化有我们的生产基地，不过总部在外省，已经完成了上市辅导。", "heilongjiang-14-ipo-staged")
    assert benefit.status == "not_eligible"


# 省第15条：「首次被评定为中国制造业企业500强……给予100万元的一次性奖励」
def test_a_top500_award_needs_the_first_listing(bot) -> None:
    assert one(bot, "鸡西的企业，今年进了中国制造业企业500强。", "heilongjiang-15-top500").status == "needs_info"
    first = one(bot, "鸡西的企业，今年第一次进了中国制造业企业500强。", "heilongjiang-15-top500")
    assert (first.status, first.amount_yuan) == ("eligible", 1_000_000)
    again = one(bot, "鸡西的企业，已经连续四年进入中国制造业企业500强。", "heilongjiang-15-top500")
    assert again.status == "not_eligible"


# 省第12条：「对认定为省级制造业“隐形冠军”的企业……对认定为国家级专精特新“小巨人”的企业」
def test_a_recognition_of_another_level_is_not_the_clauses(bot) -> None:
    found = benefits_of(bot, "黑河的企业，前年被评为市级隐形冠军，今年升为国家级专精特新小巨人。",
                        "heilongjiang-12-niche-market")
    assert sorted((b.status, b.amount_yuan) for b in found) == [("eligible", 1_000_000), ("not_eligible", None)]
    reply = bot.check_company("黑河的企业，前年被评为市级隐形冠军，今年升为国家级专精特新小巨人。", [])
    assert reply.total_yuan == 1_000_000  # the failing kind is no part of the total
    provincial = one(bot, "黑河的企业，我们是省级专精特新中小企业。", "heilongjiang-12-niche-market")
    assert provincial.status == "not_eligible"


# 省第19条：「对列入省重点新产品开发计划且年度单品销售收入在500万元以上的企业」
def test_a_national_new_product_list_is_not_the_provincial_plan(bot) -> None:
    national = one(bot, "伊春的企业，一款产品列入国家重点新产品，年销售收入900万。", "heilongjiang-19-key-new-product")
    assert national.status == "not_eligible"
    provincial = one(bot, "伊春的企业，一款产品列入省重点新产品开发计划，年销售收入900万。",
                     "heilongjiang-19-key-new-product")
    assert (provincial.status, provincial.amount_yuan) == ("eligible", 180_000)  # 900万 × 2%


# 哈尔滨第四条：「对年营业收入5亿元（含）以上且配套采购额增长10%（含）以上的领航企业」
def test_a_supply_growth_award_needs_a_lead_enterprise(bot) -> None:
    facts = "年营业收入6亿元，配套采购额从2亿增加到2.5亿。"
    plain = one(bot, "哈尔滨呼兰区的企业，" + facts, "harbin-4-supply-growth")
    assert plain.status == "needs_info" and any("领航企业" in q for q in plain.missing)
    lead = one(bot, "我们是哈尔滨呼兰区的产业链领航企业，" + facts, "harbin-4-supply-growth")
    assert (lead.status, lead.amount_yuan) == ("eligible", 1_500_000)  # 5000万 × 3%


# 哈尔滨第五条：「对参加市政府组织的制造业境内外展会企业，按其实际缴纳展位费给予全额补贴」
def test_a_booth_fee_is_paid_for_an_expo_the_city_organised(bot) -> None:
    unsaid = one(bot, "哈尔滨的机械厂，今年参加了一个装备展会，展位费8万。", "harbin-5-expo-booth")
    assert unsaid.status == "needs_info"
    organised = one(bot, "哈尔滨的机械厂，今年跟着市政府组团参加装备展会，展位费8万。", "harbin-5-expo-booth")
    assert (organised.status, organised.amount_yuan) == ("eligible", 80_000)
    alone = one(bot, "哈尔滨的机械厂，今年自行参展，展位费8万。", "harbin-5-expo-booth")
    assert alone.status == "not_eligible"


# 哈尔滨第十一条：「其中，通过市级政策性担保机构担保贷款的，按实际担保费用给予最高不超过200万元补助」
def test_a_guarantee_fee_needs_the_citys_policy_guarantor(bot) -> None:
    facts = "哈尔滨规上制造业企业，营业收入去年4亿今年4.5亿，今年有担保的新增流动资金贷款1000万、担保费用10万。"
    unsaid = one(bot, facts, "harbin-11-guarantee-fee")
    assert unsaid.status == "needs_info" and any("政策性担保" in q for q in unsaid.missing)
    stated = one(bot, facts.replace("有担保的", "经市级政策性担保机构担保的"), "harbin-11-guarantee-fee")
    assert (stated.status, stated.amount_yuan) == ("eligible", 100_000)


# 省第2条：「对经省级认定的数字化车间（生产线）和智能工厂（矿山）……给予10%的一次性补助」
def test_a_digital_workshop_recognised_by_the_city_is_not_recognised_by_the_province(bot) -> None:
    city = one(bot, "佳木斯一家农机厂，数字化车间通过了市级认定，项目合同金额900万。",
               "heilongjiang-2-digital-retrofit")
    assert city.status == "not_eligible"
    province = one(bot, "佳木斯一家农机厂，数字化车间通过了省级认定，项目合同金额900万。",
                   "heilongjiang-2-digital-retrofit")
    assert (province.status, province.amount_yuan) == ("eligible", 900_000)


def test_a_condition_said_in_a_piece_about_another_award_still_counts(bot) -> None:
    # 哈第五条: 市政府组织的展会 — said before the fee, right after a piece about 单项冠军
    found = benefits_of(bot, "道外区的机械制造企业，规上。去年新获得国家制造业单项冠军企业；同年跟着市政府组织的"
                             "汉诺威工业博览会出国，展位费实际交了12万。能拿哪些钱？", "harbin-5-expo-booth")
    assert [(b.status, b.amount_yuan) for b in found] == [("eligible", 120_000)]


def test_a_refinery_is_an_industrial_enterprise(bot) -> None:
    # 省第三条 节能降碳改造: 工业企业, 年综合能耗5000吨标准煤以上, 年节能量1000吨标准煤以上 → 100万
    found = benefits_of(bot, "大庆的炼化企业，年综合能耗3万吨标煤，去年完成节能降碳改造，年节能量1200吨标煤。"
                             "能拿哪些钱？", "heilongjiang-3-green-retrofit")
    assert [(b.status, b.amount_yuan) for b in found] == [("eligible", 1_000_000)]


# 省第一条 and 哈第一条 are one 技改 project (audience.matter): the figure stated for one is the other's too
def test_a_project_figure_stated_once_serves_both_documents_rules_for_the_project(bot) -> None:
    description = ("道里区做农机装备的规上企业。今年搞了个技改项目，已经入统，全年实际完成固定资产投资1.2个亿，"
                   "入统那会儿一年期LPR是3.0%。")
    province = one(bot, description, "heilongjiang-1-tech-reform")
    assert (province.status, province.amount_yuan) == ("eligible", 360 * 10_000)  # 1.2亿 × 3.0%
    city = one(bot, description, "harbin-1-key-project")
    assert (city.status, city.amount_yuan) == ("eligible", 600 * 10_000)  # 1.2亿 × 5%


# 哈第七条「签订技术转让（开发）合同的制造业企业」: 「做农机装备」 states manufacturing
def test_an_industry_in_everyday_words_states_manufacturing(bot) -> None:
    benefit = one(bot, "道里区做农机装备的规上企业，今年跟哈工大签了个技术开发合同，实际付了80万。",
                  "harbin-7-tech-contract")
    assert (benefit.status, benefit.amount_yuan) == ("eligible", 8 * 10_000)


# 省第十四条 分阶段补助: each stage the description says was reached is paid (200万 + 300万)
def test_every_listing_stage_a_description_reaches_is_summed(bot) -> None:
    benefit = one(bot, "松北区一家电子元器件制造企业，总部和生产经营都在哈尔滨。今年3月完成了上市辅导，"
                       "10月份创业板的申请材料被正式受理了。", "heilongjiang-14-ipo-staged")
    assert (benefit.status, benefit.amount_yuan) == ("eligible", 500 * 10_000)


# 哈第十一条: 利息 50% and 担保费, with 营业收入增加2000万 and 流贷到位500万 stated in other pieces
def test_a_lone_figure_is_not_taken_for_a_fact_the_description_states_elsewhere(bot) -> None:
    description = ("尚志市的，规上实木家具生产企业。今年营业收入同比增加了2500万，新增流动资金贷款600万已到位，"
                   "走的是哈尔滨市级政策性担保机构的担保，到现在付了利息21万、担保费6万。")
    interest = one(bot, description, "harbin-11-loan-interest")
    assert (interest.status, interest.amount_yuan) == ("eligible", 10.5 * 10_000)
    fee = one(bot, description, "harbin-11-guarantee-fee")
    assert (fee.status, fee.amount_yuan) == ("eligible", 6 * 10_000)
