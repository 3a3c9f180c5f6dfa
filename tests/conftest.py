"""Shared fixtures. The real model is loaded once per session (``model_embedder``, slow tests only);
fast tests use ``HashEmbedder``, a deterministic character-bigram embedder with the same interface."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
REPORT_DIR = ROOT / "docs" / "corpus"


class HashEmbedder:
    """Bag of hashed character bigrams, L2-normalised: similar texts get similar vectors."""

    def __init__(self, dimension: int = 64, model_id: str = "test/hash-bigrams") -> None:
        self.model_id = model_id
        self.dimension = dimension
        self.query_prefix = ""
        self.passage_prefix = ""
        self.calls = 0

    def _vec(self, text: str) -> np.ndarray:
        v = np.zeros(self.dimension, dtype=np.float32)
        for i in range(max(1, len(text) - 1)):
            h = int.from_bytes(hashlib.blake2b(text[i : i + 2].encode(), digest_size=4).digest(), "little")
            v[h % self.dimension] += 1.0
        n = float(np.linalg.norm(v))
        return v / n if n else v

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return np.stack([self._vec(t) for t in texts]) if texts else np.zeros((0, self.dimension), np.float32)

    def embed_passages(self, texts: list[str], *, progress: bool = False) -> np.ndarray:
        self.calls += len(texts)
        return self.embed_queries(texts)


@pytest.fixture
def hash_embedder() -> HashEmbedder:
    return HashEmbedder()


@pytest.fixture
def report_corpus(tmp_path: Path) -> Path:
    """A private copy of the shipped corpus that a test may change."""
    dst = tmp_path / "corpus"
    shutil.copytree(REPORT_DIR, dst)
    return dst


@pytest.fixture(scope="session")
def model_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the real model is materialised: YOUJU_TEST_CACHE_DIR if set (CI reuses it between runs),
    else the user's youju cache, so the conversion happens once per machine, not per test run."""
    env = os.environ.get("YOUJU_TEST_CACHE_DIR")
    if env:
        return Path(env)
    from index.config import Settings

    return Settings().cache_dir


@pytest.fixture(scope="session")
def model_settings(model_cache_dir: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from index.config import Settings

    return Settings(cache_dir=model_cache_dir, index_dir=tmp_path_factory.mktemp("model-index"))


@pytest.fixture(scope="session")
def model_embedder(model_settings):  # type: ignore[no-untyped-def]
    """The real default model, loaded once per test session (shared with the CLI's own cache)."""
    from index.runtime import make_embedder

    return make_embedder(model_settings)


@pytest.fixture(scope="session")
def model_searcher(model_settings, model_embedder):  # type: ignore[no-untyped-def]
    """The shipped report indexed with the real model."""
    from index.runtime import build, open_searcher

    build(model_settings)
    return open_searcher(model_settings)
