"""Build the embedded clause index and load it back.

Layout of `index/`:
    builds/<build_id>/   units.json (every embedded text with its ids), vectors.npy (their float32
                         vectors, L2-normalised, one row per unit in the same order), lexical/ (the
                         bm25s index, search/lexical.py) + manifest.json
    CURRENT              the build_id in use, replaced atomically
    embeddings/          vectors already computed, by content hash (search/embedding_cache.py): a
                         build embeds only the units whose text is new, so adding one policy
                         embeds only its units
    tokens/              BM25 tokens already computed, by content hash (search/token_cache.py)

The serving format is our own (two plain files numpy and json read in milliseconds), not
llama-index's JSON stores: those held 384 floats per unit as JSON text, and at 100 policies
reading them back was most of the serving process's memory and adding a policy rewrote them all.

A build is written aside and only then named in CURRENT, so a build that
fails or is killed leaves the previous index in use.  The manifest records
the embedding model and the fingerprint of its weights, the search settings
calibrated for that model (search/calibration.py), the corpus fingerprint and a
checksum of every file; loading refuses a mismatch with a message naming the
command to run.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import signal
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from assistant.errors import AssistantError, CorruptIndexError, IndexNotBuiltError, StaleIndexError
from assistant.policies.clauses import split_sentences
from assistant.policies.corpus import Corpus, rule_entries
from assistant.search.embedding import fingerprint_model, load_embedding
from assistant.search.embedding_cache import EmbeddingCache
from assistant.search.lexical import DIRECTORY as LEXICAL_DIRECTORY
from assistant.search.lexical import LexicalIndex, build_lexical
from assistant.settings import Settings

# 2: the manifest carries the model's calibration; 3: the bm25s lexical index; 4: units.json + vectors.npy
# instead of llama-index's docstore/vector store, the calibration's input fingerprint
FORMAT_VERSION = 4
UNITS = "units.json"
VECTORS = "vectors.npy"
BUILD_COMMAND = "python -m assistant build-index"
MANIFEST = "manifest.json"
BUILD_ID = re.compile(r"[0-9A-Za-z][0-9A-Za-z_-]{0,99}")  # 20261123-182513-ff1d60
# The named steps of a build, in order; `fault_after_step` (a test hook) kills the build after one.
BUILD_STEPS = ("collected", "embedded", "persisted", "manifest", "published", "switched", "cleaned")


@dataclass(frozen=True)
class IndexUnit:
    """One embedded text: a whole clause, one sentence of it, or a calculator rule."""

    node_id: str
    kind: str  # "clause" | "sentence" | "rule"
    doc_id: str
    clause: str
    text: str
    start: int = 0  # sentence span inside the clause text
    end: int = 0
    rule_id: str = ""


@dataclass(frozen=True)
class LoadedIndex:
    """The persisted index as arrays the retriever scores against."""

    units: tuple[IndexUnit, ...]
    vectors: np.ndarray  # (len(units), dim), L2-normalised
    manifest: dict[str, Any]
    lexical: LexicalIndex  # BM25 over the clause and sentence units, in the order of `units`


def collect_units(corpus: Corpus) -> list[IndexUnit]:
    """Everything the index embeds, with stable ids."""
    units: list[IndexUnit] = []
    for clause in corpus.clauses:
        key = f"{clause.doc_id}:{clause.clause}"
        units.append(IndexUnit(key, "clause", clause.doc_id, clause.clause, f"{clause.title}\n{clause.text}"))
        for number, (start, end) in enumerate(split_sentences(clause.text)):
            sentence = clause.text[start:end]
            units.append(
                IndexUnit(f"{key}:s{number}", "sentence", clause.doc_id, clause.clause,
                          f"{clause.title}：{sentence}", start, end)
            )
    for doc_id, data in corpus.rules_data.items():
        for rule in rule_entries(data):
            text = "；".join([str(rule.get("name", "")), *map(str, rule.get("keywords", []))])
            units.append(IndexUnit(f"rule:{rule['rule_id']}", "rule", doc_id, str(rule.get("clause", "")),
                                   text, rule_id=str(rule["rule_id"])))
    return units


def fingerprint_units(units: list[IndexUnit]) -> str:
    """sha256 over everything embedded: the index is stale exactly when this changes
    (editing a policy's text, clause titles or rules; not its aliases or validity)."""
    digest = hashlib.sha256()
    for unit in units:
        digest.update(f"{unit.node_id}\x00{unit.kind}\x00{unit.start}:{unit.end}\x00{unit.text}\x01".encode())
    return digest.hexdigest()


def build_index(settings: Settings, corpus: Corpus, report: Callable[[str], None] = print) -> Path:
    """Embed the corpus and persist it as a new build; switch CURRENT to it when complete."""
    if settings.fault_after_step and settings.fault_after_step not in BUILD_STEPS:
        steps = "/".join(BUILD_STEPS)
        raise AssistantError(f"配置项 fault_after_step 只能是 {steps}，而不是 {settings.fault_after_step!r}")
    started = time.perf_counter()
    builds = settings.index_dir / "builds"
    builds.mkdir(parents=True, exist_ok=True)
    build_id = dt.datetime.now().strftime("%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:6]
    staging = builds / f".{build_id}.partial"
    collected = collect_units(corpus)
    units = sorted(collected, key=_store_order)
    _reached("collected", settings)
    report(f"共 {len(corpus.documents)} 份政策、{len(corpus.clauses)} 个条款、{len(units)} 个检索单元，开始嵌入……")
    embed_model = load_embedding(settings.embedding_model, settings.embedding_batch_size)
    model_fingerprint = fingerprint_model(settings.embedding_model)
    cache = EmbeddingCache(settings.index_dir / "embeddings", settings.embedding_model, model_fingerprint)
    texts = [unit.text for unit in units]
    vectors, embedded = cache.embed(texts, embed_model.get_text_embedding_batch)
    matrix = np.stack(vectors).astype(np.float32) if vectors else np.zeros((0, 0), dtype=np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True).clip(min=1e-12)
    report(f"其中 {embedded} 个文本是新的并已嵌入，其余取自嵌入缓存")
    _reached("embedded", settings)
    staging.mkdir()
    _write_units(staging / UNITS, units)
    with open(staging / VECTORS, "wb") as handle:
        np.save(handle, matrix, allow_pickle=False)
    # imported here: the tokenizer lives with the retriever, which imports this module's types
    from assistant.search.retriever import ChineseTokenizer

    tokenizer = ChineseTokenizer()  # one jieba dictionary load for the lexical index and the calibration
    tokens, tokenised = _persist_lexical(settings, corpus, units, staging, tokenizer)
    report(f"{tokenised} 个文本是新的并已分词，其余取自分词缓存")
    _reached("persisted", settings)
    index = LoadedIndex(tuple(units), matrix, {}, LexicalIndex(staging / LEXICAL_DIRECTORY))
    calibration = _calibrate(settings, corpus, index, tokens, model_fingerprint, embed_model, tokenizer, report)
    manifest = {
        "format_version": FORMAT_VERSION,
        "embedding_model": settings.embedding_model,
        "model_fingerprint": model_fingerprint,
        "calibration": calibration,
        "corpus_fingerprint": fingerprint_units(collected),
        "corpus_files_fingerprint": corpus.fingerprint,
        "documents": [d.doc_id for d in corpus.documents],
        "units": len(units),
        "units_embedded": embedded,
        "units_tokenised": tokenised,
        "built_at": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "build_seconds": round(time.perf_counter() - started, 2),
        "files": {p.relative_to(staging).as_posix(): _sha256(p) for p in sorted(staging.rglob("*")) if p.is_file()},
    }
    _write_atomic(staging / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2))
    _reached("manifest", settings)
    final = builds / build_id
    os.replace(staging, final)
    _reached("published", settings)
    _write_atomic(settings.index_dir / "CURRENT", build_id)
    _reached("switched", settings)
    _remove_old_builds(builds, keep=build_id)
    _reached("cleaned", settings)
    report(f"索引已写入 {final}（{manifest['build_seconds']} 秒）")
    return final


def _calibrate(settings: Settings, corpus: Corpus, index: LoadedIndex, tokens: list[list[str]],
               model_fingerprint: str, embed_model: Any, tokenizer: Any,
               report: Callable[[str], None]) -> dict[str, Any]:
    """The model-dependent search settings, measured on the probe documents' units just built, or
    the current build's when their inputs have not changed (adding another policy does not
    recalibrate)."""
    # imported here: calibration drives the retriever, which imports this module's types
    from assistant.search.calibration import calibrate, calibration_inputs, probe_documents

    documents = probe_documents(corpus)
    rows = [i for i, u in enumerate(index.units) if not documents or u.doc_id in documents]
    units = [index.units[i] for i in rows]
    inputs = calibration_inputs(FORMAT_VERSION, model_fingerprint, tokenizer.fingerprint, fingerprint_units(units))
    previous = _current_calibration(settings)
    if previous.get("inputs") == inputs:
        report("模型与校准数据未变，沿用当前索引的校准")
        return previous
    if len(rows) == len(index.units):
        calibration = calibrate(corpus, index, lambda q: np.asarray(embed_model.get_query_embedding(q)), tokenizer)
    else:  # the probe documents alone: what the calibration reads is exactly what `inputs` fingerprints
        with tempfile.TemporaryDirectory(prefix="calibration-") as scratch:
            retrieval = [tokens[i] for i in rows if i < len(tokens)]
            build_lexical(retrieval, Path(scratch))
            subset = LoadedIndex(tuple(units), index.vectors[rows], {}, LexicalIndex(Path(scratch)))
            calibration = calibrate(corpus, subset, lambda q: np.asarray(embed_model.get_query_embedding(q)),
                                    tokenizer)
    return {**calibration, "inputs": inputs}


def _current_calibration(settings: Settings) -> dict[str, Any]:
    """The calibration of the build in use, {} when there is none or it cannot be read."""
    try:
        calibration = read_manifest(settings).get("calibration")
    except AssistantError:
        return {}
    return calibration if isinstance(calibration, dict) else {}


def read_manifest(settings: Settings) -> dict[str, Any]:
    """The manifest of the build CURRENT names; IndexNotBuiltError when there is none."""
    build = _current_build(settings)
    try:
        manifest: dict[str, Any] = json.loads((build / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CorruptIndexError(f"索引清单损坏（{build / MANIFEST}），请运行 {BUILD_COMMAND} 重建") from error
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        raise CorruptIndexError(f"索引清单损坏（{build / MANIFEST} 不是完整的清单），请运行 {BUILD_COMMAND} 重建")
    return manifest


def check_index(settings: Settings, corpus: Corpus) -> dict[str, Any]:
    """Raise unless the current index was built from this corpus with this model."""
    manifest = read_manifest(settings)
    if manifest.get("format_version") != FORMAT_VERSION:
        raise StaleIndexError(f"索引格式已更新（此索引为第 {manifest.get('format_version')} 版，"
                              f"本程序读第 {FORMAT_VERSION} 版），请运行 {BUILD_COMMAND} 重建")
    if manifest.get("embedding_model") != settings.embedding_model or manifest.get(
        "model_fingerprint"
    ) != fingerprint_model(settings.embedding_model):
        raise StaleIndexError(
            f"索引由另一个嵌入模型（{manifest.get('embedding_model')}）构建，"
            f"与当前设置 {settings.embedding_model} 不符，请运行 {BUILD_COMMAND} 重建"
        )
    if manifest.get("corpus_fingerprint") != fingerprint_units(collect_units(corpus)):
        raise StaleIndexError(f"政策库在建索引之后有改动，索引已过期，请运行 {BUILD_COMMAND} 重建")
    return manifest


def load_index(settings: Settings, corpus: Corpus) -> LoadedIndex:
    """Load the current build after checking model, corpus and file checksums."""
    manifest = check_index(settings, corpus)
    build = _current_build(settings)
    for name, digest in manifest.get("files", {}).items():
        path = build / name
        if not path.exists() or _sha256(path) != digest:
            raise CorruptIndexError(f"索引文件 {name} 缺失或已损坏，请运行 {BUILD_COMMAND} 重建")
    try:
        units, matrix = _read_storage(build)
        lexical = LexicalIndex(build / LEXICAL_DIRECTORY)
    except (OSError, KeyError, IndexError, ValueError, TypeError) as error:
        raise CorruptIndexError(f"索引无法读取（{error}），请运行 {BUILD_COMMAND} 重建") from error
    if lexical.size != sum(u.kind in ("clause", "sentence") for u in units):
        raise CorruptIndexError(f"索引的词法部分与向量部分不一致，请运行 {BUILD_COMMAND} 重建")
    return LoadedIndex(tuple(units), matrix, manifest, lexical)


def lexical_text(corpus: Corpus, unit: IndexUnit) -> str:
    """What BM25 reads of a unit: a sentence as embedded, a clause as its title and whole text."""
    clause = corpus.clause(unit.doc_id, unit.clause)
    return unit.text if unit.kind == "sentence" or clause is None else f"{clause.title} {clause.text}"


def _persist_lexical(settings: Settings, corpus: Corpus, units: list[IndexUnit], staging: Path,
                     tokenizer: Any) -> tuple[list[list[str]], int]:
    """The bm25s index over the clause and sentence units (the first units, in store order), from
    cached tokens; returns their tokens and how many texts had to be tokenised."""
    # imported here: the cache file is named by the tokenizer, which lives with the retriever
    from assistant.search.token_cache import TokenCache

    retrieval = [lexical_text(corpus, u) for u in units if u.kind in ("clause", "sentence")]
    cache = TokenCache(settings.index_dir / "tokens", tokenizer.fingerprint)
    tokens, tokenised = cache.tokenize(retrieval, tokenizer.tokenize)
    build_lexical(tokens, staging / LEXICAL_DIRECTORY)
    return tokens, tokenised


UNIT_FIELDS = ("node_id", "kind", "doc_id", "clause", "text", "start", "end", "rule_id")


def _write_units(path: Path, units: list[IndexUnit]) -> None:
    rows = [[getattr(unit, field) for field in UNIT_FIELDS] for unit in units]
    path.write_text(json.dumps({"fields": list(UNIT_FIELDS), "units": rows}, ensure_ascii=False,
                               separators=(",", ":")), encoding="utf-8")


def _read_storage(build: Path) -> tuple[list[IndexUnit], np.ndarray]:
    """units.json and vectors.npy: plain json and one float32 array, read without building any
    llama-index object (no import of it in a serving process)."""
    stored = json.loads((build / UNITS).read_text(encoding="utf-8"))
    if not isinstance(stored, dict) or stored.get("fields") != list(UNIT_FIELDS):
        raise ValueError(f"{UNITS} 的字段不是 {'/'.join(UNIT_FIELDS)}")
    units = [IndexUnit(str(n), str(k), str(d), str(c), str(t), int(s), int(e), str(r))
             for n, k, d, c, t, s, e, r in stored["units"]]
    matrix = np.load(build / VECTORS, allow_pickle=False)
    if matrix.dtype != np.float32 or matrix.ndim != 2 or matrix.shape[0] != len(units):
        raise ValueError(f"{VECTORS} 的形状 {matrix.shape}/{matrix.dtype} 与 {len(units)} 个检索单元不符")
    return units, matrix


def _store_order(unit: IndexUnit) -> tuple[bool, tuple[str, ...]]:
    """Clauses and sentences first (the retriever's and the lexical index's rows), then the rules."""
    return unit.kind == "rule", _unit_order(unit.node_id)


def _unit_order(node_id: str) -> tuple[str, ...]:
    return tuple(part.zfill(4) for part in node_id.split(":"))


def _current_build(settings: Settings) -> Path:
    pointer = settings.index_dir / "CURRENT"
    if not pointer.exists():
        raise IndexNotBuiltError(f"还没有建立索引（{settings.index_dir}），请先运行 {BUILD_COMMAND}")
    try:
        build_id = pointer.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as error:
        raise CorruptIndexError(f"索引指针 {pointer} 无法读取，请运行 {BUILD_COMMAND} 重建") from error
    # Only a name build_index gives: never a path out of builds/, a staging dir or garbage.
    if not BUILD_ID.fullmatch(build_id):
        raise CorruptIndexError(f"索引指针 {pointer} 的内容不是有效的索引版本名，请运行 {BUILD_COMMAND} 重建")
    build = settings.index_dir / "builds" / build_id
    if not (build / MANIFEST).exists():
        raise CorruptIndexError(f"索引不完整（{build} 缺少清单），请运行 {BUILD_COMMAND} 重建")
    return build


def _reached(step: str, settings: Settings) -> None:
    """The build finished `step`; the fault-injection hook kills the process here when asked to."""
    if settings.fault_after_step == step:
        os.kill(os.getpid(), signal.SIGKILL)


def _remove_old_builds(builds: Path, keep: str) -> None:
    for path in builds.iterdir():
        if path.name != keep:
            shutil.rmtree(path, ignore_errors=True)


def _write_atomic(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex[:6]}.tmp")
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def _sha256(path: Path) -> str:
    with open(path, "rb") as handle:  # in chunks: vectors.npy is tens of MB at a hundred policies
        return hashlib.file_digest(handle, "sha256").hexdigest()
