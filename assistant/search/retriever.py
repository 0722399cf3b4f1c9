"""Hybrid clause retrieval: BM25 over jieba tokens (bm25s, search/lexical.py) fused with dense embedding scores.

Colloquial questions (「公司去A股IPO政府给多少钱」) share few words with the
policy text, so lexical scores alone miss them; short exact terms
(「展位费」「标准地」) are where BM25 is sharper than the small embedding model.
Both scores are scaled to [0, 1] per question and added with a weight measured
for the embedding model at build time (search/calibration.py, kept in the manifest).  A clause is scored by
its best unit: the whole clause or any one sentence of it.

Per question the work is a few array operations over all units (one matrix-vector
product, the BM25 columns of the question's words, a max per clause); the ranked list
built in Python holds only the clauses an answer can use (RESULTS), so it does not grow
with the corpus.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from threadpoolctl import ThreadpoolController

from assistant.policies.clauses import Clause
from assistant.policies.corpus import Corpus
from assistant.search.index_store import LoadedIndex
from assistant.settings import PACKAGE_DATA_DIR

STOPWORDS = frozenset(
    "的 了 吗 呢 啊 吧 么 呀 和 与 及 或 是 有 在 对 把 被 给 就 都 也 还 要 能 会 可以 可 怎么 怎样 "
    "什么 多少 哪些 哪个 哪 如何 是否 有没有 能不能 一下 请问 我们 我 你 他 她 它 "
    "公司 企业 政府 政策 规定 条 第 讲 说 内容 问 想 办法".split()
)
TOKEN = re.compile(r"[\u4e00-\u9fffA-Za-z0-9%]")
RESULTS = 24  # clauses ranked in full per question, besides each document's best and the near-ties
NEAR_TOP = 0.85  # …every clause scoring at least this share of the best is kept as well


@functools.cache
def one_blas_thread() -> object:
    """Keep numpy's OpenBLAS to one thread in this process, once.  Its idle worker threads spin after
    each call and, on two cores, took the CPU from the query encoder that runs next: at 100 policies the
    e5 encode measured 56–66 ms per question with OpenBLAS's 2 threads against 22 ms with 1 (the
    retrieval's matrix products are small).  Returns the limiter, which must stay referenced."""
    return ThreadpoolController().select(internal_api="openblas").limit(limits=1)


@dataclass(frozen=True)
class ScoredClause:
    """A clause with its fused score and the best-matching sentence spans."""

    clause: Clause
    score: float
    dense: float
    lexical: float
    # (start, end, score) in the clause text, best first: ranked on first use, since a question keeps
    # each document's best clause and at a hundred policies most of them are never quoted
    rank_sentences: Callable[[], tuple[tuple[int, int, float], ...]] = field(repr=False, compare=False)

    @functools.cached_property
    def sentences(self) -> tuple[tuple[int, int, float], ...]:
        return self.rank_sentences()


class ChineseTokenizer:
    """jieba with the policy vocabulary kept whole, and colloquial words expanded."""

    def __init__(self, words_path: Path = PACKAGE_DATA_DIR / "domain_words.txt",
                 synonyms_path: Path = PACKAGE_DATA_DIR / "synonyms.json") -> None:
        import jieba

        # what the tokens depend on: a change to any of these makes cached tokens (search/token_cache.py) stale
        digest = hashlib.sha256(f"{jieba.__version__}\x00{TOKEN.pattern}\x00{' '.join(sorted(STOPWORDS))}".encode())
        digest.update(words_path.read_bytes() + b"\x00" + synonyms_path.read_bytes())
        self.fingerprint = digest.hexdigest()
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


class Retriever:
    """Scores every clause of the corpus for a question."""

    def __init__(self, corpus: Corpus, index: LoadedIndex, tokenizer: ChineseTokenizer,
                 dense_weight: float, out_of_scope_similarity: float) -> None:
        one_blas_thread()
        self.corpus = corpus
        self._document_rank = {d.doc_id: i for i, d in enumerate(corpus.documents)}
        self.tokenizer = tokenizer
        self.dense_weight = dense_weight  # lexical weight = 1 − dense_weight
        # below this best similarity, with no word in common, nothing in the corpus is near the question
        self.out_of_scope_similarity = out_of_scope_similarity
        retrieval = np.array([u.kind in ("clause", "sentence") for u in index.units], dtype=bool)
        self.units = [u for u in index.units if u.kind in ("clause", "sentence")]
        self.vectors = _rows(index.vectors, retrieval)
        self.rule_units = [u for u in index.units if u.kind == "rule"]
        self.rule_vectors = _rows(index.vectors, ~retrieval)
        self.keys = sorted({(u.doc_id, u.clause) for u in self.units}, key=self._order)
        position = {key: i for i, key in enumerate(self.keys)}
        self.key_of_unit = np.array([position[(u.doc_id, u.clause)] for u in self.units])
        self.doc_of_key = np.array([k[0] for k in self.keys])
        self.preamble = np.array([k[1] == "序言" for k in self.keys])
        self.clauses = [corpus.clause(*k) for k in self.keys]
        # each clause's sentence units, found once here rather than by a scan per clause per question
        sentences_of_key: list[list[int]] = [[] for _ in self.keys]
        for j, unit in enumerate(self.units):
            if unit.kind == "sentence":
                sentences_of_key[int(self.key_of_unit[j])].append(j)
        self.sentences_of_key = [np.array(members, dtype=np.int64) for members in sentences_of_key]
        self.spans_of_key = [[(self.units[j].start, self.units[j].end) for j in members]
                             for members in sentences_of_key]
        # the units grouped by clause, so a clause's best unit is one reduceat (np.maximum.at is a slow loop)
        self.units_by_key = np.argsort(self.key_of_unit, kind="stable")
        grouped = self.key_of_unit[self.units_by_key]
        self.key_starts = np.flatnonzero(np.r_[True, grouped[1:] != grouped[:-1]]) if grouped.size else grouped
        self.document_of_key = np.array([self._document_rank[k[0]] for k in self.keys], dtype=np.int64)
        self.rule_position = {u.rule_id: i for i, u in enumerate(self.rule_units)}
        self.lexical = index.lexical  # built and saved with the index, in the order of self.units
        if self.lexical.size != len(self.units):
            raise ValueError("the lexical index does not match the units")

    def _order(self, key: tuple[str, str]) -> int:
        clause = self.corpus.clause(*key)
        return self._document_rank[key[0]] * 1000 + (clause.order if clause else 999)

    def score(self, question: str, query_vector: np.ndarray | None,
              doc_ids: Sequence[str] | None = None) -> list[ScoredClause]:
        """Clauses best first; restricted to `doc_ids` when given.  Without a query
        vector (the model is still loading) only the lexical score is used."""
        lexical_units = self.lexical.scores(self.tokenizer.expand(question))
        dense_units = (self.vectors @ query_vector) if query_vector is not None else np.zeros(len(self.units))
        n = len(self.keys)
        dense, lexical = self.per_clause(dense_units), self.per_clause(lexical_units)
        if doc_ids is None:
            allowed = np.ones(n, dtype=bool)
        else:
            ranks = [self._document_rank[d] for d in doc_ids if d in self._document_rank]
            allowed = np.isin(self.document_of_key, np.array(ranks, dtype=np.int64))
        # 序言 and section openers restate the whole policy; they answer only when named.
        allowed &= ~self.preamble
        fused = self._fuse(dense, lexical, allowed, query_vector is not None)
        results = []
        for i in self._kept(fused, allowed):
            clause = self.clauses[i]
            assert clause is not None
            results.append(ScoredClause(clause, float(fused[i]), float(dense[i]), float(lexical[i]),
                                        functools.partial(self._sentences, i, dense_units, lexical_units)))
        return results

    def per_clause(self, unit_scores: np.ndarray) -> np.ndarray:
        """Each clause's best unit score, in the order of self.keys."""
        if not len(self.keys):
            return np.zeros(0, dtype=np.float32)
        return np.maximum.reduceat(unit_scores.astype(np.float32)[self.units_by_key], self.key_starts)

    def _kept(self, fused: np.ndarray, allowed: np.ndarray) -> list[int]:
        """The clauses worth building a result for, best first (ties in corpus order): the RESULTS
        best, every one within NEAR_TOP of the best, and each document's best clause (an answer
        quotes the best clause of another document beside the top one)."""
        candidates = np.flatnonzero(allowed)
        if candidates.size == 0:
            return []
        order = candidates[np.argsort(-fused[candidates], kind="stable")]
        best = float(fused[order[0]])
        kept = set(order[:RESULTS].tolist())
        kept.update(order[fused[order] >= NEAR_TOP * best].tolist() if best > 0 else ())
        _, first = np.unique(self.doc_of_key[order], return_index=True)
        kept.update(order[first].tolist())
        return [int(i) for i in order if i in kept] if len(kept) < order.size else order.tolist()

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
        if not members.size:
            return ()
        d = dense_units[members]
        lx = lexical_units[members]
        low, high, top = float(d.min()), float(d.max()), float(lx.max())
        d_scaled = (d - low) / (high - low) if high > low else np.zeros_like(d)
        l_scaled = lx / top if top > 0 else np.zeros_like(lx)
        combined = 0.5 * d_scaled + 0.5 * l_scaled
        order = np.argsort(-combined)
        spans, values = self.spans_of_key[key], combined.tolist()
        return tuple((*spans[j], values[j]) for j in order.tolist())

    def score_rules(self, query_vector: np.ndarray | None) -> Mapping[str, float]:
        """Dense similarity of the question to each calculator rule's name and keywords: one
        matrix-vector product, read per rule on demand (no dict of every rule per question)."""
        if query_vector is None or not self.rule_units:
            return {}
        return RuleScores(self.rule_position, self.rule_vectors @ query_vector)


class RuleScores(Mapping[str, float]):
    """rule_id → similarity, over one array."""

    def __init__(self, position: dict[str, int], similarities: np.ndarray) -> None:
        self._position = position
        self._similarities = similarities

    def __getitem__(self, rule_id: str) -> float:
        return float(self._similarities[self._position[rule_id]])

    def __iter__(self) -> Iterator[str]:
        return iter(self._position)

    def __len__(self) -> int:
        return len(self._position)


def _rows(matrix: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The rows of `matrix` where `mask` holds: a view when they are one run (the store keeps the
    retrieval units first and the rules after them), so the vectors are not held twice."""
    positions = np.flatnonzero(mask)
    if positions.size and int(positions[-1]) - int(positions[0]) + 1 == positions.size:
        return matrix[int(positions[0]):int(positions[-1]) + 1]
    return matrix[positions]
