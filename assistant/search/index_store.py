"""Build the embedded clause index and load it back.

Layout of `index/`:
    builds/<build_id>/   llama-index storage (docstore, vector store), lexical/ (the bm25s index,
                         search/lexical.py) + manifest.json
    CURRENT              the build_id in use, replaced atomically
    embeddings/          vectors already computed, by content hash (search/embedding_cache.py): a
                         build embeds only the units whose text is new, so adding one policy
                         embeds only its units

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

FORMAT_VERSION = 3  # 2: the manifest carries the model's calibration; 3: the bm25s lexical index
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
    from llama_index.core import StorageContext, VectorStoreIndex
    from llama_index.core.schema import TextNode

    if settings.fault_after_step and settings.fault_after_step not in BUILD_STEPS:
        steps = "/".join(BUILD_STEPS)
        raise AssistantError(f"配置项 fault_after_step 只能是 {steps}，而不是 {settings.fault_after_step!r}")
    started = time.perf_counter()
    builds = settings.index_dir / "builds"
    builds.mkdir(parents=True, exist_ok=True)
    build_id = dt.datetime.now().strftime("%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:6]
    staging = builds / f".{build_id}.partial"
    units = collect_units(corpus)
    _reached("collected", settings)
    report(f"共 {len(corpus.documents)} 份政策、{len(corpus.clauses)} 个条款、{len(units)} 个检索单元，开始嵌入……")
    nodes = []
    for unit in units:
        node = TextNode(id_=unit.node_id, text=unit.text,
                        metadata={"kind": unit.kind, "doc_id": unit.doc_id, "clause": unit.clause,
                                  "start": unit.start, "end": unit.end, "rule_id": unit.rule_id})
        node.excluded_embed_metadata_keys = list(node.metadata)
        node.excluded_llm_metadata_keys = list(node.metadata)
        nodes.append(node)
    embed_model = load_embedding(settings.embedding_model, settings.embedding_batch_size)
    model_fingerprint = fingerprint_model(settings.embedding_model)
    cache = EmbeddingCache(settings.index_dir / "embeddings", settings.embedding_model, model_fingerprint)
    texts = [unit.text for unit in units]
    vectors, embedded = cache.embed(texts, embed_model.get_text_embedding_batch)
    for node, vector in zip(nodes, vectors, strict=True):
        node.embedding = vector.tolist()
    report(f"其中 {embedded} 个文本是新的并已嵌入，其余取自嵌入缓存")
    storage = StorageContext.from_defaults()
    VectorStoreIndex(nodes, storage_context=storage, embed_model=embed_model, show_progress=True)
    _reached("embedded", settings)
    storage.persist(persist_dir=str(staging))
    # imported here: the tokenizer lives with the retriever, which imports this module's types
    from assistant.search.retriever import ChineseTokenizer

    tokenizer = ChineseTokenizer()  # one jieba dictionary load for the lexical index and the calibration
    _persist_lexical(corpus, units, staging, tokenizer)
    _reached("persisted", settings)
    calibration = _calibrate(corpus, staging, embed_model, tokenizer)
    manifest = {
        "format_version": FORMAT_VERSION,
        "embedding_model": settings.embedding_model,
        "model_fingerprint": model_fingerprint,
        "calibration": calibration,
        "corpus_fingerprint": fingerprint_units(units),
        "corpus_files_fingerprint": corpus.fingerprint,
        "documents": [d.doc_id for d in corpus.documents],
        "units": len(units),
        "units_embedded": embedded,
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


def _calibrate(corpus: Corpus, staging: Path, embed_model: Any, tokenizer: Any) -> dict[str, Any]:
    """Measure the model-dependent search settings on the vectors just persisted."""
    # imported here: calibration drives the retriever, which imports this module's types
    from assistant.search.calibration import calibrate

    units, matrix = _read_storage(staging)
    index = LoadedIndex(tuple(units), matrix, {}, LexicalIndex(staging / LEXICAL_DIRECTORY))
    return calibrate(corpus, index, lambda q: np.asarray(embed_model.get_query_embedding(q)), tokenizer)


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
        raise StaleIndexError(f"索引格式已更新，请运行 {BUILD_COMMAND} 重建")
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
    except (OSError, KeyError, ValueError, TypeError) as error:
        raise CorruptIndexError(f"索引无法读取（{error}），请运行 {BUILD_COMMAND} 重建") from error
    if lexical.size != sum(u.kind in ("clause", "sentence") for u in units):
        raise CorruptIndexError(f"索引的词法部分与向量部分不一致，请运行 {BUILD_COMMAND} 重建")
    return LoadedIndex(tuple(units), matrix, manifest, lexical)


def lexical_text(corpus: Corpus, unit: IndexUnit) -> str:
    """What BM25 reads of a unit: a sentence as embedded, a clause as its title and whole text."""
    clause = corpus.clause(unit.doc_id, unit.clause)
    return unit.text if unit.kind == "sentence" or clause is None else f"{clause.title} {clause.text}"


def _persist_lexical(corpus: Corpus, units: list[IndexUnit], staging: Path, tokenizer: Any) -> None:
    """The bm25s index over the clause and sentence units, in the order the loader reads them."""
    ordered = sorted((u for u in units if u.kind in ("clause", "sentence")), key=lambda u: _unit_order(u.node_id))
    build_lexical([tokenizer.tokenize(lexical_text(corpus, u)) for u in ordered], staging / LEXICAL_DIRECTORY)


def _read_storage(build: Path) -> tuple[list[IndexUnit], np.ndarray]:
    """llama-index's persisted files, read by hand: measured on this machine (313 units, while other
    work ran), 38 ms here against 2.4 s to import llama-index plus 4.5 s for
    StorageContext.from_defaults(persist_dir=…) + load_index_from_storage, in a process that
    otherwise never imports llama-index."""
    docstore = json.loads((build / "docstore.json").read_text(encoding="utf-8"))
    vectors = json.loads((build / "default__vector_store.json").read_text(encoding="utf-8"))
    return _units_from_storage(docstore, vectors["embedding_dict"])


def _units_from_storage(docstore: dict[str, Any], embeddings: dict[str, list[float]]) -> tuple[
    list[IndexUnit], np.ndarray
]:
    """Read llama-index's persisted docstore/vector store into our own types."""
    data = docstore["docstore/data"]
    units, rows = [], []
    for node_id in sorted(data, key=lambda key: _unit_order(key)):
        node = data[node_id]["__data__"]
        meta = node["metadata"]
        units.append(IndexUnit(node_id, meta["kind"], meta["doc_id"], meta["clause"], node["text"],
                               int(meta["start"]), int(meta["end"]), meta.get("rule_id", "")))
        rows.append(embeddings[node_id])
    matrix = np.asarray(rows, dtype=np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True).clip(min=1e-12)
    return units, matrix


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
    return hashlib.sha256(path.read_bytes()).hexdigest()
