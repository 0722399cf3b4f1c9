"""Escaping: user and policy text shown literally in markdown and HTML (a `<script>` renders as typed)."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

# Every ASCII character markdown (or gradio's KaTeX pass) could act on; a backslash makes it literal.
MARKDOWN_PUNCTUATION = re.compile(r"[\\`*_{}\[\]()#+\-.!|~$:=^<>\"']")
# Full-width digits and marks typed in a form box, read as ASCII.
WIDTH_MAP = str.maketrans("０１２３４５６７８９．，－", "0123456789.,-")


def escape_markdown(text: str) -> str:
    """`text` shown literally by a markdown renderer: HTML-escaped, markdown punctuation backslashed.

    Leading indentation is dropped so that no line turns into a code block.
    """
    escaped = html.escape(str(text), quote=False)
    escaped = MARKDOWN_PUNCTUATION.sub(lambda m: "\\" + m.group(), escaped)
    return re.sub(r"(?m)^[ \t]+", "", escaped)


def code_block(text: str) -> str:
    """A fenced block (markdown shows it verbatim with a copy button); the fence outgrows any backticks inside."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text}\n{fence}"


def highlight(text: str, words: Sequence[str]) -> str:
    """HTML of `text` with every occurrence of `words` wrapped in <mark>; everything else escaped."""
    words = [w for w in words if w]
    if not words:
        return html.escape(text)
    pattern = re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)))
    parts, last = [], 0
    for match in pattern.finditer(text):
        parts.append(html.escape(text[last : match.start()]))
        parts.append(f"<mark>{html.escape(match.group())}</mark>")
        last = match.end()
    parts.append(html.escape(text[last:]))
    return "".join(parts)
