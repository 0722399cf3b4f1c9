"""Feedback on answers (👍/👎 with an optional reason), kept in SQLite under settings.data_dir,
or in PostgreSQL when settings.feedback_url is set (several replicas, one store).

One row per vote: question, reply text, its citations (JSON), vote, reason and
time; and, in a second table, one row per question the assistant could not answer
(out of scope, no clause found, a clarification asked again), for
the staff's admin view.  Every operation opens its own connection, so the web app's worker
threads never share one; WAL mode and a busy timeout let concurrent clicks
queue instead of failing with 「database is locked」.  `index/` is never
touched: feedback is user data, the index is rebuildable output.  PostgreSQL (psycopg 3) gets
the same table and the same per-operation connections; a vote is acknowledged only after its
COMMIT returned, which with PostgreSQL's default synchronous_commit means the WAL is on disk.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any, Literal

from assistant.errors import AssistantError
from assistant.settings import Settings

Vote = Literal["up", "down"]
VOTES: tuple[str, ...] = ("up", "down")
FILE_NAME = "feedback.sqlite3"
BUSY_TIMEOUT_MS = 10_000
# Generous caps: a row is evidence for reviewers, not a place to store whole documents.
LIMITS = {"question": 4_000, "reply": 40_000, "reason": 2_000}
CSV_COLUMNS = ("id", "created_at", "vote", "reason", "question", "reply", "citations")
UNANSWERED_COLUMNS = ("id", "created_at", "kind", "question", "reply")
# Why a question went unanswered: the reply's route, or no clause cited, or a clarification asked again.
UNANSWERED_KINDS: tuple[str, ...] = ("out_of_scope", "no_clause", "clarify_loop")

SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,                -- ISO 8601, local time with offset
    question   TEXT NOT NULL,
    reply      TEXT NOT NULL,                -- the text shown, or the error line when answering failed
    citations  TEXT NOT NULL DEFAULT '[]',   -- JSON list of {doc_id, clause, title, quote}
    vote       TEXT NOT NULL CHECK (vote IN ('up', 'down')),
    reason     TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS unanswered (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,                -- ISO 8601, local time with offset
    kind       TEXT NOT NULL CHECK (kind IN ('out_of_scope', 'no_clause', 'clarify_loop')),
    question   TEXT NOT NULL,
    reply      TEXT NOT NULL
)
"""


class FeedbackError(AssistantError):
    """Feedback could not be stored or read."""


def feedback_path(settings: Settings) -> Path:
    """Where the feedback database lives: data_dir/feedback.sqlite3."""
    return settings.data_dir / FILE_NAME


class FeedbackStore:
    """The feedback table in one SQLite file; safe to share between threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with closing(self._connect()) as connection, connection:
                connection.execute("PRAGMA journal_mode=WAL")
                connection.executescript(SCHEMA)
        except (OSError, sqlite3.Error) as error:
            raise FeedbackError(f"无法打开反馈数据库 {path}：{error}") from error

    @classmethod
    def for_settings(cls, settings: Settings) -> FeedbackStore:
        """PostgreSQL at settings.feedback_url when it is set, else SQLite under the data directory."""
        if settings.feedback_url:
            return PostgresFeedbackStore(settings.feedback_url)
        return cls(feedback_path(settings))

    def record(self, question: str, reply_text: str, citations: Sequence[Any], vote: str,
               reason: str = "") -> int:
        """Store one vote and return its id; ValueError for a vote other than up/down."""
        row = _vote_row(question, reply_text, citations, vote, reason)
        with self._writing() as connection:
            cursor = connection.execute(
                "INSERT INTO feedback (created_at, question, reply, citations, vote, reason) VALUES (?, ?, ?, ?, ?, ?)",
                row,
            )
            return int(cursor.lastrowid or 0)

    def set_reason(self, feedback_id: int, reason: str) -> bool:
        """Attach (or replace) the reason of an earlier vote; False if there is no such row."""
        with self._writing() as connection:
            cursor = connection.execute("UPDATE feedback SET reason = ? WHERE id = ?",
                                        (_clip(reason.strip(), "reason"), feedback_id))
            return cursor.rowcount == 1

    def record_unanswered(self, question: str, reply_text: str, kind: str) -> int:
        """Log a question the assistant could not answer (kind: one of UNANSWERED_KINDS); returns its id."""
        row = _unanswered_row(question, reply_text, kind)
        with self._writing() as connection:
            cursor = connection.execute(
                "INSERT INTO unanswered (created_at, kind, question, reply) VALUES (?, ?, ?, ?)", row)
            return int(cursor.lastrowid or 0)

    def rows(self, since: dt.date | None = None, until: dt.date | None = None) -> list[dict[str, Any]]:
        """Every vote row, oldest first, citations decoded; from `since` to `until` (days, inclusive) when given."""
        found = self._select("feedback", CSV_COLUMNS, since, until)
        return [{**row, "citations": json.loads(row["citations"])} for row in found]

    def unanswered_rows(self, since: dt.date | None = None, until: dt.date | None = None) -> list[dict[str, Any]]:
        """The questions logged as unanswered, oldest first, from `since` to `until` (days, inclusive)."""
        return self._select("unanswered", UNANSWERED_COLUMNS, since, until)

    def _select(self, table: str, columns: Sequence[str], since: dt.date | None,
                until: dt.date | None) -> list[dict[str, Any]]:
        query, values = _day_range_select(table, columns, since, until, "?")
        try:
            with closing(self._connect()) as connection:
                connection.row_factory = sqlite3.Row
                return [dict(row) for row in connection.execute(query, values).fetchall()]
        except sqlite3.Error as error:
            raise FeedbackError(f"读取反馈数据库 {self.path} 失败：{error}") from error

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000)
        connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        return connection

    @contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        """A fresh connection per write, committed on success and always closed."""
        try:
            with closing(self._connect()) as connection, connection:
                yield connection
        except sqlite3.Error as error:
            raise FeedbackError(f"写入反馈数据库 {self.path} 失败：{error}") from error


POSTGRES_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at TEXT NOT NULL,
    question   TEXT NOT NULL,
    reply      TEXT NOT NULL,
    citations  TEXT NOT NULL DEFAULT '[]',
    vote       TEXT NOT NULL CHECK (vote IN ('up', 'down')),
    reason     TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS unanswered (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('out_of_scope', 'no_clause', 'clarify_loop')),
    question   TEXT NOT NULL,
    reply      TEXT NOT NULL
)
"""


class PostgresFeedbackStore(FeedbackStore):
    """The same feedback table in PostgreSQL, for replicas that share one store (settings.feedback_url)."""

    def __init__(self, url: str) -> None:
        import psycopg  # only deployments with a feedback_url load the driver

        self.url, self._psycopg = url, psycopg
        self.where = _where(url)  # for messages: never the password
        with self._writing() as connection:
            # One creator at a time when several replicas start together.
            connection.execute("SELECT pg_advisory_xact_lock(16016)")
            connection.execute(POSTGRES_SCHEMA)

    def record(self, question: str, reply_text: str, citations: Sequence[Any], vote: str,
               reason: str = "") -> int:
        row = _vote_row(question, reply_text, citations, vote, reason)
        with self._writing() as connection:
            found = connection.execute(
                "INSERT INTO feedback (created_at, question, reply, citations, vote, reason)"
                " VALUES (%s, %s, %s, %s, %s, %s) RETURNING id", row,
            ).fetchone()
            return int(found[0]) if found else 0

    def set_reason(self, feedback_id: int, reason: str) -> bool:
        with self._writing() as connection:
            cursor = connection.execute("UPDATE feedback SET reason = %s WHERE id = %s",
                                        (_clip(reason.strip(), "reason"), feedback_id))
            return cursor.rowcount == 1

    def record_unanswered(self, question: str, reply_text: str, kind: str) -> int:
        row = _unanswered_row(question, reply_text, kind)
        with self._writing() as connection:
            found = connection.execute(
                "INSERT INTO unanswered (created_at, kind, question, reply) VALUES (%s, %s, %s, %s) RETURNING id",
                row).fetchone()
            return int(found[0]) if found else 0

    def _select(self, table: str, columns: Sequence[str], since: dt.date | None,
                until: dt.date | None) -> list[dict[str, Any]]:
        query, values = _day_range_select(table, columns, since, until, "%s")
        try:
            with self._psycopg.connect(self.url, connect_timeout=10) as connection:
                found = connection.execute(query, values).fetchall()
        except self._psycopg.Error as error:
            raise FeedbackError(f"读取反馈数据库 {self.where} 失败：{_first_line(error)}") from error
        return [dict(zip(columns, row, strict=True)) for row in found]

    @contextmanager
    def _writing(self) -> Iterator[Any]:
        """A fresh connection per write; the transaction commits when the block ends without error."""
        try:
            with self._psycopg.connect(self.url, connect_timeout=10) as connection:
                yield connection
        except self._psycopg.Error as error:
            raise FeedbackError(f"写入反馈数据库 {self.where} 失败：{_first_line(error)}") from error


def _where(url: str) -> str:
    """The URL without its password, for messages: postgresql://user@host:port/db."""
    scheme, _, rest = url.partition("://")
    credentials, at, location = rest.rpartition("@")
    return f"{scheme}://{credentials.split(':', 1)[0]}{at}{location}" if at else url


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def export_feedback_csv(settings: Settings, path: Path) -> int:
    """Write every feedback row to `path` as CSV (UTF-8 with BOM, so Excel shows the Chinese); returns the row count.

    With no feedback yet, the file gets the header only.
    """
    database = feedback_path(settings)
    if settings.feedback_url:
        rows = FeedbackStore.for_settings(settings).rows()
    else:
        rows = FeedbackStore(database).rows() if database.exists() else []
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(CSV_COLUMNS)
            for row in rows:
                writer.writerow([*(row[c] for c in CSV_COLUMNS[:-1]),
                                 json.dumps(row["citations"], ensure_ascii=False)])
    except OSError as error:
        raise FeedbackError(f"无法写入 {path}：{error}") from error
    return len(rows)


def _vote_row(question: str, reply_text: str, citations: Sequence[Any], vote: str, reason: str) -> tuple[str, ...]:
    """One vote as stored by either store; ValueError for a vote other than up/down."""
    if vote not in VOTES:
        raise ValueError(f"反馈只能是 up 或 down，收到 {vote!r}")
    return (_now(), _clip(question, "question"), _clip(reply_text, "reply"),
            json.dumps(list(citations), ensure_ascii=False), vote, _clip(reason.strip(), "reason"))


def _unanswered_row(question: str, reply_text: str, kind: str) -> tuple[str, ...]:
    """One unanswered question as stored by either store; ValueError for an unknown kind."""
    if kind not in UNANSWERED_KINDS:
        raise ValueError(f"未回答的类别只能是 {'、'.join(UNANSWERED_KINDS)}，收到 {kind!r}")
    return _now(), kind, _clip(question, "question"), _clip(reply_text, "reply")


def _day_range_select(table: str, columns: Sequence[str], since: dt.date | None, until: dt.date | None,
                      placeholder: str) -> tuple[str, list[str]]:
    """The SELECT of `table` from `since` to `until` (days, inclusive), oldest first, with the driver's
    placeholder. created_at starts with the local date (YYYY-MM-DD), so a day range is a text range on
    its first 10 characters."""
    where, values = [], []
    if since is not None:
        where.append(f"substr(created_at, 1, 10) >= {placeholder}")
        values.append(since.isoformat())
    if until is not None:
        where.append(f"substr(created_at, 1, 10) <= {placeholder}")
        values.append(until.isoformat())
    query = f"SELECT {', '.join(columns)} FROM {table}" + (f" WHERE {' AND '.join(where)}" if where else "")
    return query + " ORDER BY id", values


def _clip(text: str, field: str) -> str:
    return str(text)[: LIMITS[field]]


def _now() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")
