"""One model, two encoders: questions by one (``YOUJU_QUERY_ENCODER``), passages by another (``YOUJU_ENCODER``).

A question is a few tokens embedded one at a time while a citizen waits: the int8 ONNX encoder does that in a
quarter of torch's time. A build embeds long passages in large batches, where torch (in bfloat16 on CPUs
that have it) is fastest and int8 gains nothing. The two give compatible vectors of the same model (cosine
>= 0.99, tested), so an index built by one is searched by the other.

The passage encoder is made on first use: a server that never rebuilds never loads it (no torch import, a
faster start and less memory); its start-up self-check embeds its few passages with the question encoder
(``check_passages``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from index.embed.base import Embedder, Vectors


class SplitEmbedder:
    """``queries`` embeds questions; ``passages()`` (made once, when first needed) embeds passages."""

    def __init__(self, queries: Embedder, passages: Callable[[], Embedder], passage_encoder: str) -> None:
        self.queries = queries
        self._make_passages = passages
        self._passages: Embedder | None = None
        self._lock = threading.Lock()
        self.model_id = queries.model_id
        self.dimension = queries.dimension
        self.query_prefix = queries.query_prefix
        self.passage_prefix = queries.passage_prefix
        #: The passage side's encoder: what cached passage vectors depend on (``vectors_key``).
        self.encoder = passage_encoder
        self.query_encoder = queries.encoder

    def passages(self) -> Embedder:
        with self._lock:
            if self._passages is None:
                self._passages = self._make_passages()
            return self._passages

    def prepare_passages(self) -> None:
        """Load the passage encoder now (a build does, before other work competes with the loading)."""
        self.passages()

    def embed_queries(self, texts: list[str]) -> Vectors:
        return self.queries.embed_queries(texts)

    def embed_queries_idle(self, texts: list[str]) -> Vectors:
        """The question encoder's ``embed_queries_idle`` where it has one (``OnnxEmbedder``)."""
        idle: Callable[[list[str]], Vectors] | None = getattr(self.queries, "embed_queries_idle", None)
        return idle(texts) if idle is not None else self.queries.embed_queries(texts)

    def embed_passages(self, texts: list[str], *, progress: bool = False) -> Vectors:
        return self.passages().embed_passages(texts, progress=progress)

    def check_passages(self, texts: list[str]) -> Vectors:
        """A few passages embedded by the question encoder, already loaded: what the searcher's self-check
        compares with their stored vectors (the same model; int8 rounding is within its agreement bound).
        Through the passage encoder, every server start would load torch and the passage model for eight
        passages: seconds and about a gigabyte."""
        return self.queries.embed_passages(texts)
