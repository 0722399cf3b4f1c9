"""The web app as a child process, and a browser-like client of it over plain HTTP.

The app runs as `python ui.py` with the caller's settings passed as environment
variables, so whatever drives it measures or kills the real server process.  The
client speaks gradio's queue protocol as the browser does (POST
/gradio_api/queue/join, then the session's /gradio_api/queue/data event
stream), which also reaches the events the browser uses but gradio_client may
not call (the chatbot's 👍/👎 like event).  Used by the load test and by the
fault and security tests.
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from assistant.errors import AssistantError
from assistant.settings import ENV_PREFIX, PROJECT_ROOT, Settings

STARTUP_SECONDS = 180.0  # imports, index load; the model itself loads in the background
REQUEST_SECONDS = 120.0  # one request, queue wait included
STOP_SECONDS = 10.0


class AppClientError(AssistantError):
    """The app could not be started, reached or logged into."""


class RequestFailed(Exception):
    """One request got no successful reply (HTTP error, timeout, error event, dropped stream)."""


# ---- the app as a process ---------------------------------------------------------------------
def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def settings_environment(settings: Settings) -> dict[str, str]:
    """Every settings field as its POLICY_ASSISTANT_<FIELD> variable, so a child process gets the same settings."""
    environ = {key: value for key, value in os.environ.items() if not key.startswith(ENV_PREFIX)}
    for item in dataclasses.fields(settings):
        if getattr(settings, item.name) is not None:  # unset overrides (dense_weight: calibrated) stay unset
            environ[ENV_PREFIX + item.name.upper()] = str(getattr(settings, item.name))
    # A settings.toml in the project would otherwise be read under the variables; they already say everything.
    environ[ENV_PREFIX + "SETTINGS"] = os.devnull
    environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    environ["PYTHONUNBUFFERED"] = "1"
    return environ


def start_server(settings: Settings, log_path: Path) -> subprocess.Popen[bytes]:
    """`python ui.py` with `settings` (host and port included), its output in `log_path`."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        return subprocess.Popen([sys.executable, str(PROJECT_ROOT / "ui.py")], cwd=PROJECT_ROOT,
                                env=settings_environment(settings), stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)


def wait_until_ready(url: str, server: subprocess.Popen[bytes], timeout: float = STARTUP_SECONDS) -> None:
    """Poll the app's page until it answers; AppClientError if the process exits or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AppClientError(f"网页服务启动失败（退出码 {server.returncode}）")
        try:
            if httpx.get(f"{url}/gradio_api/info", timeout=2.0).status_code in (200, 401):
                return
        except httpx.TransportError:
            pass
        time.sleep(0.25)
    raise AppClientError(f"网页服务 {timeout:.0f} 秒内没有就绪")


def stop_server(server: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL if it is still there after a few seconds."""
    if server.poll() is not None:
        return
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(STOP_SECONDS)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(STOP_SECONDS)


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time the process has used so far (Linux /proc), or None."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_memory_mb(pid: int) -> float | None:
    """The process's peak resident memory (Linux VmHWM), or None where /proc is not there."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


# ---- a client of the running app --------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Outcome:
    """One request's output data, its latency and the server's own handler time."""

    data: list[Any]
    seconds: float
    service_seconds: float


class AppClient:
    """One browser-like user of the app: a session over gradio's queue protocol, on its own connection."""

    def __init__(self, url: str, auth: tuple[str, str] | None = None, timeout: float = REQUEST_SECONDS) -> None:
        self.url, self.timeout = url.rstrip("/"), timeout
        self.http = httpx.Client(timeout=httpx.Timeout(timeout, connect=10.0))
        if auth is not None:
            response = self.http.post(f"{self.url}/login", data={"username": auth[0], "password": auth[1]})
            if response.status_code != 200:
                self.http.close()
                raise AppClientError(f"登录失败（HTTP {response.status_code}）")
        response = self.http.get(f"{self.url}/config")
        if response.status_code != 200:
            self.http.close()
            raise AppClientError(f"读取应用配置失败（HTTP {response.status_code}）")
        self.config: dict[str, Any] = response.json()
        self.session = uuid.uuid4().hex

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> AppClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def new_session(self) -> None:
        """Start over as a new visitor: the server keeps conversation state per session."""
        self.session = uuid.uuid4().hex

    def dependency(self, api_name: str | None = None, trigger: tuple[str, str] | None = None) -> dict[str, Any]:
        """The event listener with that api_name, or the one fired by (component elem_id or type, event)."""
        for found in self.config["dependencies"]:
            if api_name is not None and found.get("api_name") == api_name:
                return dict(found)
            if trigger is not None:
                components = {c["id"]: c for c in self.config["components"]}
                for target, event in found["targets"]:
                    component = components.get(target, {})
                    names = {component.get("type"), component.get("props", {}).get("elem_id")}
                    if event == trigger[1] and trigger[0] in names:
                        return dict(found)
        raise AppClientError(f"应用里没有 {api_name or trigger} 这个事件")

    def call(self, api_name: str, *data: Any) -> Outcome:
        """Call a named endpoint; gr.State inputs are sent as null, as the browser does."""
        dependency = self.dependency(api_name=api_name)
        states = {c["id"] for c in self.config["components"] if c["type"] == "state"}
        values = iter(data)
        payload = [None if i in states else next(values) for i in dependency["inputs"]]
        return self.fire(dependency, payload)

    def fire(self, dependency: dict[str, Any], payload: list[Any], event_data: Any = None) -> Outcome:
        """Join the queue for one event and read this session's stream until it completes."""
        started = time.perf_counter()
        body = {"data": payload, "fn_index": dependency["id"], "trigger_id": dependency["targets"][0][0],
                "session_hash": self.session, "event_data": event_data}
        try:
            joined = self.http.post(f"{self.url}/gradio_api/queue/join", json=body)
            if joined.status_code != 200:
                raise RequestFailed(f"queue/join HTTP {joined.status_code}: {joined.text[:200]}")
            event_id = joined.json()["event_id"]
            with self.http.stream("GET", f"{self.url}/gradio_api/queue/data",
                                  params={"session_hash": self.session}) as stream:
                if stream.status_code != 200:
                    raise RequestFailed(f"queue/data HTTP {stream.status_code}")
                for line in stream.iter_lines():
                    if time.perf_counter() - started > self.timeout:
                        raise RequestFailed(f"no reply within {self.timeout:.0f}s")
                    if not line.startswith("data:"):
                        continue
                    message = json.loads(line[5:])
                    if message.get("msg") == "unexpected_error":
                        raise RequestFailed(f"unexpected_error: {message.get('message')}")
                    if message.get("msg") != "process_completed" or message.get("event_id") != event_id:
                        continue
                    output = message.get("output") or {}
                    if not message.get("success"):
                        raise RequestFailed(f"error event: {output.get('error')}")
                    return Outcome(output["data"], time.perf_counter() - started, float(output.get("duration") or 0))
        except httpx.HTTPError as error:
            raise RequestFailed(f"{type(error).__name__}: {error}") from error
        raise RequestFailed("the event stream ended before the reply")
