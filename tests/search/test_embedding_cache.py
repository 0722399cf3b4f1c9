"""Incremental builds: vectors cached by content hash, so a build embeds only new texts."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import numpy as np
import pytest

from assistant.policies.corpus import load_corpus
from assistant.search.embedding import E5Encoder, fingerprint_model
from assistant.search.embedding_cache import EmbeddingCache
from assistant.search.index_store import build_index, collect_units, load_index, read_manifest
from assistant.settings import E5_MODEL, PROJECT_ROOT, Settings
from devtools.synthetic_corpus import cities, write_copy


@pytest.fixture(scope="module")
def encoder() -> E5Encoder:
    return E5Encoder()


def counting(encoder: E5Encoder, seen: list[str]):  # type: ignore[no-untyped-def]
    def embed(texts: list[str]) -> list[list[float]]:
        seen.extend(texts)
        return [list(map(float, v)) for v in encoder.passages(texts)]
    return embed


def test_only_texts_not_cached_are_embedded_once_each(tmp_path: Path, encoder: E5Encoder) -> None:
    cache = EmbeddingCache(tmp_path, E5_MODEL, fingerprint_model(E5_MODEL))
    seen: list[str] = []
    first, count = cache.embed(["技术改造贴息", "首台套奖励", "技术改造贴息"], counting(encoder, seen))
    assert count == 2 and seen == ["技术改造贴息", "首台套奖励"]
    again, count = cache.embed(["首台套奖励", "展位费补贴"], counting(encoder, seen))
    assert count == 1 and seen[-1] == "展位费补贴"
    np.testing.assert_allclose(again[0], first[1])
    np.testing.assert_allclose(again[1], encoder.passages(["展位费补贴"])[0], atol=1e-5)


def test_a_damaged_cache_is_embedded_again_not_an_error(tmp_path: Path, encoder: E5Encoder) -> None:
    cache = EmbeddingCache(tmp_path, E5_MODEL, fingerprint_model(E5_MODEL))
    cache.embed(["首台套奖励"], counting(encoder, []))
    cache.path.write_bytes(cache.path.read_bytes()[:40])
    seen: list[str] = []
    vectors, count = cache.embed(["首台套奖励"], counting(encoder, seen))
    assert count == 1 and seen == ["首台套奖励"] and vectors[0].shape == (384,)


def test_another_model_fingerprint_never_reads_these_vectors(tmp_path: Path, encoder: E5Encoder) -> None:
    EmbeddingCache(tmp_path, E5_MODEL, fingerprint_model(E5_MODEL)).embed(["首台套奖励"], counting(encoder, []))
    assert EmbeddingCache(tmp_path, E5_MODEL, "0" * 16).read() == {}


def test_adding_a_policy_embeds_only_its_new_units(tmp_path: Path, session_settings: Settings) -> None:
    shutil.copytree(session_settings.index_dir, tmp_path / "index")
    shutil.copytree(PROJECT_ROOT / "corpus", tmp_path / "corpus")
    settings = dataclasses.replace(session_settings, index_dir=tmp_path / "index", corpus_dir=tmp_path / "corpus")
    before = {u.text for u in collect_units(load_corpus(settings.corpus_dir))}
    write_copy(settings.corpus_dir, settings.corpus_dir, cities(1)[0])  # 齐齐哈尔市
    corpus = load_corpus(settings.corpus_dir)
    new_texts = {u.text for u in collect_units(corpus)} - before
    assert 0 < len(new_texts) < 100
    build_index(settings, corpus, report=lambda _: None)
    assert read_manifest(settings)["units_embedded"] == len(new_texts)
    index = load_index(settings, corpus)
    assert "city2302" in {u.doc_id for u in index.units}
