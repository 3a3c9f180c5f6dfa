"""Embedding a large build across processes (``YOUJU_EMBED_PROCESSES``, ``youju build``).

``PooledEmbedder`` wraps the build's embedder: questions and the self-check go to it as before, passages are
split into one contiguous slice per worker process and embedded in parallel, each worker holding its own copy
of the same model (made by ``index.embed.create`` with the same arguments, so the vectors are the ones the
single process would give) and its share of the cores. The standard library's process pool, started with
``spawn`` (no fork of a process holding torch's threads), lives as long as the embedder.

Where it pays: on a machine with many cores, one process's encoder stops scaling with threads long before
the cores run out; a pool of processes each with a few threads keeps them busy. ``python -m
eval.bench_processes`` measures it on a given machine (figures for the 2-core development machine in
docs/deployment.md); the default is 1. Across machines, the build's checkpoint (``index/checkpoint.py``)
and the engine's bulk upload are the seams: not a home-made scheduler.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from index.embed.base import Embedder, Vectors

_worker: Embedder | None = None


def _init_worker(args: dict[str, Any], threads: int) -> None:
    global _worker
    from index import embed
    from index.embed.threads import set_threads

    set_threads(threads)
    _worker = embed.create(**args)


def _embed(texts: list[str]) -> Vectors:
    assert _worker is not None, "worker not initialised"
    return _worker.embed_passages(texts)


class PooledEmbedder:
    """``inner`` for questions; ``processes`` workers (each a copy of the model) for passages."""

    def __init__(self, inner: Embedder, processes: int, create_args: dict[str, Any]) -> None:
        self.inner = inner
        self.model_id = inner.model_id
        self.encoder = inner.encoder
        self.dimension = inner.dimension
        self.query_prefix = inner.query_prefix
        self.passage_prefix = inner.passage_prefix
        self.processes = processes
        threads = max(1, (os.cpu_count() or 1) // processes)
        self._pool = ProcessPoolExecutor(
            max_workers=processes,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
            initargs=({**create_args, "cache_dir": Path(create_args["cache_dir"])}, threads),
        )

    def embed_queries(self, texts: list[str]) -> Vectors:
        return self.inner.embed_queries(texts)

    def embed_passages(self, texts: list[str], *, progress: bool = False) -> Vectors:
        if len(texts) < 2 * self.processes:
            return self.inner.embed_passages(texts)
        bounds = np.linspace(0, len(texts), self.processes + 1).astype(int)
        slices = [texts[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
        parts = list(self._pool.map(_embed, slices))
        return np.ascontiguousarray(np.concatenate(parts), dtype=np.float32)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
