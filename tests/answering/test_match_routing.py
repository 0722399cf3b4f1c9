"""A bare company description — where it is, what it is or has got, no explicit 「能拿哪些钱」 — is a match."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("description", [
    "黑河一家企业，去年在新三板挂牌了",
    "鹤岗的石墨企业，今年首次进入中国制造业民营企业500强。",
    "七台河煤机装备，首台套认定，单台成交价450万。",
    "大庆石化配套企业，技改项目入统投资2.5亿元，入统时LPR 3.45%。",
])
def test_a_description_that_asks_nothing_routes_to_the_match(bot, description: str) -> None:
    assert bot.ask(description).route == "match"


def test_one_amount_asked_stays_a_calculation(bot) -> None:
    assert bot.ask("大庆的企业，数字化车间合同金额5000万元，补助多少").route == "calculate"
