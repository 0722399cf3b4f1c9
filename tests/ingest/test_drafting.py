"""Rules drafted from clause sentences: every shape it reads, every shape it must refuse."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from assistant.calculator import compute, parse_rules
from assistant.cli import main
from assistant.ingest.drafting import DraftedRules, draft_rules
from assistant.policies.clauses import parse_clauses
from assistant.settings import PROJECT_ROOT
from devtools.draft_check import format_report, run


def drafted(sentence: str) -> DraftedRules:
    return draft_rules("t", parse_clauses("t", f"测试政策\n一、测试条款。{sentence}\n二、附带条款。\n"))


def only_rule(sentence: str) -> dict[str, Any]:
    result = drafted(sentence)
    assert len(result.drafts) == 1, (result.drafts, result.non_computable)
    return result.drafts[0].entry


def amount(entry: dict[str, Any], **inputs: Any) -> tuple[bool, float]:
    rule = parse_rules({"doc_id": "t", "clause_label": "第{clause_cn}条", "rules": [entry]})[0]
    calc = compute(rule, inputs)
    return calc.eligible, calc.amount_yuan


def test_a_share_of_a_base_with_a_cap() -> None:
    entry = only_rule("对企业技术改造项目，按设备投资额的10%给予补助，最高不超过500万元。")
    assert (entry["type"], entry["rate"], entry["cap"]) == ("rate", 0.1, 5000000.0)
    assert entry["params"][0]["label"] == "设备投资额"
    assert amount(entry, base=20_000_000) == (True, 2_000_000)
    assert amount(entry, base=80_000_000) == (True, 5_000_000)


def test_a_rate_stated_as_a_ceiling_gives_a_ceiling() -> None:
    entry = only_rule("对平台建设项目，按不超过实际投资额的20%给予补助。")
    assert entry["rate_is_maximum"] is True


def test_a_one_off_award() -> None:
    entry = only_rule("对新认定的国家级企业技术中心，给予一次性奖励100万元。")
    assert (entry["type"], entry["amount"]) == ("fixed", 1000000.0)
    assert "一次性给予" in entry["notes"]


def test_an_award_per_enterprise_is_one_enterprises_award() -> None:
    entry = only_rule("对新增规模以上工业企业每户给予50万元奖励。")
    assert (entry["type"], entry["amount"]) == ("fixed", 500000.0)


def test_an_award_per_unit_multiplies_the_count() -> None:
    entry = only_rule("对首次通过鉴定的产品，每个产品一次性奖励10万元，每户企业最高不超过50万元。")
    assert (entry["unit_amount"], entry["cap"]) == (100000.0, 500000.0)
    assert amount(entry, units=3) == (True, 300000)
    assert amount(entry, units=9) == (True, 500000)


def test_an_amount_per_mu_is_per_unit_of_area() -> None:
    entry = only_rule("对新建高标准厂房的，每亩补助2000元。")
    assert entry["params"][0]["unit"] == "亩"
    assert amount(entry, units=30) == (True, 60000)


def test_a_ceiling_per_unit() -> None:
    entry = only_rule("对通过一致性评价的药品，每个品种给予一次性最高不超过300万元奖励。")
    assert (entry["unit_amount"], entry["rate_is_maximum"]) == (3000000.0, True)


def test_a_maximum_award_is_a_ceiling() -> None:
    entry = only_rule("对新通过贯标评定的企业，给予一次性最高不超过50万元奖励。")
    assert (entry["type"], entry["amount"]) == ("maximum", 500000.0)


def test_a_range_award() -> None:
    entry = only_rule("对新认定的国家级创新中心，给予一次性奖励300—500万元。")
    assert (entry["type"], entry["min_amount"], entry["max_amount"]) == ("range", 3000000.0, 5000000.0)


def test_a_threshold_on_the_base_is_a_condition_on_it() -> None:
    entry = only_rule("对年度研发费用100万元（含）以上的企业，按研发费用的5%给予补助，最高不超过100万元。")
    assert entry["conditions"][0]["min"] == 1000000.0 and entry["conditions"][0]["param"] == "base"
    assert amount(entry, base=999_999) == (False, 0)
    assert amount(entry, base=1_000_000) == (True, 50000)


def test_a_threshold_on_another_measure_asks_for_it() -> None:
    entry = only_rule("对建设物流平台且总投资300万元（含）以上的，按实际投资额的30%给予最高不超过500万元补助。")
    assert [p["label"] for p in entry["params"]] == ["实际投资额", "总投资"]
    assert amount(entry, base=2_000_000, measure=2_000_000) == (False, 0)


def test_tiers_across_sentences_become_one_rule_with_variants() -> None:
    entry = only_rule("对年营业收入达到2亿元（含）以上的企业，给予一次性奖励20万元；"
                      "年营业收入达到5亿元（含）以上的，给予一次性奖励50万元。")
    assert amount(entry, measure=150_000_000) == (False, 0)
    assert amount(entry, measure=300_000_000) == (True, 200000)
    assert amount(entry, measure=500_000_000) == (True, 500000)


def test_tiers_in_one_sentence() -> None:
    entry = only_rule("对年产值达到1亿元以上的企业奖励10万元，达到5亿元以上的奖励30万元。")
    assert amount(entry, measure=600_000_000) == (True, 300000)


def test_caps_per_item_and_per_enterprise_per_year() -> None:
    entry = only_rule("对年度设备投资500万元（含）以上的技术改造项目，按设备投资额的8%给予补助，"
                      "单个项目最高不超过200万元，每户企业每年累计最高不超过300万元。")
    assert (entry["item_cap"], entry["cap"]) == (2000000.0, 3000000.0)
    assert entry["item_min"]["min"] == 5000000.0  # a threshold on each project
    assert amount(entry, base=(8_000_000, 30_000_000, 4_000_000)) == (True, 2_640_000)
    assert amount(entry, base=(30_000_000, 30_000_000)) == (True, 3_000_000)


def test_a_cap_in_a_sentence_of_its_own_bounds_the_rules_before_it() -> None:
    result = drafted("对首台套产品，按产品成交价的50%给予奖励，单个产品奖励上限200万元；"
                     "有多个产品的，每户企业每年奖励合计不超过500万元。")
    entry = result.drafts[0].entry
    assert (entry["item_cap"], entry["cap"]) == (2000000.0, 5000000.0)


def test_fiscal_shares_with_the_rest() -> None:
    entry = only_rule("对年度研发费用100万元（含）以上的企业，按研发费用的5%给予补助，"
                      "所需资金由市级财政负担60%，其余由县（市）区财政负担。")
    assert [(s["payer"], s["ratio"]) for s in entry["shares"]] == [("市级财政", 0.6), ("县（市）区财政", 0.4)]


def test_support_for_several_years() -> None:
    entry = only_rule("对新招用本市户籍人员的企业，每人补贴2000元，连续支持3年。")
    assert entry["term_years"] == 3.0
    assert amount(entry, units=15) == (True, 90000)
    fixed = only_rule("对新认定的总部企业，每年奖励50万元，连续支持3年。")
    assert fixed["type"] == "staged" and amount(fixed) == (True, 1_500_000)


def test_each_draft_quotes_its_sentence_exactly() -> None:
    sentence = "对新认定的国家级企业技术中心，给予一次性奖励100万元。"
    assert only_rule(sentence)["quote"] == sentence


@pytest.mark.parametrize(("sentence", "reason"), [
    ("对重大项目实行“一事一议”。", "一事一议"),
    ("对符合条件的企业给予一定金额补助。", "给予一定"),
    ("对重大科技成果转化项目给予1000万元左右支持。", "左右"),
    ("按不低于所在地土地出让最低价的70%确定。", "不低于"),
    ("对年产值较上年每增加1000万元的，奖励10万元。", "每增加"),
    ("对首次入选的企业，分别给予一次性奖励300万元、100万元。", "多个金额"),
    ("对年能耗5000吨标准煤以上的企业实施节能改造的，给予100万元奖励。", "未能读成可核对的参数"),
    ("对担保费率不高于1%的给予支持。", "计算基数"),
    ("企业获得的奖励，可提高到50万元。", "提高到"),
    ("对获评国家级称号的企业给予500万元奖励，已获省级奖励的递进补差。", "补差"),
    ("对年营业收入1亿元以下的企业，给予10万元奖励。", "以下"),
    ("对申报多个产品的企业给予一次性最高不超过200万元奖励，对单个产品给予一次性最高不超过100万元奖励。",
     "上限未能对应"),
])
def test_sentences_it_cannot_read_fully_are_refused_with_the_reason(sentence: str, reason: str) -> None:
    result = drafted(sentence)
    assert result.drafts == []
    assert reason in result.non_computable[0]["reason"], result.non_computable


def test_a_clause_without_figures_is_non_computable_without_amount() -> None:
    result = drafted("优化企业服务，建立联系企业制度。")
    assert result.drafts == [] and result.non_computable[0]["reason"] == "没有补助金额"


def test_rules_draft_prints_sentence_formula_and_an_example(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "draft", str(PROJECT_ROOT / "tests" / "ingest" / "data" / "mudanjiang.txt")]) == 0
    out = capsys.readouterr().out
    for expected in ("起草的计算规则：5 条", "原文：「对年营业收入达到2亿元（含）以上的企业",
                     "公式：min(研发费用 × 5%, 100万元)", "例：研发费用=100万元 → 5万元", "「一事一议」，没有固定金额"):
        assert expected in out


def test_drafts_for_the_loaded_policies_use_only_their_sentences_figures() -> None:
    report = run(PROJECT_ROOT / "corpus")
    assert report.hand == 55
    assert report.unsupported == [] and report.in_non_computable == [], format_report(report)
    # recall was 31/55 when this was written, 29/55 since issue 12 gave two hand-written rules a condition the
    # draft has no input for (heilongjiang-3-green-factory: national; harbin-6-tech-center-upgrade: has_center),
    # 27/55 since issue 13 gave two more a level condition on their choice (heilongjiang-12-niche-market: 省级隐形冠军
    # or 国家级小巨人, not 市级隐形冠军 or 省级专精特新; heilongjiang-19-key-new-product: 列入省重点新产品开发计划)
    assert len(report.matched_hand) >= 27


def test_a_plain_text_naming_no_issuer_needs_only_the_issuer_flag(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = (PROJECT_ROOT / "tests" / "ingest" / "data" / "mudanjiang.txt").read_text(encoding="utf-8").splitlines()
    source = tmp_path / "mudanjiang.txt"
    source.write_text("\n".join(lines[:-2]) + "\n", encoding="utf-8")  # without the signature and date
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    monkeypatch.setenv("POLICY_ASSISTANT_CORPUS_DIR", str(corpus))
    monkeypatch.setenv("POLICY_ASSISTANT_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("POLICY_ASSISTANT_DATA_DIR", str(tmp_path / "data"))
    assert main(["add-policy", str(source), "--yes", "--no-index"]) == 2
    assert capsys.readouterr().err.strip().endswith("缺少必要信息，请用参数指定：发文机关（--issuer）")
    assert main(["add-policy", str(source), "--yes", "--no-index", "--issuer", "牡丹江市人民政府"]) == 0
    meta = json.loads((corpus / "mudanjiang.json").read_text(encoding="utf-8"))
    assert (meta["title"], meta["region"], meta["jurisdiction"]) == (
        "牡丹江市促进中小企业高质量发展若干措施", "牡丹江市", "city")
    assert (meta["effective"], meta["valid_years"]) == ("2024-01-01", 3)
    assert (corpus / "mudanjiang.rules.json").exists()
