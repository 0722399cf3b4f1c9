"""Split a cleaned policy text into clauses.

Chinese policy documents number their provisions in a few common ways:
「第十一条」 articles, 「一、」 sections, 「（一）」 items, 「1.」 measures, and a
closing 「附则」.  The parser finds which of these marks the document's
provisions (the finest level that occurs more than once, articles first)
and treats the coarser ones as sections.  Text before the first provision
is the preamble 「序言」; closing paragraphs (附则, 实施细则, 有效期) are 「附则」.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.text.numbering import (
    ARABIC_ITEM,
    ARTICLE,
    CHAPTER,
    CLOSING,
    CLOSING_HEAD,
    CN_ITEM,
    CN_SECTION,
    PREAMBLE,
    clause_label,
    number_to_clause_id,
)

# Paragraphs after the last provision that are about putting the policy into force.
CLOSING_WORDS = re.compile(r"实施细则|有效期|自印发之日起|自发布之日起|施行|负责解释|解释权")
# 「（省工信厅、省财政厅，各市（地）政府（行署））」: who carries out a province measure.
DEPARTMENT_WORDS = re.compile(r"厅|局|委|政府|办公室|部|行署|中心|银行")
TITLE_LIMIT = 24

LEVELS: dict[str, re.Pattern[str]] = {
    "article": ARTICLE,
    "arabic": ARABIC_ITEM,
    "cn_section": CN_SECTION,
    "cn_item": CN_ITEM,
}


@dataclass(frozen=True)
class Clause:
    """One provision of a policy, with where it sits in the document."""

    doc_id: str
    clause: str  # "11", "附则", "序言"
    title: str  # 「降低企业融资成本」
    section: str  # 「一、推动传统产业改造升级」 or ""
    departments: tuple[str, ...]
    text: str  # the clause as printed, paragraphs joined by "\n"
    order: int = 0

    @property
    def label(self) -> str:
        """How the document itself names this clause: 第十一条 (for 第十一条 and 十一、), 第1条 (for 1.), 附则."""
        return clause_label(self.clause, chinese=not ARABIC_ITEM.match(self.text))


@dataclass
class _Draft:
    clause: str
    section: str
    paragraphs: list[str] = field(default_factory=list)
    title: str = ""


def parse_clauses(doc_id: str, text: str, titles: dict[str, str] | None = None) -> list[Clause]:
    """Split cleaned `text` into clauses; `titles` overrides titles by clause id."""
    paragraphs = [p.strip() for p in text.split("\n") if p.strip()]
    level = _provision_level(paragraphs)
    drafts: list[_Draft] = [_Draft(PREAMBLE, "")]
    section = ""
    closing = False
    in_section_intro = False  # a section's opening words belong to no provision
    last_provision = max(
        (i for i, p in enumerate(paragraphs) if _provision_number(p, level) is not None), default=-1
    )
    for position, paragraph in enumerate(paragraphs):
        head = CLOSING_HEAD.match(paragraph)
        if head:
            closing = True
            drafts.append(_Draft(CLOSING, "", title=CLOSING))
            rest = paragraph[head.end():].strip()
            if rest:
                drafts[-1].paragraphs.append(paragraph)
            else:
                drafts[-1].paragraphs.append(paragraph)
            continue
        if closing:
            drafts[-1].paragraphs.append(paragraph)
            continue
        number = _provision_number(paragraph, level)
        if number is not None:
            drafts.append(_Draft(number, section, [paragraph]))
            in_section_intro = False
            continue
        if _is_section(paragraph, level):
            section = paragraph
            in_section_intro = last_provision > position
            continue
        if in_section_intro:
            continue
        last = drafts[-1]
        if position > last_provision and last.clause != PREAMBLE and _closes_document(paragraph, last):
            closing = True
            drafts.append(_Draft(CLOSING, "", [paragraph], title=CLOSING))
            continue
        last.paragraphs.append(paragraph)
    drafts = _merge_closing(drafts)
    return [_finish(doc_id, draft, index, titles or {}) for index, draft in enumerate(drafts) if draft.paragraphs]


def split_departments(text: str) -> tuple[str, tuple[str, ...]]:
    """Return (text, departments) when the text ends with a department list in brackets."""
    body = text.rstrip()
    if not body.endswith("）"):
        return text, ()
    depth = 0
    for index in range(len(body) - 1, -1, -1):
        char = body[index]
        if char == "）":
            depth += 1
        elif char == "（":
            depth -= 1
            if depth == 0:
                inner = body[index + 1 : -1]
                if not DEPARTMENT_WORDS.search(inner) or index == 0 or body[index - 1] not in "。；":
                    return text, ()
                return body[:index], tuple(_split_top_level(inner))
    return text, ()


def _split_top_level(inner: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for char in inner:
        if char == "（":
            depth += 1
        elif char == "）":
            depth -= 1
        if char in "、，," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    parts.append(current.strip())
    return [p for p in parts if p]


def _provision_level(paragraphs: list[str]) -> str:
    counts = {name: sum(1 for p in paragraphs if pattern.match(p)) for name, pattern in LEVELS.items()}
    for name in ("article", "arabic", "cn_item", "cn_section"):
        if counts[name] >= 2:
            return name
    return "article"


def _provision_number(paragraph: str, level: str) -> str | None:
    match = LEVELS[level].match(paragraph)
    return number_to_clause_id(match.group(1)) if match else None


def _is_section(paragraph: str, level: str) -> bool:
    if CHAPTER.match(paragraph):
        return True
    coarser = {"article": (CN_SECTION,), "arabic": (CN_SECTION,), "cn_item": (CN_SECTION,), "cn_section": ()}
    return any(p.match(paragraph) for p in coarser[level]) and len(paragraph) <= 40


def _closes_document(paragraph: str, last: _Draft) -> bool:
    """A paragraph after a provision belongs to the closing part when it is about enforcement,
    or when the provision was already closed by its department list."""
    if CLOSING_WORDS.search(paragraph) and len(paragraph) <= 120:
        return True
    return bool(split_departments(last.paragraphs[-1])[1]) if last.paragraphs else False


def _merge_closing(drafts: list[_Draft]) -> list[_Draft]:
    """A document has one 附则: everything after the provisions."""
    merged: list[_Draft] = []
    for draft in drafts:
        if draft.clause == CLOSING and merged and merged[-1].clause == CLOSING:
            merged[-1].paragraphs.extend(draft.paragraphs)
        else:
            merged.append(draft)
    return merged


def _finish(doc_id: str, draft: _Draft, order: int, titles: dict[str, str]) -> Clause:
    text = "\n".join(draft.paragraphs)
    departments = split_departments(text)[1]
    title = titles.get(draft.clause) or draft.title or _derive_title(draft.clause, draft.paragraphs[0])
    return Clause(doc_id, draft.clause, title, draft.section, departments, text, order)


def _derive_title(clause: str, first: str) -> str:
    if clause == PREAMBLE:
        return PREAMBLE
    for pattern in (ARTICLE, ARABIC_ITEM, CN_SECTION, CN_ITEM):
        first = pattern.sub("", first, count=1)
    first = first.lstrip("\u3000 ")
    sentence = re.split(r"[。；：]", first, maxsplit=1)[0]
    if len(sentence) <= TITLE_LIMIT:
        return sentence
    phrase = re.split(r"[，、]", sentence, maxsplit=1)[0]
    return phrase if len(phrase) <= TITLE_LIMIT else phrase[: TITLE_LIMIT - 1] + "…"


SENTENCE_END = re.compile(r"[^。；！？]*[。；！？]|[^。；！？]+$")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Spans of the sentences of `text` (「。」「；」 end one; a department list is its own)."""
    spans: list[tuple[int, int]] = []
    offset = 0
    for paragraph in text.split("\n"):
        body, departments = split_departments(paragraph)
        for match in SENTENCE_END.finditer(body):
            start, end = match.span()
            while start < end and body[start] in " \u3000":
                start += 1
            if end > start:
                spans.append((offset + start, offset + end))
        if departments:
            spans.append((offset + len(body), offset + len(paragraph)))
        offset += len(paragraph) + 1
    return spans
