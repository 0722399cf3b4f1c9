"""The match scorer counts found, wrongly claimed, exact amounts and totals — and can fail."""

from __future__ import annotations

import json
from pathlib import Path

from devtools.match_eval import format_match_report, read_match_cases, score_cases

COMPANY = "我们是哈尔滨的规上制造业企业，去年产值比前年多了9000万，今年刚评上国家级绿色工厂，能享受哪些政策？"


def write(tmp_path: Path, *cases: dict) -> Path:
    path = tmp_path / "companies.jsonl"
    path.write_text("\n".join(json.dumps(c, ensure_ascii=False) for c in cases), encoding="utf-8")
    return path


def test_a_right_answer_scores_full_and_a_wrong_expectation_is_caught(bot, tmp_path: Path) -> None:
    right = {"id": "right", "description": COMPANY, "expected": {"eligible": [
        {"doc_id": "harbin", "clause": "第二条", "amount_yuan": 500_000},
        {"doc_id": "heilongjiang", "clause": "3", "amount_yuan": 1_000_000}], "total_yuan": 1_500_000}}
    wrong = {"id": "wrong", "description": COMPANY, "expected": {"eligible": [
        {"doc_id": "harbin", "clause": "2", "amount_yuan": 600_000}], "total_yuan": 600_000}}
    def asker(case):  # type: ignore[no-untyped-def]
        return (lambda text, history: bot.check_company(text, history),
                lambda text, history: bot.ask(text, history=history))

    scored = score_cases(asker, read_match_cases(write(tmp_path, right, wrong)))
    first, second = scored
    assert (first.found, first.expected, first.amounts_exact, first.total_right) == (2, 2, 2, True)
    assert first.claimed_wrongly == [] and first.chat_route == "match"
    assert (second.found, second.amounts_exact, second.total_right) == (1, 0, False)
    assert second.claimed_wrongly == ["heilongjiang-3-green-factory"]  # eligible, but not in that expected list
    report = format_match_report(scored, quiet=True)
    assert "应申请项找到：3/3" in report and "合计正确：1/2" in report


def test_the_report_counts_the_descriptions_the_chat_routes_to_the_match(bot, tmp_path: Path) -> None:
    described = {"id": "described",
                 "description": "大庆的化工企业，今年技改投了3个亿，项目已经入统，入统时一年期LPR 3.45%。"}
    one_amount = {"id": "one-amount", "description": "大庆的化工企业，技改项目入统投资3个亿，LPR 3.45%，能拿多少贴息？"}
    def asker(case):  # type: ignore[no-untyped-def]
        return (lambda text, history: bot.check_company(text, history),
                lambda text, history: bot.ask(text, history=history))

    scored = score_cases(asker, read_match_cases(write(tmp_path, described, one_amount)))
    assert [s.chat_route for s in scored] == ["match", "calculate"]
    report = format_match_report(scored)
    assert "原话作为聊天消息时路由为 match：1）" in report and "[match，聊天原话：calculate]" in report


def test_the_probes_written_from_the_policy_texts_are_matched_in_full(bot) -> None:
    # tests/eval/companies_probes.jsonl: descriptions written from corpus/*.txt (facts in other words: 「实施了
    # 数字化改造」「新引进的配套企业」; derived figures: 「年产值从2亿增长到2.5亿」; short places: 五常、尚志、平房)
    from assistant.settings import PROJECT_ROOT

    def asker(case):  # type: ignore[no-untyped-def]
        return (lambda text, history: bot.check_company(text, history),
                lambda text, history: bot.ask(text, history=history))

    scored = score_cases(asker, read_match_cases(PROJECT_ROOT / "tests" / "eval" / "companies_probes.jsonl"))
    report = format_match_report(scored)
    assert all(s.found == s.expected and not s.claimed_wrongly and s.total_right for s in scored), report
    assert all(s.amounts_exact == s.amounts_checked for s in scored), report
    assert all(s.chat_route == "match" for s in scored), report
