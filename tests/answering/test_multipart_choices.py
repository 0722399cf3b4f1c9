"""A part of a multi-part message that names another kind of an award an earlier part took."""

from __future__ import annotations

from assistant.answering.multipart import choices_of, part_owners

RULE = "heilongjiang-18-design-center"


def test_a_kind_named_after_a_part_that_named_none_refines_it(corpus) -> None:
    rule = corpus.rules[RULE]
    assert choices_of(rule, "还拿了省级认定")  # the piece does name a kind
    # 「获评工业设计中心，还拿了省级认定」: one award, refined by its kind
    assert part_owners(["获评工业设计中心", "还拿了省级认定"], [rule, rule], {}) == [0, 0]


def test_another_kind_after_a_named_one_is_a_part_of_its_own(corpus) -> None:
    rule = corpus.rules[RULE]
    first = "认定为国家级工业设计中心"
    assert part_owners([first, "另外还被认定为省级工业设计中心"], [rule, rule], {}) == [0, 1]
    assert part_owners([first, "另外还被认定为国家级工业设计中心"], [rule, rule], {}) == [0, 0]
