"""The add-policy relation flags: --implements / --amends / --supersedes / --extends-validity with --since /
--until, written into the new document's metadata; a bad flag gets a Chinese message and writes nothing."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from assistant.cli import main
from assistant.settings import Settings

DATA = Path(__file__).parent / "data"


def use(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in (("CORPUS_DIR", settings.corpus_dir), ("INDEX_DIR", settings.index_dir),
                        ("DATA_DIR", settings.data_dir)):
        monkeypatch.setenv(f"POLICY_ASSISTANT_{name}", str(value))
    monkeypatch.setattr("sys.stdin", io.StringIO(""))


def settings_in(root: Path) -> Settings:
    (root / "corpus").mkdir()
    return Settings(corpus_dir=root / "corpus", index_dir=root / "index", data_dir=root / "data")


def test_the_superseding_version_is_written_with_its_relation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = settings_in(tmp_path)
    use(settings, monkeypatch)
    assert main(["add-policy", str(DATA / "mudanjiang.txt"), "--yes", "--no-index"]) == 0
    assert main(["add-policy", str(DATA / "mudanjiang-2026.txt"), "--yes", "--no-index",
                 "--supersedes", "mudanjiang", "--since", "2026-07-01"]) == 0
    meta = json.loads((settings.corpus_dir / "mudanjiang-2026.json").read_text(encoding="utf-8"))
    assert meta["relations"] == [{"kind": "supersedes", "target": "mudanjiang", "since": "2026-07-01"}]


@pytest.mark.parametrize(("flags", "relations"), [
    (["--amends", "mudanjiang:1", "--since", "2025-07-01"],
     [{"kind": "amends", "target": "mudanjiang", "clauses": ["1"], "since": "2025-07-01"}]),
    (["--implements", "mudanjiang:1,5"], [{"kind": "implements", "target": "mudanjiang", "clauses": ["1", "5"]}]),
    (["--extends-validity", "mudanjiang", "--until", "2028-12-31"],
     [{"kind": "extends_validity", "target": "mudanjiang", "until": "2028-12-31"}]),
    (["--implements", "mudanjiang:5", "--amends", "mudanjiang:1", "--since", "2025-07-01"],
     [{"kind": "implements", "target": "mudanjiang", "clauses": ["5"], "since": "2025-07-01"},
      {"kind": "amends", "target": "mudanjiang", "clauses": ["1"], "since": "2025-07-01"}]),
])
def test_relation_flags_are_written_into_the_new_documents_metadata(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    flags: list[str], relations: list[dict[str, object]]
) -> None:
    settings = settings_in(tmp_path)
    use(settings, monkeypatch)
    assert main(["add-policy", str(DATA / "mudanjiang.txt"), "--yes", "--no-index"]) == 0
    capsys.readouterr()
    assert main(["add-policy", str(DATA / "mudanjiang-rd-2025.txt"), "--yes", "--no-index", *flags]) == 0
    assert "关联　　：" in capsys.readouterr().out
    meta = json.loads((settings.corpus_dir / "mudanjiang-rd-2025.json").read_text(encoding="utf-8"))
    assert meta["relations"] == relations


@pytest.mark.parametrize(("flags", "message"), [
    (["--amends", "mudanjiang:1"], "须同时用 --since"),
    (["--extends-validity", "mudanjiang"], "须同时用 --until"),
    (["--amends", "harbin:1", "--since", "2025-07-01"], "政策库中没有 harbin"),
    (["--implements", "mudanjiang:第一条"], "应写成 doc_id 或 doc_id:条款号"),
    (["--supersedes", "mudanjiang", "--since", "2025-13-01"], "--since 应为 YYYY-MM-DD"),
    (["--since", "2025-07-01"], "只与 --implements"),
])
def test_a_bad_relation_flag_gets_a_chinese_message_and_nothing_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    flags: list[str], message: str
) -> None:
    settings = settings_in(tmp_path)
    use(settings, monkeypatch)
    assert main(["add-policy", str(DATA / "mudanjiang.txt"), "--yes", "--no-index"]) == 0
    before = sorted(p.name for p in settings.corpus_dir.iterdir())
    assert main(["add-policy", str(DATA / "mudanjiang-rd-2025.txt"), "--yes", "--no-index", *flags]) != 0
    assert message in capsys.readouterr().err
    assert sorted(p.name for p in settings.corpus_dir.iterdir()) == before
