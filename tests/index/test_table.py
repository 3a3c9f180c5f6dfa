"""The passage table: rows decoded on demand from passages.jsonl, per-row columns, lookups without a
dictionary per passage; the same passages and answers to every lookup as the passages read whole."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from index import store, table
from index.table import MappedRows, PassageTable
from tests.helpers import HashEmbedder, build_hash_index


@pytest.fixture
def build(report_corpus: Path, tmp_path: Path, hash_embedder: HashEmbedder) -> Path:
    root = tmp_path / "index"
    build_hash_index(report_corpus, root, hash_embedder)
    return store.resolve(root)


def _eager(build: Path) -> PassageTable:
    docs = [json.loads(line)["doc_id"] for line in (build / "documents.jsonl").read_text(encoding="utf-8").splitlines()]
    rows = [table.passage_from_json(json.loads(line)) for line in (build / "passages.jsonl").open(encoding="utf-8")]
    return PassageTable.of(rows, docs)


def test_lazy_rows_are_the_passages_read_whole(build: Path) -> None:
    lazy = store.load(build).passages
    assert isinstance(lazy, PassageTable) and lazy.lazy
    eager = _eager(build)
    assert not eager.lazy and len(lazy) == len(eager) > 10
    assert list(lazy) == list(eager)
    assert lazy[-1] == eager[len(eager) - 1] and lazy[2:5] == eager[2:5]
    with pytest.raises(IndexError):
        lazy[len(lazy)]
    for name in table.COLUMNS[:-1]:
        assert np.array_equal(getattr(lazy, name), getattr(eager, name)), name
    assert lazy.figure.any() and not lazy.figure.all()  # the report has passages with and without figures


def test_lookups_match_the_dictionaries_they_replace(build: Path) -> None:
    t = store.load(build).passages
    assert isinstance(t, PassageTable)
    by_id = {p.passage_id: i for i, p in enumerate(t)}
    by_para: dict[tuple[str, int], list[int]] = {}
    by_span = {(p.doc_id, p.start, p.end): i for i, p in enumerate(t)}
    for i, p in enumerate(t):
        by_para.setdefault(p.paragraph_key, []).append(i)
    for i, p in enumerate(t):
        assert t.row_of_id(p.passage_id) == by_id[p.passage_id]
        assert t.paragraph_key(i) == p.paragraph_key
        assert t.paragraph_rows(p.doc_id, p.paragraph) == by_para[p.paragraph_key]
        assert t.row_of_span(p.doc_id, p.start, p.end) == by_span[(p.doc_id, p.start, p.end)]
        assert t.row_of_span(p.doc_id, p.start, p.end + 1000) is None
    assert any(len(rows) > 1 for rows in by_para.values())  # paragraphs of several passages are covered
    assert t.row_of_id("nope") is None and t.row_of_id("0" * 16) is None and t.row_of_id("ABCDEF0123456789") is None
    assert t.paragraph_rows("no-such-document", 1) == [] and t.paragraph_rows(t[0].doc_id, 0) == []
    assert t.row_of_span("no-such-document", 0, 1) is None
    assert t.doc_counts().tolist() == [len(t)]


def test_offsets_that_cannot_be_right_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "rows.jsonl"
    offsets = table.write_jsonl(path, [{"a": 1}, {"a": 2}])
    rows = MappedRows(path, offsets, dict)
    assert [rows[0], rows[1], rows[-1]] == [{"a": 1}, {"a": 2}, {"a": 2}] and len(rows) == 2
    with pytest.raises(ValueError, match="ascending"):
        MappedRows(path, offsets[::-1].copy(), dict)
    with pytest.raises(ValueError, match="past the end"):
        MappedRows(path, offsets + 1, dict)
    empty = tmp_path / "empty.jsonl"
    assert len(MappedRows(empty, table.write_jsonl(empty, []), dict)) == 0


def test_columns_of_another_length_are_refused(build: Path) -> None:
    rows = build / table.ROWS
    np.save(rows / "paragraph.npy", np.zeros(3, dtype=np.int32))
    with pytest.raises(ValueError, match="paragraph.npy"):
        PassageTable.open(build, ["x"])
    np.save(rows / "paragraph.npy", np.zeros(3, dtype=np.int64))
    with pytest.raises(ValueError, match="int64"):
        PassageTable.open(build, ["x"])


def test_file_rows_read_what_indexing_the_mapping_reads(tmp_path: Path) -> None:
    """Candidates' vectors are read with pread (``FileRows``) so that the server does not map their
    neighbours: the same values, in the order asked, for any rows."""
    values = np.random.default_rng(3).standard_normal((50, 7)).astype(np.float32)
    np.save(tmp_path / "v.npy", values)
    mapped = np.load(tmp_path / "v.npy", mmap_mode="r")
    rows = table.FileRows.of(mapped)
    assert rows is not None and len(rows) == 50 and rows.shape == (50, 7)
    for asked in ([3], [4, 5, 6, 7], [9, 2, 2, 40, 41, 0, 49], [-1, -50], list(range(50))[::-1], []):
        got = rows[asked]
        assert got.dtype == np.float32 and np.array_equal(got, values[asked] if asked else values[:0]), asked
    assert np.array_equal(rows[np.array([1, 8], dtype=np.int32)], values[[1, 8]])
    for wrong in ([50], [-51]):
        with pytest.raises(IndexError):
            rows[wrong]
    assert table.FileRows.of(values) is None  # in memory: indexed as it is
    rows.close()


def test_the_backend_scores_candidates_from_the_file(build: Path) -> None:
    loaded = store.load(build)
    backend = loaded.backend
    assert isinstance(getattr(backend, "_rows", None), table.FileRows)
    assert loaded.vectors is not None
    picked = [5, 0, 3, 3]
    assert np.array_equal(backend.vectors_of(picked), np.asarray(loaded.vectors)[picked])


def test_bm25_postings_stay_mapped_but_are_sliced_as_plain_arrays(build: Path) -> None:
    """bm25s slices the postings of every query term; slices of an ``np.memmap`` run Python code each time.
    The loaded arrays are plain views of the same mapping, and score exactly as the arrays read whole."""
    from index.lexical import BM25Index

    mapped = BM25Index.load(build / "bm25", 1, mmap=True)
    whole = BM25Index.load(build / "bm25", 1, mmap=False)
    arrays = mapped._r.scores  # type: ignore[attr-defined]
    assert all(type(v) is np.ndarray and not v.flags.owndata for k, v in arrays.items() if hasattr(v, "flags"))
    for q in (["森林", "覆盖率"], ["执法"], ["没有这个词"]):
        assert np.array_equal(mapped.scores(q), whole.scores(q))
