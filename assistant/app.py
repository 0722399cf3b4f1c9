"""The Assistant: loads corpus, index and model once; answers questions statelessly.

`ask(question, history)` derives everything it needs from the question and the
history the caller passes, so one Assistant serves many users and threads.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from assistant.answering.llm import build_llm
from assistant.answering.reply import Reply
from assistant.answering.router import Router
from assistant.calculator import Calculation, compute
from assistant.errors import IndexNotBuiltError, StaleIndexError
from assistant.policies.clauses import Clause
from assistant.policies.corpus import Corpus, load_corpus
from assistant.search.calibration import calibration_of
from assistant.search.index_store import LoadedIndex, build_index, load_index, read_manifest
from assistant.search.keywords import KeywordMatch, KeywordSearch
from assistant.search.query_encoder import QueryEmbedder, QueryEncoder
from assistant.search.retriever import ChineseTokenizer, Retriever
from assistant.settings import PACKAGE_DATA_DIR, Settings, load_settings

logger = logging.getLogger(__name__)
LPR_TABLE = PACKAGE_DATA_DIR / "lpr.json"
History = Sequence[tuple[str, str]]


class Assistant:
    """Answers questions about the loaded policies; see README for the reply shape."""

    def __init__(self, settings: Settings, corpus: Corpus, index: LoadedIndex,
                 clock: Callable[[], dt.date] | None = None,
                 embedder: QueryEmbedder | None = None) -> None:
        self.settings = settings
        self.corpus = corpus
        self.index = index
        self.clock = clock or dt.date.today
        self.tokenizer = ChineseTokenizer()
        calibration = calibration_of(settings, index.manifest)
        self.retriever = Retriever(corpus, index, self.tokenizer, calibration.dense_weight,
                                   calibration.out_of_scope_similarity)
        self.keywords = KeywordSearch(corpus.clauses, self.tokenizer.synonyms)
        self.rules = corpus.rules
        self.llm = build_llm(settings)
        self.lpr_table = json.loads(LPR_TABLE.read_text(encoding="utf-8"))
        self.encoder = QueryEncoder(settings.embedding_model, embedder)
        # Every stage gets what it needs here; none reaches back through this object.
        self.router = Router(
            settings=settings, corpus=corpus, retriever=self.retriever, tokenizer=self.tokenizer,
            query_vector=self.encoder.vector, rules=self.rules, lpr_table=self.lpr_table, llm=self.llm,
            clock=self.clock,
        )

    @classmethod
    def load(cls, settings: Settings | None = None, clock: Callable[[], dt.date] | None = None,
             build_if_missing: bool = True, wait_for_model: bool = False) -> Assistant:
        """Load corpus and index (building the index if there is none) and start loading the model.

        A stale index (other corpus or model) is refused with StaleIndexError naming the
        command to run.  The embedding model loads in a background thread; questions asked
        before it is ready wait for it.
        """
        settings = settings or load_settings()
        corpus = load_corpus(settings.corpus_dir)
        try:
            index = load_index(settings, corpus)
        except StaleIndexError:
            raise
        except IndexNotBuiltError:
            if not build_if_missing or (settings.index_dir / "CURRENT").exists():
                raise
            build_index(settings, corpus, report=logger.info)
            index = load_index(settings, corpus)
        assistant = cls(settings, corpus, index, clock)
        assistant.start_model_loading()
        if wait_for_model:
            assistant.query_vector("预热")
        return assistant

    def start_model_loading(self) -> None:
        """Load the embedding model in the background (importing torch takes seconds)."""
        self.encoder.start_loading()

    def query_vector(self, text: str) -> np.ndarray | None:
        """The question's embedding; None (lexical search only) if the model failed to load."""
        return self.encoder.vector(text)

    def ask(self, question: str, history: History | None = None) -> Reply:
        """Answer one question in the context of `history` [(role, text), …]."""
        started = time.perf_counter()
        turns = list(history) if isinstance(history, list | tuple) else []
        reply = self.router.answer(question, turns)
        logger.info("ask route=%s ms=%.1f", reply.route, (time.perf_counter() - started) * 1000)
        return reply

    def check_company(self, description: str, history: History | None = None) -> Reply:
        """The 政策体检 of a company description (the form's path): route "match" whatever the words ask,
        the same engine and number guard as a match in the chat."""
        started = time.perf_counter()
        turns = list(history) if isinstance(history, list | tuple) else []
        reply = self.router.check_company(description, turns)
        logger.info("check_company route=%s ms=%.1f", reply.route, (time.perf_counter() - started) * 1000)
        return reply

    def calculate(self, rule_id: str, inputs: dict[str, Any]) -> Calculation:
        """Apply one rule to inputs given in a form (the calculator tab): the same engine as the chat.

        Raises calculator.MissingParameters or ValueError (Chinese message) on incomplete or absurd inputs.
        """
        rule = self.rules.get(rule_id)
        if rule is None:
            raise KeyError(f"没有编号为 {rule_id} 的计算规则")
        return compute(rule, inputs, self.lpr_table)

    def search_clauses(self, keyword: str, doc_id: str | None = None) -> list[Clause]:
        """Clauses containing every space-separated keyword (hotline search), in document order."""
        return [m.clause for m in self.find_keywords(keyword, doc_id)]

    def find_keywords(self, keyword: str, doc_id: str | None = None) -> list[KeywordMatch]:
        """The hotline search with where each keyword matched (width, case, brackets and the thesaurus folded)."""
        return self.keywords.find(keyword, doc_id)

    def about(self) -> dict[str, Any]:
        """Loaded policies with validity, the model and the index build time (for the UI)."""
        today = self.clock()
        manifest = read_manifest(self.settings)
        return {
            "documents": [
                {"doc_id": d.doc_id, "title": d.title, "doc_number": d.doc_number, "issuer": d.issuer,
                 "valid_until": d.valid_until.isoformat() if d.valid_until else None,
                 "in_force": d.is_in_force(today), "clauses": sum(c.clause.isdigit() for c in d.clauses)}
                for d in self.corpus.documents
            ],
            "embedding_model": self.settings.embedding_model,
            "built_at": manifest.get("built_at"),
            "today": today.isoformat(),
        }

