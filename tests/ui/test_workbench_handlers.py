"""The workbench's handlers without a browser: unanswered questions logged, restore, export, admin filters."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

import ui
from assistant.feedback import FeedbackStore
from assistant.presenting import KeptTurn, conversation_markdown


@pytest.fixture
def store(tmp_path: Path) -> FeedbackStore:
    return FeedbackStore(tmp_path / "data" / "feedback.sqlite3")


@pytest.fixture
def handlers(bot: Any, store: FeedbackStore) -> ui.Handlers:
    return ui.Handlers(bot, store)


def test_out_of_scope_and_missing_clauses_are_logged_as_unanswered(handlers: ui.Handlers, store) -> None:
    messages, _, history, turns, _ = handlers.ask("今天哈尔滨天气怎么样", [], [], [])
    messages, _, history, turns, _ = handlers.ask("哈尔滨第九十九条讲什么", messages, history, turns)
    handlers.ask("哈尔滨第十一条讲什么", messages, history, turns)  # answered: not logged
    assert [(r["kind"], r["question"]) for r in store.unanswered_rows()] == [
        ("out_of_scope", "今天哈尔滨天气怎么样"), ("no_clause", "哈尔滨第九十九条讲什么")]


@pytest.mark.parametrize(("route", "cited", "previous", "kind"), [
    ("out_of_scope", False, None, "out_of_scope"),
    ("clarify", True, "lookup", None),  # asking once for a missing fact is answering
    ("clarify", True, "clarify", "clarify_loop"),
    ("clarify", False, None, "no_clause"),
    ("lookup", True, None, None),
])
def test_what_counts_as_unanswered(route: str, cited: bool, previous: str | None, kind: str | None) -> None:
    assert ui.unanswered_kind(route, cited, previous) == kind


def test_the_store_filters_by_day(store: FeedbackStore) -> None:
    store.record("问", "答", [], "down", "原因")
    store.record_unanswered("天气", "不在范围", "out_of_scope")
    day = dt.date.fromisoformat(store.rows()[0]["created_at"][:10])
    assert len(store.rows(day, day)) == 1 and len(store.unanswered_rows(day, None)) == 1
    one_day = dt.timedelta(days=1)
    assert store.rows(day + one_day) == [] and store.unanswered_rows(None, day - one_day) == []
    with pytest.raises(ValueError):
        store.record_unanswered("x", "y", "bored")


def test_a_bad_admin_date_is_said_in_chinese(handlers: ui.Handlers) -> None:
    down, missed, summary = handlers.admin("十一月", "")
    assert (down, missed) == ([], []) and "不是日期" in summary


def test_a_reload_restores_the_kept_conversation_unless_one_has_started(handlers: ui.Handlers) -> None:
    messages, _, history, turns, copy = handlers.ask("哈尔滨第十一条讲什么", [], [], [])
    kept = handlers.keep(messages, history, turns)
    assert handlers.restore(kept, []) == (messages, history, turns, copy)
    assert handlers.restore(None, []) == ([], [], [], "")
    started = handlers.restore(kept, [{"role": "user", "content": "新问题"}])
    assert all(isinstance(part, type(ui.gr.skip())) for part in started)


def test_a_restore_the_queue_runs_after_the_first_answer_does_not_replace_it(handlers: ui.Handlers) -> None:
    """The page-load event's inputs are taken before the first question: only the session says it has asked."""
    stored = handlers.keep(*[handlers.ask("哈尔滨第十一条讲什么", [], [], [])[i] for i in (0, 2, 3)])
    page_load, other = SimpleNamespace(session_hash="page-1"), SimpleNamespace(session_hash="page-2")
    handlers.ask("第十二条呢", [], [], [], page_load)
    late = handlers.restore(stored, [], page_load)
    assert all(isinstance(part, type(ui.gr.skip())) for part in late)
    assert handlers.restore(stored, [], other)[0] == stored["messages"]  # a page that has not asked gets it back


def test_the_markdown_export_keeps_each_turn(handlers: ui.Handlers, bot) -> None:
    _, _, _, turns, _ = handlers.ask("技改投资3亿元，LPR 3.45%，能拿多少贴息？", [], [], [])
    kept = [KeptTurn.from_dict(t["kept"]) for t in turns]
    assert KeptTurn.from_dict(kept[0].to_dict()) == kept[0]
    text = conversation_markdown(kept, dt.date(2026, 11, 23))
    assert "导出日期：2026年11月23日" in text and "| 应得 | 2070万元 |" in text
    assert "（该政策已于2025年12月31日到期）" in text
    assert handlers.export([], "md").visible is False  # nothing to export yet: a Chinese toast instead
