"""Questions and passages by different encoders of one model (``index/embed/split.py``), the torch encoder's
bfloat16 passages (``YOUJU_EMBED_PRECISION``), and the answer threshold calibrated per question encoder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from index import answerability, embed
from index.answerability import logistic
from index.config import Settings
from index.embed import onnx as onnx_embed
from index.embed import st
from index.embed.base import Embedder, vectors_key
from index.embed.split import SplitEmbedder
from tests.helpers import HashEmbedder


def test_questions_and_passages_go_to_their_own_encoder_and_the_passage_one_is_made_on_first_use() -> None:
    queries = HashEmbedder(model_id="m")
    queries.encoder = "onnx-int8"
    made: list[Embedder] = []

    def passages() -> Embedder:
        e = HashEmbedder(model_id="m", dimension=64)
        e.encoder = "torch-bf16"
        made.append(e)
        return e

    split = SplitEmbedder(queries, passages, "torch-bf16")
    q = split.embed_queries(["森林覆盖率"])
    assert made == []  # a server that never rebuilds never loads the passage model
    assert np.allclose(q, queries.embed_queries(["森林覆盖率"]))
    split.embed_passages(["森林覆盖率达到77.57%"])
    split.embed_passages(["另一段"])
    assert len(made) == 1
    assert vectors_key(split) == "m|torch-bf16"  # cached passage vectors: the passage encoder's
    assert vectors_key(split, queries=True) == "m|onnx-int8/export2"  # cached question vectors: the question encoder's


def test_lone_questions_go_to_the_question_encoders_idle_session_where_it_has_one() -> None:
    class Idle(HashEmbedder):
        idle_calls = 0

        def embed_queries_idle(self, texts: list[str]) -> np.ndarray:
            self.idle_calls += 1
            return self.embed_queries(texts)

    queries = Idle(model_id="m")
    split = SplitEmbedder(queries, lambda: HashEmbedder(model_id="m"), "torch")
    assert np.allclose(split.embed_queries_idle(["森林"]), queries.embed_queries(["森林"]))
    assert queries.idle_calls == 1
    plain = SplitEmbedder(HashEmbedder(model_id="m"), lambda: HashEmbedder(model_id="m"), "torch")
    assert np.allclose(plain.embed_queries_idle(["森林"]), queries.embed_queries(["森林"]))


def test_create_splits_only_when_the_question_encoder_differs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    made: list[tuple[str, dict[str, Any]]] = []

    class Fake(HashEmbedder):
        def __init__(self, model: str, **kw: Any) -> None:
            super().__init__(model_id=model)
            self.encoder = kw.get("encoder", "torch")
            made.append((model, kw))

    monkeypatch.setattr(st, "SentenceTransformerEmbedder", Fake)
    monkeypatch.setattr(onnx_embed, "OnnxEmbedder", Fake)
    embed.create.cache_clear()
    try:
        same = embed.create("m", tmp_path, None, None, 8, "torch", "same", "fp32")
        assert not isinstance(same, SplitEmbedder)
        assert not isinstance(embed.create("m", tmp_path, None, None, 8, "onnx", "onnx", "fp32"), SplitEmbedder)
        made.clear()
        split = embed.create("m", tmp_path, None, None, 8, "torch", "onnx-int8", "bf16")
        assert isinstance(split, SplitEmbedder)
        assert [kw.get("encoder") for _, kw in made] == ["onnx-int8"]  # only the question encoder so far
        assert split.encoder == "torch-bf16" and split.query_encoder == "onnx-int8"
        split.embed_passages(["x"])
        assert made[-1][1].get("precision") == "bf16"
    finally:
        embed.create.cache_clear()


def test_bf16_is_used_only_where_the_cpu_multiplies_it_natively(tmp_path: Path) -> None:
    assert st.passage_dtype("auto", frozenset({"avx2", "amx_bf16", "amx_tile"})) == "bf16"
    assert st.passage_dtype("auto", frozenset({"avx2", "avx512_bf16"})) == "bf16"
    assert st.passage_dtype("auto", frozenset({"avx2", "avx512f"})) == "fp32"
    assert st.passage_dtype("fp32", frozenset({"amx_bf16"})) == "fp32"
    assert st.passage_dtype("bf16", frozenset()) == "bf16"
    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nflags\t\t: fpu sse2 avx512_bf16 amx_tile\n\n", encoding="utf-8")
    assert st.cpu_flags(info) == frozenset({"fpu", "sse2", "avx512_bf16", "amx_tile"})
    assert st.cpu_flags(tmp_path / "absent") == frozenset()
    assert st.torch_encoder_name("fp32") == "torch"
    assert st.torch_encoder_name("bf16") == "torch-bf16"


def test_the_question_encoder_is_a_setting_and_int8_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("YOUJU_QUERY_ENCODER", "YOUJU_ENCODER", "YOUJU_EMBED_PRECISION"):
        monkeypatch.delenv(name, raising=False)
    s = Settings(_env_file=None)
    assert (s.encoder, s.query_encoder, s.embed_precision) == ("torch", "onnx-int8", "auto")
    assert s.questions_encoder() == "onnx-int8"
    monkeypatch.setenv("YOUJU_QUERY_ENCODER", "same")
    monkeypatch.setenv("YOUJU_ENCODER", "onnx")
    assert Settings(_env_file=None).questions_encoder() == "onnx"
    monkeypatch.setenv("YOUJU_EMBED_PRECISION", "fp16")
    with pytest.raises(ValueError, match="embed_precision"):
        Settings(_env_file=None)


def test_the_answer_threshold_follows_the_question_encoder_unless_set() -> None:
    assert answerability.create("logistic", None, "torch").threshold == logistic.THRESHOLDS["torch"]
    assert answerability.create("logistic", None, "onnx-int8").threshold == logistic.THRESHOLDS["onnx-int8"]
    assert answerability.create("logistic", 0.4, "onnx-int8").threshold == 0.4  # YOUJU_NO_ANSWER_THRESHOLD wins
    assert answerability.create("logistic", None, "some-future-encoder").threshold == logistic.THRESHOLD


@pytest.mark.slow
def test_bf16_passages_match_fp32_ones(model_settings: Settings) -> None:
    """The build's bfloat16 passages are the fp32 ones to cosine 0.999 (the retrieval figures do not move:
    docs/performance-encoder.md)."""
    fp32 = embed.create(model_settings.model, model_settings.cache_dir, None, None, 8, "torch", "same", "fp32")
    bf16 = embed.create(model_settings.model, model_settings.cache_dir, None, None, 8, "torch", "same", "bf16")
    assert bf16.encoder == "torch-bf16" and fp32.encoder == "torch"
    texts = [
        "2024年，全區森林覆蓋率達到77.57%，生態環境品質指數保持全市前列。",
        "區政府常務會議審議規範性文件12件，合法性審核率100%。",
        "The district handled 3,119 hotline requests in 2024.",
    ]
    a, b = fp32.embed_passages(texts), bf16.embed_passages(texts)
    cos = np.sum(a * b, axis=1)
    assert cos.min() >= 0.999, cos
    assert np.allclose(fp32.embed_queries(["森林覆盖率"]), bf16.embed_queries(["森林覆盖率"]), atol=1e-6)


class _ShiftedHash(HashEmbedder):
    """Another model's vectors (same dimension): the hash embedder's, one position rolled."""

    def embed_queries(self, texts: list[str]) -> Any:
        return np.roll(super().embed_queries(texts), 1, axis=1)


def test_the_start_up_self_check_uses_the_loaded_question_encoder(report_corpus: Path, tmp_path: Path) -> None:
    """A server's self-check embeds a few passages to compare with their stored vectors: with a split
    embedder it does so with the question encoder it has loaded, never making the passage model (torch);
    vectors of another model are still refused."""
    from index import store
    from index.errors import IndexCorruptError
    from index.search import Searcher
    from tests.helpers import build_hash_index

    root = tmp_path / "index"
    build_hash_index(report_corpus, root, HashEmbedder())
    made: list[Embedder] = []

    def passages() -> Embedder:
        made.append(HashEmbedder())
        return made[-1]

    Searcher(store.load(root), SplitEmbedder(HashEmbedder(), passages, "torch")).self_check()
    assert made == []
    wrong = Searcher(store.load(root), SplitEmbedder(_ShiftedHash(), passages, "torch"))
    with pytest.raises(IndexCorruptError, match="not the model's vector"):
        wrong.self_check()
    assert made == []
