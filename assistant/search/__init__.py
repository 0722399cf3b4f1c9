"""Search: the embedding model, the persisted index, hybrid BM25 + dense retrieval and direct clause references."""
