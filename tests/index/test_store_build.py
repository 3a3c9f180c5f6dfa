from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from index import store
from index.build import build_index
from index.errors import CorpusError, IndexCorruptError, IndexNotFoundError, ModelMismatchError
from index.search import Searcher


def build(corpus: Path, root: Path, emb, **kw):  # type: ignore[no-untyped-def]
    return build_index(corpus, root, emb, passage_prefix="", query_prefix="", **kw)


def test_build_writes_named_files_and_manifest(report_corpus, tmp_path, hash_embedder):
    root = tmp_path / "index"
    rep = build(report_corpus, root, hash_embedder)
    live = store.resolve(root)
    assert live == rep.build_dir and (root / "current").is_symlink()
    names = {p.name for p in live.iterdir()}
    assert {"manifest.json", "documents.jsonl", "passages.jsonl", "vectors.npy", "dense.faiss", "bm25"} <= names
    assert not any(p.suffix in (".pkl", ".pickle") for p in live.rglob("*"))
    m = json.loads((live / "manifest.json").read_text())
    for key in (
        "format_version",
        "model",
        "dimension",
        "normalizer",
        "tokenizer",
        "corpus_fingerprint",
        "passage_count",
        "built_at",
        "youju_version",
        "ann",
    ):
        assert key in m
    assert m["model"] == "test/hash-bigrams" and m["dimension"] == 64
    loaded = store.load(root)
    assert len(loaded.passages) == m["passage_count"] == loaded.vectors.shape[0]
    doc = loaded.documents["huairou-2024-law-based-government-report"]
    for p in loaded.passages:
        assert doc.text[p.start : p.end] == p.text


def test_unchanged_corpus_is_not_rebuilt_and_changes_reuse_embeddings(report_corpus, tmp_path, hash_embedder):
    root = tmp_path / "index"
    first = build(report_corpus, root, hash_embedder)
    n = first.passages
    assert hash_embedder.calls == n
    again = build(report_corpus, root, hash_embedder)
    assert again.up_to_date and hash_embedder.calls == n
    (report_corpus / "extra.txt").write_text("一、新增\n新增的一段正文，讲述了另一件事情。\n", encoding="utf-8")
    third = build(report_corpus, root, hash_embedder)
    assert not third.up_to_date
    assert third.embedded == 1 and third.reused == n
    assert hash_embedder.calls == n + 1
    forced = build(report_corpus, root, hash_embedder, force=True)
    assert forced.embedded == 0  # still served from the embedding cache


def test_crash_mid_build_keeps_old_index_serving(report_corpus, tmp_path, hash_embedder, monkeypatch):
    root = tmp_path / "index"
    build(report_corpus, root, hash_embedder)
    before = store.resolve(root)
    (report_corpus / "extra.txt").write_text("新的文件内容。\n", encoding="utf-8")

    def boom(*a, **k):  # type: ignore[no-untyped-def]
        raise OSError("disk full")

    monkeypatch.setattr(store.BM25Index, "save", boom)
    with pytest.raises(OSError):
        build(report_corpus, root, hash_embedder)
    assert store.resolve(root) == before
    assert store.load(root).manifest.document_count == 1


def test_atomic_switch_keeps_open_readers_on_their_build(report_corpus, tmp_path, hash_embedder):
    root = tmp_path / "index"
    build(report_corpus, root, hash_embedder)
    old = store.load(root)
    (report_corpus / "extra.txt").write_text("新的文件内容。\n", encoding="utf-8")
    build(report_corpus, root, hash_embedder)
    assert store.load(root).manifest.document_count == 2
    assert old.path.exists() and old.manifest.document_count == 1  # kept (keep_builds=2)
    s = Searcher(old, hash_embedder)
    assert s.search("森林覆盖率").results


def test_old_builds_are_pruned(report_corpus, tmp_path, hash_embedder):
    root = tmp_path / "index"
    for i in range(4):
        (report_corpus / f"x{i}.txt").write_text(f"第{i}个文件的正文内容。\n", encoding="utf-8")
        build(report_corpus, root, hash_embedder, keep_builds=2)
    assert len([p for p in (root / "builds").iterdir() if not p.name.startswith(".")]) == 2


def test_errors_for_missing_corrupt_and_mismatched_index(report_corpus, tmp_path, hash_embedder):
    with pytest.raises(IndexNotFoundError):
        store.load(tmp_path / "nothing")
    root = tmp_path / "index"
    build(report_corpus, root, hash_embedder)
    live = store.resolve(root)
    with pytest.raises(ModelMismatchError, match="rebuild"):
        from tests.conftest import HashEmbedder

        Searcher(store.load(root), HashEmbedder(model_id="other/model"))
    np.save(live / "vectors.npy", np.zeros((2, 64), np.float32))
    with pytest.raises(IndexCorruptError, match="inconsistent"):
        store.load(root)
    os.remove(live / "passages.jsonl")
    with pytest.raises(IndexCorruptError):
        store.load(root)


def test_empty_corpus_is_a_clear_error(tmp_path, hash_embedder):
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "empty.txt").write_text("", encoding="utf-8")
    with pytest.raises(CorpusError, match="no readable"):
        build(tmp_path / "c", tmp_path / "index", hash_embedder)


def test_hnsw_backend_is_selectable(report_corpus, tmp_path, hash_embedder):
    root = tmp_path / "index"
    build(report_corpus, root, hash_embedder, ann_kind="hnsw")
    loaded = store.load(root)
    assert loaded.manifest.ann == "hnsw"
    assert Searcher(loaded, hash_embedder).search("森林覆盖率").results
