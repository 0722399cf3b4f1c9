"""The number guard stops any reply stating an amount no source backs, on every answer path."""

from __future__ import annotations

import dataclasses
import logging

import pytest

from assistant.guard import find_unbacked, guard_reply

PATH_QUESTIONS = [
    ("lookup", "哈尔滨第十一条讲什么"),
    ("lookup", "企业上市有什么补助"),
    ("calculate", "技改投资3亿，LPR 3.45%，贴息多少"),
    ("clarify", "数字化车间能补多少钱？"),
    ("out_of_scope", "北京市对专精特新有什么奖励"),
    ("lookup", "同一个企业能同时享受省里和市里的流动资金贷款贴息吗"),
]


@pytest.mark.parametrize(("route", "question"), PATH_QUESTIONS)
def test_real_replies_on_every_path_pass_the_guard(bot, route: str, question: str) -> None:
    reply = bot.ask(question)
    assert reply.route == route
    assert find_unbacked(reply, bot.corpus, [question]) == []


@pytest.mark.parametrize(("route", "question"), PATH_QUESTIONS)
@pytest.mark.parametrize("planted", ["另可获奖励888万元。", "合计三千三百万元。", "最高1.2亿元。"])
def test_a_planted_wrong_amount_is_stopped_on_every_path(bot, caplog, route: str, question: str,
                                                          planted: str) -> None:
    reply = bot.ask(question)
    tampered = dataclasses.replace(reply, text=reply.text + planted)
    with caplog.at_level(logging.WARNING, logger="assistant.guard"):
        result = guard_reply(tampered, reply, bot.corpus, [question])
    assert result is reply
    assert planted not in result.text
    assert "number guard stopped" in caplog.text


def test_an_amount_the_user_gave_may_be_repeated(bot) -> None:
    question = "我们投资了777万元"
    reply = bot.ask(question)
    tampered = dataclasses.replace(reply, text=reply.text + "您提到的777万元已记录。")
    assert find_unbacked(tampered, bot.corpus, [question]) == []


def test_when_the_template_is_also_unbacked_a_safe_message_replaces_both(bot) -> None:
    reply = bot.ask("企业上市有什么补助")
    bad = dataclasses.replace(reply, text="可获得999万元。")
    result = guard_reply(bad, bad, bot.corpus, ["企业上市有什么补助"])
    assert "999万元" not in result.text and "拦截" in result.text
