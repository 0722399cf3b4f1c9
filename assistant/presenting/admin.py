"""The staff's admin view: 👎 answers with their reasons, and questions the assistant could not answer."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Mapping, Sequence
from typing import Any

DOWNVOTE_HEADERS = ["时间", "问题", "原因", "回答（开头）", "引用条款"]
UNANSWERED_HEADERS = ["时间", "类别", "问题", "回答（开头）"]
KIND_NAMES = {"out_of_scope": "超出范围", "no_clause": "未找到条款", "clarify_loop": "连续反问"}
PREVIEW = 80


def parse_day(text: str | None, field: str) -> dt.date | None:
    """「2026-11-23」 → the date; blank → None; ValueError in Chinese otherwise."""
    cleaned = (text or "").strip()
    if not cleaned:
        return None
    try:
        return dt.date.fromisoformat(cleaned)
    except ValueError as error:
        raise ValueError(f"{field}「{cleaned}」不是日期，请按 2026-11-23 的格式填写") from error


def downvote_rows(rows: Sequence[Mapping[str, Any]]) -> list[list[str]]:
    """The 👎 rows, newest first: time, question, reason, the reply's opening, the clauses cited."""
    shown = []
    for row in reversed([r for r in rows if r.get("vote") == "down"]):
        cited = "、".join(f"{c.get('doc_id')} {c.get('clause')}" for c in row.get("citations") or [])
        shown.append([_time(row), str(row["question"]), str(row.get("reason") or "（未填）"), _preview(row), cited])
    return shown


def unanswered_table(rows: Sequence[Mapping[str, Any]]) -> list[list[str]]:
    """The unanswered questions, newest first: time, kind (in Chinese), question, the reply's opening."""
    return [[_time(r), KIND_NAMES.get(str(r["kind"]), str(r["kind"])), str(r["question"]), _preview(r)]
            for r in reversed(list(rows))]


def admin_csv(downvotes: Sequence[Sequence[str]], unanswered: Sequence[Sequence[str]]) -> str:
    """Both tables in one CSV (a 类型 column tells them apart), for Excel: the caller writes it with a BOM."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["类型", "时间", "类别或原因", "问题", "回答（开头）", "引用条款"])
    for time, question, reason, preview, cited in downvotes:
        writer.writerow(["👎反馈", time, reason, question, preview, cited])
    for time, kind, question, preview in unanswered:
        writer.writerow(["未能回答", time, kind, question, preview, ""])
    return buffer.getvalue()


def _time(row: Mapping[str, Any]) -> str:
    return str(row.get("created_at", ""))[:16].replace("T", " ")


def _preview(row: Mapping[str, Any]) -> str:
    text = " ".join(str(row.get("reply", "")).split())
    return text[:PREVIEW] + ("……" if len(text) > PREVIEW else "")
