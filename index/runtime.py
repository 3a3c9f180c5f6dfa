"""Wiring: settings -> embedder, builder and searcher. The CLI and the service both start here."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from index import store
from index.build import BuildReport, build_index
from index.config import Settings
from index.embed.base import Embedder
from index.ingest import ChunkConfig
from index.search import Searcher


def set_threads(threads: int) -> None:
    n = threads or (os.cpu_count() or 1)
    import faiss
    import torch

    torch.set_num_threads(n)
    faiss.omp_set_num_threads(n)


@lru_cache(maxsize=4)
def _embedder(model: str, cache_dir: Path, qp: str | None, pp: str | None, batch: int) -> Embedder:
    from index.embed.st import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(model, cache_dir=cache_dir, query_prefix=qp, passage_prefix=pp, batch_size=batch)


def make_embedder(settings: Settings) -> Embedder:
    """One embedder per (model, prefixes) per process: the model is loaded once."""
    return _embedder(
        settings.model,
        settings.cache_dir,
        settings.query_prefix,
        settings.passage_prefix,
        settings.embed_batch_size,
    )


def prefixes(embedder: Embedder) -> tuple[str, str]:
    return getattr(embedder, "query_prefix", ""), getattr(embedder, "passage_prefix", "")


def build(settings: Settings, *, force: bool = False, progress: bool = False) -> BuildReport:
    embedder = make_embedder(settings)
    qp, pp = prefixes(embedder)
    return build_index(
        settings.corpus_dir,
        settings.index_dir,
        embedder,
        passage_prefix=pp,
        query_prefix=qp,
        ann_kind=settings.ann,
        chunking=ChunkConfig(settings.chunk_max_chars, settings.chunk_min_chars),
        keep_builds=settings.keep_builds,
        force=force,
        progress=progress,
    )


def open_searcher(settings: Settings, index_dir: Path | None = None) -> Searcher:
    index = store.load(index_dir or settings.index_dir)
    return Searcher(
        index,
        make_embedder(settings),
        no_answer_threshold=settings.no_answer_threshold,
        max_query_chars=settings.max_query_chars,
    )
