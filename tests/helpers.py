"""Helpers shared by the tests (fixtures are in conftest.py files; helpers are imported from here)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np

from index.build import BuildReport, build_index

ROOT = Path(__file__).resolve().parents[1]
REPORT_DIR = ROOT / "docs" / "corpus"
REPORT_ID = "huairou-2024-law-based-government-report"
# Every citation carries these keys (page fields are null for documents without pages).
CITATION_KEYS = {
    "document_id",
    "title",
    "section",
    "paragraph",
    "start",
    "end",
    "page",
    "page_end",
    "printed_page",
    "ocr",
    "year",
    "superseded_by",
}


class HashEmbedder:
    """Bag of hashed character bigrams, L2-normalised: similar texts get similar vectors. Deterministic and
    fast; it stands in for the real model wherever ranking quality is not what a test checks."""

    def __init__(self, dimension: int = 64, model_id: str = "test/hash-bigrams") -> None:
        self.model_id = model_id
        self.encoder = "hash"
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


def build_hash_index(corpus: Path, root: Path, embedder: HashEmbedder | None = None, **kw: Any) -> BuildReport:
    """Build ``corpus`` into ``root`` with the hash embedder (no prefixes)."""
    return build_index(corpus, root, embedder or HashEmbedder(), passage_prefix="", query_prefix="", **kw)
