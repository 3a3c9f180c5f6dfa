"""The index directory: named non-pickled files plus a manifest, atomic switch, errors on bad indexes."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from index import store, table
from index.errors import IndexCorruptError, IndexNotFoundError, ModelMismatchError
from index.search import Searcher
from tests.helpers import HashEmbedder, build_hash_index


def test_build_writes_named_files_and_manifest(
    report_corpus: Path, tmp_path: Path, hash_embedder: HashEmbedder
) -> None:
    root = tmp_path / "index"
    rep = build_hash_index(report_corpus, root, hash_embedder)
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
        "backend",
    ):
        assert key in m
    assert m["model"] == "test/hash-bigrams" and m["dimension"] == 64 and m["backend"] == "embedded"
    loaded = store.load(root)
    assert loaded.vectors is not None
    assert len(loaded.passages) == m["passage_count"] == loaded.vectors.shape[0]
    doc = loaded.documents["huairou-2024-law-based-government-report"]
    assert doc.blocks and doc.format == "txt"
    for p in loaded.passages:
        assert doc.text[p.start : p.end] == p.text
    info = loaded.manifest.info()
    assert (info.build_id, info.passages, info.documents) == (m["build_id"], m["passage_count"], 1)


def test_atomic_switch_keeps_open_readers_on_their_build(
    report_corpus: Path, tmp_path: Path, hash_embedder: HashEmbedder
) -> None:
    root = tmp_path / "index"
    build_hash_index(report_corpus, root, hash_embedder)
    old = store.load(root)
    (report_corpus / "extra.txt").write_text("新的文件内容。\n", encoding="utf-8")
    build_hash_index(report_corpus, root, hash_embedder)
    assert store.load(root).manifest.document_count == 2
    assert old.path.exists() and old.manifest.document_count == 1  # kept (keep_builds=2)
    assert Searcher(old, hash_embedder).search("森林覆盖率").results


def test_old_builds_are_pruned(report_corpus: Path, tmp_path: Path, hash_embedder: HashEmbedder) -> None:
    root = tmp_path / "index"
    for i in range(4):
        (report_corpus / f"x{i}.txt").write_text(f"第{i}个文件的正文内容。\n", encoding="utf-8")
        build_hash_index(report_corpus, root, hash_embedder, keep_builds=2)
    assert len([p for p in (root / "builds").iterdir() if not p.name.startswith(".")]) == 2


def test_errors_for_missing_corrupt_and_mismatched_index(
    report_corpus: Path, tmp_path: Path, hash_embedder: HashEmbedder
) -> None:
    with pytest.raises(IndexNotFoundError):
        store.load(tmp_path / "nothing")
    root = tmp_path / "index"
    build_hash_index(report_corpus, root, hash_embedder)
    live = store.resolve(root)
    with pytest.raises(ModelMismatchError, match="rebuild"):
        Searcher(store.load(root), HashEmbedder(model_id="other/model"))
    np.save(live / "vectors.npy", np.zeros((2, 64), np.float32))
    with pytest.raises(IndexCorruptError, match="checksum"):
        store.load(root)
    os.remove(live / "passages.jsonl")
    with pytest.raises(IndexCorruptError):
        store.load(root)


def test_unknown_format_version_asks_for_a_rebuild(report_corpus: Path, tmp_path: Path) -> None:
    root = tmp_path / "index"
    build_hash_index(report_corpus, root)
    manifest = store.resolve(root) / "manifest.json"
    data = json.loads(manifest.read_text())
    manifest.write_text(json.dumps({**data, "format_version": 999}))
    with pytest.raises(IndexCorruptError, match="rebuild"):
        store.load(root)


def _corrupt_body(path: Path, keep: int) -> None:
    """Random bytes after the first ``keep`` bytes (a file whose header still parses)."""
    data = path.read_bytes()
    path.write_bytes(data[:keep] + np.random.default_rng(0).bytes(len(data) - keep))


@pytest.mark.parametrize(
    "name",
    [
        "vectors.npy",
        "dense.faiss",
        "passages.jsonl",
        "documents.jsonl",
        "presentation.json",
        "rows/passages.offsets.npy",
        "rows/presentation.offsets.npy",
        "rows/doc.npy",
        "rows/id.npy",
        "rows/documents.offsets.npy",
        "rows/documents.heads.json",
    ],
)
def test_a_damaged_file_of_any_kind_is_refused_on_load(
    report_corpus: Path, tmp_path: Path, hash_embedder: HashEmbedder, name: str
) -> None:
    root = tmp_path / "index"
    build_hash_index(report_corpus, root, hash_embedder)
    live = store.resolve(root)
    assert store.load(root).manifest.checksums[name]  # every file is listed with its sha256
    _corrupt_body(live / name, 128 if name.endswith((".npy", ".faiss")) else 0)
    with pytest.raises(IndexCorruptError, match=f"{name} does not match its checksum"):
        store.load(root)
    (live / name).unlink()
    with pytest.raises(IndexCorruptError, match=f"{name} is missing"):
        store.load(root)


def test_vectors_are_checked_even_without_checksums(
    report_corpus: Path, tmp_path: Path, hash_embedder: HashEmbedder
) -> None:
    root = tmp_path / "index"
    build_hash_index(report_corpus, root, hash_embedder)
    live = store.resolve(root)
    manifest = live / "manifest.json"
    manifest.write_text(json.dumps({**json.loads(manifest.read_text()), "checksums": {}}))  # an older build
    vectors = np.load(live / "vectors.npy")
    vectors[0, 0] = np.nan
    np.save(live / "vectors.npy", vectors)
    with pytest.raises(IndexCorruptError, match="NaN"):
        store.load(root)
    np.save(live / "vectors.npy", np.full_like(vectors, 3.0))
    with pytest.raises(IndexCorruptError, match="unit length"):
        store.load(root)


def test_the_rows_files_are_written_and_checked_even_without_checksums(
    report_corpus: Path, tmp_path: Path, hash_embedder: HashEmbedder
) -> None:
    root = tmp_path / "index"
    build_hash_index(report_corpus, root, hash_embedder)
    live = store.resolve(root)
    loaded = store.load(root)
    assert isinstance(loaded.passages, table.PassageTable) and loaded.passages.lazy
    assert isinstance(loaded.vectors, np.memmap)  # mapped, not read
    names = {f"{table.ROWS}/{c}.npy" for c in table.COLUMNS} | {f"{table.ROWS}/{table.PASSAGE_OFFSETS}"}
    assert names <= set(loaded.manifest.checksums)
    manifest = live / "manifest.json"
    manifest.write_text(json.dumps({**json.loads(manifest.read_text()), "checksums": {}}))  # nothing hashed
    offsets = np.load(live / table.ROWS / table.PASSAGE_OFFSETS)
    np.save(live / table.ROWS / table.PASSAGE_OFFSETS, offsets[:-1])
    with pytest.raises(IndexCorruptError, match="does not end where passages.jsonl ends"):
        store.load(root)
    np.save(live / table.ROWS / table.PASSAGE_OFFSETS, offsets)
    np.save(live / table.ROWS / "doc.npy", np.full(len(offsets) - 1, 7, dtype=np.int32))
    with pytest.raises(IndexCorruptError, match="names a document"):
        store.load(root)
