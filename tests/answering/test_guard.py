"""The number guard stops any reply stating an amount no source backs, on every answer path."""

from __future__ import annotations

import dataclasses
import logging

import pytest

from assistant.answering.guard import find_unbacked, guard_reply

PATH_QUESTIONS = [
    ("lookup", "哈尔滨第十一条讲什么"),
    ("lookup", "企业上市有什么补助"),
    ("calculate", "技改投资3亿，LPR 3.45%，贴息多少"),
    ("clarify", "数字化车间能补多少钱？"),
    ("out_of_scope", "北京市对专精特新有什么奖励"),
    ("lookup", "同一个企业能同时享受省里和市里的流动资金贷款贴息吗"),
]


def guard_interventions(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.getMessage().startswith("number guard stopped")]


@pytest.mark.parametrize(("route", "question"), PATH_QUESTIONS)
def test_real_replies_on_every_path_need_no_guard_intervention(bot, caplog, route: str, question: str) -> None:
    # ask() guards its own reply, so re-running the guard on it could not fail; what can fail is the
    # guard having had to stop the template (it logs every time it does).
    with caplog.at_level(logging.WARNING):
        reply = bot.ask(question)
    assert reply.route == route
    assert guard_interventions(caplog) == []
    assert "拦截" not in reply.text


SHARE_QUESTION = "技改投资3亿，LPR 3.45%，其中省级财政承担多少"  # 3亿 × 3.45% × 2年 = 2070万; 省级60% = 1242万


def _replace_all(reply, changes):  # type: ignore[no-untyped-def]
    return dataclasses.replace(reply, calculations=tuple(dataclasses.replace(c, **changes(c))
                                                         for c in reply.calculations))


def _tamper_worksheet(reply):  # type: ignore[no-untyped-def]
    """「应得：2070万元」 → 2170万元 on the worksheet (the line's text and its amount)."""
    def edit(calculation):  # type: ignore[no-untyped-def]
        lines = [dataclasses.replace(line, value="2170万元", amount_yuan=21_700_000.0)
                 if line.label == "应得" and line.value == "2070万元" else line for line in calculation.worksheet]
        assert lines != list(calculation.worksheet)
        return {"worksheet": tuple(lines)}
    return _replace_all(reply, changes=edit)


def _tamper_share(reply):  # type: ignore[no-untyped-def]
    """The province's share in the worksheet table: 1242万 → 1342万."""
    return _replace_all(reply, changes=lambda c: {"shares": {**c.shares, "省级财政": 13_420_000.0}})


def _tamper_amount(reply):  # type: ignore[no-untyped-def]
    """The first calculation's amount: 1242万 → 1342万, its worksheet untouched."""
    first, *rest = reply.calculations
    return dataclasses.replace(reply, calculations=(dataclasses.replace(first, amount_yuan=13_420_000.0), *rest))


def _tamper_unbacked_record(reply):  # type: ignore[no-untyped-def]
    """A calculation for a rule that does not exist."""
    extra = dataclasses.replace(reply.calculations[-1], rule_id="heilongjiang-1-no-such-rule", amount_yuan=9_990_000.0)
    return dataclasses.replace(reply, calculations=(*reply.calculations, extra))


def _tamper_inputs(reply):  # type: ignore[no-untyped-def]
    """Worksheet and amount left as they were, the inputs behind them changed (4亿 instead of 3亿)."""
    return _replace_all(reply, changes=lambda c: {"inputs": {**c.inputs, "investment": 400_000_000}})


TAMPERING = {"worksheet line": _tamper_worksheet, "share": _tamper_share, "amount": _tamper_amount,
             "calculation of no rule": _tamper_unbacked_record, "inputs": _tamper_inputs}


@pytest.mark.parametrize("tamper", TAMPERING.values(), ids=TAMPERING.keys())
def test_a_calculation_the_calculator_does_not_reproduce_is_stopped(bot, caplog, tamper) -> None:  # type: ignore[no-untyped-def]
    reply = bot.ask(SHARE_QUESTION)
    assert reply.route == "calculate" and reply.calculations[0].amount_yuan == 12_420_000
    assert find_unbacked(reply, bot.corpus, [SHARE_QUESTION], bot.calculate) == []
    tampered = tamper(reply)
    assert find_unbacked(tampered, bot.corpus, [SHARE_QUESTION], bot.calculate) != []
    with caplog.at_level(logging.WARNING):
        result = guard_reply(tampered, reply, bot.corpus, [SHARE_QUESTION], bot.calculate)
    assert result is reply
    assert guard_interventions(caplog)


def test_a_stacking_side_by_side_is_checked_the_same_way(bot) -> None:  # type: ignore[no-untyped-def]
    question = "新入规企业省里和市里的奖励能同时拿吗"
    reply = bot.ask(question)
    assert [c.rule_id for c in reply.calculations] == ["heilongjiang-11-above-scale", "harbin-2-new-above-scale"]
    assert find_unbacked(reply, bot.corpus, [question], bot.calculate) == []
    tampered = _replace_all(reply, changes=lambda c: {"amount_yuan": c.amount_yuan + 1_000_000})
    assert find_unbacked(tampered, bot.corpus, [question], bot.calculate) != []


@pytest.mark.parametrize(("route", "question"), PATH_QUESTIONS)
@pytest.mark.parametrize("planted", ["另可获奖励888万元。", "合计三千三百万元。", "最高1.2亿元。"])
def test_a_planted_wrong_amount_is_stopped_on_every_path(bot, caplog, route: str, question: str,
                                                          planted: str) -> None:
    reply = bot.ask(question)
    tampered = dataclasses.replace(reply, text=reply.text + planted)
    with caplog.at_level(logging.WARNING, logger="assistant.answering.guard"):
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
