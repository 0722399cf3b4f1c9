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


def test_a_yearly_figure_with_the_years_after_it_is_counted_for_every_year(bot) -> None:
    # 省第18条: 1000万 × 30% = 300万 a year (the 300万 cap), for the 3 years asked → 900万
    reply = bot.ask("省制造业创新中心，每年设备投入1000万，三年一共能拿多少？")
    assert reply.calculations[0].rule_id == "heilongjiang-18-provincial-innovation-center"
    assert reply.calculations[0].amount_yuan == 900 * W


def test_an_overseas_listing_is_not_given_the_domestic_stages(bot) -> None:
    # 省第14条: 境外首发 needs 上市融资额2亿元以上; 1.8亿 falls short, and the domestic 500万 is not for it
    reply = bot.ask("我们去年在纳斯达克首发上市，融资1.8亿，省里有补助吗？能拿多少？")
    assert reply.calculations[0].rule_id == "heilongjiang-14-overseas-ipo"
    assert not reply.calculations[0].eligible


def test_two_kinds_of_one_award_in_one_message_are_both_counted(bot) -> None:
    # 省第12条: 国家级小巨人 100万 + 省级隐形冠军 50万 = 150万 (one rule, two of its choices)
    reply = bot.ask("我们被认定为国家级专精特新小巨人，另外还被认定为省级隐形冠军，一共能拿多少？")
    assert [c.amount_yuan for c in reply.calculations] == [100 * W, 50 * W]
    assert reply.total_yuan == 150 * W


def test_a_second_award_without_a_moving_on_word_is_not_dropped(bot) -> None:
    # 哈第二条: 服务型制造示范 200万 + 全国质量标杆 300万 = 500万
    reply = bot.ask("哈尔滨企业新获得国家服务型制造示范企业，还遴选为全国质量标杆，加起来多少？")
    assert {c.rule_id for c in reply.calculations} == {"harbin-2-service-manufacturing", "harbin-2-quality-benchmark"}
    assert reply.total_yuan == 500 * W


def test_a_higher_list_in_a_follow_up_pays_the_difference_to_the_earlier_one(bot) -> None:
    # 省第15条 递进补差: 中国企业500强 200万 − 制造业企业500强 100万 already had = 100万
    history = [("user", "哈尔滨企业首次评为中国制造业企业500强，省里奖多少？"), ("assistant", "…")]
    reply = bot.ask("后来又评上了中国企业500强，还能拿多少？", history=history)
    assert reply.calculations[0].amount_yuan == 100 * W
    what_if = bot.ask("要是评上的是中国企业500强呢？", history=history)  # instead of, not after: no deduction
    assert what_if.calculations[0].amount_yuan == 200 * W


def test_a_third_list_pays_the_difference_to_the_highest_list_reached_before(bot) -> None:
    # 省第15条 递进补差, 就高不重复: 民营500强 (100万), then 中国企业500强 (补差 100万): 200万 received, so
    # 世界500强 (500万) adds 300万 — the highest earlier list counts, not the first one named
    first, second = "我们首次进了中国制造业民营企业500强，省里奖多少？", "后来又首次进了中国企业500强，还能拿多少？"
    history = [("user", first), ("assistant", "…"), ("user", second), ("assistant", "…")]
    reply = bot.ask("以后再首次进了世界500强，还能再拿多少？", history=history)
    assert [c.amount_yuan for c in reply.calculations] == [300 * W]
    # the same conversation as a company description (no question asked: the 政策体检 match)
    described: list[tuple[str, str]] = []
    for turn in ("我们在哈尔滨香坊，前年首次进了中国制造业民营企业500强，拿了100万奖励",
                 "今年又首次进了中国企业500强，按补差又拿了100万"):
        described += [("user", turn), ("assistant", bot.ask(turn, history=described).text)]
    matched = bot.ask("那要是以后第一次进了《财富》世界500强，还能再拿多少？", history=described)
    assert matched.route == "match"
    assert [(b.rule_id, b.amount_yuan) for b in matched.benefits] == [("heilongjiang-15-top500", 300 * W)]


def test_three_city_awards_pointed_at_as_three_blocks_are_all_answered(bot) -> None:
    # 哈第二条 新增入统规上 50万 + 哈第五条 展位费全额 9.6万 + 哈第八条 诊断后改造 5万 = 64.6万; 「这三块」 is no 3元
    reply = bot.ask("道外区的企业，今年新进了规上（制造业），还跟市政府组团参加了一个境外展，展位费9.6万，"
                    "另外按第三方机构的智能制造诊断方案做了数字化改造。市里这三块能拿多少？")
    assert {c.rule_id: c.amount_yuan for c in reply.calculations} == {
        "harbin-2-new-above-scale": 50 * W, "harbin-5-expo-booth": 9.6 * W, "harbin-8-diagnosis": 5 * W}
    assert reply.total_yuan == 64.6 * W


def test_three_awards_listed_with_a_pause_mark_are_three_parts(bot) -> None:
    # 哈第二条: 单项冠军 300万 + 服务型制造示范 200万 + 全国质量标杆 300万 (two of them joined by 「、」)
    reply = bot.ask("道外的装备企业今年新拿了国家制造业单项冠军企业、新获国家服务型制造示范企业，还被选成全国质量标杆，"
                    "市里一共奖多少")
    assert reply.total_yuan == 800 * W and len(reply.calculations) == 3


def test_a_figure_stated_before_two_parts_belongs_to_the_part_whose_rule_needs_it(bot) -> None:
    # 哈第四条: 引进配套企业 3000万 × 5% = 150万; 新增配套额 1亿 × 3% = 300万 (营收8亿 ≥ 5亿, 增长12% ≥ 10%)
    reply = bot.ask("平房的领航企业，年营收8个亿。今年新引进的配套企业投产当年给我们配套了3000万；另外我们配套采购额"
                    "同比涨了12%，新增配套额1个亿。两项奖励一共多少")
    assert {c.rule_id: c.amount_yuan for c in reply.calculations} == {
        "harbin-4-supplier-intro": 150 * W, "harbin-4-supply-growth": 300 * W}
    assert reply.total_yuan == 450 * W and not any(c.assumed_conditions for c in reply.calculations)


def test_a_later_year_in_a_follow_up_adds_to_the_years_already_stated(bot) -> None:
    # 省第十八条 创新中心: 1300万 × 30% = 390万 → 每年不超过300万; 700万 × 30% = 210万; 两年 510万
    history = [("user", "我们是七台河的省制造业创新中心，第一年技术引进和设备软件一共花了1300万"), ("assistant", "…")]
    reply = bot.ask("第二年又花了700万，两年的补助加起来一共多少", history=history)
    assert [(c.rule_id, c.amount_yuan) for c in reply.calculations] == [
        ("heilongjiang-18-provincial-innovation-center", 510 * W)]
    instead = bot.ask("要是第一年花的是700万呢", history=history)  # replaces the figure, adds nothing
    assert [c.amount_yuan for c in instead.calculations] == [210 * W]


def test_a_second_financing_round_adds_to_the_first_under_one_cap(bot) -> None:
    # 省第十四条 紫丁香: 900万 × 2% = 18万, 600万 × 2% = 12万; together 30万, at the 30万 cap
    history = [("user", "大庆一家股份公司在紫丁香专板挂牌了，第一轮直接融资900万"), ("assistant", "…")]
    reply = bot.ask("后来又融了600万，两轮奖励加起来一共多少", history=history)
    assert [(c.rule_id, c.amount_yuan) for c in reply.calculations] == [("heilongjiang-14-lilac-board", 30 * W)]
    more = bot.ask("后来又融了2000万，几轮加起来一共多少", history=history)
    assert [c.amount_yuan for c in more.calculations] == [30 * W]  # 18万 + 40万, capped at 30万


def test_every_listing_stage_to_the_bell_is_summed(bot) -> None:
    # 省第十四条: 辅导 200万 + 受理 300万 + 首发上市 500万 = 1000万; 「敲钟」 is the listing
    reply = bot.ask("牡丹江的企业准备冲科创板，总部主业都在省内，从辅导验收、材料被受理到最后敲钟，"
                    "省里分阶段一共能补多少")
    assert [c.amount_yuan for c in reply.calculations] == [1000 * W]


def test_the_local_share_asked_as_that_block_is_the_forty_percent(bot) -> None:
    # 省第一条: 3亿 × 3% × 2年 = 1800万 (≥2亿: 24个月, cap 2500万); 市（县）财政负担40% = 720万
    reply = bot.ask("黑河一个技改项目，入统3个亿，LPR 3%，说市县配套那块要等投产验收以后才给，那块是多少钱")
    assert reply.calculations[0].amount_yuan == 720 * W


def test_a_supplier_brought_in_told_in_everyday_words_is_the_supplier_award(bot) -> None:
    # 哈第四条: 领航企业引进配套企业, 投产年度实际配套额 4200万 × 5% = 210万 (not 哈第二条's output growth)
    reply = bot.ask("我们是香坊的龙头企业，今年招来一家给我们配套的厂子，人家投产当年给我们配了4200万的货，"
                    "市里奖我们多少")
    assert [(c.rule_id, c.amount_yuan) for c in reply.calculations] == [("harbin-4-supplier-intro", 210 * W)]


def test_awards_got_at_the_same_time_then_a_total_are_parts_not_a_stacking_question(bot) -> None:
    # 省第十二条 小巨人 100万 + 哈第二条 单项冠军 300万 + 哈第六条 市级技术创新示范 50万 = 450万
    reply = bot.ask("平房区企业，今年同时拿了国家级专精特新小巨人、国家制造业单项冠军企业，"
                    "还被新认定为市级技术创新示范企业，省市一共能奖多少？")
    assert reply.route == "calculate" and reply.total_yuan == 450 * W
    # 「和」 joins two awards: 哈第二条 单项冠军 300万 + 省第十二条 小巨人 100万
    joined = bot.ask("宾县的企业，今年同时拿了国家制造业单项冠军企业和国家级专精特新小巨人，省市一共能拿多少？")
    assert joined.total_yuan == 400 * W


def test_four_parts_added_up_as_a_whole(bot) -> None:
    # 哈第一条 3000万 × 5% = 150万; 哈第八条 诊断后改造 5万, 工业互联网试点示范 100万;
    # 省第十四条 紫丁香 1000万 × 2% = 20万
    reply = bot.ask("阿城区：新建项目今年入统固投3000万；按第三方诊断方案做了数字化改造；"
                    "入选了国家工业互联网试点示范项目；公司还在紫丁香专板融了1000万（股份制）。省市加一起多少")
    assert {c.rule_id: c.amount_yuan for c in reply.calculations} == {
        "harbin-1-key-project": 150 * W, "harbin-8-diagnosis": 5 * W, "harbin-8-pilot-demo": 100 * W,
        "heilongjiang-14-lilac-board": 20 * W}
    assert reply.total_yuan == 275 * W


def test_an_award_on_the_no_double_claiming_list_does_not_cancel_an_unrelated_one(bot) -> None:
    # 哈第二条 产值增5000万: 20万 + 10万 = 30万; 哈第十一条 利息90万 × 50% = 45万; 省第十二条 省级隐形冠军 50万.
    # 哈第十八条 lists 流贷贴息 as one not taken at both levels; 隐形冠军 is another matter: 125万, not 80万
    reply = bot.ask("香坊规上制造业，今年产值同比多了5000万，营收也多了4800万，新增流贷2000万付息90万；"
                    "另外刚认定了省级隐形冠军。这三样省市一共能拿多少")
    assert reply.total_yuan == 125 * W


def test_two_lists_reached_at_once_pay_the_higher(bot) -> None:
    # 省第十五条 就高不重复: 中国企业500强 200万, not 中国制造业企业500强 100万, and not both
    reply = bot.ask("大庆的，今年第一次同时进了中国企业500强和中国制造业企业500强，省里奖多少？两个都给吗")
    assert [c.amount_yuan for c in reply.calculations] == [200 * W]


def test_a_follow_up_that_adds_its_award_to_the_earlier_one_is_answered_with_both(bot) -> None:
    # 哈第十一条: 利息 80万 × 50% = 40万, 担保费 9万; together 49万, the 营收 and 流贷 facts from the first turn
    history = [("user", "南岗规上制造业，今年营收增加了2500万，新增流贷1000万，实际付利息80万，市里贴息多少？"),
               ("assistant", "…")]
    reply = bot.ask("还有，这些贷款是走市级政策性担保机构担保的，担保费交了9万，加上一共多少", history=history)
    assert reply.total_yuan == 49 * W


def test_years_named_together_with_each_take_one_figure_each(bot) -> None:
    # 省第十八条: 600万 × 30% = 180万; 明年、后年 1500万 × 30% = 450万 → 300万 each; 780万
    history = [("user", "鸡西的，被认定成省制造业创新中心了，今年技术引进和买设备软件花了600万，补多少？"),
               ("assistant", "…")]
    reply = bot.ask("明年后年计划各投1500万，三年加起来能补多少", history=history)
    assert [c.amount_yuan for c in reply.calculations] == [780 * W]


def test_a_change_said_with_zhang_dao_le_is_the_increase(bot) -> None:
    # 哈第四条: 配套采购从5亿涨到了6亿 → 增长20%, 新增1亿 × 3% = 300万; 30% of it for people = 90万 at most
    history = [("user", "我们是道里的领航企业，营收9个亿，今年配套采购从5亿涨到了6亿，市里奖多少？"),
               ("assistant", "…")]
    first = bot.ask(history[0][1])
    assert [c.amount_yuan for c in first.calculations] == [300 * W]
    share = bot.ask("那这笔奖励里最多能拿多少出来奖励高管和骨干？", history=history)
    assert share.calculations[0].amount_yuan == 90 * W


def test_an_estimated_base_is_asked_for_never_computed(bot) -> None:
    # 省第一条: 「大概两个亿上下」 sits on the 2亿 line between 12 and 24 months: no amount on a guess
    reply = bot.ask("大庆的，技改大概两个亿上下，已入统，入统时LPR 3.45%，省里贴多少")
    assert reply.route == "clarify" and not reply.calculations
    # an estimate that only clears a threshold is fine: 省第三条 年综合能耗5000吨标煤以上
    cleared = bot.ask("黑河一家化工企业，一年耗能大概8000吨标煤，做了节能降碳改造，一年省了1200吨标煤，省里奖多少")
    assert [c.amount_yuan for c in cleared.calculations] == [100 * W]


def test_a_green_list_under_both_levels_counts_once(bot) -> None:
    # 省第三条 国家级绿色工厂 100万; 哈第十条 50万—200万; 哈第十八条: 绿色制造类称号 省市两级不重复 → 最高200万
    reply = bot.ask("道外区企业，去年首次进了国家级绿色工厂名单，省里和市里这块奖励加起来最多能拿多少？")
    assert reply.total_yuan == 200 * W and "只能享受一级" in reply.text


def test_asking_the_city_after_the_province_goes_to_the_citys_rule_for_the_same_matter(bot) -> None:
    # 省第11条 新入规 → 哈第二条 新增入统规上 50万 (audience.matter), not another clause of the city
    history = [("user", "省里入规奖励多少？"), ("assistant", "…")]
    reply = bot.ask("那市里呢", history=history)
    assert reply.route == "calculate"
    assert reply.calculations[0].rule_id == "harbin-2-new-above-scale"
    assert reply.calculations[0].amount_yuan == 50 * W


def test_a_rule_that_takes_no_money_does_not_explain_a_stated_figure_by_its_own_sentence(bot) -> None:
    # 省第14条: 「融了500万」 is the 紫丁香 financing, not the IPO stages' 500万 (they take no figure); a
    # 有限责任公司 that has not 改制 is no 股份制企业 → not eligible (before: the IPO stages' 1000万)
    reply = bot.ask("我们是有限责任公司，没改制，在紫丁香板挂牌融了500万，省里有奖励吗？")
    assert reply.calculations[0].rule_id == "heilongjiang-14-lilac-board"
    assert not reply.calculations[0].eligible


def test_two_kinds_of_one_award_with_their_figures_are_asked_about_not_merged(bot) -> None:
    # 省第2条: 数字化车间 1500万 → 150万 and 智能工厂 1.2亿 → 1000万 are two calculations; one amount on the
    # figures added up (1.35亿 → 1000万) would drop one
    reply = bot.ask("数字化车间和智能工厂都认定了，合同金额分别1500万和1.2亿，省里一共补多少？")
    assert reply.route == "clarify" and not reply.calculations
    assert "数字化车间" in reply.text and "智能工厂" in reply.text


def test_a_stated_fact_that_contradicts_a_condition_of_the_clause_makes_it_ineligible(bot) -> None:
    # 哈第五条: booth fees of 市政府组织 fairs only; association events only when 纳入市政府年度支持计划
    fair = bot.ask("我们参加了省里组织的展会，展位费10万，哈尔滨市里能补吗？")
    assert fair.calculations[0].rule_id == "harbin-5-expo-booth" and not fair.calculations[0].eligible
    event = bot.ask("协会办论坛花了100万，没纳入市政府年度支持计划，能补多少？")
    assert event.calculations[0].rule_id == "harbin-5-association-event" and not event.calculations[0].eligible
    planned = bot.ask("协会举办行业峰会花了50万，纳入了市政府年度支持计划，能补多少？")
    assert planned.calculations[0].amount_yuan == 15 * W  # 50万 × 30%


def test_a_level_word_shared_by_several_rules_does_not_pick_the_citys_rule_in_a_follow_up(bot) -> None:
    # 「国家级」 is a choice word of several rules (a level): after 省 国家级绿色工厂 the city's clause on it is
    # 哈第十条 (50—200万, a range: asked about), not 第六条's 国家级技术创新示范企业 300万
    history = [("user", "评上国家级绿色工厂，省里奖多少？"), ("assistant", "…")]
    reply = bot.ask("那哈尔滨市里呢", history=history)
    assert reply.citations[0].doc_id == "harbin" and reply.citations[0].clause == "10"
    assert not any(c.amount_yuan == 300 * W for c in reply.calculations)


def test_a_ceiling_the_clause_states_alone_is_shown_as_the_ceiling_and_asked_about(bot) -> None:
    # 省第10条 「单次服务补助最高不超过200万元」: nothing is computed from the user's 150万, so 200万 is
    # the ceiling, never "the amount"; the worksheet stays so every yuan in the text is traceable
    reply = bot.ask("我们请第三方专家机构做新兴产业战略研究，服务费花了150万，省里补多少")
    assert reply.route == "clarify" and reply.missing
    assert reply.calculations[0].rule_id == "heilongjiang-10-pre-planning"
    assert reply.calculations[0].is_maximum and "上限" in reply.text


def test_the_ceiling_alone_is_the_answer_when_the_most_is_asked(bot) -> None:
    reply = bot.ask("请第三方机构做重大项目论证，省里单次服务补助最多给多少")
    assert reply.route == "calculate" and reply.calculations[0].amount_yuan == 200 * W


def test_a_rate_capped_by_the_clause_is_computed_from_the_users_figure(bot) -> None:
    # 哈第十五条 「按不超过实际投资额的30%…最高不超过500万元」: 1000万 × 30% = 300万, said as the ceiling
    reply = bot.ask("物流公共信息平台总投资1000万元，哈尔滨市里补助多少")
    assert reply.route == "calculate" and reply.calculations[0].amount_yuan == 300 * W
    assert "原文为上限" in reply.text


def test_a_staged_award_asked_without_the_stage_asks_which_stage(bot) -> None:
    # 省第14条: 200万 / 300万 / 500万 by stage; 「准备上市」 reaches none of them yet
    reply = bot.ask("我们总部在哈尔滨，准备上市，省里能给多少补助")
    assert reply.route == "clarify" and not reply.calculations
    assert "已到达的上市阶段" in reply.missing


def test_a_staged_award_asked_as_a_whole_sums_every_stage(bot) -> None:
    reply = bot.ask("总部和主营业务都在大庆，从上市辅导、材料受理到创业板上市，省里分阶段一共补多少")
    assert reply.route == "calculate" and reply.calculations[0].amount_yuan == 1000 * W


def test_an_award_whose_clause_ranks_low_for_the_whole_message_is_still_a_part(bot) -> None:
    # 省第12条 小巨人 100万 + 哈第六条 市级技术创新示范企业 50万 + 哈第五条 展位费 4万 = 154万: the province's
    # clause ranks below the city's two for the message as a whole, and its award was dropped
    reply = bot.ask("南岗区的企业，2023年被认定为国家级专精特新小巨人，同年被认定为市级技术创新示范企业，"
                    "还参加了市政府组织的展会交了4万展位费。省市加起来能拿多少？")
    assert [c.rule_id for c in reply.calculations] == [
        "heilongjiang-12-niche-market", "harbin-6-tech-innovation-demo", "harbin-5-expo-booth"]
    assert reply.total_yuan == 154 * W


def test_a_share_of_an_award_is_never_added_to_a_total_as_an_award_of_its_own(bot) -> None:
    # 哈第四条's 30% for managers is part of the 配套奖励, not more money: it must not be a part of the sum
    reply = bot.ask("哈尔滨的领航企业，2023年营收6亿，本地配套采购额增长12%，新增配套额1.5亿；同年还引进了一家"
                    "配套企业，投产当年实际配套额4000万。两项奖励合计多少？")
    assert "harbin-4-personal-share" not in {c.rule_id for c in reply.calculations}
    assert reply.total_yuan in (None, 650 * W)


def test_the_yearly_figure_of_an_award_paid_over_years_is_given_when_asked_per_year(bot) -> None:
    # 哈第十一条: 3亿 × 4.35% × 30% = 391.5万/年, 每年最高100万, 连续3年 → 每年100万 (300万 over the term)
    reply = bot.ask("哈尔滨规上制造业，向融资租赁公司租生产设备，融资额3个亿，银行同期贷款利率4.35%，"
                    "市里每年的设备租赁补助能拿多少？")
    assert reply.calculations[0].amount_yuan == 100 * W
    assert reply.calculations[1].amount_yuan == 300 * W and "所问为每年的金额" in reply.text


def test_the_whole_term_is_given_when_the_total_is_asked(bot) -> None:
    reply = bot.ask("哈尔滨规上制造业，向融资租赁公司租生产设备，融资额3个亿，银行同期贷款利率4.35%，"
                    "市里设备租赁补助三年一共能拿多少？")
    assert reply.calculations[0].amount_yuan == 300 * W


def test_a_share_asked_in_a_follow_up_is_taken_of_the_award_the_earlier_turn_computed(bot) -> None:
    # the earlier turn: 配套采购 3亿 → 3.5亿 (+16.7%), 营收12亿 → 新增配套额奖励 5000万 × 3% = 150万; 30% → 45万
    history = [("user", "哈尔滨的领航企业，去年营收12亿，配套采购从3亿涨到3.5亿，按市里政策能奖多少？"),
               ("assistant", "…")]
    reply = bot.ask("这笔奖励里面最多能拿多少出来奖给高管和骨干？", history=history)
    assert [(c.rule_id, c.amount_yuan) for c in reply.calculations] == [
        ("harbin-4-personal-share", 45 * W), ("harbin-4-supply-growth", 150 * W)]


def test_a_piece_naming_two_awards_before_a_word_of_moving_on_gives_both(bot) -> None:
    # 省第12条 隐形冠军 50万 + 省第18条 省企业技术中心 50万 + 省第19条 首台套 180万×50% = 90万: the first piece
    # (before 「还有」) names two awards, and the 技术中心 was dropped from the total
    reply = bot.ask("齐齐哈尔的装备企业，前年认定为省级制造业隐形冠军，去年新认定了省企业技术中心，"
                    "还有一个首台套产品成交价180万，这几项加起来能拿多少？")
    assert [c.rule_id for c in reply.calculations] == [
        "heilongjiang-12-niche-market", "heilongjiang-18-enterprise-tech-center", "heilongjiang-19-first-set"]
    assert reply.total_yuan == 190 * W


def test_an_award_already_had_from_the_other_level_is_not_given_again(bot) -> None:
    # 哈第十八条: 同一企业，不重复享受省市两级流贷贴息、设备租赁融资补贴、绿色制造类示范和称号的奖补
    reply = bot.ask("松北区企业，2023年营收增加2500万，新增流贷1000万，付息50万，这笔新增流贷已经拿了省级的"
                    "流动资金贷款贴息，市里的流贷贴息还能再拿吗？能拿多少")
    assert [(c.rule_id, c.amount_yuan, c.eligible) for c in reply.calculations] == [
        ("harbin-11-loan-interest", 0.0, False)]
    assert "按条款应得：25万元" in reply.text and "应得：0元" in reply.text
    assert ("harbin", "18") in {(c.doc_id, c.clause) for c in reply.citations}
    # the level of the award already had is not the payer asked: the city's green-list rule, not the province's
    green = bot.ask("哈尔滨企业，去年评上国家级绿色工厂，已经拿了省里的绿色工厂奖励100万，市里还能拿多少")
    assert [(c.rule_id, c.amount_yuan) for c in green.calculations] == [("harbin-10-green-list", 0.0)]
    # an award of a topic both levels may pay is not touched: 已经拿了省里的技改贴息 says nothing of the city's 哈第一条
    other = bot.ask("哈尔滨企业技改项目已经拿了省里的贴息，市里的重点项目补助按设备投资3000万能拿多少")
    assert [(c.rule_id, c.amount_yuan) for c in other.calculations] == [("harbin-1-key-project", 150 * W)]


def test_one_project_under_two_city_awards_counts_once_by_the_from_high_rule(bot) -> None:
    # 哈第十八条「从高不重复」: one project is paid by the higher award only
    reply = bot.ask("哈尔滨的一个数字化车间项目，已入统，今年实际固投4000万，既能申请重点项目补助，"
                    "又能申请智能制造补助，市里一共最多拿多少？")
    rules = {c.rule_id: c.amount_yuan for c in reply.calculations}
    assert rules == {"harbin-1-key-project": 200 * W, "harbin-9-smart-manufacturing": 500 * W}
    assert reply.to_dict()["total_yuan"] == 500 * W
    assert "从高不重复" in reply.text


def test_two_projects_under_one_clause_are_added_up(bot) -> None:
    # 哈第八条: 服务费400万 × 30% = 120万; 诊断改造 5万; 国家试点示范 100万 — three matters, 225万
    reply = bot.ask("道里区企业，2025年一个项目用工业互联网平台做数字化升级付了服务费400万；另一个项目按第三方诊断方案"
                    "做了数字化改造；还被遴选为国家工业互联网试点示范项目。市里一共补多少？")
    assert reply.to_dict()["total_yuan"] == 225 * W


def test_money_raised_in_everyday_words_is_the_listing_financing(bot) -> None:
    # 省第十四条: 境外首发上市且上市融资额2亿元以上 — 「募了1.5个亿」 is the financing, and falls short
    short = bot.ask("总部在哈尔滨，去年在港股主板首发上市，募了1.5个亿，省里那500万上市补助能拿到吗")
    assert [(c.rule_id, c.amount_yuan, c.eligible) for c in short.calculations] == [
        ("heilongjiang-14-overseas-ipo", 0.0, False)]
    enough = bot.ask("去年在纳斯达克首发上市，募到了3个亿，省里补多少")
    assert [(c.rule_id, c.amount_yuan) for c in enough.calculations] == [("heilongjiang-14-overseas-ipo", 500 * W)]


def test_design_bought_from_a_design_company_is_the_creative_design_award(bot) -> None:
    # 省第七条 创意设计服务: 「请设计公司做了包装」 is the award, not a 10万 listing financing of 省第十四条
    reply = bot.ask("牡丹江的股份公司，去年在紫丁香专板挂牌融资800万；同年刚纳入规上统计（入规第一年）；"
                    "还请设计公司做了包装，合同实际10万。省里这几项一共多少？")
    assert {c.rule_id: c.amount_yuan for c in reply.calculations} == {
        "heilongjiang-14-lilac-board": 16 * W, "heilongjiang-11-above-scale": 20 * W,
        "heilongjiang-7-creative-design": 5 * W}
    assert reply.to_dict()["total_yuan"] == 41 * W


def test_two_awards_asked_together_in_a_follow_up_take_the_earlier_turns_award(bot) -> None:
    # 省第十四条: 新三板挂牌 200万, then 北交所公开发行上市 800万 — 「两项一共」 counts the earlier turn's award
    first = "总部和业务都在牡丹江，新三板挂牌了，省里给多少？"
    history = [("user", first), ("assistant", bot.ask(first).text)]
    reply = bot.ask("后来又去北交所公开发行上市了，两项一共多少", history=history)
    assert {c.rule_id: c.amount_yuan for c in reply.calculations} == {
        "heilongjiang-14-neeq": 200 * W, "heilongjiang-14-bse": 800 * W}
    assert reply.to_dict()["total_yuan"] == 1000 * W


def test_a_staged_awards_years_count_from_the_event_named_in_an_earlier_turn(bot) -> None:
    # 省第十一条 (clock 2026): 大前年 2023 入规; 前年 2024 = 第二年 2100万 ≥ 2000万; 去年 2025 = 第三年 1800万 < 2000万
    first = "佳木斯的，大前年新入规，省里第一年给多少？"
    history = [("user", first), ("assistant", bot.ask(first).text)]
    reply = bot.ask("前年营收2100万，去年1800万，三年加起来多少", history=history)
    assert [(c.rule_id, c.amount_yuan) for c in reply.calculations] == [("heilongjiang-11-above-scale", 40 * W)]
    assert "第三年：0元" in reply.text


def test_a_level_reached_is_never_read_as_the_increase(bot) -> None:
    # 哈第二条 产值增长奖励 is on the increase: 「产值做到了6亿」 states no increase, so it is asked
    alone = bot.ask("哈尔滨规上制造业，今年产值做到了6亿，市里奖多少")
    assert alone.route == "clarify" and not alone.calculations and "年产值增加额" in alone.text
    beside = bot.ask("哈尔滨规上制造业，今年产值达到6亿，比去年增加了5000万，市里奖多少")
    assert [(c.rule_id, c.amount_yuan) for c in beside.calculations] == [("harbin-2-output-growth", 30 * W)]


def test_a_what_if_level_in_a_follow_up_replaces_the_later_figure_of_the_earlier_change(bot) -> None:
    # 5亿 → 6.5亿: 增加1.5亿 = 3000万 (20万) + 6 × 2000万 (60万) = 80万, not the steps of 6.5亿
    first = "哈尔滨平房区的规上制造企业，今年产值从5亿涨到5.8亿，市里有奖励吗？"
    history = [("user", first), ("assistant", bot.ask(first).text)]
    reply = bot.ask("如果能冲到6.5亿呢，能拿多少？", history=history)
    assert [(c.rule_id, c.amount_yuan) for c in reply.calculations] == [("harbin-2-output-growth", 80 * W)]
    # an earlier increase with no level stated: the new level is no increase, and the old one no longer holds
    first = "哈尔滨规上制造业，今年产值比去年增加了5000万，市里奖多少？"
    history = [("user", first), ("assistant", bot.ask(first).text)]
    asked = bot.ask("要是做到了3亿呢？", history=history)
    assert asked.route == "clarify" and not asked.calculations


def test_a_yearly_staged_award_in_a_sum_of_parts_counts_its_first_year(bot) -> None:
    # 省第十一条 入规 第一年 20万 (the later years need 主营业务收入 not given) + 省第三条 国家级绿色工厂 100万
    reply = bot.ask("黑河的企业，2025年新纳入规上统计，2024年度还被评为国家级绿色工厂，省里这两项一共能奖多少？")
    assert {c.rule_id: c.amount_yuan for c in reply.calculations} == {
        "heilongjiang-11-above-scale": 20 * W, "heilongjiang-3-green-factory": 100 * W}
    assert reply.to_dict()["total_yuan"] == 120 * W
    # a later year's revenue stated: those years are computed
    later = bot.ask("黑河的企业，2023年新纳入规上统计，第二年主营收入2500万，第三年2600万；2024年度还被评为国家级"
                    "绿色工厂，省里这两项一共能奖多少？")
    assert later.to_dict()["total_yuan"] == 160 * W


def test_a_second_award_named_after_a_word_of_moving_on_is_answered_too(bot) -> None:
    # 哈第六条 国家技术创新示范企业 300万 + 哈第二条 国家服务型制造示范企业 200万, asked with no word of a total
    reply = bot.ask("我们在平房区，新认定为国家技术创新示范企业，又新获得国家服务型制造示范企业，哈尔滨市奖多少？")
    assert len(reply.calculations) == 2
    assert reply.to_dict()["total_yuan"] == 500 * W


def test_a_parts_figure_goes_to_the_rule_whose_cue_stands_beside_it(bot) -> None:
    # 哈第八条 has two platform rules: 「付服务费200万」 is 应用平台 服务费 × 30% = 60万, not 平台建设 投资额 × 20%
    reply = bot.ask("哈尔滨规上制造业，做了三件事：用工业互联网平台升级付服务费200万；"
                    "市级技术中心能力提升项目投入1500万；一个产品首次被认定为市级单项冠军产品。市里一共补多少？")
    rules = {c.rule_id: c.amount_yuan for c in reply.calculations}
    assert rules.get("harbin-8-platform-service") == 60 * W and "harbin-8-platform-build" not in rules
    assert reply.to_dict()["total_yuan"] == 230 * W


def test_a_part_naming_its_paying_level_takes_that_levels_award(bot) -> None:
    # 「（市里的入规奖）」: 哈第二条 新增入统 50万, not 省第十一条; 「（省里的）」 新三板 200万
    reply = bot.ask("我们在阿城区，2023年新纳入规上统计（市里的入规奖），"
                    "同时我们在新三板挂牌了（省里的），两项加起来多少？")
    assert {c.rule_id for c in reply.calculations} == {"harbin-2-new-above-scale", "heilongjiang-14-neeq"}
    assert reply.to_dict()["total_yuan"] == 250 * W
    # a place the company is in is not a paying level: both levels' awards stay in reach
    both = bot.ask("我们在哈尔滨，今年被认定为国家级专精特新小巨人，"
                   "同时新获国家服务型制造示范企业，省里和市里加起来多少？")
    assert both.to_dict()["total_yuan"] == 300 * W


def test_the_award_quoted_back_in_a_follow_up_is_not_a_new_input(bot) -> None:
    # 省第一条: 3亿 × 3.45% × 2年 = 2070万; 「这2070万里省里出多少」 is the 60% of it (1242万), not 2070万 invested
    first = "我们在大庆，技改入统投资3亿元，入统时一年期LPR 3.45%，能拿多少贴息？"
    history = [("user", first), ("assistant", bot.ask(first).text)]
    reply = bot.ask("这2070万里省里出多少？", history=history)
    assert reply.calculations[0].inputs["investment"] == 300_000_000
    assert "1242万元" in reply.text.splitlines()[0]
    # a new figure of an input still replaces the earlier one (4亿 × 3.45% × 2 = 2760万 → 2500万 cap)
    again = bot.ask("要是投资4亿呢？", history=history)
    assert again.calculations[0].amount_yuan == 2500 * W


def test_a_what_if_of_what_came_after_still_pays_the_difference(bot) -> None:
    # 省第15条 递进补差: 「如果后来又…还能再拿多少」 adds to the earlier list (200万 − 100万); 「要是…呢」 replaces it
    history = [("user", "我们首次进了中国制造业企业500强，省里奖多少？"), ("assistant", "…")]
    after = bot.ask("如果后来又首次进了中国企业500强，还能再拿多少？", history=history)
    assert after.calculations[0].amount_yuan == 100 * W
    instead = bot.ask("要是评上的是中国企业500强呢？", history=history)
    assert instead.calculations[0].amount_yuan == 200 * W


def test_a_yes_no_question_on_an_award_the_facts_settle_gets_its_worksheet(bot) -> None:
    # 省第十二条 国家级专精特新“小巨人” 100万: every condition stated, so 「有奖吗」 is answered with the amount
    settled = bot.ask("工信部的专精特新“小巨人”我们去年评上了，黑河的企业，省里有奖吗")
    assert [(c.rule_id, c.amount_yuan) for c in settled.calculations] == [("heilongjiang-12-niche-market", 100 * W)]
    # a figure the award needs and nobody gave: the clause is quoted, nothing is computed
    open_question = bot.ask("买高校专利有补贴吗？")
    assert open_question.route == "lookup" and not open_question.calculations


def test_a_condition_denied_before_the_first_of_its_cues_is_not_met(bot) -> None:
    # 哈第五条: 「纳入市政府年度支持计划的」 — 「没申请纳入…年度支持计划」 denies it, though 年度支持计划 stands later
    reply = bot.ask("我们协会在哈尔滨办了个论坛花了50万，但没申请纳入市政府年度支持计划，能补吗？")
    assert [(c.rule_id, c.eligible) for c in reply.calculations] == [("harbin-5-association-event", False)]
    met = bot.ask("我们协会在哈尔滨办了个论坛花了50万，已经纳入了市政府年度支持计划，能补多少？")
    assert [(c.rule_id, c.amount_yuan) for c in met.calculations] == [("harbin-5-association-event", 15 * W)]
