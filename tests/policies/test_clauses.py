"""The clause parser on both policies and on documents of other common forms."""

from __future__ import annotations

import pytest

from assistant.policies.clauses import parse_clauses, split_departments
from assistant.policies.corpus import Corpus
from assistant.text.cleaning import clean_text

PROVINCE_TITLES = {
    "1": "支持企业技术改造", "2": "支持企业数字化改造", "3": "支持企业绿色化改造", "4": "设立工业振兴母基金",
    "5": "支持数字经济发展", "6": "支持生物经济发展", "7": "支持绿色有机农副产品精深加工产业发展",
    "8": "支持新能源汽车产业发展", "9": "支持被动式超低能耗建筑产业发展", "10": "支持重大新兴产业项目前期策划",
    "11": "支持企业入规", "12": "支持企业深耕细分市场", "13": "支持中小企业上云", "14": "支持企业上市",
    "15": "支持优势企业争先晋位", "16": "支持企业提高研发投入", "17": "支持科技成果转化",
    "18": "支持企业建设创新平台", "19": "支持企业研发新产品", "20": "支持构建产业发展环境",
}
HARBIN_TITLES = {
    "1": "支持重点项目建设", "2": "支持企业加快成长", "3": "培育先进制造业集群", "4": "发挥领航企业中坚作用",
    "5": "支持企业参与“双循环”", "6": "强化企业创新体系建设", "7": "鼓励企业转化科技成果",
    "8": "支持工业互联网引领数字化转型", "9": "支持智能制造引领制造业升级", "10": "支持企业绿色循环发展",
    "11": "降低企业融资成本", "12": "加强工业用地保障", "13": "强化高技能人才支撑", "14": "降低企业用能成本",
    "15": "提高企业物流保障水平", "16": "完善企业服务体系", "17": "重大项目“一事一议”", "18": "从高不重复原则",
}


def test_province_policy_has_its_twenty_measures_with_titles(corpus: Corpus) -> None:
    document = corpus.document("heilongjiang")
    assert document is not None
    numbered = {c.clause: c.title for c in document.clauses if c.clause.isdigit()}
    assert numbered == PROVINCE_TITLES
    assert document.clauses[0].clause == "序言"
    assert document.clauses[-1].clause == "附则"


def test_province_measures_carry_section_and_departments(corpus: Corpus) -> None:
    first = corpus.clause("heilongjiang", "1")
    assert first is not None
    assert first.section == "一、推动传统产业改造升级"
    assert first.departments == ("省工信厅", "省财政厅", "各市（地）政府（行署）")
    assert corpus.clause("heilongjiang", "14").section == "三、推动企业加快成长"  # type: ignore[union-attr]
    assert corpus.clause("heilongjiang", "19").departments == ("省工信厅", "省财政厅", "省银保监局")  # type: ignore[union-attr]
    assert corpus.clause("heilongjiang", "20").section == "五、推动发展环境优化"  # type: ignore[union-attr]
    every = [c for c in corpus.document("heilongjiang").clauses if c.clause.isdigit()]  # type: ignore[union-attr]
    assert all(c.departments for c in every)


def test_section_openings_belong_to_no_measure(corpus: Corpus) -> None:
    assert "新兴产业是龙江工业的未来" not in corpus.clause("heilongjiang", "3").text  # type: ignore[union-attr]
    assert "传统产业是龙江工业的重要基石" not in corpus.clause("heilongjiang", "序言").text  # type: ignore[union-attr]


def test_province_closing_provisions_are_one_clause(corpus: Corpus) -> None:
    closing = corpus.clause("heilongjiang", "附则")
    assert closing is not None
    assert "有效期至2025年" in closing.text
    assert "从优、就高、不重复" in closing.text
    assert "有效期至2025年" not in corpus.clause("heilongjiang", "20").text  # type: ignore[union-attr]


def test_harbin_policy_has_its_eighteen_articles(corpus: Corpus) -> None:
    document = corpus.document("harbin")
    assert document is not None
    assert {c.clause: c.title for c in document.clauses if c.clause.isdigit()} == HARBIN_TITLES
    eleven = document.clause("11")
    assert eleven is not None and eleven.label == "第十一条"
    assert eleven.text.startswith("第十一条\u3000降低企业融资成本。")


def test_harbin_closing_paragraphs_after_article_eighteen_are_its_closing_clause(corpus: Corpus) -> None:
    closing = corpus.clause("harbin", "附则")
    eighteen = corpus.clause("harbin", "18")
    assert closing is not None and eighteen is not None
    assert "实施细则" in closing.text and "有效期3年" in closing.text
    assert "实施细则" not in eighteen.text
    assert "从高不重复" in eighteen.text
    assert "哈政规〔2021〕10号" in corpus.clause("harbin", "序言").text  # type: ignore[union-attr]


def test_split_departments_keeps_nested_brackets() -> None:
    body, departments = split_departments("给予支持。（省发改委、省财政厅，各市（地）政府（行署））")
    assert body == "给予支持。"
    assert departments == ("省发改委", "省财政厅", "各市（地）政府（行署）")
    assert split_departments("按项目合同金额（含设备投资）给予补助（最高100万元）") [1] == ()


ARTICLE_FORM = """某某市支持软件产业发展的若干措施

为加快软件产业发展，制定本措施。

第一章  总则

第一条  适用范围。本措施适用于在本市注册的软件企
业。

第二条  支持首版次软件。对首版次软件产品，按销售额的 10% 给予奖
励，最高不超过 100 万元。

3

第二章  附则

第三条  本措施由市工信局负责解释。

第四条  本措施自 2025 年 1 月 1 日起施行，有效期 2 年。
"""

LIST_FORM = """某某区促进外贸发展的若干措施

一、稳定外贸主体

（一）支持企业开拓市场。对参加境外展会的企业给予展位费 50% 补助。

（二）支持跨境电商。对新设跨境电商企业给予 10 万元奖励。

二、优化服务

（三）提升通关便利。推行“两步申报”。

本措施自印发之日起施行，有效期至 2026 年 12 月 31 日。
"""


def test_parser_handles_a_third_document_in_article_form() -> None:
    clauses = parse_clauses("software", clean_text(ARTICLE_FORM))
    ids = [c.clause for c in clauses]
    assert ids == ["序言", "1", "2", "3", "4"]
    second = clauses[2]
    assert second.title == "支持首版次软件"
    assert second.section == "第一章　总则" or second.section.startswith("第一章")
    assert "按销售额的10%给予奖励，最高不超过100万元。" in second.text  # broken line and spaces repaired
    assert clauses[0].text.startswith("某某市支持软件产业发展的若干措施")


def test_parser_handles_list_form_with_chinese_sections_and_items() -> None:
    clauses = parse_clauses("trade", clean_text(LIST_FORM))
    ids = [c.clause for c in clauses]
    assert ids == ["序言", "1", "2", "3", "附则"]
    assert clauses[1].title == "支持企业开拓市场"
    assert clauses[1].section == "一、稳定外贸主体"
    assert clauses[3].section == "二、优化服务"
    assert "有效期至2026年12月31日" in clauses[4].text


def test_titles_from_metadata_override_derived_ones() -> None:
    clauses = parse_clauses("software", clean_text(ARTICLE_FORM), {"3": "解释权"})
    assert clauses[3].title == "解释权"


@pytest.mark.parametrize("doc_id", ["heilongjiang", "harbin"])
def test_every_character_of_a_provision_is_kept(corpus: Corpus, doc_id: str) -> None:
    document = corpus.document(doc_id)
    assert document is not None
    joined = "".join(c.text.replace("\n", "") for c in document.clauses)
    body = document.text.replace("\n", "")
    # only section headings and their opening words are outside clauses
    assert len(joined) > 0.9 * len(body)
    for clause in document.clauses:
        for paragraph in clause.text.split("\n"):
            assert paragraph in document.text


def test_a_clause_is_labelled_as_its_document_numbers_it() -> None:
    """第十一条 and 十一、 are both 「第十一条」; only a measure numbered 「1.」 is 「第1条」 (one label in the
    chat's headline, the worksheet and the upload preview)."""

    sectioned = parse_clauses("x", "某市支持工业若干措施\n一、支持智能化改造\n对智能化改造项目给予补助。\n"
                                   "二、支持企业上规模\n奖励10万元。")
    assert [c.label for c in sectioned if c.clause.isdigit()] == ["第一条", "第二条"]
    measured = parse_clauses("y", "某省若干措施\n1.支持技术改造。给予贴息。\n2.支持上规模。奖励10万元。")
    assert [c.label for c in measured if c.clause.isdigit()] == ["第1条", "第2条"]
    articled = parse_clauses("z", "某市若干政策\n第一条 支持技术改造。给予贴息。\n第二条 支持上规模。奖励10万元。")
    assert [c.label for c in articled if c.clause.isdigit()] == ["第一条", "第二条"]
