"""The e5 cross-encoder's file format: what training writes, the loader reads (slow: needs e5-small)."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.config import Settings
from index.embed.base import Embedder
from index.embed.models import DEFAULT_MODEL_ID, resolve_model_path
from index.errors import ModelUnavailableError
from index.rerank.cross import CARD_FILE, WEIGHTS_FILE, E5CrossEncoder

pytestmark = pytest.mark.slow


def test_a_saved_model_loads_and_scores_probabilities(
    tmp_path: Path, model_settings: Settings, model_embedder: Embedder
) -> None:
    import torch
    from safetensors import safe_open
    from transformers import BertConfig

    from eval.train_reranker import save
    from index.rerank.model import FROZEN, CrossModel

    e5_dir = Path(resolve_model_path(DEFAULT_MODEL_ID, model_settings.cache_dir))
    torch.manual_seed(0)
    model = CrossModel(BertConfig.from_pretrained(str(e5_dir), num_hidden_layers=1))
    with safe_open(str(e5_dir / "model.safetensors"), "pt") as f:  # as training starts: e5's embeddings
        model.get_parameter(FROZEN[0]).data = f.get_tensor("embeddings.word_embeddings.weight")
    save(model, tmp_path / "m", {"version": 7, "max_length": 64})
    assert {p.name for p in (tmp_path / "m").iterdir()} == {"config.json", WEIGHTS_FILE, CARD_FILE}
    # Only what training changes is written: no 96 M-parameter word-embedding matrix.
    assert (tmp_path / "m" / WEIGHTS_FILE).stat().st_size < 10_000_000
    judge = E5CrossEncoder(e5_dir, tmp_path / "m")
    assert judge.name == "e5-cross:7"
    probs = judge.score("森林覆盖率多少", ["全区森林覆盖率达到77.57%。", "行政复议案件"])
    assert probs.shape == (2,) and ((probs > 0) & (probs < 1)).all()
    # A judge of sentences is not taken for a reranker of passages.
    save(model, tmp_path / "s", {"version": 7, "max_length": 64, "unit": ["sentence"]})
    with pytest.raises(ModelUnavailableError, match="trained on sentences"):
        E5CrossEncoder(e5_dir, tmp_path / "s")
    assert judge.score("森林覆盖率多少", []).shape == (0,)
    # The loaded network is the saved one: same logits as the model that was written.
    enc = judge._tokenizer(["问"], ["答"], return_tensors="pt")
    model.train(False)
    with torch.inference_mode():
        want = model.half().float()(enc["input_ids"], enc["attention_mask"], enc.get("token_type_ids"))
    assert judge.logits("问", ["答"])[0] == pytest.approx(float(want[0]), abs=1e-3)


def test_no_trained_model_is_a_clear_error(tmp_path: Path, model_settings: Settings) -> None:
    with pytest.raises(ModelUnavailableError, match="eval.train_reranker"):
        E5CrossEncoder(model_settings.cache_dir, tmp_path)
