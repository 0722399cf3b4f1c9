"""A rules file with an unknown key, a wrong type or a missing field is refused, naming file, rule and key.

The case that prompted this: renaming a rule's `cap` to `capp` in corpus/harbin.rules.json was
accepted silently, and 5000万 × 5% was computed with no cap.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from assistant.calculator import NonComputable, Rule, parse_rules
from assistant.errors import CorpusError
from assistant.policies.corpus import ExclusiveTopic, StackingRule, load_corpus
from assistant.settings import PROJECT_ROOT

CAPPED = "harbin-1-key-project"  # 「按其年度实际固定资产投资额的5%，给予最高不超过2000万元补助」


def _rule(data: dict[str, Any], rule_id: str = CAPPED) -> dict[str, Any]:
    return next(r for r in data["rules"] if r["rule_id"] == rule_id)


def _rename_cap(data: dict[str, Any]) -> None:
    rule = _rule(data)
    rule["capp"] = rule.pop("cap")


def _cap_as_text(data: dict[str, Any]) -> None:
    _rule(data)["cap"] = "五百万"


def _drop_quote(data: dict[str, Any]) -> None:
    del _rule(data)["quote"]


def _param_typo(data: dict[str, Any]) -> None:
    _rule(data)["params"][0]["requried"] = True


def _condition_flag_as_text(data: dict[str, Any]) -> None:
    rule = next(r for r in data["rules"] if r.get("conditions"))
    rule["conditions"][0]["inclusive"] = "含"


def _audience_typo(data: dict[str, Any]) -> None:
    _rule(data)["audience"]["mention"] = ["重点项目"]


def _audience_unknown_fact(data: dict[str, Any]) -> None:
    _rule(data)["audience"]["requires"] = ["规上"]


# (change, rule_id named in the message, key named in the message)
BAD: dict[str, tuple[Callable[[dict[str, Any]], None], str, str]] = {
    "unknown key (capp)": (_rename_cap, CAPPED, "未知字段 'capp'"),
    "wrong type": (_cap_as_text, CAPPED, "字段 'cap' 应为数字"),
    "missing field": (_drop_quote, CAPPED, "缺少字段 'quote'"),
    "unknown key inside a parameter": (_param_typo, CAPPED, "requried"),
    "unknown key in who a rule is for": (_audience_typo, CAPPED, "未知字段 'audience.mention'"),
    "a company fact that does not exist": (_audience_unknown_fact, CAPPED, "audience.requires"),
}


def test_every_rule_says_who_it_is_for() -> None:
    corpus = load_corpus(PROJECT_ROOT / "corpus")
    assert all(rule.audience.mentions for rule in corpus.rules.values())
    output = corpus.rules["harbin-2-output-growth"].audience
    assert set(output.requires) == {"manufacturing", "above_scale"} and ("above_scale", "above_scale") in output.sets


def _harbin_rules() -> dict[str, Any]:
    return json.loads((PROJECT_ROOT / "corpus" / "harbin.rules.json").read_text(encoding="utf-8"))


def _damaged_corpus(tmp_path: Path, change: Callable[[dict[str, Any]], None]) -> Path:
    corpus_dir = tmp_path / "corpus"
    shutil.copytree(PROJECT_ROOT / "corpus", corpus_dir)
    data = _harbin_rules()
    change(data)
    (corpus_dir / "harbin.rules.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return corpus_dir


def test_the_shipped_rules_files_pass_the_strict_check() -> None:
    assert len(parse_rules(_harbin_rules())) > 0


@pytest.mark.parametrize(("change", "rule_id", "key"), BAD.values(), ids=BAD.keys())
def test_parse_rules_refuses_a_bad_key_naming_the_rule_and_the_key(
    change: Callable[[dict[str, Any]], None], rule_id: str, key: str
) -> None:
    data = _harbin_rules()
    change(data)
    with pytest.raises(ValueError) as raised:
        parse_rules(data)
    message = str(raised.value)
    assert f"规则 {rule_id}：" in message and key in message, message
    assert "\n" not in message


def test_a_condition_flag_given_as_text_is_refused() -> None:
    data = _harbin_rules()
    _condition_flag_as_text(data)
    with pytest.raises(ValueError, match="inclusive' 应为 true 或 false"):
        parse_rules(data)


def test_the_corpus_carries_the_rules_parsed_once_and_typed() -> None:
    corpus = load_corpus(PROJECT_ROOT / "corpus")
    expected = {rule.rule_id for rule in parse_rules(_harbin_rules())}
    assert expected <= set(corpus.rules)
    assert all(isinstance(rule, Rule) for rule in corpus.rules.values())
    assert all(isinstance(item, NonComputable) for items in corpus.no_amount.values() for item in items)
    harbin = corpus.document("harbin")
    assert harbin is not None
    topics = [topic for rule in harbin.stacking for topic in rule.topics]
    assert all(isinstance(rule, StackingRule) for rule in harbin.stacking)
    assert "流贷贴息" in [t.name for t in topics] and all(isinstance(t, ExclusiveTopic) for t in topics)


@pytest.mark.parametrize(("change", "rule_id", "key"), BAD.values(), ids=BAD.keys())
def test_loading_the_corpus_stops_at_a_bad_rules_file(
    tmp_path: Path, change: Callable[[dict[str, Any]], None], rule_id: str, key: str
) -> None:
    with pytest.raises(CorpusError) as raised:
        load_corpus(_damaged_corpus(tmp_path, change))
    message = str(raised.value)
    assert message.startswith(f"harbin.rules.json：规则 {rule_id}：") and key in message, message


@pytest.mark.parametrize(("change", "rule_id", "key"), BAD.values(), ids=BAD.keys())
def test_the_cli_exits_non_zero_with_one_chinese_line(
    tmp_path: Path, change: Callable[[dict[str, Any]], None], rule_id: str, key: str
) -> None:
    corpus_dir = _damaged_corpus(tmp_path, change)
    environment = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYTHONPATH": str(PROJECT_ROOT),
                   "POLICY_ASSISTANT_CORPUS_DIR": str(corpus_dir),
                   "POLICY_ASSISTANT_INDEX_DIR": str(tmp_path / "index"),
                   "POLICY_ASSISTANT_DATA_DIR": str(tmp_path / "data")}
    done = subprocess.run([sys.executable, "-m", "assistant", "ask", "哈尔滨重点项目设备投资5000万能补多少"],
                          cwd=PROJECT_ROOT, env=environment, capture_output=True, text=True, timeout=120)
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode == 2 and done.stdout == "", done.stderr
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"错误：harbin.rules.json：规则 {rule_id}：") and key in lines[0], lines[0]
    assert not (tmp_path / "index").exists()  # nothing was built from a bad rules file
