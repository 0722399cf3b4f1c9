"""Vectors already computed, by content hash, beside the index builds (`index/embeddings/`).

A unit's vector depends only on its text and the model's weights, so the key is
sha256(model fingerprint, text): a build embeds only texts it has not seen, and adding or
changing one policy embeds only that policy's new units.  The cache is an optimisation
only: a missing, unreadable or damaged file is treated as empty (everything is embedded
again), and it is replaced atomically, so a killed build never leaves half a file.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import uuid
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

logger = logging.getLogger(__name__)
KEEP = 200_000  # entries kept at most: the current build's texts first, then the most recent others


class EmbeddingCache:
    """One model's cached passage vectors: `<dir>/<model>-<fingerprint>.npz` (keys, vectors)."""

    def __init__(self, directory: Path, model: str, model_fingerprint: str) -> None:
        self.fingerprint = model_fingerprint
        name = re.sub(r"[^0-9A-Za-z_.-]+", "_", model)[-60:]
        self.path = directory / f"{name}-{model_fingerprint}.npz"

    def key(self, text: str) -> bytes:
        """The content hash of one text under this model."""
        return hashlib.sha256(f"{self.fingerprint}\x00{text}".encode()).hexdigest().encode()

    def read(self) -> dict[bytes, np.ndarray]:
        """key → vector; empty when there is no usable cache."""
        try:
            with np.load(self.path, allow_pickle=False) as data:
                keys, vectors = data["keys"], data["vectors"]
                if keys.ndim != 1 or vectors.ndim != 2 or len(keys) != len(vectors):
                    raise ValueError("keys and vectors do not match")
                return {bytes(k): v for k, v in zip(keys, vectors.astype(np.float32), strict=True)}
        except FileNotFoundError:
            return {}
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as error:  # damaged: embed again
            logger.warning("嵌入缓存 %s 无法读取（%s），将重新嵌入", self.path, error)
            return {}

    def embed(self, texts: Sequence[str], embed: Callable[[list[str]], list[list[float]]]) -> tuple[
        list[np.ndarray], int
    ]:
        """Vectors of `texts`, computing only those not cached (each distinct text once); saves the
        cache. Returns the vectors in order and how many texts were embedded."""
        cached = self.read()
        keys = [self.key(t) for t in texts]
        missing = list(dict.fromkeys(k for k in keys if k not in cached))
        if missing:
            text_of = dict(zip(keys, texts, strict=True))
            fresh = embed([text_of[k] for k in missing])
            dims = {len(v) for v in fresh} | {v.shape[0] for v in cached.values()}
            if len(dims) > 1:  # vectors of another width: not this model's after all, embed everything anew
                logger.warning("嵌入缓存 %s 的向量维数与模型不符，将全部重新嵌入", self.path)
                missing = list(dict.fromkeys(keys))
                cached, fresh = {}, embed([text_of[k] for k in missing])
            cached.update(zip(missing, (np.asarray(v, dtype=np.float32) for v in fresh), strict=True))
            current = set(keys)
            kept = [k for k in keys if k in cached] + [k for k in cached if k not in current]
            self._write({k: cached[k] for k in list(dict.fromkeys(kept))[:KEEP]})
        return [cached[k] for k in keys], len(missing)

    def _write(self, entries: dict[bytes, np.ndarray]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(f".{self.path.stem}.{uuid.uuid4().hex[:6]}.tmp.npz")
        keys = np.array(list(entries), dtype="S64")
        vectors = np.stack(list(entries.values())).astype(np.float32)
        with open(temporary, "wb") as handle:
            np.savez(handle, keys=keys, vectors=vectors)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.path)
