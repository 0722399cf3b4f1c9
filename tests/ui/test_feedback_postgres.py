"""The feedback store in PostgreSQL (settings.feedback_url), against a real server the tests start."""

from __future__ import annotations

import csv
import threading
from pathlib import Path

import pytest

from assistant.feedback import CSV_COLUMNS, FeedbackError, FeedbackStore, PostgresFeedbackStore, export_feedback_csv
from tests.conftest import settings_in

pytestmark = pytest.mark.slow
CITATION = {"doc_id": "harbin", "clause": "11", "title": "降低企业融资成本", "quote": "担保费率不高于1%。"}


def test_a_feedback_url_selects_postgres_and_rows_read_as_from_sqlite(postgres_feedback_url: str,
                                                                      tmp_path: Path) -> None:
    store = FeedbackStore.for_settings(settings_in(tmp_path, feedback_url=postgres_feedback_url))
    assert isinstance(store, PostgresFeedbackStore)
    sqlite = FeedbackStore.for_settings(settings_in(tmp_path / "other"))
    for each in (store, sqlite):
        first = each.record("哈尔滨第十一条讲什么", "《…》第十一条：…", [CITATION], "up")
        second = each.record("技改贴息多少", "可得2070万元。", [], "down", reason="  金额不对 ")
        assert second > first
        assert each.set_reason(first, "引用的条款不对") is True
        assert each.set_reason(second + 99, "没有这一行") is False
        with pytest.raises(ValueError, match="up 或 down"):
            each.record("问", "答", [], "maybe")

    def comparable(rows: list[dict]) -> list[dict]:
        return [{k: v for k, v in row.items() if k not in ("id", "created_at")} for row in rows]

    assert comparable(store.rows()) == comparable(sqlite.rows())
    assert len(store.rows()) == 2 and store.rows()[0]["citations"] == [CITATION]
    assert not (tmp_path / "data").exists()  # nothing went to SQLite


def test_unanswered_questions_and_date_filters_read_as_from_sqlite(postgres_feedback_url: str,
                                                                  tmp_path: Path) -> None:
    """The admin view's two tables and its day filter behave the same on both stores."""
    import datetime as dt

    store = FeedbackStore.for_settings(settings_in(tmp_path, feedback_url=postgres_feedback_url))
    sqlite = FeedbackStore.for_settings(settings_in(tmp_path / "other"))
    today = dt.date.fromisoformat(_now_day())
    for each in (store, sqlite):
        each.record_unanswered("火星上的工厂有补贴吗", "不在已收录政策范围内。", "out_of_scope")
        each.record_unanswered("那个补贴呢", "请问您指哪一项？", "clarify_loop")
        with pytest.raises(ValueError, match="未回答的类别"):
            each.record_unanswered("问", "答", "unknown")
        each.record("问", "答", [], "down", reason="不对")

    def comparable(rows: list[dict]) -> list[dict]:
        return [{k: v for k, v in row.items() if k not in ("id", "created_at")} for row in rows]

    ours = [row for row in store.unanswered_rows() if row["question"] in ("火星上的工厂有补贴吗", "那个补贴呢")]
    assert comparable(ours[-2:]) == comparable(sqlite.unanswered_rows())
    assert [row["kind"] for row in ours[-2:]] == ["out_of_scope", "clarify_loop"]
    assert store.unanswered_rows(since=today + dt.timedelta(days=1)) == []
    assert len(store.rows(since=today, until=today)) >= 1
    assert store.rows(until=today - dt.timedelta(days=1)) == sqlite.rows(until=today - dt.timedelta(days=1)) == []


def _now_day() -> str:
    from assistant.feedback import _now

    return _now()[:10]


def test_concurrent_clicks_from_several_replicas_all_land(postgres_feedback_url: str) -> None:
    PostgresFeedbackStore(postgres_feedback_url)
    errors: list[BaseException] = []
    ids: list[int] = []
    lock = threading.Lock()

    def click(worker: int) -> None:
        store = PostgresFeedbackStore(postgres_feedback_url)  # as another replica would
        try:
            for n in range(25):
                new_id = store.record(f"问题{worker}-{n}", "回答", [CITATION], "up" if n % 2 else "down")
                with lock:
                    ids.append(new_id)
        except BaseException as error:  # reported below, not lost in the thread
            errors.append(error)

    threads = [threading.Thread(target=click, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(ids) == len(set(ids)) == 200
    assert len(PostgresFeedbackStore(postgres_feedback_url).rows()) == 200


def test_export_reads_postgres_when_a_feedback_url_is_set(postgres_feedback_url: str, tmp_path: Path) -> None:
    settings = settings_in(tmp_path, feedback_url=postgres_feedback_url)
    FeedbackStore.for_settings(settings).record("问题", "回答", [CITATION], "down", reason="原因")
    out = tmp_path / "feedback.csv"
    assert export_feedback_csv(settings, out) == 1
    with out.open(encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    assert tuple(rows[0]) == CSV_COLUMNS and rows[1][2:5] == ["down", "原因", "问题"]


def test_an_unreachable_server_is_one_chinese_line_without_the_password(postgres_url: str) -> None:
    port = int(postgres_url.rsplit(":", 1)[1].split("/")[0])
    with pytest.raises(FeedbackError, match="反馈数据库") as raised:
        PostgresFeedbackStore(f"postgresql://assistant:hunter2-secret@127.0.0.1:{port + 1}/postgres")
    assert "hunter2-secret" not in str(raised.value)
    assert "postgresql://assistant@127.0.0.1" in str(raised.value)
