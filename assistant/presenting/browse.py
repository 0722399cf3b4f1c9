"""The clause tabs and the about tab: a document's clauses, keyword search results, the loaded policies."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Mapping, Sequence
from typing import Any

from assistant.answering.quoting import cite_line, quote_whole
from assistant.policies.clauses import Clause
from assistant.policies.corpus import Corpus, Document
from assistant.presenting.chat import citation_copy_text, expired_documents, expiry_badge
from assistant.presenting.markup import WIDTH_MAP, escape_markdown
from assistant.search.keywords import KeywordMatch
from assistant.settings import MODEL_LICENCES
from assistant.text.numbering import parse_clause_id

SNIPPET_CONTEXT = 36  # characters shown either side of a keyword match
SNIPPET_WINDOWS = 3



# ---- clause look-up ------------------------------------------------------------------------
CLAUSE_HEADERS = ["条款", "标题", "所属部分", "责任部门"]
SEARCH_HEADERS = ["文件", "条款", "标题", "匹配内容"]


def clause_rows(document: Document) -> list[list[str]]:
    """A document's clauses in order: label, title, section, departments."""
    return [[c.label, c.title, c.section, "、".join(c.departments)] for c in document.clauses]


def parse_clause_number(text: str) -> str:
    """「11」「第十一条」「十一」「附则」 → the clause id; ValueError (Chinese) otherwise."""
    try:
        return parse_clause_id(str(text).translate(WIDTH_MAP))
    except ValueError as error:
        raise ValueError(f"无法识别条款号「{text}」，请输入如「11」「第十一条」或「附则」") from error


def clause_heading(corpus: Corpus, clause: Clause, today: dt.date) -> str:
    """Markdown: the citation line in bold, the 已到期 badge when the policy has expired, the departments."""
    heading = f"**{escape_markdown(cite_line(corpus, clause))}**"
    expired = expired_documents(corpus, [clause.doc_id], today)
    if expired:
        heading += f"\n\n<span class=\"expired-badge\">{escape_markdown(expiry_badge(expired))}</span>"
    if clause.departments:
        heading += f"\n\n责任部门：{escape_markdown('、'.join(clause.departments))}"
    return heading


def clause_copy_text(corpus: Corpus, clause: Clause, today: dt.date) -> str:
    """The clause as a hotline operator pastes it: 「《文件名》第X条 标题：原文（该政策已于…到期）」."""
    return citation_copy_text(corpus, clause, quote_whole(clause), today)


def search_rows(corpus: Corpus, matches: Sequence[KeywordMatch]) -> list[list[str]]:
    """Search results: document, clause, title and the matching passages (HTML, matches in <mark>)."""
    rows = []
    for match in matches:
        clause = match.clause
        document = corpus.document(clause.doc_id)
        rows.append([
            html.escape(document.short_title if document else clause.doc_id),
            html.escape(clause.label),
            mark_spans(clause.title, match.title_spans),
            snippet(clause.text, match.text_spans),
        ])
    return rows


def snippet(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """The passages around the first matches, highlighted; the opening of the text if none match."""
    if not spans:
        return html.escape(text[: SNIPPET_CONTEXT * 2]) + ("……" if len(text) > SNIPPET_CONTEXT * 2 else "")
    windows: list[list[int]] = []
    for start, end in sorted(spans):
        low, high = max(0, start - SNIPPET_CONTEXT), min(len(text), end + SNIPPET_CONTEXT)
        if windows and low <= windows[-1][1]:
            windows[-1][1] = max(windows[-1][1], high)
        else:
            windows.append([low, high])
    shown = windows[:SNIPPET_WINDOWS]
    pieces = [mark_spans(text[low:high], [(max(s, low) - low, min(e, high) - low) for s, e in spans
                                          if s < high and e > low]) for low, high in shown]
    prefix = "……" if shown[0][0] > 0 else ""
    suffix = "……" if shown[-1][1] < len(text) or len(windows) > len(shown) else ""
    return prefix + "……".join(pieces) + suffix


def mark_spans(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """HTML of `text` with the given spans wrapped in <mark>; everything else escaped."""
    parts, last = [], 0
    for start, end in sorted(spans):
        if start < last:
            continue
        parts += [html.escape(text[last:start]), f"<mark>{html.escape(text[start:end])}</mark>"]
        last = end
    parts.append(html.escape(text[last:]))
    return "".join(parts)


# ---- about ---------------------------------------------------------------------------------
def document_status(document: Mapping[str, Any], today: str) -> str:
    """「有效」「已到期」「未生效」「未载明」 from the assistant's about() entry."""
    if document.get("in_force") is True:
        return "有效"
    valid_until = document.get("valid_until")
    if valid_until is None:
        return "有效期未载明"
    return "已到期" if valid_until < today else "未生效"


def about_rows(about: Mapping[str, Any]) -> list[list[str]]:
    """One row per loaded policy: title, 文号, status, valid until, number of clauses."""
    today = str(about.get("today", ""))
    return [
        [d["title"], d.get("doc_number") or "", document_status(d, today), _date(d.get("valid_until")),
         str(d.get("clauses", ""))]
        for d in about.get("documents", [])
    ]


def about_markdown(about: Mapping[str, Any]) -> str:
    """The model, its licence note and the index build time."""
    model = str(about.get("embedding_model", ""))
    licence = MODEL_LICENCES.get(model, "自定义模型：请自行核实其许可条款是否允许您的用途。")
    built = _timestamp(about.get("built_at"))
    return "\n\n".join([
        f"**嵌入模型**：{escape_markdown(model)}",
        f"**许可说明**：{escape_markdown(licence)}",
        f"**索引构建时间**：{escape_markdown(built)}",
        f"**今天**：{escape_markdown(_date(about.get('today')))}（有效期按此日期判断）",
        escape_markdown("本助手只引用政策原文、按规则计算金额；最终以主管部门审核为准。"),
    ])


def _date(value: Any) -> str:
    if not value:
        return "未载明"
    try:
        day = dt.date.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return f"{day.year}年{day.month}月{day.day}日"


def _timestamp(value: Any) -> str:
    if not value:
        return "未知"
    try:
        moment = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return moment.strftime("%Y-%m-%d %H:%M")
