"""The load test's own code, small: the real app in its own process, concurrent clients, replies checked.

The full run with its figures is `python -m assistant loadtest` (docs/operating.md);
this one proves that the code path works and that concurrency changes no reply.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.settings import PROJECT_ROOT, Settings
from devtools.evaluation import read_cases
from devtools.loadtest import format_report, run_loadtest

pytestmark = pytest.mark.slow

FOLLOW_UP = "d031"  # 「投资额是8000万，LPR 3.45%」 after 「技术改造项目贴息政策是怎样的」


def five_cases() -> list[dict]:
    """A lookup, the follow-up with its earlier turn, and three calculation or eligibility questions."""
    cases = read_cases(PROJECT_ROOT / "tests" / "eval" / "dev.jsonl")
    picked = [c for c in cases if c["id"] in ("d001", FOLLOW_UP)]
    return picked + [c for c in cases if c["kind"] != "lookup" and not c.get("pre")][:3]


def test_four_concurrent_clients_get_the_single_user_replies(session_settings: Settings, tmp_path: Path) -> None:
    cases = five_cases()
    assert len(cases) == 5
    report = run_loadtest(session_settings, cases, [4], questions=5, overall_seconds=300,
                          log_path=tmp_path / "server.log")
    print(format_report(report))
    run = report.runs[0]
    assert report.reference.errors == [] and report.reference.mismatches == []
    assert run.errors == [] and run.mismatches == []
    # 4 clients × 5 cases, the follow-up asking its earlier turn first: 4 × 6 requests.
    assert run.requests == 24 and len(run.latencies) == 24
    assert report.ok
    # The reference is meaningful: the follow-up was answered with its earlier turn (8000万 × 3.45% × 1年).
    first_turn, second_turn = report.replies[FOLLOW_UP]
    assert len(second_turn[0]) > len(first_turn[0])
    assert "276万元" in json.dumps(second_turn[0][len(first_turn[0]):], ensure_ascii=False)


# gradio's own pandas calls warn about pandas 4; they say nothing about this app.
@pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning")
def test_a_reply_that_differs_from_the_reference_is_counted(bot, session_settings: Settings, tmp_path: Path) -> None:
    """The comparison is not vacuous: one changed character in the reference makes every such reply a mismatch."""
    import time

    import ui
    from devtools.app_client import free_port
    from devtools.loadtest import reference_replies, run_clients

    settings = session_settings.with_overrides(data_dir=tmp_path / "data", port=free_port())
    demo = ui.build_demo(bot, settings)
    _, url, _ = ui.launch(demo, settings, prevent_thread_lock=True, quiet=True)
    try:
        cases = five_cases()[:2]
        reference, single = reference_replies(url, cases, None)
        assert single.errors == [] and set(reference) == {"d001", FOLLOW_UP}
        tampered = {**reference, FOLLOW_UP: json.loads(json.dumps(reference[FOLLOW_UP]).replace("276", "277"))}
        run = run_clients(url, cases, 2, 2, tampered, time.monotonic() + 120)
    finally:
        demo.close()
    assert run.errors == []
    assert sorted(m.split()[-1] for m in run.mismatches) == [FOLLOW_UP, FOLLOW_UP]


def test_the_api_protocol_runs_beside_the_page_and_replays_follow_ups_with_history(session_settings: Settings,
                                                                                  tmp_path: Path) -> None:
    cases = five_cases()
    report = run_loadtest(session_settings, cases, [4], questions=5, overall_seconds=300,
                          log_path=tmp_path / "server.log", protocols=("page", "api"))
    table = format_report(report)
    print(table)
    assert report.ok, table
    assert [run.protocol for run in report.references] == ["page", "api"]
    assert [(run.protocol, run.clients, run.requests) for run in report.runs] == [("page", 4, 24), ("api", 4, 24)]
    assert " api " in table and " page " in table
    # The API's reference is Reply.to_dict(); the follow-up was answered with its earlier turn as history.
    api = report.references[1]
    assert api.errors == [] and api.mismatches == []


@pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning")
def test_an_api_reply_that_differs_from_the_reference_is_counted(bot, session_settings: Settings,
                                                                 tmp_path: Path) -> None:
    import time

    import ui
    from devtools.app_client import free_port
    from devtools.loadtest import reference_replies, run_clients

    settings = session_settings.with_overrides(data_dir=tmp_path / "data", port=free_port())
    demo = ui.build_demo(bot, settings)
    _, url, _ = ui.launch(demo, settings, prevent_thread_lock=True, quiet=True)
    try:
        cases = five_cases()[:2]
        reference, single = reference_replies(url.rstrip("/"), cases, None, "api")
        assert single.errors == [] and set(reference) == {"d001", FOLLOW_UP}
        first_turn, second_turn = reference[FOLLOW_UP]
        assert second_turn[0] == bot.ask(cases[1]["q"], history=[("user", cases[1]["pre"][0]),
                                                                 ("assistant", first_turn[0]["text"])]).to_dict()
        assert "276万元" in second_turn[0]["text"]
        tampered = {**reference, FOLLOW_UP: json.loads(json.dumps(reference[FOLLOW_UP]).replace("276", "277"))}
        run = run_clients(url.rstrip("/"), cases, 2, 2, tampered, time.monotonic() + 120, protocol="api")
    finally:
        demo.close()
    assert run.errors == []
    assert sorted(m.split()[-1] for m in run.mismatches) == [FOLLOW_UP, FOLLOW_UP]
