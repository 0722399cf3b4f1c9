"""The model-dependent search settings, measured at build time and kept in the manifest.

Every embedding model has its own similarity scale: m3e-small puts unrelated
questions near 0.6 and related ones above 0.75, while e5 puts everything above
0.8.  So neither the fusion weight nor the out-of-scope cut-off can be a
constant in code.  After embedding, the build asks the probe questions of
`assistant/data/calibration.json` (written for calibration, never the
evaluation sets) and records:

* `dense_weight` — the weight of the scaled dense score (lexical = 1 − it),
  the middle of the widest run of weights that rank the most probe clauses first
  (a weight inside a wide plateau does not hinge on one probe);
* `out_of_scope_similarity` — half-way between the best similarity any
  out-of-scope probe reaches and the lowest best similarity of an in-scope probe.

The probes are asked of the documents they name only (their units, with a lexical index of their
own), so the calibration measures the model, not the rest of the corpus: `inputs` fingerprints
what it reads, and a build whose inputs are those of the build in use (adding another policy)
keeps that calibration instead of re-running 21 × 32 searches.

The settings `dense_weight` / `out_of_scope_similarity` override them when set.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from assistant.errors import StaleIndexError
from assistant.policies.corpus import Corpus
from assistant.search.index_store import BUILD_COMMAND, LoadedIndex
from assistant.search.retriever import ChineseTokenizer, Retriever
from assistant.settings import PACKAGE_DATA_DIR, Settings

PROBES = PACKAGE_DATA_DIR / "calibration.json"
WEIGHTS = tuple(round(0.05 * step, 2) for step in range(21))  # 0.00, 0.05, …, 1.00
# Used only when the corpus holds none of the probes' clauses (a synthetic test corpus).
FALLBACK_DENSE_WEIGHT = 0.5


@dataclass(frozen=True)
class Calibration:
    """The two model-dependent numbers retrieval and routing use."""

    dense_weight: float
    out_of_scope_similarity: float


def calibrate(corpus: Corpus, index: LoadedIndex, embed_query: Callable[[str], np.ndarray],
              tokenizer: ChineseTokenizer, probes_path: Path = PROBES) -> dict[str, Any]:
    """Measure the calibration on the probes; the manifest's `calibration` entry (with its evidence)."""
    probes = json.loads(probes_path.read_text(encoding="utf-8"))
    inside = [p for p in probes["in_scope"] if corpus.clause(p["doc_id"], p["clause"]) is not None]
    outside = list(probes["out_of_scope"])
    retriever = Retriever(corpus, index, tokenizer, dense_weight=FALLBACK_DENSE_WEIGHT, out_of_scope_similarity=0.0)
    vectors = {q: _unit(embed_query(q)) for q in [p["q"] for p in inside] + outside}

    def best_dense(question: str) -> float:
        return max(s.dense for s in retriever.score(question, vectors[question]))

    outside_best = [best_dense(q) for q in outside]
    inside_best = [best_dense(p["q"]) for p in inside]
    sweep = {}
    for weight in WEIGHTS:
        retriever.dense_weight = weight
        hits = 0
        for probe in inside:
            top = retriever.score(probe["q"], vectors[probe["q"]])[0].clause
            hits += (top.doc_id, top.clause) == (probe["doc_id"], probe["clause"])
        sweep[weight] = hits
    if inside:
        dense_weight = _middle_of_widest_plateau(sweep)
        low, high = max(outside_best), min(inside_best)
        cut_off = (low + high) / 2
    else:
        dense_weight, low, high = FALLBACK_DENSE_WEIGHT, max(outside_best), 1.0
        cut_off = low + 0.01
    return {
        "dense_weight": dense_weight,
        "out_of_scope_similarity": round(cut_off, 4),
        "evidence": {
            "in_scope_probes": len(inside), "out_of_scope_probes": len(outside),
            "max_out_of_scope_similarity": round(low, 4), "min_in_scope_similarity": round(high, 4),
            "separated": low < high,
            "hits_at_1_by_dense_weight": {f"{w:.2f}": h for w, h in sweep.items()},
        },
    }


def probe_documents(corpus: Corpus, probes_path: Path = PROBES) -> frozenset[str]:
    """The documents of the corpus the in-scope probes name: what the calibration measures on."""
    probes = json.loads(probes_path.read_text(encoding="utf-8"))
    return frozenset(p["doc_id"] for p in probes["in_scope"] if corpus.clause(p["doc_id"], p["clause"]) is not None)


def calibration_inputs(format_version: int, model_fingerprint: str, tokenizer_fingerprint: str,
                       units_fingerprint: str, probes_path: Path = PROBES) -> str:
    """sha256 of everything a calibration reads: the model, the tokenizer, the probes, the units it
    searches and this module's sweep; the build reuses the current calibration when it is unchanged."""
    digest = hashlib.sha256(json.dumps([format_version, model_fingerprint, tokenizer_fingerprint, units_fingerprint,
                                        WEIGHTS, FALLBACK_DENSE_WEIGHT]).encode())
    digest.update(probes_path.read_bytes())
    return digest.hexdigest()


def calibration_of(settings: Settings, manifest: dict[str, Any]) -> Calibration:
    """The manifest's calibration with any setting that overrides it."""
    measured = manifest.get("calibration") or {}
    dense = settings.dense_weight if settings.dense_weight is not None else measured.get("dense_weight")
    cut_off = (settings.out_of_scope_similarity if settings.out_of_scope_similarity is not None
               else measured.get("out_of_scope_similarity"))
    if dense is None or cut_off is None:
        raise StaleIndexError(f"索引清单里没有按模型校准的检索参数，请运行 {BUILD_COMMAND} 重建")
    return Calibration(float(dense), float(cut_off))


def _middle_of_widest_plateau(sweep: dict[float, int]) -> float:
    most = max(sweep.values())
    runs: list[list[float]] = []
    previous = None
    for weight in WEIGHTS:
        if sweep[weight] == most:
            if previous is None or sweep[previous] != most:
                runs.append([])
            runs[-1].append(weight)
        previous = weight
    widest = max(runs, key=len)  # the first of equally wide runs
    return widest[len(widest) // 2]


def _unit(vector: np.ndarray) -> np.ndarray:
    vector = np.asarray(vector, dtype=np.float32)
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm else vector
