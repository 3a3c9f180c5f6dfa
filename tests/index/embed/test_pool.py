"""Embedding across worker processes gives the vectors one process gives (index/embed/pool.py)."""

from __future__ import annotations

import numpy as np
import pytest

from index.config import Settings
from index.embed.base import Embedder
from index.embed.pool import PooledEmbedder
from tests.helpers import REPORT_DIR


@pytest.mark.slow
def test_two_worker_processes_embed_like_one(model_settings: Settings, model_embedder: Embedder) -> None:
    text = (REPORT_DIR / next(p.name for p in REPORT_DIR.iterdir() if p.suffix in {".md", ".txt"})).read_text(
        encoding="utf-8"
    )
    texts = [line.strip() for line in text.splitlines() if len(line.strip()) > 20][:40]
    s = model_settings
    args = {
        "model": s.model,
        "cache_dir": str(s.cache_dir),
        "query_prefix": s.query_prefix,
        "passage_prefix": s.passage_prefix,
        "batch_size": s.embed_batch_size,
        "encoder": s.encoder,
    }
    pooled = PooledEmbedder(model_embedder, 2, args)
    try:
        got = pooled.embed_passages(texts)
        assert got.shape == (len(texts), model_embedder.dimension) and got.dtype == np.float32
        want = model_embedder.embed_passages(texts)
        assert float(np.min(np.sum(got * want, axis=1))) > 0.999  # same model, same prefix, same order
        assert pooled.embed_queries(["森林覆盖率"]).shape == (1, model_embedder.dimension)
    finally:
        pooled.close()
