"""The question's embedding, from a model that loads in the background.

Loading the model takes a moment (seconds for a sentence-transformers model, which
imports torch); the app starts answering look-ups by reference at once and a
question that needs the vector waits for it.
"""

from __future__ import annotations

import logging
import threading

import numpy as np

from assistant.search.embedding import QueryEmbedder

__all__ = ["QueryEmbedder", "QueryEncoder"]
logger = logging.getLogger(__name__)
MODEL_WAIT_SECONDS = 120.0


class QueryEncoder:
    """Unit-length query vectors; None (lexical search only) if the model failed to load."""

    def __init__(self, model: str, embedder: QueryEmbedder | None = None,
                 wait_seconds: float = MODEL_WAIT_SECONDS) -> None:
        self.model = model
        self.wait_seconds = wait_seconds
        self._embedder = embedder
        self._ready = threading.Event()
        self.error: BaseException | None = None
        if embedder is not None:
            self._ready.set()

    def start_loading(self) -> None:
        """Load the model in a background thread (once)."""
        if self._ready.is_set():
            return

        def load() -> None:
            try:
                from assistant.search.embedding import load_query_embedder

                embedder = load_query_embedder(self.model)
                embedder.get_query_embedding("预热")
                self._embedder = embedder
            except BaseException as error:  # reported to the first question that needs it
                logger.exception("embedding model failed to load")
                self.error = error
            finally:
                self._ready.set()

        threading.Thread(target=load, name="load-embedding", daemon=True).start()

    def vector(self, text: str) -> np.ndarray | None:
        """The text's embedding, normalised; waits for the model to finish loading."""
        self._ready.wait(self.wait_seconds)
        if self._embedder is None:
            return None
        vector = np.asarray(self._embedder.get_query_embedding(text), dtype=np.float32)
        norm = float(np.linalg.norm(vector))
        return vector / norm if norm else vector
