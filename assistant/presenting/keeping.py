"""Answers people keep: a conversation as plain, self-contained turns, exported as Markdown or Word.

A turn keeps what the page showed in words a reader can use away from the page: the question, the
answer as plain text, each worksheet's lines and each citation's copy line (with its expiry note).
The turns travel through the browser's storage as plain dicts (`to_dict`/`from_dict`).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from assistant.answering.reply import Reply
from assistant.policies.corpus import Corpus
from assistant.presenting.chat import (
    answer_text,
    citation_copy_text,
    expired_documents,
    expiry_note,
    worksheet_rows,
)
from assistant.presenting.markup import escape_markdown

Worksheet = tuple[str, tuple[tuple[str, str], ...]]


@dataclass(frozen=True)
class KeptTurn:
    """One question and its answer as a reader keeps it."""

    question: str
    answer: str
    worksheets: tuple[Worksheet, ...] = ()
    citations: tuple[str, ...] = ()  # 「《文件名》第X条 标题：原文（该政策已于…到期）」
    expiry: tuple[str, ...] = ()  # 「《…》（该政策已于…到期）」 per expired policy cited

    def to_dict(self) -> dict[str, Any]:
        return {"question": self.question, "answer": self.answer,
                "worksheets": [[title, [list(r) for r in rows]] for title, rows in self.worksheets],
                "citations": list(self.citations), "expiry": list(self.expiry)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> KeptTurn:
        worksheets = tuple((str(title), tuple((str(a), str(b)) for a, b in rows))
                           for title, rows in data.get("worksheets") or [])
        return cls(str(data.get("question", "")), str(data.get("answer", "")), worksheets,
                   tuple(str(c) for c in data.get("citations") or []), tuple(str(e) for e in data.get("expiry") or []))


def kept_turn(question: str, reply: Reply, corpus: Corpus, today: dt.date) -> KeptTurn:
    """The turn as kept: plain answer, worksheets from the engine's lines, citation copy lines."""
    worksheets = []
    for calculation in reply.calculations:
        title, rows = worksheet_rows(calculation)
        worksheets.append((title or "计算单", tuple((label, value) for label, value in rows)))
    citations = []
    for citation in reply.citations:
        clause = corpus.clause(citation.doc_id, citation.clause)
        if clause is not None:
            citations.append(citation_copy_text(corpus, clause, citation.quote, today))
    expired = expired_documents(corpus, [c.doc_id for c in reply.citations], today)
    expiry = tuple(f"《{d.title}》{expiry_note(d, today)}" for d in expired)
    return KeptTurn(question, answer_text(reply), tuple(worksheets), tuple(citations), expiry)


def failed_turn(question: str, message: str) -> KeptTurn:
    """A turn whose answering failed: the Chinese line the user read."""
    return KeptTurn(question, message)


def conversation_markdown(turns: Sequence[KeptTurn], today: dt.date) -> str:
    """The conversation as a Markdown document: each question, answer, worksheet table and citation."""
    lines = ["# 龙江惠企政策助手 · 对话记录", "", f"导出日期：{today.year}年{today.month}月{today.day}日", ""]
    for number, turn in enumerate(turns, start=1):
        lines += [f"## {number}. {escape_markdown(turn.question)}", ""]
        lines += [escape_markdown(line) + "  " for line in turn.answer.splitlines()] + [""]
        for title, rows in turn.worksheets:
            lines += [f"**{escape_markdown(title)}**", "", "| 项目 | 内容 |", "| --- | --- |"]
            lines += [f"| {escape_markdown(a)} | {escape_markdown(b)} |" for a, b in rows] + [""]
        if turn.citations:
            lines += ["**依据**", ""] + [f"- {escape_markdown(c)}" for c in turn.citations] + [""]
        lines += [f"> {escape_markdown(e)}" for e in turn.expiry]
        lines += [""] if turn.expiry else []
    lines.append("本记录引用政策原文、按规则计算金额；最终以主管部门审核为准。")
    return "\n".join(lines) + "\n"


def conversation_docx(turns: Sequence[KeptTurn], today: dt.date) -> bytes:
    """The same conversation as a Word document (python-docx), returned as bytes."""
    from docx import Document as WordDocument

    word = WordDocument()
    word.add_heading("龙江惠企政策助手 · 对话记录", level=0)
    word.add_paragraph(f"导出日期：{today.year}年{today.month}月{today.day}日")
    for number, turn in enumerate(turns, start=1):
        word.add_heading(f"{number}. {turn.question}", level=1)
        for line in turn.answer.splitlines():
            if line.strip():
                word.add_paragraph(line)
        for title, rows in turn.worksheets:
            word.add_paragraph(title).runs[0].bold = True
            table = word.add_table(rows=1, cols=2)
            table.style = "Table Grid"
            table.rows[0].cells[0].text, table.rows[0].cells[1].text = "项目", "内容"
            for label, value in rows:
                cells = table.add_row().cells
                cells[0].text, cells[1].text = label, value
        if turn.citations:
            word.add_paragraph("依据").runs[0].bold = True
            for citation in turn.citations:
                word.add_paragraph(citation, style="List Bullet")
        for note in turn.expiry:
            word.add_paragraph(note).runs[0].italic = True
    word.add_paragraph("本记录引用政策原文、按规则计算金额；最终以主管部门审核为准。")
    buffer = io.BytesIO()
    word.save(buffer)
    return buffer.getvalue()
