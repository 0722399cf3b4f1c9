"""Stateless: two replicas (two `python ui.py` processes on two ports) behind plain round-robin answer a
conversation exactly as one replica does, with each follow-up landing on the other replica."""

from __future__ import annotations

import contextlib
import itertools
import threading
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from assistant.settings import Settings
from devtools import app_client
from tests.app.test_http_api import CONVERSATIONS

pytestmark = pytest.mark.slow


class RoundRobin(ThreadingHTTPServer):
    """The plainest load balancer: request n goes to backend n mod k; no cookies, no stickiness."""

    daemon_threads = True

    def __init__(self, backends: list[str]) -> None:
        self.backends, self.turn, self.served = backends, itertools.cycle(range(len(backends))), Counter[str]()
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), Forward)

    def next_backend(self) -> str:
        with self.lock:
            backend = self.backends[next(self.turn)]
            self.served[backend] += 1
            return backend


class Forward(BaseHTTPRequestHandler):
    server: RoundRobin

    def do_GET(self) -> None:
        self.forward()

    def do_POST(self) -> None:
        self.forward()

    def forward(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        headers = {k: v for k, v in self.headers.items() if k.lower() in ("content-type", "authorization")}
        answer = httpx.request(self.command, self.server.next_backend() + self.path, content=body, headers=headers,
                               timeout=60)
        self.send_response(answer.status_code)
        self.send_header("content-type", answer.headers.get("content-type", "application/json"))
        self.send_header("content-length", str(len(answer.content)))
        self.end_headers()
        self.wfile.write(answer.content)

    def log_message(self, format: str, *args: object) -> None:  # quiet, like the app
        pass


@contextlib.contextmanager
def replica(settings: Settings, log: Path) -> Iterator[str]:
    settings = settings.with_overrides(port=app_client.free_port())
    server = app_client.start_server(settings, log)
    url = f"http://127.0.0.1:{settings.port}"
    try:
        app_client.wait_until_ready(url, server)
        yield url
    finally:
        app_client.stop_server(server)


def converse(url: str) -> list[dict]:
    """Every conversation of the table: the first question, then the follow-up with the history so far."""
    replies = []
    for first, follow_up in CONVERSATIONS:
        reply = httpx.post(f"{url}/api/v1/ask", json={"question": first}, timeout=60).json()
        replies.append(reply)
        if follow_up is not None:
            history = [["user", first], ["assistant", reply["text"]]]
            replies.append(httpx.post(f"{url}/api/v1/ask", json={"question": follow_up, "history": history},
                                      timeout=60).json())
    return replies


def test_two_replicas_behind_round_robin_answer_as_one(session_settings: Settings, tmp_path: Path) -> None:
    settings = session_settings.with_overrides(data_dir=tmp_path / "data")
    with replica(settings, tmp_path / "a.log") as first, replica(settings, tmp_path / "b.log") as second:
        balancer = RoundRobin([first, second])
        thread = threading.Thread(target=balancer.serve_forever, daemon=True)
        thread.start()
        try:
            through = converse(f"http://127.0.0.1:{balancer.server_address[1]}")
        finally:
            balancer.shutdown()
        alone = converse(first)
    assert through == alone
    assert all(set(reply) == {"text", "route", "citations", "calculations", "missing", "total_yuan"}
               for reply in through)
    # Round-robin alternates, so every follow-up was answered by the replica that did not see the question.
    assert balancer.served[first] >= 4 and balancer.served[second] >= 4
    assert sum(balancer.served.values()) == len(through)
