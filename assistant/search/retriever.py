"""Hybrid clause retrieval: BM25 over jieba tokens fused with dense embedding scores.

Colloquial questions (「公司去A股IPO政府给多少钱」) share few words with the
policy text, so lexical scores alone miss them; short exact terms
(「展位费」「标准地」) are where BM25 is sharper than the small embedding model.
Both scores are scaled to [0, 1] per question and added with a weight measured
for the embedding model at build time (search/calibration.py, kept in the manifest).  A clause is scored by
its best unit: the whole clause or any one sentence of it.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.policies.clauses import Clause
from assistant.policies.corpus import Corpus
from assistant.search.index_store import IndexUnit, LoadedIndex
from assistant.settings import PACKAGE_DATA_DIR

STOPWORDS = frozenset(
    "的 了 吗 呢 啊 吧 么 呀 和 与 及 或 是 有 在 对 把 被 给 就 都 也 还 要 能 会 可以 可 怎么 怎样 "
    "什么 多少 哪些 哪个 哪 如何 是否 有没有 能不能 一下 请问 我们 我 你 他 她 它 "
    "公司 企业 政府 政策 规定 条 第 讲 说 内容 问 想 办法".split()
)
TOKEN = re.compile(r"[\u4e00-\u9fffA-Za-z0-9%]")


@dataclass(frozen=True)
class ScoredClause:
    """A clause with its fused score and the best-matching sentence spans."""

    clause: Clause
    score: float
    dense: float
    lexical: float
    sentences: tuple[tuple[int, int, float], ...]  # (start, end, score) in the clause text, best first


class ChineseTokenizer:
    """jieba with the policy vocabulary kept whole, and colloquial words expanded."""

    def __init__(self, words_path: Path = PACKAGE_DATA_DIR / "domain_words.txt",
                 synonyms_path: Path = PACKAGE_DATA_DIR / "synonyms.json") -> None:
        import jieba

        self._jieba = jieba.Tokenizer()
        self._jieba.tmp_dir = None
        for line in words_path.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                word, *frequency = line.split()
                self._jieba.add_word(word, int(frequency[0]) if frequency else None)
        synonyms = json.loads(synonyms_path.read_text(encoding="utf-8"))
        self.synonyms = {k: tuple(v) for k, v in synonyms.items() if not k.startswith("_")}
        for word in self.synonyms:
            self._jieba.add_word(word, 1000)

    def word_frequency(self, word: str) -> int:
        """How common `word` is in jieba's dictionary (0 when it is no word of it)."""
        self._jieba.check_initialized()
        return int(self._jieba.FREQ.get(word) or 0)

    def tokenize(self, text: str) -> list[str]:
        """Content words of `text`, lower-cased, stopwords removed."""
        return [t.lower() for t in self._jieba.lcut(text) if TOKEN.search(t) and t not in STOPWORDS]

    def expand(self, text: str) -> list[str]:
        """Question tokens plus the policy words their colloquial forms stand for."""
        tokens = self.tokenize(text)
        expanded = list(tokens)
        for key, targets in self.synonyms.items():
            if key.lower() in text.lower():
                for target in targets:
                    expanded.extend(self.tokenize(target))
        return expanded


class Bm25:
    """Okapi BM25 over pre-tokenised documents."""

    def __init__(self, documents: Sequence[list[str]], k1: float = 1.2, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.frequencies = [Counter(d) for d in documents]
        self.lengths = np.array([len(d) for d in documents], dtype=np.float32)
        self.average = float(self.lengths.mean()) if len(documents) else 0.0
        document_frequency: Counter[str] = Counter()
        for d in documents:
            document_frequency.update(set(d))
        n = len(documents)
        self.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in document_frequency.items()}

    def scores(self, query: list[str]) -> np.ndarray:
        """Score of every document for the query tokens."""
        result = np.zeros(len(self.frequencies), dtype=np.float32)
        norm = self.k1 * (1 - self.b + self.b * self.lengths / max(self.average, 1e-9))
        for token, count in Counter(query).items():
            idf = self.idf.get(token)
            if idf is None:
                continue
            tf = np.array([f.get(token, 0) for f in self.frequencies], dtype=np.float32)
            # repeated question words count once more each, softly
            result += idf * (tf * (self.k1 + 1)) / (tf + norm) * (1 + 0.2 * (count - 1))
        return result


class Retriever:
    """Scores every clause of the corpus for a question."""

    def __init__(self, corpus: Corpus, index: LoadedIndex, tokenizer: ChineseTokenizer,
                 dense_weight: float, out_of_scope_similarity: float) -> None:
        self.corpus = corpus
        self.tokenizer = tokenizer
        self.dense_weight = dense_weight  # lexical weight = 1 − dense_weight
        # below this best similarity, with no word in common, nothing in the corpus is near the question
        self.out_of_scope_similarity = out_of_scope_similarity
        self.units = [u for u in index.units if u.kind in ("clause", "sentence")]
        rows = [i for i, u in enumerate(index.units) if u.kind in ("clause", "sentence")]
        self.vectors = index.vectors[rows]
        self.rule_units = [u for u in index.units if u.kind == "rule"]
        self.rule_vectors = index.vectors[[i for i, u in enumerate(index.units) if u.kind == "rule"]]
        self.keys = sorted({(u.doc_id, u.clause) for u in self.units}, key=self._order)
        self.key_of_unit = np.array([self.keys.index((u.doc_id, u.clause)) for u in self.units])
        # each clause's sentence units, found once here rather than by a scan per clause per question
        self.sentences_of_key: list[list[int]] = [[] for _ in self.keys]
        for j, unit in enumerate(self.units):
            if unit.kind == "sentence":
                self.sentences_of_key[int(self.key_of_unit[j])].append(j)
        self.bm25 = Bm25([tokenizer.tokenize(self._lexical_text(u)) for u in self.units])

    def _order(self, key: tuple[str, str]) -> int:
        clause = self.corpus.clause(*key)
        documents = [d.doc_id for d in self.corpus.documents]
        return documents.index(key[0]) * 1000 + (clause.order if clause else 999)

    def _lexical_text(self, unit: IndexUnit) -> str:
        clause = self.corpus.clause(unit.doc_id, unit.clause)
        return unit.text if unit.kind == "sentence" or clause is None else f"{clause.title} {clause.text}"

    def score(self, question: str, query_vector: np.ndarray | None,
              doc_ids: Sequence[str] | None = None) -> list[ScoredClause]:
        """Clauses best first; restricted to `doc_ids` when given.  Without a query
        vector (the model is still loading) only the lexical score is used."""
        lexical_units = self.bm25.scores(self.tokenizer.expand(question))
        dense_units = (self.vectors @ query_vector) if query_vector is not None else np.zeros(len(self.units))
        n = len(self.keys)
        dense = np.full(n, -1.0, dtype=np.float32)
        lexical = np.zeros(n, dtype=np.float32)
        np.maximum.at(dense, self.key_of_unit, dense_units.astype(np.float32))
        np.maximum.at(lexical, self.key_of_unit, lexical_units)
        allowed = np.array([doc_ids is None or k[0] in doc_ids for k in self.keys])
        # 序言 and section openers restate the whole policy; they answer only when named.
        allowed &= np.array([k[1] != "序言" for k in self.keys])
        fused = self._fuse(dense, lexical, allowed, query_vector is not None)
        ranked = sorted((i for i in range(n) if allowed[i]), key=lambda i: -fused[i])
        results = []
        for i in ranked:
            clause = self.corpus.clause(*self.keys[i])
            assert clause is not None
            results.append(ScoredClause(clause, float(fused[i]), float(dense[i]), float(lexical[i]),
                                        self._sentences(i, dense_units, lexical_units)))
        return results

    def _fuse(self, dense: np.ndarray, lexical: np.ndarray, allowed: np.ndarray, has_dense: bool) -> np.ndarray:
        def scaled(values: np.ndarray) -> np.ndarray:
            pool = values[allowed]
            if pool.size == 0:
                return values
            low, high = float(pool.min()), float(pool.max())
            return (values - low) / (high - low) if high > low else np.zeros_like(values)

        if not has_dense:
            return scaled(lexical)
        return self.dense_weight * scaled(dense) + (1 - self.dense_weight) * scaled(lexical)

    def _sentences(self, key: int, dense_units: np.ndarray, lexical_units: np.ndarray) -> tuple[
        tuple[int, int, float], ...
    ]:
        members = self.sentences_of_key[key]
        if not members:
            return ()
        d = dense_units[members]
        lx = lexical_units[members]
        d_scaled = (d - d.min()) / (d.max() - d.min()) if d.max() > d.min() else np.zeros_like(d)
        l_scaled = lx / lx.max() if lx.max() > 0 else np.zeros_like(lx)
        combined = 0.5 * d_scaled + 0.5 * l_scaled
        order = np.argsort(-combined)
        return tuple((self.units[members[j]].start, self.units[members[j]].end, float(combined[j])) for j in order)

    def score_rules(self, query_vector: np.ndarray | None) -> dict[str, float]:
        """Dense similarity of the question to each calculator rule's name and keywords."""
        if query_vector is None or not self.rule_units:
            return {}
        sims = self.rule_vectors @ query_vector
        return {u.rule_id: float(s) for u, s in zip(self.rule_units, sims, strict=True)}
