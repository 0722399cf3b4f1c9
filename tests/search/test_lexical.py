"""The bm25s lexical index: Okapi/Lucene BM25 by the formula, saved with the build and read back."""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from assistant.search.lexical import K1, REPEAT_BOOST, B, LexicalIndex, build_lexical

DOCUMENTS = [["技术改造", "贴息", "项目"], ["首台套", "奖励", "首台套"], ["贴息", "流贷", "贴息", "企业"], []]


def by_formula(query: list[str]) -> list[float]:
    """BM25 written out over the documents (Lucene idf; the retriever rescales, so k1 + 1 is left out)."""
    n = len(DOCUMENTS)
    average = sum(map(len, DOCUMENTS)) / n
    scores = []
    for document in DOCUMENTS:
        frequency, total = Counter(document), 0.0
        for token, count in Counter(query).items():
            df = sum(token in d for d in DOCUMENTS)
            if not df or not frequency[token]:
                continue
            idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
            tf = frequency[token]
            total += idf * tf / (tf + K1 * (1 - B + B * len(document) / average)) * (1 + REPEAT_BOOST * (count - 1))
        scores.append(total)
    return scores


@pytest.mark.parametrize("query", [["贴息"], ["首台套", "奖励"], ["贴息", "贴息", "项目"], ["无关"], []])
def test_saved_index_scores_by_the_bm25_formula(tmp_path: Path, query: list[str]) -> None:
    build_lexical(DOCUMENTS, tmp_path / "lexical")
    index = LexicalIndex(tmp_path / "lexical")
    assert index.size == len(DOCUMENTS)
    np.testing.assert_allclose(index.scores(query), by_formula(query), rtol=1e-5, atol=1e-7)


def test_mismatched_arrays_are_refused(tmp_path: Path) -> None:
    build_lexical(DOCUMENTS, tmp_path / "lexical")
    np.save(tmp_path / "lexical" / "data.csc.index.npy", np.zeros(1, dtype=np.float32))
    with pytest.raises(ValueError, match="do not match"):
        LexicalIndex(tmp_path / "lexical")
