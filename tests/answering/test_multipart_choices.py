"""A part of a multi-part message that names another kind of an award an earlier part took."""

from __future__ import annotations

from assistant.answering.multipart import choices_of, other_choice

RULE = "heilongjiang-18-design-center"


def test_a_kind_named_after_a_part_that_named_none_refines_it(corpus) -> None:
    rule = corpus.rules[RULE]
    assert choices_of(rule, "还拿了省级认定")  # the piece does name a kind
    assert not other_choice(rule, "还拿了省级认定", [{}])  # 「工业设计中心，还拿了省级认定」: one award


def test_another_kind_after_a_named_one_is_a_part_of_its_own(corpus) -> None:
    rule = corpus.rules[RULE]
    assert other_choice(rule, "另外还被认定为省级工业设计中心", [{"level": "国家级"}])
    assert not other_choice(rule, "另外还被认定为国家级工业设计中心", [{"level": "国家级"}])
