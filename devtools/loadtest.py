"""`python -m assistant loadtest`: the real web app under concurrent clients.

The app runs as its own process (`python ui.py` on a free 127.0.0.1 port), so
the figures are the server's, not a test harness's.  Clients speak gradio's
queue protocol over plain HTTP as the browser does (devtools.app_client), which
keeps the load generator thin on a two-core machine.

First every case is asked once, one at a time: those replies are the reference.
Then each client count runs that many clients at once, each asking its share of
the cases in a fresh session (multi-turn cases replay their `pre` turns first),
and every reply must equal the reference.  Exit status 1 on any error or
mismatch.

`--protocol api` speaks the JSON HTTP API instead (POST /api/v1/ask, the history sent by the
client), and `--protocol both` runs page and API side by side against the same server in the same
run: for each client count, the page's clients, then the API's.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import math
import os
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx

from assistant.errors import AssistantError
from assistant.settings import Settings
from devtools.app_client import (
    REQUEST_SECONDS,
    AppClient,
    AppClientError,
    Outcome,
    RequestFailed,
    cpu_seconds,
    free_port,
    peak_memory_mb,
    start_server,
    stop_server,
    wait_until_ready,
)
from devtools.evaluation import read_cases

OVERALL_SECONDS = 1800.0  # the whole command, every client count included
PROTOCOLS = ("page", "api")


# ---- one conversation, one run ----------------------------------------------------------------
def ask_case(client: AppClient, case: dict[str, Any]) -> list[Outcome]:
    """A fresh session asks the case's `pre` turns, then its question, each with the chat shown so far."""
    client.new_session()
    outcomes: list[Outcome] = []
    messages: list[Any] = []
    for question in [*case.get("pre", []), case["q"]]:
        outcome = client.call("ask", question, messages)
        messages = outcome.data[0]
        outcomes.append(outcome)
    return outcomes


class ApiClient:
    """One user of the JSON API (assistant/http_api.py) on its own connection; the history is the client's."""

    def __init__(self, url: str, auth: tuple[str, str] | None = None, timeout: float = REQUEST_SECONDS) -> None:
        self.http = httpx.Client(base_url=url, auth=auth, timeout=timeout)

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.http.close()

    def ask(self, question: str, history: list[list[str]]) -> Outcome:
        started = time.perf_counter()
        try:
            response = self.http.post("/api/v1/ask", json={"question": question, "history": history})
        except httpx.HTTPError as error:
            raise RequestFailed(f"{type(error).__name__}: {error}") from error
        seconds = time.perf_counter() - started
        if response.status_code != 200:
            raise RequestFailed(f"HTTP {response.status_code}: {response.text[:200]}")
        return Outcome([response.json()], seconds, seconds)


def ask_api_case(client: ApiClient, case: dict[str, Any]) -> list[Outcome]:
    """The case's `pre` turns, then its question, each sent with the conversation so far as `history`."""
    outcomes: list[Outcome] = []
    history: list[list[str]] = []
    for question in [*case.get("pre", []), case["q"]]:
        outcome = client.ask(question, history)
        history += [["user", question], ["assistant", outcome.data[0]["text"]]]
        outcomes.append(outcome)
    return outcomes


def _session(protocol: str, url: str, auth: tuple[str, str] | None) -> tuple[Any, Any]:
    """(a client for `protocol`, the function that asks one case with it)."""
    if protocol == "api":
        return ApiClient(url, auth), ask_api_case
    return AppClient(url, auth), ask_case


@dataclasses.dataclass
class RunResult:
    """What one client count produced."""

    clients: int
    protocol: str = "page"
    latencies: list[float] = dataclasses.field(default_factory=list)
    service: list[float] = dataclasses.field(default_factory=list)
    errors: list[str] = dataclasses.field(default_factory=list)
    mismatches: list[str] = dataclasses.field(default_factory=list)
    wall_seconds: float = 0.0
    server_cpu_seconds: float | None = None

    @property
    def requests(self) -> int:
        return len(self.latencies) + len(self.errors)

    def row(self) -> dict[str, Any]:
        """The figures printed in the table (milliseconds, requests per second)."""
        return {"protocol": self.protocol, "clients": self.clients, "requests": self.requests,
                "wall_s": round(self.wall_seconds, 1),
                "req_per_s": round(len(self.latencies) / self.wall_seconds, 1) if self.wall_seconds else 0.0,
                "p50_ms": percentile_ms(self.latencies, 0.50), "p95_ms": percentile_ms(self.latencies, 0.95),
                "p99_ms": percentile_ms(self.latencies, 0.99),
                "service_p50_ms": percentile_ms(self.service, 0.50),
                "server_cpu": f"{self.server_cpu_seconds / self.wall_seconds:.0%}"
                if self.server_cpu_seconds is not None and self.wall_seconds else "-",
                "errors": len(self.errors), "mismatches": len(self.mismatches)}


def percentile_ms(seconds: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile in milliseconds (0 for no samples)."""
    if not seconds:
        return 0.0
    ordered = sorted(seconds)
    return round(ordered[max(0, math.ceil(fraction * len(ordered)) - 1)] * 1000, 1)


def case_key(case: dict[str, Any]) -> str:
    return str(case.get("id") or json.dumps([case.get("pre", []), case["q"]], ensure_ascii=False))


def reference_replies(url: str, cases: Sequence[dict[str, Any]], auth: tuple[str, str] | None,
                      protocol: str = "page") -> tuple[dict[str, list[list[Any]]], RunResult]:
    """Each case asked once by a single user: the replies every concurrent run must reproduce."""
    reference: dict[str, list[list[Any]]] = {}
    result = RunResult(clients=1, protocol=protocol)
    started = time.perf_counter()
    client, ask = _session(protocol, url, auth)
    with client:
        for case in cases:
            try:
                outcomes = ask(client, case)
            except RequestFailed as error:
                result.errors.append(f"{case_key(case)}: {error}")
                continue
            reference[case_key(case)] = [o.data for o in outcomes]
            result.latencies += [o.seconds for o in outcomes]
            result.service += [o.service_seconds for o in outcomes]
    result.wall_seconds = time.perf_counter() - started
    return reference, result


def run_clients(url: str, cases: Sequence[dict[str, Any]], clients: int, questions: int,
                reference: dict[str, list[list[Any]]], deadline: float,
                auth: tuple[str, str] | None = None, protocol: str = "page") -> RunResult:
    """`clients` users at once, each asking `questions` cases (client c starts at case c × questions)."""
    result = RunResult(clients=clients, protocol=protocol)
    lock = threading.Lock()
    ready = threading.Barrier(clients + 1)

    def user(number: int) -> None:
        try:
            client, ask = _session(protocol, url, auth)
        except (AppClientError, httpx.HTTPError) as error:
            with lock:
                result.errors.append(f"client {number}: {error}")
            ready.abort()
            return
        with client:
            try:
                ready.wait(REQUEST_SECONDS)
            except threading.BrokenBarrierError:
                return
            for turn in range(questions):
                case = cases[(number * questions + turn) % len(cases)]
                if time.monotonic() > deadline:
                    with lock:
                        result.errors.append(f"client {number}: overall time limit reached")
                    return
                try:
                    outcomes = ask(client, case)
                except RequestFailed as error:
                    with lock:
                        result.errors.append(f"client {number} {case_key(case)}: {error}")
                    continue
                with lock:
                    result.latencies += [o.seconds for o in outcomes]
                    result.service += [o.service_seconds for o in outcomes]
                    if [o.data for o in outcomes] != reference.get(case_key(case)):
                        result.mismatches.append(f"client {number} {case_key(case)}")

    threads = [threading.Thread(target=user, args=(n,), name=f"load-client-{n}", daemon=True)
               for n in range(clients)]
    for thread in threads:
        thread.start()
    with contextlib.suppress(threading.BrokenBarrierError):
        ready.wait(REQUEST_SECONDS)
    started = time.perf_counter()
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()) + REQUEST_SECONDS)
    result.wall_seconds = time.perf_counter() - started
    stuck = sum(thread.is_alive() for thread in threads)
    if stuck:
        result.errors.append(f"{stuck} clients still waiting at the time limit")
    return result


def charge_cpu(run: RunResult, pid: int | None, before: float | None) -> float | None:
    """Record on `run` the server CPU time used since `before`; returns the counter now."""
    now = cpu_seconds(pid) if pid else None
    if before is not None and now is not None:
        run.server_cpu_seconds = now - before
    return now


@dataclasses.dataclass
class LoadReport:
    """The reference run, one run per client count, the server's peak memory and the reference replies."""

    reference: RunResult
    runs: list[RunResult]
    server_peak_mb: float | None
    replies: dict[str, list[list[Any]]]
    references: list[RunResult] = dataclasses.field(default_factory=list)  # one per protocol

    @property
    def ok(self) -> bool:
        return not any(run.errors or run.mismatches for run in [self.reference, *self.references, *self.runs])


def run_loadtest(settings: Settings, cases: Sequence[dict[str, Any]], client_counts: Sequence[int],
                 questions: int, overall_seconds: float = OVERALL_SECONDS,
                 log_path: Path | None = None, url: str | None = None,
                 protocols: Sequence[str] = ("page",)) -> LoadReport:
    """Start the app on a free 127.0.0.1 port, measure, stop it; feedback goes to a temporary data_dir.

    With `url`, measure an app that is already running there instead (e.g. replicas behind a reverse
    proxy); the server's CPU and memory are then not known here.
    """
    if not cases:
        raise AssistantError("没有可用的测试问题")
    deadline = time.monotonic() + overall_seconds
    auth = (settings.auth_user, settings.auth_password) if settings.auth_user else None
    if url is not None:
        return measure(url.rstrip("/"), None, cases, client_counts, questions, deadline, auth, protocols)
    with tempfile.TemporaryDirectory(prefix="loadtest-") as scratch:
        served = settings.with_overrides(host="127.0.0.1", port=free_port(), data_dir=Path(scratch) / "data")
        log_path = log_path or Path(scratch) / "server.log"
        server = start_server(served, log_path)
        try:
            try:
                wait_until_ready(f"http://127.0.0.1:{served.port}", server)
            except AppClientError:
                sys.stderr.write(log_path.read_text(encoding="utf-8", errors="replace")[-3000:])
                raise
            return measure(f"http://127.0.0.1:{served.port}", server.pid, cases, client_counts, questions,
                           deadline, auth, protocols)
        finally:
            stop_server(server)


def measure(url: str, pid: int | None, cases: Sequence[dict[str, Any]], client_counts: Sequence[int],
            questions: int, deadline: float, auth: tuple[str, str] | None,
            protocols: Sequence[str] = ("page",)) -> LoadReport:
    """The reference pass, then one run per client count and protocol, against the app at `url`.

    `report.reference`/`report.replies` are the first protocol's; each protocol's own reference is in
    `report.references` (runs are compared with the reference of their protocol).
    """
    references: dict[str, tuple[dict[str, list[list[Any]]], RunResult]] = {}
    before = cpu_seconds(pid) if pid else None
    for protocol in protocols:
        # The first pass waits for the embedding model (it loads in the background) and warms caches;
        # the second is the reference, and must equal the first.
        first, _ = reference_replies(url, cases, auth, protocol)
        before = cpu_seconds(pid) if pid else None
        reference, single = reference_replies(url, cases, auth, protocol)
        single.mismatches += [key for key in reference if first.get(key) != reference[key]]
        before = charge_cpu(single, pid, before)
        references[protocol] = (reference, single)
    runs: list[RunResult] = []
    for count in client_counts:
        for protocol in protocols:
            reference = references[protocol][0]
            runs.append(run_clients(url, cases, count, questions, reference, deadline, auth, protocol))
            before = charge_cpu(runs[-1], pid, before)
    main_reference, main_single = references[protocols[0]]
    return LoadReport(main_single, runs, peak_memory_mb(pid) if pid else None, main_reference,
                      [single for _, single in references.values()])


def format_report(report: LoadReport) -> str:
    """The table, then the first few errors and mismatches."""
    header = ("protocol", "clients", "requests", "wall_s", "req_per_s", "p50_ms", "p95_ms", "p99_ms", "service_p50_ms",
              "server_cpu", "errors", "mismatches")
    singles = report.references or [report.reference]
    rows = [*(single.row() for single in singles), *(run.row() for run in report.runs)]
    for row in rows[: len(singles)]:
        row["clients"] = "1 (ref)"
    widths = [max(len(name), *(len(str(row[name])) for row in rows)) for name in header]
    lines = ["  ".join(name.rjust(width) for name, width in zip(header, widths, strict=True))]
    lines += ["  ".join(str(row[name]).rjust(width) for name, width in zip(header, widths, strict=True))
              for row in rows]
    if report.server_peak_mb is not None:
        lines.append(f"server peak RSS: {report.server_peak_mb} MB")
    for run in [*singles, *report.runs]:
        lines += [f"error ({run.clients} clients): {e}" for e in run.errors[:5]]
        lines += [f"mismatch ({run.clients} clients): {m}" for m in run.mismatches[:5]]
    return "\n".join(lines)


def load_average() -> str:
    """The 1/5/15-minute load averages, or "-" where the OS does not report them."""
    try:
        return "/".join(f"{value:.1f}" for value in os.getloadavg())
    except OSError:
        return "-"


def run_loadtest_command(args: argparse.Namespace, settings: Settings) -> int:
    """The CLI subcommand: print the figures; exit 1 on any error or mismatch."""
    if not args.cases.exists():
        raise AssistantError(f"找不到测试问题文件 {args.cases}")
    if min(args.clients) < 1 or args.questions < 1:
        raise AssistantError("客户端数和每个客户端的提问数都至少为 1")
    cases = read_cases(args.cases)
    protocol = getattr(args, "protocol", None) or "page"
    protocols = PROTOCOLS if protocol == "both" else (protocol,)
    print(f"protocol {'+'.join(protocols)}; "
          f"cases: {len(cases)} from {args.cases}; clients {' '.join(map(str, args.clients))} × {args.questions} "
          f"questions; concurrency_limit {settings.concurrency_limit}; cpu {os.cpu_count()}; llm {settings.llm}; "
          f"load average {load_average()}", flush=True)
    started = time.perf_counter()
    # --url and --timeout are read if the parser offers them: measure a running deployment, bound the run.
    report = run_loadtest(settings, cases, args.clients, args.questions,
                          overall_seconds=float(getattr(args, "timeout", None) or OVERALL_SECONDS),
                          url=getattr(args, "url", None), protocols=protocols)
    print(format_report(report))
    # Other work on the machine shares the same cores: the load average says how quiet it was.
    print(f"total {time.perf_counter() - started:.0f}s; load average {load_average()}")
    return 0 if report.ok else 1
