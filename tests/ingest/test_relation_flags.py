"""The add-policy relation flags: --implements / --amends / --supersedes / --extends-validity with --since /
--until, written into the new document's metadata; a bad flag gets a Chinese message and writes nothing."""

from __future__ import annotations

import datetime as dt
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


# ---- --amends DOC:条款 maps the amended clause's rules to the new ones ------------------------------------
RESEARCH = "牡丹江年度研发费用800万元能补助多少"  # 第五条: 800万 × 5% = 40万; the 2025 notice: 800万 × 8% = 64万


def calculated(corpus_dir: Path, question: str, today: dt.date) -> tuple[str, float]:
    from assistant.answering.calculate import Calculator, RuleChoice
    from assistant.calculator import compute
    from assistant.policies.corpus import load_corpus

    corpus = load_corpus(corpus_dir)
    calculator = Calculator(corpus, corpus.rules, None, None, None, lambda: today)  # type: ignore[arg-type]
    chosen = calculator.in_force(RuleChoice(corpus.rules["mudanjiang-5-d5"], 1.0, 4), question)
    return chosen.rule.rule_id, compute(chosen.rule, {"base": 8_000_000}).amount_yuan


@pytest.mark.parametrize(("question", "today", "rule_id", "amount"), [
    (RESEARCH, dt.date(2025, 6, 30), "mudanjiang-5-d5", 400_000.0),  # the day before the amendment
    (RESEARCH, dt.date(2025, 7, 1), "mudanjiang-rd-2025-1-d1", 640_000.0),  # from its date
    ("2025年3月" + RESEARCH, dt.date(2026, 1, 5), "mudanjiang-5-d5", 400_000.0),
    # a year alone is its last day (answering/dates.py): 2024 before the amendment, 2025 after it
    ("2024年时" + RESEARCH, dt.date(2026, 1, 5), "mudanjiang-5-d5", 400_000.0),
    ("按2025年的标准，" + RESEARCH, dt.date(2024, 3, 1), "mudanjiang-rd-2025-1-d1", 640_000.0),
])
def test_an_amendment_added_for_one_clause_changes_the_amount_from_its_date_and_not_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    question: str, today: dt.date, rule_id: str, amount: float
) -> None:
    settings = settings_in(tmp_path)
    use(settings, monkeypatch)
    assert main(["add-policy", str(DATA / "mudanjiang.txt"), "--yes", "--no-index"]) == 0
    assert main(["add-policy", str(DATA / "mudanjiang-rd-2025.txt"), "--yes", "--no-index",
                 "--amends", "mudanjiang:5", "--since", "2025-07-01"]) == 0
    assert "规则 mudanjiang-5-d5 改按 mudanjiang-rd-2025-1-d1 计算" in capsys.readouterr().out
    meta = json.loads((settings.corpus_dir / "mudanjiang-rd-2025.json").read_text(encoding="utf-8"))
    assert meta["relations"] == [{"kind": "amends", "target": "mudanjiang", "clauses": ["5"], "since": "2025-07-01",
                                  "rules": {"mudanjiang-5-d5": "mudanjiang-rd-2025-1-d1"}}]
    assert calculated(settings.corpus_dir, question, today) == (rule_id, amount)


def test_an_amendment_of_a_clause_with_no_rule_of_the_same_shape_maps_nothing_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = settings_in(tmp_path)
    use(settings, monkeypatch)
    assert main(["add-policy", str(DATA / "mudanjiang.txt"), "--yes", "--no-index"]) == 0
    # the notice's 研发费用 rule is not the 设备投资额 rule of 第一条: no guess
    assert main(["add-policy", str(DATA / "mudanjiang-rd-2025.txt"), "--yes", "--no-index",
                 "--amends", "mudanjiang:1", "--since", "2025-07-01"]) == 0
    out = capsys.readouterr().out
    assert "被修改条款的计算规则 mudanjiang-1-d1" in out and "没有同样算法的对应：计算器仍按原标准计算" in out
    meta = json.loads((settings.corpus_dir / "mudanjiang-rd-2025.json").read_text(encoding="utf-8"))
    assert "rules" not in meta["relations"][0]
    assert calculated(settings.corpus_dir, RESEARCH, dt.date(2026, 1, 5))[0] == "mudanjiang-5-d5"
