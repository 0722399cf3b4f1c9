"""The clause-numbering grammar of the policies, in one place.

Chinese policy documents number their provisions in a few ways: 「第十一条」 articles (inside
「第一章」 chapters), 「一、」 sections, 「（一）」 items, 「1.」 measures, and the closing 「附则」;
text before the first provision is the preamble 「序言」.  A clause id is the number in Arabic
digits ("11") or the name of a part ("附则", "序言").  Questions name clauses the same way
(「第十一条」「第11条」「11条」「第三项」).  Numeral conversion is cn2an's; this module adds
the marks around the numbers.
"""

from __future__ import annotations

import re

import cn2an

PREAMBLE = "序言"
CLOSING = "附则"
NAMED_PARTS = (CLOSING, PREAMBLE)

# One digit of a clause number: Chinese (两 as people say it, 〇 as printed) or Arabic.
NUMERAL = r"[一二三四五六七八九十百零〇两\d]"
# Sections and items count with small Chinese numerals only: 「十二、」「（三）」.
SMALL_NUMERAL = r"[一二三四五六七八九十]"

# The marks, as regex sources that compose (each captures nothing).
ARTICLE_MARK = rf"第{NUMERAL}+条"
CHAPTER_MARK = rf"第{NUMERAL}+[章节]"
SECTION_MARK = rf"{SMALL_NUMERAL}+、"
ITEM_MARK = rf"（{SMALL_NUMERAL}+）"
MEASURE_MARK = r"\d{1,2}[.．、](?!\d)"  # 「1.」 but not 「1.5亿元」
CLOSING_MARK = r"附\s*则"

# A paragraph opening with a mark, the number captured.
ARTICLE = re.compile(rf"^第({NUMERAL}+)条[\u3000 ]?")
CHAPTER = re.compile(rf"^第({NUMERAL}+)[章节][\u3000 ]?")
CN_SECTION = re.compile(rf"^({SMALL_NUMERAL}+)、")
CN_ITEM = re.compile(rf"^（({SMALL_NUMERAL}+)）")
ARABIC_ITEM = re.compile(r"^(\d{1,2})[.．、](?!\d)\s*")
CLOSING_HEAD = re.compile(rf"^{CLOSING_MARK}[:：]?\s*")
# A paragraph that opens a numbered unit of the document (article, chapter, section, item, measure).
NUMBERED = re.compile(rf"^(?:{ARTICLE_MARK}|{CHAPTER_MARK}|{SECTION_MARK}|{ITEM_MARK}|{MEASURE_MARK})")
# ... or the closing part: where PDF extraction's wrapped lines must start a new paragraph.
STRUCTURE_MARKER = re.compile(rf"^(?:{ARTICLE_MARK}|{CHAPTER_MARK}|{SECTION_MARK}|{ITEM_MARK}|{MEASURE_MARK}"
                              rf"|{CLOSING_MARK})")

# How a question names a clause: 「第十一条」「第 11 条」「第三项」「11条」 (not 「11条件」 or 「1.5条」).
CLAUSE_REFERENCE = re.compile(rf"第\s*({NUMERAL}{{1,4}})\s*[条项点款]|(?<![\d.])(\d{{1,2}})\s*条(?!件)")
NAMED_PART = re.compile("|".join(NAMED_PARTS))


def numeral_to_int(token: str) -> int:
    """「十一」「11」「两」「二十」 → 11, 11, 2, 20; ValueError when `token` is no number."""
    if token.isdigit():
        return int(token)
    try:
        return int(cn2an.cn2an(token.replace("两", "二"), "smart"))
    except (ValueError, TypeError, KeyError) as error:
        raise ValueError(f"not a numeral: {token!r}") from error


def number_to_clause_id(token: str) -> str:
    """「十一」 or 「11」 → "11"; ValueError when `token` is no number."""
    return str(numeral_to_int(token))


def clause_id_to_chinese(clause_id: str) -> str:
    """"11" → 「十一」, "20" → 「二十」; a named part (附则, 序言) stays as it is."""
    return str(cn2an.an2cn(clause_id)) if clause_id.isdigit() else clause_id


def clause_label(clause_id: str, chinese: bool) -> str:
    """How a document names a clause: 第十一条 (`chinese`), 第11条, or 附则 / 序言."""
    if not clause_id.isdigit():
        return clause_id
    return f"第{clause_id_to_chinese(clause_id)}条" if chinese else f"第{clause_id}条"


def parse_clause_id(text: str) -> str:
    """What a person types for a clause → its id: 「11」「第十一条」「十一」「第 11 条」「附则」 → "11" / "附则".

    ValueError when it names no clause.
    """
    token = re.sub(r"\s+", "", text)
    if token in NAMED_PARTS:
        return token
    token = token.removeprefix("第").removesuffix("条")
    if not re.fullmatch(rf"{NUMERAL}+", token):
        raise ValueError(f"not a clause number: {text!r}")
    return number_to_clause_id(token)


def count_word(count: int) -> str:
    """How a count reads before a measure word: 2 → 「两」(两份政策), 3 → 「三」, 12 → 「十二」."""
    return "两" if count == 2 else str(cn2an.an2cn(count))
