"""The public API: Assistant.load().ask() and the reply's dict shape."""

from __future__ import annotations

import datetime as dt

from assistant import Assistant
from assistant.settings import Settings

ROUTES = {"lookup", "calculate", "clarify", "out_of_scope"}


def assert_reply_shape(reply: dict) -> None:
    assert set(reply) == {"text", "route", "citations", "calculations", "missing", "total_yuan"}
    assert reply["total_yuan"] is None or isinstance(reply["total_yuan"], float)
    assert isinstance(reply["text"], str) and reply["text"]
    assert reply["route"] in ROUTES
    for citation in reply["citations"]:
        assert set(citation) == {"doc_id", "clause", "title", "quote"}
        assert all(isinstance(v, str) for v in citation.values())
    for calculation in reply["calculations"]:
        assert set(calculation) == {"rule_id", "amount_yuan", "eligible", "formula", "inputs", "doc_id", "clause",
                                    "breakdown"}
        for entry in calculation["breakdown"]:
            assert set(entry) == {"label", "amount_yuan"} and isinstance(entry["amount_yuan"], float)
        assert any(entry["amount_yuan"] == calculation["amount_yuan"] for entry in calculation["breakdown"]) or \
            not calculation["eligible"]
    assert all(isinstance(m, str) for m in reply["missing"])


def test_lookup_by_article_number_returns_that_article(bot) -> None:
    reply = bot.ask("哈尔滨第十一条讲什么", history=[("user", "你好"), ("assistant", "您好")]).to_dict()
    assert_reply_shape(reply)
    assert reply["route"] == "lookup"
    first = reply["citations"][0]
    assert (first["doc_id"], first["clause"], first["title"]) == ("harbin", "11", "降低企业融资成本")
    assert "担保费率不高于1%" in first["quote"]
    clause = bot.corpus.clause("harbin", "11")
    assert first["quote"] in clause.text
    text = reply["text"]
    assert "《关于加快推动哈尔滨市制造业高质量发展实现工业强市的若干政策措施》" in text
    assert "第十一条 降低企业融资成本" in text
    assert "已到期" in text and "2024年8月24日" in text


def test_province_lookup_names_its_departments_and_continuation_rule(bot) -> None:
    reply = bot.ask("省里第14条")
    assert reply.citations[0].clause == "14"
    assert "责任部门：省工信厅、省财政厅、省金融监管局、省证监局" in reply.text
    assert "有效期至2025年12月31日" in reply.text
    assert "延续至政策执行完毕" in reply.text


def test_searched_lookup_quotes_sentences_verbatim(bot) -> None:
    reply = bot.ask("隐形冠军企业奖励多少")
    first = reply.citations[0]
    assert (first.doc_id, first.clause) == ("heilongjiang", "12")
    assert "对认定为省级制造业“隐形冠军”的企业，给予一次性奖励50万元。" in first.quote
    assert first.quote in reply.text


def test_a_clause_that_does_not_exist_is_said_so(bot) -> None:
    reply = bot.ask("哈尔滨第三十条讲什么")
    assert reply.route == "clarify"
    assert "没有找到" in reply.text and "18条" in reply.text


def test_validity_before_expiry_gives_no_warning(session_settings: Settings) -> None:
    early = Assistant.load(session_settings, clock=lambda: dt.date(2023, 5, 1), wait_for_model=True)
    reply = early.ask("哈尔滨第十一条讲什么")
    assert "已到期" not in reply.text
    assert "有效期提示" not in reply.text
    assert "仍在有效期内" in early.ask("哈尔滨的政策还有效吗").text


def test_validity_question_is_answered_directly(bot) -> None:
    reply = bot.ask("哈尔滨的工业强市政策有效期几年")
    assert reply.route == "lookup"
    assert "3年" in reply.text and "2024年8月24日" in reply.text and "已到期" in reply.text
    assert [(c.doc_id, c.clause) for c in reply.citations] == [("harbin", "附则")]


def test_empty_question_asks_for_one(bot) -> None:
    for question in ("", "   ", "\n\t"):
        reply = bot.ask(question)
        assert reply.route == "clarify" and "请输入" in reply.text


def test_several_awards_in_one_message_are_each_computed_and_totalled(bot) -> None:
    # 省18：国家级工业设计中心 200万 + 新认定省企业技术中心 50万 = 250万
    reply = bot.ask("我们今年被认定为国家级工业设计中心，另外新认定了省企业技术中心，省里两项一共奖多少？").to_dict()
    assert_reply_shape(reply)
    assert reply["route"] == "calculate"
    assert sorted(c["amount_yuan"] for c in reply["calculations"]) == [500_000.0, 2_000_000.0]
    assert reply["total_yuan"] == 2_500_000.0
    assert "合计：250万元" in reply["text"]
