"""Rerankers, chosen by ``YOUJU_RERANKER``: ``none``, ``e5-cross`` (trained here and shipped, see
``cross.py``), or a sentence-transformers cross-encoder by local directory or cached hub id."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from index.rerank.base import Reranker

__all__ = ["Reranker", "create"]


def create(name: str, e5_dir: Callable[[], Path]) -> Reranker | None:
    """The named reranker (``None`` for ``none``). ``e5_dir`` gives the materialised e5-small directory
    (word embeddings and tokenizer of the shipped model); it is called only when that model is wanted."""
    if name == "none":
        return None
    from index.rerank import cross  # imports torch: only when a model is wanted

    if name == cross.SHIPPED_NAME:
        return cross.E5CrossEncoder(e5_dir())
    return cross.SentenceTransformersCrossEncoder(name)
