"""Faults: the web app killed (SIGKILL) while users are voting loses no acknowledged vote.

The app runs as its own process.  Writers act as browsers do — ask a question,
click 👍/👎 (the chatbot's like event, which the browser fires over gradio's
queue protocol), then send a reason — as fast as the server answers.  The server
is killed mid-stream, restarted on the same data directory, and every vote and
reason whose reply the writer had received must be in the database, on the row
it belongs to, and the database must pass `PRAGMA integrity_check`.  The same test runs against
PostgreSQL (settings.feedback_url) on a real server the tests start (tests/postgres_server.py).
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import sqlite3
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from assistant.feedback import FeedbackStore, feedback_path
from assistant.settings import Settings
from devtools import app_client
from devtools.app_client import AppClient, RequestFailed
from devtools.loadtest import ask_case

pytestmark = pytest.mark.slow

QUESTIONS = ("企业上市有什么补助", "隐形冠军企业奖励多少", "融资担保费率有什么规定")
VOTE_ACK = "已记录您的反馈"
REASON_ACK = "谢谢！原因已记录。"
ROUNDS = 2
VOTES_BEFORE_KILL = 30  # then a random 0.2–1.5 s more, so the kill lands at a different point each round


@dataclass
class Writer:
    """One browser session voting on one answer again and again; what the server acknowledged."""

    question: str
    votes: list[str] = field(default_factory=list)      # acknowledged, in order
    reasons: list[str] = field(default_factory=list)    # acknowledged, in order; reason k belongs to vote k
    attempted: int = 0
    stopped_by: str = ""

    def run(self, url: str, stop: threading.Event) -> None:
        try:
            with AppClient(url, timeout=30) as client:
                ask_case(client, {"q": self.question})
                like = client.dependency(trigger=("chatbot", "like"))
                while not stop.is_set():
                    vote = "up" if self.attempted % 2 == 0 else "down"
                    reason = f"{self.question}#{self.attempted}"
                    self.attempted += 1
                    liked = client.fire(like, [None], {"index": [1], "value": None, "liked": vote == "up"})
                    if VOTE_ACK not in str(liked.data):
                        self.stopped_by = f"vote not acknowledged: {liked.data}"
                        return
                    self.votes.append(vote)
                    answered = client.call("reason", reason)
                    if answered.data[0] != REASON_ACK:
                        self.stopped_by = f"reason not acknowledged: {answered.data}"
                        return
                    self.reasons.append(reason)
        except RequestFailed as error:  # the kill: the connection drops mid-request
            self.stopped_by = str(error)


@contextlib.contextmanager
def running_app(settings: Settings, log: Path) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """The app on a fresh 127.0.0.1 port over `settings.data_dir`; stopped (if still alive) afterwards."""
    settings = settings.with_overrides(port=app_client.free_port())
    server = app_client.start_server(settings, log)
    url = f"http://127.0.0.1:{settings.port}"
    try:
        app_client.wait_until_ready(url, server)
        yield server, url
    finally:
        app_client.stop_server(server)


def vote_until_killed(server: subprocess.Popen[bytes], url: str, questions: list[str], rng: random.Random) -> list[
        Writer]:
    writers = [Writer(q) for q in questions]
    stop = threading.Event()
    threads = [threading.Thread(target=w.run, args=(url, stop), daemon=True) for w in writers]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 120
    while sum(len(w.votes) for w in writers) < VOTES_BEFORE_KILL and time.monotonic() < deadline:
        assert any(t.is_alive() for t in threads), [w.stopped_by for w in writers]
        time.sleep(0.02)
    time.sleep(rng.uniform(0.2, 1.5))
    os.kill(server.pid, signal.SIGKILL)
    server.wait(10)
    stop.set()
    for thread in threads:
        thread.join(30)
    assert not any(t.is_alive() for t in threads)
    return writers


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_every_acknowledged_vote_survives_the_server_being_killed(session_settings: Settings, tmp_path: Path,
                                                                  backend: str, request: pytest.FixtureRequest) -> None:
    settings = session_settings.with_overrides(data_dir=tmp_path / "data")
    if backend == "postgres":
        settings = settings.with_overrides(feedback_url=request.getfixturevalue("postgres_feedback_url"))
    rng = random.Random(20261123)
    writers: list[Writer] = []
    for round_number in range(ROUNDS):
        with running_app(settings, tmp_path / f"server-{round_number}.log") as (server, url):
            # Each round's questions are its own, so that its rows can be told apart from earlier rounds'.
            questions = [f"{q}（第{round_number + 1}轮）" for q in QUESTIONS]
            writers += vote_until_killed(server, url, questions, rng)
        assert server.returncode == -signal.SIGKILL
        print(f"round {round_number + 1}: acknowledged {[len(w.votes) for w in writers[-3:]]} votes, "
              f"files at kill: {sorted(p.name for p in settings.data_dir.glob('*'))}")

    with running_app(settings, tmp_path / "server-after.log") as (_, url):
        rows = FeedbackStore.for_settings(settings).rows()
        after = Writer("企业上市有什么补助（重启后）")
        stop = threading.Event()
        thread = threading.Thread(target=after.run, args=(url, stop), daemon=True)
        thread.start()
        while not after.reasons and thread.is_alive():
            time.sleep(0.02)
        stop.set()
        thread.join(30)
    assert after.reasons, after.stopped_by  # the restarted app takes votes again

    if backend == "sqlite":
        with contextlib.closing(sqlite3.connect(feedback_path(settings))) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    else:
        assert not feedback_path(settings).exists()  # every vote went to PostgreSQL
    for writer in writers:
        mine = [row for row in rows if row["question"] == writer.question]
        assert writer.votes, writer.stopped_by
        # Every acknowledged vote is there, in order, with its reason when that was acknowledged too;
        # at most the one vote in flight at the kill was stored without its reply reaching the writer.
        assert len(writer.votes) <= len(mine) <= writer.attempted
        assert [row["vote"] for row in mine[: len(writer.votes)]] == writer.votes
        assert [row["reason"] for row in mine[: len(writer.reasons)]] == writer.reasons
    total = sum(len(w.votes) for w in writers)
    assert total >= ROUNDS * VOTES_BEFORE_KILL
    print(f"{total} acknowledged votes over {ROUNDS} kills, all present; {len(rows)} rows in the database")
