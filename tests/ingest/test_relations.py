"""Relations between documents: an amendment of one clause's figures from a date."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from assistant.answering.calculate import Calculator, RuleChoice
from assistant.answering.quoting import make_citation
from assistant.answering.reply import Reply
from assistant.answering.validity import relation_notices
from assistant.calculator import compute
from assistant.cli import main
from assistant.errors import CorpusError
from assistant.policies.corpus import Corpus, load_corpus

DATA = Path(__file__).parent / "data"
AMENDMENT = {"kind": "amends", "target": "mudanjiang", "clauses": ["5"], "since": "2025-07-01",
             "rules": {"mudanjiang-5-d5": "mudanjiang-rd-2025-1-d1"}}


def corpus_with(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, relation: dict[str, Any]) -> Path:
    """A corpus of the synthetic policy and the notice amending its 第五条, both added with add-policy."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    monkeypatch.setenv("POLICY_ASSISTANT_CORPUS_DIR", str(corpus))
    monkeypatch.setenv("POLICY_ASSISTANT_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("POLICY_ASSISTANT_DATA_DIR", str(tmp_path / "data"))
    assert main(["add-policy", str(DATA / "mudanjiang.txt"), "--yes", "--no-index"]) == 0
    assert main(["add-policy", str(DATA / "mudanjiang-rd-2025.txt"), "--yes", "--no-index"]) == 0
    meta_path = corpus / "mudanjiang-rd-2025.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta_path.write_text(json.dumps({**meta, "relations": [relation]}, ensure_ascii=False), encoding="utf-8")
    return corpus


@pytest.fixture
def amended(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Corpus:
    return load_corpus(corpus_with(tmp_path, monkeypatch, AMENDMENT))


def calculator(corpus: Corpus, today: dt.date) -> Calculator:
    return Calculator(corpus, corpus.rules, None, None, None, lambda: today)  # type: ignore[arg-type]


@pytest.mark.parametrize(("question", "today", "rule_id", "amount"), [
    ("牡丹江年度研发费用800万元能补助多少", dt.date(2025, 6, 30), "mudanjiang-5-d5", 400000.0),
    ("牡丹江年度研发费用800万元能补助多少", dt.date(2025, 7, 1), "mudanjiang-rd-2025-1-d1", 640000.0),
    ("2025年3月研发费用800万元能补助多少", dt.date(2026, 1, 5), "mudanjiang-5-d5", 400000.0),
    ("2025年8月研发费用800万元能补助多少", dt.date(2025, 1, 5), "mudanjiang-rd-2025-1-d1", 640000.0),
])
def test_the_calculator_uses_the_version_in_force_on_the_date_asked_or_today(
    amended: Corpus, question: str, today: dt.date, rule_id: str, amount: float
) -> None:
    for start in ("mudanjiang-5-d5", "mudanjiang-rd-2025-1-d1"):  # whichever the search ranked first
        chosen = calculator(amended, today).in_force(RuleChoice(amended.rules[start], 1.0, 4), question)
        assert chosen.rule.rule_id == rule_id
        assert compute(chosen.rule, {"base": 8_000_000}).amount_yuan == amount


def test_a_clause_answer_names_the_amendment_and_an_old_figure_is_never_shown_as_current(amended: Corpus) -> None:
    clause = amended.clause("mudanjiang", "5")
    assert clause is not None
    old = compute(amended.rules["mudanjiang-5-d5"], {"base": 8_000_000})
    reply = Reply("…", "calculate", (make_citation(clause, clause.text),), (old,))
    before = relation_notices(reply, amended, dt.date(2025, 6, 30))
    after = relation_notices(reply, amended, dt.date(2025, 7, 1))
    assert before == ["另：已收录的《牡丹江市关于调整研发投入补助标准的通知》（自2025年7月1日起）"
                      "修改了本条的金额标准。"]
    assert after[0] == before[0] and "以上金额不是现行标准" in after[1] and "2025年7月1日" in after[1]
    new = compute(amended.rules["mudanjiang-rd-2025-1-d1"], {"base": 8_000_000})
    said = relation_notices(Reply("…", "calculate", (), (new,)), amended, dt.date(2025, 7, 1))
    assert said == ["说明：以上「调整研发投入补助标准补助」按《牡丹江市关于调整研发投入补助标准的通知》"
                    "自2025年7月1日起执行的修改后标准计算（mudanjiang 原规定已被修改）。"]


def test_other_clauses_are_not_touched_by_the_amendment(amended: Corpus) -> None:
    assert amended.related("mudanjiang", "1") == []
    rule = amended.rules["mudanjiang-1-d1"]
    assert amended.rule_in_force(rule, dt.date(2030, 1, 1))[0] is rule


@pytest.mark.parametrize(("relation", "message"), [
    ({**AMENDMENT, "kind": "changes"}, "须有 kind"),
    ({**AMENDMENT, "since": None}, "须给出 since"),
    ({**AMENDMENT, "rules": {"mudanjiang-5-d5": "mudanjiang-9-x"}}, "不是本文件的计算规则"),
    ({**AMENDMENT, "rules": {"mudanjiang-1-d1": "mudanjiang-rd-2025-1-d1"}}, "不属于mudanjiang 被修改的条款"),
    ({**AMENDMENT, "sinse": "2025-07-01"}, "未知字段 sinse"),
])
def test_a_bad_relation_is_refused_by_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, relation: dict[str, Any], message: str
) -> None:
    with pytest.raises(CorpusError, match=message):
        load_corpus(corpus_with(tmp_path, monkeypatch, relation))
