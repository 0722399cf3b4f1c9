"""Chat replies as gradio "messages": the answer, then cards for notices, worksheets and cited clauses."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from assistant.answering.quoting import cite_line
from assistant.answering.reply import Reply
from assistant.calculator import Calculation
from assistant.errors import AssistantError
from assistant.policies.clauses import Clause
from assistant.policies.corpus import Corpus, Document
from assistant.policies.validity import format_date, validity_notice
from assistant.presenting.markup import code_block, escape_markdown
from assistant.text.numbering import NAMED_PARTS

Message = dict[str, Any]  # a chat message in gradio's "messages" shape, built without importing gradio


def intro_markdown(corpus: Corpus) -> str:
    """The heading above the tabs, naming every loaded policy."""
    listing = "、".join(f"《{d.title}》" for d in corpus.documents)
    return (f"## 龙江惠企政策助手\n解答{escape_markdown(listing)}。回答引用政策原文，"
            "补贴金额按条款规则计算，最终以主管部门审核为准。")


def user_message(question: str) -> Message:
    """The user's question as typed, inert."""
    return {"role": "user", "content": escape_markdown(question)}


def reply_messages(reply: Reply, corpus: Corpus, today: dt.date) -> list[Message]:
    """One reply as chat messages: the answer, then cards for notices, worksheets and cited clauses.

    The validity notices of expired documents fold into one card whose title is the compact badge
    (「已到期 · …至2025年12月31日」): on a phone the full notices took most of the screen.
    """
    messages: list[Message] = [{"role": "assistant", "content": escape_markdown(answer_text(reply))}]
    expired = expired_documents(corpus, [c.doc_id for c in reply.citations], today)
    folded = {validity_notice(d, today) for d in expired}
    if expired and any(n in folded for n in reply.notices):
        details = "\n\n".join(escape_markdown(n) for n in reply.notices if n in folded)
        messages.append(_card(escape_markdown(expiry_badge(expired)), details, closed=True))
    other = [n for n in reply.notices if n not in folded]
    if other:
        messages.append(_card("请注意", "\n\n".join(escape_markdown(n) for n in other)))
    for calculation in reply.calculations:
        title, table = worksheet_markdown(calculation)
        messages.append(_card(title or "计算单", table))
    for citation in reply.citations:
        clause = corpus.clause(citation.doc_id, citation.clause)
        if clause is None:
            continue
        card = citation_card(corpus, clause, citation.quote, today)
        messages.append(_card(f"依据 · {short_reference(corpus, clause)}", card, closed=True))
    return messages


def expired_documents(corpus: Corpus, doc_ids: list[str], today: dt.date) -> list[Document]:
    """The documents among `doc_ids` (first mention order) whose end date has passed."""
    found = [corpus.document(d) for d in dict.fromkeys(doc_ids)]
    return [d for d in found if d is not None and d.valid_until is not None and d.is_in_force(today) is False]


def expiry_badge(documents: list[Document]) -> str:
    """「⚠️ 已到期 · 黑龙江省工业振兴政策至2025年12月31日」: the end dates, compact; the notices unfold under it."""
    ends = "；".join(f"{d.short_title}至{format_date(d.valid_until)}" for d in documents if d.valid_until)
    return f"⚠️ 已到期 · {ends}（点开看详情）"


def expiry_note(document: Document | None, today: dt.date) -> str:
    """「（该政策已于2025年12月31日到期）」 for a document past its end date; "" otherwise."""
    if document is None or document.valid_until is None or document.is_in_force(today) is not False:
        return ""
    return f"（该政策已于{format_date(document.valid_until)}到期）"


def citation_copy_text(corpus: Corpus, clause: Clause, quote: str, today: dt.date) -> str:
    """What a hotline operator pastes: 「《文件名》第X条 标题：原文……（该政策已于…到期）」, plain text."""
    return f"{cite_line(corpus, clause)}：{quote}{expiry_note(corpus.document(clause.doc_id), today)}"


def answer_text(reply: Reply) -> str:
    """The reply's text without the notices and worksheets, which get cards of their own."""
    text = reply.text
    for part in (*reply.notices, *(c.formula for c in reply.calculations)):
        if part:
            text = text.replace(part, "")
    return re.sub(r"\n{3,}", "\n\n", text).strip() or reply.text


def answer_copy_text(reply: Reply, corpus: Corpus, today: dt.date) -> str:
    """A chat answer as plain text to paste: the answer, each worksheet as 「项目：内容」 lines, each
    citation whose quote the answer does not already carry, and one expiry line per expired policy.
    No markdown escapes, no code fences, no quote twice."""
    parts = [answer_text(reply)]
    for calculation in reply.calculations:
        title, rows = worksheet_rows(calculation)
        parts.append("\n".join([title or "计算单", *(f"{label}：{value}" for label, value in rows)]))
    body = "\n".join(parts)
    noted: set[str] = set()  # documents whose expiry a copied citation line already states
    for citation in reply.citations:
        clause = corpus.clause(citation.doc_id, citation.clause)
        if clause is not None and citation.quote not in body:
            parts.append("依据：" + citation_copy_text(corpus, clause, citation.quote, today))
            noted.add(citation.doc_id)
    expired = expired_documents(corpus, [c.doc_id for c in reply.citations], today)
    parts += [f"《{d.title}》{expiry_note(d, today)}" for d in expired if d.doc_id not in noted]
    return "\n\n".join(p for p in parts if p)


def failure_message(error: BaseException) -> str:
    """What the user reads when answering failed: the assistant's own Chinese line, or a generic one."""
    if isinstance(error, AssistantError):
        return f"抱歉，这个问题没能回答：{error}"
    return f"抱歉，处理您的问题时出错了（{type(error).__name__}）。请稍后重试，或换个问法。"


def citation_card(corpus: Corpus, clause: Clause, quote: str, today: dt.date) -> str:
    """The departments and the plain citation (line, quote, expiry) in a block with its own copy button."""
    parts = []
    if clause.departments:
        parts.append(f"责任部门：{escape_markdown('、'.join(clause.departments))}")
    parts.append("复制引用（点右上角按钮）：\n" + code_block(citation_copy_text(corpus, clause, quote, today)))
    return "\n\n".join(parts)


def short_reference(corpus: Corpus, clause: Clause) -> str:
    """「哈尔滨市工业强市政策措施 第十一条 降低企业融资成本」, escaped for a card title."""
    document = corpus.document(clause.doc_id)
    name = document.short_title if document else clause.doc_id
    title = "" if clause.clause in NAMED_PARTS else f" {clause.title}"
    return escape_markdown(f"{name} {clause.label}{title}")


def _card(title: str, content: str, closed: bool = False) -> Message:
    metadata: dict[str, str] = {"title": title}
    if closed:
        metadata["status"] = "done"  # gradio starts a "done" card folded
    return {"role": "assistant", "content": content, "metadata": metadata}


# ---- worksheets ----------------------------------------------------------------------------
def worksheet_rows(calculation: Calculation) -> tuple[str, list[list[str]]]:
    """The engine's 计算单 as (title, [[项目, 内容], …]) from its structured lines, figures as the engine wrote them."""
    lines = list(calculation.worksheet)
    title = ""
    if lines and lines[0].label == "计算单":
        title = lines.pop(0).text
    return title, [[line.label, line.value] for line in lines]


def worksheet_markdown(calculation: Calculation) -> tuple[str, str]:
    """(card title, markdown table) for a worksheet; every cell escaped."""
    title, rows = worksheet_rows(calculation)
    table = ["| 项目 | 内容 |", "| --- | --- |"]
    table += [f"| {escape_markdown(label)} | {escape_markdown(value)} |" for label, value in rows]
    return escape_markdown(title), "\n".join(table)


def calculation_headline(calculation: Calculation) -> str:
    """Markdown: the rule and clause as the worksheet names them, then its conclusion lines (应得/结论) in bold."""
    title = calculation.worksheet[0].value if calculation.worksheet else ""
    reference = re.search(r"（(.*)）$", title)
    head = escape_markdown(f"{calculation.name}（{reference.group(1) if reference else calculation.clause}）")
    conclusions = [line.text for line in calculation.worksheet if line.conclusion]
    return "\n\n".join([head, *(f"**{escape_markdown(line)}**" for line in conclusions)])


def validity_note(corpus: Corpus, doc_id: str, today: dt.date) -> str:
    """The assistant's validity notice for a document that is not in force today; "" while it is."""
    document = corpus.document(doc_id)
    if document is None or document.is_in_force(today) is True:
        return ""
    return validity_notice(document, today)
