"""The lexical half of retrieval: BM25 over jieba tokens, built once per index build with `bm25s`.

bm25s (PyPI, MIT) stores every token's precomputed BM25 weight per unit as a sparse column
(CSC), so scoring a question reads only the columns of its own tokens: the cost grows with how
many units contain the question's words, not with the corpus, and nothing walks every unit in
Python.  The index is saved beside the vectors in the build (`lexical/`) and loaded back, so a
serving process never tokenises the corpus.

Scores are Lucene BM25 (k1 1.2, b 0.75, idf log(1 + (N − df + 0.5)/(df + 0.5))); a question word
repeated counts once more each, softly (×1.2, ×1.4, …), as before the move to bm25s.  The
retriever scales lexical scores per question, so only their ratios matter.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np

K1, B = 1.2, 0.75
REPEAT_BOOST = 0.2
DIRECTORY = "lexical"


def build_lexical(documents: Sequence[list[str]], directory: Path) -> None:
    """Index the tokenised units (in unit order) and save the index into `directory`."""
    import bm25s

    model = bm25s.BM25(k1=K1, b=B, method="lucene")
    model.index([list(d) for d in documents], show_progress=False)
    model.save(str(directory))


class LexicalIndex:
    """A saved bm25s index, scored by reading the question tokens' columns."""

    def __init__(self, directory: Path) -> None:
        # bm25s's saved files, read by hand: `import bm25s` pulls in scipy (~0.9 s measured here,
        # cold, while other work ran) in a serving process that needs only these three arrays.
        params = json.loads((directory / "params.index.json").read_text(encoding="utf-8"))
        vocabulary = json.loads((directory / "vocab.index.json").read_text(encoding="utf-8"))
        if not isinstance(vocabulary, dict) or not isinstance(params, dict):
            raise ValueError(f"{directory}: not a bm25s index")
        self.vocabulary: dict[str, int] = {str(k): int(v) for k, v in vocabulary.items()}
        self.data = np.load(directory / "data.csc.index.npy", allow_pickle=False).astype(np.float32)
        self.indices = np.load(directory / "indices.csc.index.npy", allow_pickle=False).astype(np.int64)
        self.indptr = np.load(directory / "indptr.csc.index.npy", allow_pickle=False).astype(np.int64)
        self.size = int(params["num_docs"])
        if len(self.data) != len(self.indices) or (len(self.indptr) and self.indptr[-1] != len(self.data)):
            raise ValueError(f"{directory}: the bm25s arrays do not match")

    def scores(self, query: list[str]) -> np.ndarray:
        """Score of every unit for the question tokens."""
        result = np.zeros(self.size, dtype=np.float32)
        for token, count in Counter(query).items():
            column = self.vocabulary.get(token)
            if column is None or column + 1 >= len(self.indptr):
                continue
            start, end = self.indptr[column], self.indptr[column + 1]
            # one unit appears at most once per column, so fancy-index += is exact
            result[self.indices[start:end]] += self.data[start:end] * (1 + REPEAT_BOOST * (count - 1))
        return result
