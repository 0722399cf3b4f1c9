"""Security defaults: loopback unless configured, optional login, and the LLM key never logged or shown."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import ui
from assistant.settings import Settings, load_settings
from devtools.app_client import AppClient, AppClientError, free_port

# gr.Warning outside a browser session becomes a UserWarning; gradio's pandas calls warn about pandas 4.
pytestmark = [pytest.mark.filterwarnings("ignore::UserWarning"),
              pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning")]

SECRET = "sk-live-7f3a9c1e5b2d4f60-never-show"
PASSWORD = "hotline-pa55-Ωλ"


@contextlib.contextmanager
def launched(bot: Any, settings: Settings) -> Iterator[str]:
    """The real app served in this process (as tests/ui/test_ui.py does); yields its local URL."""
    demo = ui.build_demo(bot, settings)
    _, url, _ = ui.launch(demo, settings, prevent_thread_lock=True, quiet=True)
    try:
        yield url.rstrip("/")
    finally:
        demo.close()


def listening_addresses(port: int) -> set[str]:
    """Local addresses of the LISTEN sockets on `port`, from Linux /proc/net/tcp and tcp6 (kernel hex)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError), open(table) as handle:
            for line in list(handle)[1:]:
                local, state = line.split()[1], line.split()[3]
                address, hex_port = local.rsplit(":", 1)
                if int(hex_port, 16) == port and state == "0A":  # 0A = TCP_LISTEN
                    found.add(address)
    return found


# ---- bind address -------------------------------------------------------------------------------
def test_the_default_host_is_loopback_and_a_setting_can_change_it(tmp_path: Path) -> None:
    assert Settings().host == "127.0.0.1"
    assert load_settings(tmp_path / "absent.toml", environ={}).host == "127.0.0.1"
    assert load_settings(tmp_path / "absent.toml", environ={"POLICY_ASSISTANT_HOST": "0.0.0.0"}).host == "0.0.0.0"


@pytest.mark.slow
def test_the_launched_app_listens_on_127_0_0_1_only(bot: Any, session_settings: Settings, tmp_path: Path) -> None:
    settings = session_settings.with_overrides(data_dir=tmp_path / "data", port=free_port())
    assert settings.host == "127.0.0.1"
    with launched(bot, settings) as url:
        assert url == f"http://127.0.0.1:{settings.port}"
        addresses = listening_addresses(settings.port)
    if not Path("/proc/net/tcp").exists():
        pytest.skip("no /proc/net/tcp to read listening sockets from")
    assert addresses == {"0100007F"}  # 127.0.0.1, little-endian hex; no 0.0.0.0 and no IPv6 socket


# ---- login --------------------------------------------------------------------------------------
@pytest.mark.slow
def test_with_a_login_set_the_api_refuses_strangers_and_serves_the_user(bot: Any, session_settings: Settings,
                                                                      tmp_path: Path) -> None:
    settings = session_settings.with_overrides(data_dir=tmp_path / "data", port=free_port(),
                                               auth_user="hotline", auth_password=PASSWORD)
    with launched(bot, settings) as url:
        stranger = httpx.Client(timeout=10)
        assert stranger.get(f"{url}/config").status_code == 401
        assert stranger.get(f"{url}/gradio_api/info").status_code == 401
        joined = stranger.post(f"{url}/gradio_api/queue/join",
                               json={"data": ["企业上市有什么补助", [], None, None], "fn_index": 0,
                                     "session_hash": "stranger", "trigger_id": None, "event_data": None})
        assert joined.status_code == 401
        assert stranger.post(f"{url}/login", data={"username": "hotline", "password": "guess"}).status_code == 400
        with pytest.raises(AppClientError, match="登录失败"):
            AppClient(url, auth=("hotline", "guess"))
        page = stranger.get(f"{url}/").text
        stranger.close()
        with AppClient(url, auth=("hotline", PASSWORD)) as user:
            messages, box = user.call("ask", "企业上市有什么补助", []).data[:2]
    assert box == "" and messages[-1]["role"] == "assistant"
    assert "上市" in str(messages)
    assert PASSWORD not in page


# ---- secrets ------------------------------------------------------------------------------------
@pytest.mark.slow
def test_the_llm_key_is_never_logged_or_shown(session_settings: Settings, tmp_path: Path,
                                              caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture) -> None:
    from assistant.app import Assistant

    # Nothing listens on the LLM port: every call is refused, the failure path logs, the template answers.
    settings = session_settings.with_overrides(
        data_dir=tmp_path / "data", port=free_port(), llm="openai_like",
        llm_base_url=f"http://127.0.0.1:{free_port()}/v1", llm_model="policy-model", llm_api_key=SECRET,
        llm_timeout_seconds=3.0)
    assert SECRET not in repr(settings) and SECRET not in str(settings)
    caplog.set_level(logging.DEBUG)  # everything any library logs, debug included
    bot = Assistant.load(settings, wait_for_model=True)
    direct = bot.ask("企业上市有什么补助")
    assert "llm call failed" in caplog.text  # the LLM path ran and its failure was logged
    shown: list[str] = [repr(direct.to_dict())]
    with launched(bot, settings) as url:
        with httpx.Client(timeout=10) as browser:
            shown += [browser.get(f"{url}{path}").text for path in ("/", "/config", "/gradio_api/info")]
        with AppClient(url) as client:
            shown.append(repr(client.call("about").data))
            shown.append(repr(client.call("ask", "技改投资3亿元，LPR 3.45%，能拿多少贴息？", []).data))
    out, err = capfd.readouterr()
    assert "政策" in shown[-2] and "2070万元" in shown[-1]
    for place, text in [("log", caplog.text), ("stdout", out), ("stderr", err), *(("page", s) for s in shown)]:
        assert SECRET not in text, place
        assert SECRET[-12:] not in text, place  # nor a recognisable piece of it


def test_the_key_and_password_are_not_in_the_settings_repr() -> None:
    settings = Settings(llm_api_key=SECRET, auth_user="hotline", auth_password=PASSWORD)
    assert SECRET not in repr(settings) and PASSWORD not in repr(settings)
    assert "hotline" in repr(settings)  # the user name is not a secret; it helps to see it
