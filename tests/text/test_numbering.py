"""The clause-numbering grammar: numerals both ways, the marks a document prints, the ways a question names a clause."""

from __future__ import annotations

import pytest

from assistant.text.numbering import (
    ARABIC_ITEM,
    ARTICLE,
    CHAPTER,
    CLAUSE_REFERENCE,
    CLOSING_HEAD,
    CN_ITEM,
    CN_SECTION,
    NAMED_PART,
    NUMBERED,
    STRUCTURE_MARKER,
    clause_id_to_chinese,
    clause_label,
    count_word,
    number_to_clause_id,
    numeral_to_int,
    parse_clause_id,
)

# (Chinese numeral, clause id): the edges are 十 (no leading 一), 十一, 二十 (no trailing 零).
NUMERALS = [("一", "1"), ("九", "9"), ("十", "10"), ("十一", "11"), ("十九", "19"), ("二十", "20"),
            ("二十一", "21"), ("九十九", "99")]


@pytest.mark.parametrize(("chinese", "clause_id"), NUMERALS)
def test_chinese_numeral_reads_as_its_clause_id(chinese: str, clause_id: str) -> None:
    assert number_to_clause_id(chinese) == clause_id


@pytest.mark.parametrize(("chinese", "clause_id"), NUMERALS)
def test_clause_id_writes_as_the_chinese_numeral(chinese: str, clause_id: str) -> None:
    assert clause_id_to_chinese(clause_id) == chinese


@pytest.mark.parametrize(("token", "value"), [("11", 11), ("011", 11), ("两", 2), ("二十", 20), ("〇", 0)])
def test_numeral_to_int_reads_arabic_and_spoken_forms(token: str, value: int) -> None:
    assert numeral_to_int(token) == value


@pytest.mark.parametrize("token", ["", "条", "abc", "十百"])
def test_numeral_to_int_refuses_what_is_no_number(token: str) -> None:
    with pytest.raises(ValueError):
        numeral_to_int(token)


@pytest.mark.parametrize("part", ["附则", "序言"])
def test_named_parts_stay_named(part: str) -> None:
    assert clause_id_to_chinese(part) == part
    assert clause_label(part, chinese=True) == part
    assert parse_clause_id(part) == part


@pytest.mark.parametrize(("clause_id", "chinese", "label"), [
    ("11", True, "第十一条"), ("10", True, "第十条"), ("20", True, "第二十条"), ("11", False, "第11条"),
])
def test_clause_label_is_how_the_document_prints_it(clause_id: str, chinese: bool, label: str) -> None:
    assert clause_label(clause_id, chinese) == label


@pytest.mark.parametrize(("typed", "clause_id"), [
    ("11", "11"), ("第十一条", "11"), ("十一", "11"), ("第 11 条", "11"), ("第十条", "10"), ("二十", "20"),
    (" 附则 ", "附则"),
])
def test_parse_clause_id_reads_what_a_person_types(typed: str, clause_id: str) -> None:
    assert parse_clause_id(typed) == clause_id


@pytest.mark.parametrize("typed", ["", "第条", "第abc条", "附", "条件"])
def test_parse_clause_id_refuses_what_names_no_clause(typed: str) -> None:
    with pytest.raises(ValueError):
        parse_clause_id(typed)


@pytest.mark.parametrize(("paragraph", "pattern", "number"), [
    ("第十一条\u3000降低企业融资成本。", ARTICLE, "十一"),
    ("第二十条 附加", ARTICLE, "二十"),
    ("第一章　总则", CHAPTER, "一"),
    ("十二、强化要素保障", CN_SECTION, "十二"),
    ("（三）支持企业上市", CN_ITEM, "三"),
    ("12.支持企业深耕细分市场。", ARABIC_ITEM, "12"),
    ("3、加大奖励", ARABIC_ITEM, "3"),
])
def test_each_mark_captures_its_number(paragraph: str, pattern: object, number: str) -> None:
    match = pattern.match(paragraph)  # type: ignore[attr-defined]
    assert match is not None and match.group(1) == number


def test_a_decimal_amount_is_no_measure_number() -> None:
    assert ARABIC_ITEM.match("1.5亿元以上的项目") is None
    assert not NUMBERED.match("1.5亿元以上的项目")


@pytest.mark.parametrize("paragraph", ["附则", "附 则：", "附则:本政策"])
def test_closing_head_is_recognised_with_its_spacing(paragraph: str) -> None:
    assert CLOSING_HEAD.match(paragraph)
    assert STRUCTURE_MARKER.match(paragraph)
    assert not NUMBERED.match(paragraph)  # 附则 is a part, not a numbered unit


@pytest.mark.parametrize("paragraph", ["第三条 内容", "第二章 总则", "四、措施", "（五）项目", "7. 事项"])
def test_every_numbered_unit_is_a_structure_marker(paragraph: str) -> None:
    assert NUMBERED.match(paragraph)
    assert STRUCTURE_MARKER.match(paragraph)


@pytest.mark.parametrize("paragraph", ["企业可以申请", "2021年8月25日", "十分重要的是"])
def test_plain_text_opens_no_unit(paragraph: str) -> None:
    assert not STRUCTURE_MARKER.match(paragraph)


@pytest.mark.parametrize(("question", "token"), [
    ("哈尔滨第十一条讲什么", "十一"), ("第 11 条", "11"), ("省里第14条", "14"), ("第三项怎么申请", "三"),
    ("看看11条", "11"), ("第二十条", "二十"),
])
def test_clause_reference_finds_the_number_a_question_names(question: str, token: str) -> None:
    match = CLAUSE_REFERENCE.search(question)
    assert match is not None and (match.group(1) or match.group(2)) == token


@pytest.mark.parametrize("question", ["满足11条件的企业", "1.5条", "这条政策"])
def test_clause_reference_ignores_what_names_no_clause(question: str) -> None:
    assert CLAUSE_REFERENCE.search(question) is None


def test_named_part_is_found_in_a_question() -> None:
    assert [m.group(0) for m in NAMED_PART.finditer("附则和序言各讲什么")] == ["附则", "序言"]


@pytest.mark.parametrize(("count", "word"), [(2, "两"), (3, "三"), (10, "十"), (12, "十二")])
def test_count_word_reads_before_a_measure_word(count: int, word: str) -> None:
    assert count_word(count) == word
