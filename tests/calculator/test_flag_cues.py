"""A flag cue 「A…B」: A, then B a few characters on in the same clause (rules data, corpus/*.rules.json)."""

from __future__ import annotations

import pytest

from assistant.calculator import extract_inputs

RULE = "heilongjiang-14-ipo-staged"  # 「对总部和主营业务均在我省……」


@pytest.mark.parametrize("text", ["总部和生产经营都在哈尔滨", "总部设在大庆", "总部和主要工厂都在省内"])
def test_a_gap_cue_states_the_headquarters_in_the_province(corpus, text: str) -> None:
    assert extract_inputs(f"我们{text}，今年完成了上市辅导", corpus.rules[RULE]).get("hq_in_province") == 1.0


@pytest.mark.parametrize("text", ["总部在北京，工厂在哈尔滨", "总部不在哈尔滨"])
def test_a_gap_cue_does_not_cross_a_clause_or_a_denial(corpus, text: str) -> None:
    assert extract_inputs(f"我们{text}，今年完成了上市辅导", corpus.rules[RULE]).get("hq_in_province") != 1.0
