"""The embedder interface."""

from __future__ import annotations

from typing import Literal, Protocol

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]
#: Arithmetic of a torch encoder's passages (``YOUJU_EMBED_PRECISION``, ``index/embed/st.py``).
Precision = Literal["auto", "fp32", "bf16"]
#: The ONNX exporter's version (``index/embed/onnx.py``): bumped when exports compute differently, so files
#: and cached vectors made by an older exporter are made again.
ONNX_EXPORT_VERSION = 2  # 2: fused attention (onnxruntime's BERT fusions)


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors. Queries and passages may be prefixed differently."""

    model_id: str
    #: How the vectors are computed: ``torch``, ``onnx`` or ``onnx-int8`` (``YOUJU_ENCODER``). One model's
    #: encoders give compatible vectors (cosine >= 0.99), not identical ones: caches of vectors key on it.
    encoder: str
    dimension: int
    query_prefix: str
    passage_prefix: str

    def embed_queries(self, texts: list[str]) -> Vectors: ...

    def embed_passages(self, texts: list[str], *, progress: bool = False) -> Vectors: ...


def vectors_key(embedder: Embedder, *, queries: bool = False) -> str:
    """What cached vectors depend on: the model, and the encoder unless torch fp32 (so keys made before there
    were encoders stay valid), with the exporter's version for ONNX encoders (``onnx-int8/export2``: a new
    export computes slightly different vectors). Questions and passages may be embedded by different
    encoders (``index/embed/split.py``): ``queries=True`` keys question vectors."""
    encoder = getattr(embedder, "query_encoder", embedder.encoder) if queries else embedder.encoder
    if encoder.startswith("onnx"):
        encoder += f"/export{ONNX_EXPORT_VERSION}"
    return embedder.model_id + ("" if encoder == "torch" else f"|{encoder}")
