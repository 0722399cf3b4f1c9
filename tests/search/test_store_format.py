"""The index's own serving format (format 4): units.json + vectors.npy, and what a build recomputes."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from assistant.errors import CorruptIndexError, StaleIndexError
from assistant.policies.corpus import load_corpus
from assistant.search import calibration
from assistant.search.index_store import (
    BUILD_COMMAND,
    FORMAT_VERSION,
    UNITS,
    VECTORS,
    build_index,
    collect_units,
    lexical_text,
    load_index,
    read_manifest,
)
from assistant.search.retriever import ChineseTokenizer
from assistant.search.token_cache import TokenCache
from assistant.settings import Settings
from devtools.synthetic_corpus import cities, write_copy


def _build_dir(settings: Settings) -> Path:
    return settings.index_dir / "builds" / (settings.index_dir / "CURRENT").read_text().strip()


def test_the_build_holds_units_and_float32_unit_vectors_retrieval_units_first(session_settings: Settings) -> None:
    corpus = load_corpus(session_settings.corpus_dir)
    build = _build_dir(session_settings)
    assert not list(build.glob("*vector_store*.json")) and not (build / "docstore.json").exists()
    stored = json.loads((build / UNITS).read_text(encoding="utf-8"))
    vectors = np.load(build / VECTORS)
    assert vectors.dtype == np.float32 and vectors.shape == (len(stored["units"]), 384)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    index = load_index(session_settings, corpus)
    assert {u.node_id for u in index.units} == {u.node_id for u in collect_units(corpus)}
    kinds = [u.kind for u in index.units]
    assert kinds.index("rule") == kinds.count("clause") + kinds.count("sentence")  # the rules come last
    assert read_manifest(session_settings)["format_version"] == FORMAT_VERSION == 4


def test_a_damaged_vector_file_is_refused_then_rebuilt(private_index: Settings) -> None:
    corpus = load_corpus(private_index.corpus_dir)
    path = _build_dir(private_index) / VECTORS
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(CorruptIndexError, match=f"{VECTORS} 缺失或已损坏，请运行 {BUILD_COMMAND} 重建"):
        load_index(private_index, corpus)
    build_index(private_index, corpus, report=lambda _: None)
    manifest = read_manifest(private_index)
    assert manifest["units_embedded"] == 0 and manifest["units_tokenised"] == 0  # both caches still hold them
    assert load_index(private_index, corpus).vectors.shape[0] == len(collect_units(corpus))


def test_a_vector_file_of_the_wrong_shape_is_refused(private_index: Settings) -> None:
    build = _build_dir(private_index)
    np.save(build / VECTORS, np.zeros((3, 384), dtype=np.float32))
    manifest = json.loads((build / "manifest.json").read_text(encoding="utf-8"))
    manifest["files"][VECTORS] = hashlib.sha256((build / VECTORS).read_bytes()).hexdigest()
    (build / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(CorruptIndexError, match=f"索引无法读取.*{VECTORS}.*{BUILD_COMMAND}"):
        load_index(private_index, load_corpus(private_index.corpus_dir))


def test_an_index_of_the_old_format_is_refused_naming_both_versions(private_index: Settings) -> None:
    path = _build_dir(private_index) / "manifest.json"
    path.write_text(json.dumps({**json.loads(path.read_text(encoding="utf-8")), "format_version": 3}),
                    encoding="utf-8")
    with pytest.raises(StaleIndexError, match=f"此索引为第 3 版，本程序读第 4 版）.*{BUILD_COMMAND}"):
        load_index(private_index, load_corpus(private_index.corpus_dir))


def test_adding_a_policy_embeds_and_tokenises_only_its_units_and_keeps_the_calibration(
    private_index: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    before_corpus = load_corpus(private_index.corpus_dir)
    before = read_manifest(private_index)
    embedded_before = {u.text for u in collect_units(before_corpus)}
    lexical_before = {lexical_text(before_corpus, u) for u in collect_units(before_corpus) if u.kind != "rule"}
    write_copy(private_index.corpus_dir, private_index.corpus_dir, cities(1)[0])  # 齐齐哈尔市
    corpus = load_corpus(private_index.corpus_dir)
    units = collect_units(corpus)
    new_embedded = {u.text for u in units} - embedded_before
    new_lexical = {lexical_text(corpus, u) for u in units if u.kind != "rule"} - lexical_before
    assert 0 < len(new_lexical) <= len(new_embedded) < 100
    runs: list[int] = []
    real_calibrate = calibration.calibrate
    monkeypatch.setattr(calibration, "calibrate", lambda *a, **k: runs.append(1) or real_calibrate(*a, **k))
    lines: list[str] = []
    build_index(private_index, corpus, report=lines.append)
    manifest = read_manifest(private_index)
    assert manifest["units_embedded"] == len(new_embedded)
    assert manifest["units_tokenised"] == len(new_lexical)
    assert runs == [] and manifest["calibration"] == before["calibration"]
    assert "模型与校准数据未变，沿用当前索引的校准" in lines
    assert "city2302" in {u.doc_id for u in load_index(private_index, corpus).units}


def test_changing_a_probe_document_recalibrates(private_index: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    path = private_index.corpus_dir / "harbin.txt"
    path.write_text(path.read_text(encoding="utf-8").replace("担保费率不高于1%", "担保费率不高于2%"), encoding="utf-8")
    runs: list[int] = []
    real_calibrate = calibration.calibrate
    monkeypatch.setattr(calibration, "calibrate", lambda *a, **k: runs.append(1) or real_calibrate(*a, **k))
    build_index(private_index, load_corpus(private_index.corpus_dir), report=lambda _: None)
    assert runs == [1]
    assert read_manifest(private_index)["calibration"]["dense_weight"] is not None


def test_the_token_cache_tokenises_only_new_texts_and_survives_damage(tmp_path: Path) -> None:
    tokenizer = ChineseTokenizer()
    cache = TokenCache(tmp_path, tokenizer.fingerprint)
    seen: list[str] = []

    def tokenize(text: str) -> list[str]:
        seen.append(text)
        return tokenizer.tokenize(text)

    first, count = cache.tokenize(["技术改造贴息", "首台套奖励", "技术改造贴息"], tokenize)
    assert count == 2 and seen == ["技术改造贴息", "首台套奖励"] and first[0] == first[2]
    again, count = cache.tokenize(["首台套奖励", "展位费补贴"], tokenize)
    assert count == 1 and seen[-1] == "展位费补贴" and again[0] == first[1]
    cache.path.write_text('{"x": [1', encoding="utf-8")
    _, count = cache.tokenize(["首台套奖励"], tokenize)
    assert count == 1
    assert TokenCache(tmp_path, "0" * 64).read() == {}
