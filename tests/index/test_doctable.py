"""The document table: documents decoded on demand from documents.jsonl, a head per document for what reads
every document at once; the same documents, heads and answers as the documents read whole."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from index import doctable, store, table
from index.doctable import DocumentHead, DocumentTable
from index.errors import IndexCorruptError
from index.normalize import fold
from index.passage import Document
from index.scope import text_years
from index.search import Searcher
from tests.helpers import HashEmbedder, build_hash_index

QUESTION = "2023年的青禾区公园有几座"


@pytest.fixture
def root(report_corpus: Path, tmp_path: Path, hash_embedder: HashEmbedder) -> Path:
    (report_corpus / "qinghe-2023.txt").write_text(
        "青禾区2023年公园建设情况\n\n全区2023年新建口袋公园12座，改造社区公园5座。\n\n２０２４年计划再建8座。\n",
        encoding="utf-8",
    )
    (report_corpus / "notes.md").write_text("# 说明\n\n本文件没有年份，只讲公园的开放时间。\n", encoding="utf-8")
    root = tmp_path / "index"
    build_hash_index(report_corpus, root, hash_embedder)
    return root


def _read_whole(build: Path) -> list[Document]:
    lines = (build / "documents.jsonl").read_text(encoding="utf-8").splitlines()
    return [Document.from_json(json.loads(line)) for line in lines]


def _forget_checksums(build: Path) -> None:
    manifest = build / "manifest.json"
    manifest.write_text(json.dumps({**json.loads(manifest.read_text()), "checksums": {}}))


def test_lazy_documents_are_the_documents_read_whole(root: Path) -> None:
    build = store.resolve(root)
    loaded = store.load(root)
    docs = loaded.documents
    assert isinstance(docs, DocumentTable) and docs.lazy
    whole = _read_whole(build)
    assert len(docs) == len(whole) == 3
    assert list(docs) == [d.doc_id for d in whole]
    for d in whole:
        assert d.doc_id in docs and docs[d.doc_id] == d and docs.get(d.doc_id) == d
        assert docs.head(d.doc_id) == DocumentHead.of(d)
    assert "no-such-document" not in docs and docs.get("no-such-document") is None
    with pytest.raises(KeyError):
        docs["no-such-document"]
    years = {h.path: h.text_years for h in docs.heads}
    # Width-folded digits count (２０２４), as they did when the years were read from the text at start-up.
    assert years["qinghe-2023.txt"] == {2023, 2024} and years["notes.md"] == frozenset()
    assert all(h.characters == len(docs[h.doc_id].text) for h in docs.heads)
    names = {f"{table.ROWS}/{doctable.DOCUMENT_OFFSETS}", f"{table.ROWS}/{doctable.HEADS}"}
    assert names <= set(loaded.manifest.checksums)


def test_a_build_without_document_rows_is_read_whole_and_answers_the_same(
    root: Path, hash_embedder: HashEmbedder
) -> None:
    build = store.resolve(root)
    before = Searcher(store.load(root), hash_embedder)
    asked = before.search(QUESTION, 5)
    listed = before.documents()
    for name in (doctable.DOCUMENT_OFFSETS, doctable.HEADS):
        (build / table.ROWS / name).unlink()
    _forget_checksums(build)  # a build written before these files
    old = store.load(root)
    assert isinstance(old.documents, DocumentTable) and not old.documents.lazy
    after = Searcher(old, hash_embedder)
    assert after.search(QUESTION, 5) == asked
    assert after.documents() == listed
    assert [h.text_years for h in old.documents.heads] == [text_years(d.text, fold) for d in _read_whole(build)]


def test_years_read_by_another_definition_are_read_again(root: Path) -> None:
    build = store.resolve(root)
    heads_file = build / table.ROWS / doctable.HEADS
    stored = json.loads(heads_file.read_text(encoding="utf-8"))
    for h in stored["heads"]:
        h["text_years"] = [1901]
    heads_file.write_text(json.dumps({**stored, "years_version": doctable.YEARS_VERSION - 1}), encoding="utf-8")
    _forget_checksums(build)
    docs = store.load(root).documents
    assert docs.lazy
    assert [h.text_years for h in docs.heads] == [text_years(d.text, fold) for d in _read_whole(build)]


def test_document_rows_that_cannot_be_right_are_refused(root: Path) -> None:
    build = store.resolve(root)
    _forget_checksums(build)
    offsets_file = build / table.ROWS / doctable.DOCUMENT_OFFSETS
    offsets = np.load(offsets_file)
    np.save(offsets_file, offsets[:-1])
    with pytest.raises(IndexCorruptError, match="does not end where documents.jsonl ends"):
        store.load(root)
    np.save(offsets_file, offsets)
    heads_file = build / table.ROWS / doctable.HEADS
    stored = json.loads(heads_file.read_text(encoding="utf-8"))
    heads_file.write_text(json.dumps({**stored, "heads": stored["heads"][:1]}), encoding="utf-8")
    with pytest.raises(IndexCorruptError, match="lists 1 documents"):
        store.load(root)
