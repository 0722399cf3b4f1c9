"""Repair the damage PDF text extraction does to Chinese policy documents.

Extracted text arrives with lines broken mid-word (「政策措\\n\\n施」), lone page
numbers, stray spaces inside numbers and units (「800 万元」, 「12 个月」) and the
distribution footer (抄送 / 印发).  `clean_text` returns paragraphs, one per
line, whose characters are exactly the policy's characters: quotes shown to
users are cut from this text.
"""

from __future__ import annotations

import re
import statistics

from assistant.text.numbering import ARTICLE_MARK, STRUCTURE_MARKER

PAGE_NUMBER = re.compile(r"^[-—－]?\s*\d{1,3}\s*[-—－]?$")
DATE_ONLY = re.compile(r"^\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日$")
DOC_NUMBER_ONLY = re.compile(r"^\S{1,8}〔\s*\d{4}\s*〕\s*\d+\s*号$")
ARTICLE_HEAD = re.compile(rf"^({ARTICLE_MARK})[ \t\u3000\u00a0]+")
FOOTER_START = re.compile(r"^抄\s*送[:：]")
PRINTED_LINE = re.compile(r"\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*印\s*发$")
TERMINAL = "。：；！？:;"
CJK_OR_FULLWIDTH = r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef“”‘’—…、]"
# Whitespace is meaningful only between two ASCII letters (English words).
SPACE_INSIDE = re.compile(
    rf"(?<={CJK_OR_FULLWIDTH})[ \t\u3000\u00a0]+|[ \t\u3000\u00a0]+(?={CJK_OR_FULLWIDTH})"
)
SPACE_IN_NUMBER = re.compile(r"(?<=[\d.%])[ \t\u00a0]+(?=[\d.%])|(?<=\d)[ \t\u00a0]+(?=[A-Za-z%])")
# Lines indented this much are signatures or centred headings, never wrapped text.
STANDALONE_INDENT = 4


def clean_text(raw: str) -> str:
    """Return the policy as cleaned paragraphs separated by single newlines."""
    lines = _drop_noise(raw.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    width = _typical_width([line for line, _ in lines])
    paragraphs: list[str] = []
    previous: tuple[str, bool] | None = None
    for line, indented in lines:
        if previous is not None and not _starts_paragraph(previous, (line, indented), width):
            paragraphs[-1] += line
        else:
            paragraphs.append(line)
        previous = (line, indented)
    return "\n".join(normalise_spaces(p) for p in paragraphs if p.strip()) + "\n"


def normalise_spaces(text: str) -> str:
    """Remove the spaces extraction puts inside Chinese text, numbers and units."""
    # 「第一条　支持…」: the space after an article number separates it from the title.
    head = ARTICLE_HEAD.match(text.strip())
    if head:
        return head.group(1) + "\u3000" + normalise_spaces(text.strip()[head.end():])
    text = SPACE_INSIDE.sub("", text.strip())
    text = SPACE_IN_NUMBER.sub("", text)
    # 「12 个月」「800 万元」: a space between a digit and a CJK unit.
    return re.sub(r"(?<=\d)\s+(?=[\u4e00-\u9fff])|(?<=[\u4e00-\u9fff])\s+(?=\d)", "", text)


def display_width(text: str) -> float:
    """Width in CJK characters: ASCII counts half, as it does on the printed page."""
    return sum(0.5 if ord(ch) < 128 else 1.0 for ch in text)


def _drop_noise(raw_lines: list[str]) -> list[tuple[str, bool]]:
    """Drop blank lines, page numbers and the footer; keep (text, indented)."""
    kept: list[tuple[str, bool]] = []
    for raw in raw_lines:
        stripped = raw.strip()
        if not stripped or PAGE_NUMBER.match(stripped):
            continue
        if FOOTER_START.match(stripped):
            break  # 抄送 and everything after it is distribution, not policy
        if PRINTED_LINE.search(stripped) and len(stripped.replace(" ", "")) < 40:
            continue
        indent = len(raw) - len(raw.lstrip(" \u3000\t"))
        kept.append((stripped, indent >= STANDALONE_INDENT))
    return kept


def _typical_width(lines: list[str]) -> float:
    widths = sorted(display_width(line.replace(" ", "")) for line in lines if len(line) >= 8)
    if not widths:
        return 30.0
    return statistics.quantiles(widths, n=10)[7] if len(widths) >= 10 else max(widths)


def _is_short(line: str, width: float) -> bool:
    return display_width(line.replace(" ", "")) < 0.8 * width


def _starts_paragraph(previous: tuple[str, bool], current: tuple[str, bool], width: float) -> bool:
    """Decide whether `current` opens a new paragraph after `previous`."""
    prev_text, prev_indented = previous
    text, indented = current
    # A paragraph that opens a numbered unit of the document (or 附则) is never wrapped text.
    if STRUCTURE_MARKER.match(text) or prev_indented or indented:
        return True
    for line in (text.strip(), prev_text.strip()):
        if DATE_ONLY.match(line) or DOC_NUMBER_ONLY.match(line):
            return True
    if prev_text.rstrip().endswith(("：", ":")):
        return True
    if _opens_more_than_closes(prev_text):
        return False  # 「数字化车间（生产」 continues on the next line
    prev_short = _is_short(prev_text, width)
    if prev_text.rstrip().endswith(tuple(TERMINAL)):
        return prev_short
    if prev_short:
        # A short line that does not end a sentence is a heading; a heading
        # wrapped over several short lines continues on the next short line.
        return not _is_short(text, width) or prev_text.rstrip().endswith(("）", "）", "”"))
    return False


def _opens_more_than_closes(text: str) -> bool:
    return any(text.count(o) > text.count(c) for o, c in ("（）", "“”", "《》", "()", "〔〕"))
