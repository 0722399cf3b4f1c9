"""Tokens already computed, by content hash, beside the index builds (`index/tokens/`).

What BM25 reads of a unit depends only on its text and the tokenizer (jieba's version, the
domain words, the synonyms, the stopwords), so the key is sha256(text) inside a file named by
the tokenizer's fingerprint: a build tokenises only the texts it has not seen, and adding one
policy tokenises only its units; the bm25s index is then rebuilt from the cached tokens (a few
array operations, not jieba).  As with the embedding cache this is an optimisation only: a
missing, unreadable or damaged file is treated as empty, and it is replaced atomically.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path

logger = logging.getLogger(__name__)
KEEP = 400_000  # entries kept at most: the current build's texts first, then the most recent others


class TokenCache:
    """One tokenizer's cached token lists: `<dir>/tokens-<fingerprint>.json` ({sha256(text): tokens})."""

    def __init__(self, directory: Path, tokenizer_fingerprint: str) -> None:
        self.path = directory / f"tokens-{tokenizer_fingerprint[:16]}.json"

    @staticmethod
    def key(text: str) -> str:
        """The content hash of one text."""
        return hashlib.sha256(text.encode()).hexdigest()

    def read(self) -> dict[str, list[str]]:
        """key → tokens; empty when there is no usable cache."""
        try:
            entries = json.loads(self.path.read_text(encoding="utf-8"))
            if not isinstance(entries, dict) or not all(
                isinstance(v, list) and all(isinstance(t, str) for t in v) for v in entries.values()
            ):
                raise ValueError("not a mapping of texts to token lists")
            return entries
        except FileNotFoundError:
            return {}
        except (OSError, UnicodeDecodeError, ValueError) as error:  # damaged: tokenise again
            logger.warning("分词缓存 %s 无法读取（%s），将重新分词", self.path, error)
            return {}

    def tokenize(self, texts: Sequence[str], tokenize: Callable[[str], list[str]]) -> tuple[list[list[str]], int]:
        """Tokens of `texts`, computing only those not cached (each distinct text once); saves the
        cache. Returns the token lists in order and how many texts were tokenised."""
        cached = self.read()
        keys = [self.key(t) for t in texts]
        missing = {k: t for k, t in zip(keys, texts, strict=True) if k not in cached}
        if missing:
            cached.update((k, tokenize(t)) for k, t in missing.items())
            current = dict.fromkeys(keys)
            kept = list(current) + [k for k in cached if k not in current]
            self._write({k: cached[k] for k in kept[:KEEP]})
        return [cached[k] for k in keys], len(missing)

    def _write(self, entries: dict[str, list[str]]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(f".{self.path.stem}.{uuid.uuid4().hex[:6]}.tmp")
        with open(temporary, "w", encoding="utf-8") as handle:
            json.dump(entries, handle, ensure_ascii=False, separators=(",", ":"))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.path)
