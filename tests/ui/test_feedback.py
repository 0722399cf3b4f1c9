"""The feedback store: SQLite under data_dir, safe under concurrent clicks, exported as CSV."""

from __future__ import annotations

import csv
import json
import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from assistant.feedback import CSV_COLUMNS, FeedbackStore, export_feedback_csv, feedback_path
from assistant.settings import PROJECT_ROOT
from tests.conftest import settings_in

CITATION = {"doc_id": "harbin", "clause": "11", "title": "降低企业融资成本", "quote": "担保费率不高于1%。"}


def test_a_vote_is_stored_with_question_reply_citations_and_time(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "feedback.sqlite3")
    first = store.record("哈尔滨第十一条讲什么", "《…》第十一条 降低企业融资成本：…", [CITATION], "up")
    second = store.record("技改贴息多少", "可得2070万元。", [], "down", reason="  金额不对 ")
    assert second == first + 1
    rows = store.rows()
    assert [r["vote"] for r in rows] == ["up", "down"]
    assert rows[0]["question"] == "哈尔滨第十一条讲什么"
    assert rows[0]["citations"] == [CITATION]
    assert rows[1]["reason"] == "金额不对"
    assert rows[0]["created_at"][:4].isdigit() and "T" in rows[0]["created_at"]


def test_a_reason_can_be_added_after_the_vote(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "feedback.sqlite3")
    feedback_id = store.record("问", "答", [], "down")
    assert store.set_reason(feedback_id, "引用的条款不对") is True
    assert store.rows()[0]["reason"] == "引用的条款不对"
    assert store.set_reason(feedback_id + 99, "没有这一行") is False


def test_only_up_and_down_are_votes(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "feedback.sqlite3")
    with pytest.raises(ValueError, match="up 或 down"):
        store.record("问", "答", [], "maybe")
    assert store.rows() == []


def test_the_database_lives_in_data_dir_in_wal_mode(tmp_path: Path) -> None:
    settings = settings_in(tmp_path)
    store = FeedbackStore.for_settings(settings)
    store.record("问", "答", [], "up")
    assert store.path == settings.data_dir / "feedback.sqlite3" == feedback_path(settings)
    assert not settings.index_dir.exists()
    with sqlite3.connect(store.path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_concurrent_clicks_from_many_threads_all_land(tmp_path: Path) -> None:
    path = tmp_path / "feedback.sqlite3"
    FeedbackStore(path)
    errors: list[BaseException] = []
    ids: list[int] = []
    lock = threading.Lock()

    def click(worker: int) -> None:
        store = FeedbackStore(path)  # as a second app process would
        try:
            for n in range(25):
                new_id = store.record(f"问题{worker}-{n}", "回答", [CITATION], "up" if n % 2 else "down", reason="并发")
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
    assert len(FeedbackStore(path).rows()) == 200


def test_export_writes_every_row_as_csv_and_returns_the_count(tmp_path: Path) -> None:
    settings = settings_in(tmp_path)
    store = FeedbackStore.for_settings(settings)
    store.record("企业上市有什么补助？", "第14条：…一次性补助200万元…", [CITATION], "up")
    store.record("问, 带逗号\n和换行", "答", [], "down", reason="没答到点子上")
    out = tmp_path / "export" / "feedback.csv"
    assert export_feedback_csv(settings, out) == 2
    with out.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert rows[0]["question"] == "企业上市有什么补助？"
    assert json.loads(rows[0]["citations"]) == [CITATION]
    assert rows[1]["question"] == "问, 带逗号\n和换行"
    assert (rows[1]["vote"], rows[1]["reason"]) == ("down", "没答到点子上")


def test_export_with_no_feedback_writes_the_header_only(tmp_path: Path) -> None:
    out = tmp_path / "empty.csv"
    assert export_feedback_csv(settings_in(tmp_path), out) == 0
    assert out.read_text(encoding="utf-8-sig").strip() == ",".join(CSV_COLUMNS)


def test_cli_feedback_export_writes_the_csv(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    FeedbackStore(data_dir / "feedback.sqlite3").record("问", "答", [], "up")
    out = tmp_path / "out.csv"
    env = {**os.environ, "POLICY_ASSISTANT_DATA_DIR": str(data_dir)}
    done = subprocess.run([sys.executable, "-m", "assistant", "feedback", "export", str(out)], cwd=PROJECT_ROOT,
                          env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "已导出 1 条反馈" in done.stdout
    assert len(out.read_text(encoding="utf-8-sig").splitlines()) == 2
