"""Known passages must find themselves before a build goes live and before a searcher serves: an index
written wrong (here: its vectors in another order, with checksums that match) is refused."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from index import selfcheck, store
from index.errors import IndexCorruptError
from index.lexical import JiebaTokenizer
from index.search import Searcher
from tests.helpers import HashEmbedder, build_hash_index


def _rewrite_consistently(build: Path, vectors: np.ndarray) -> None:
    """Replace vectors.npy and the dense index, and give the manifest matching checksums: only the
    self-check can tell."""
    np.save(build / "vectors.npy", vectors.astype(np.float32), allow_pickle=False)
    m = json.loads((build / "manifest.json").read_text(encoding="utf-8"))
    m["checksums"] = store.checksums(build)
    (build / "manifest.json").write_text(json.dumps(m), encoding="utf-8")


def test_a_good_index_passes_and_one_with_shuffled_vectors_is_refused(report_corpus: Path, tmp_path: Path) -> None:
    root = tmp_path / "index"
    build_hash_index(report_corpus, root)
    index = store.load(root)
    selfcheck.check(index, JiebaTokenizer())
    Searcher(index, HashEmbedder()).self_check()
    assert selfcheck.sample_rows(1) == [0] and selfcheck.sample_rows(0) == []
    assert len(selfcheck.sample_rows(len(index.passages))) == selfcheck.SAMPLES

    build = store.resolve(root)
    shuffled = np.roll(np.load(build / "vectors.npy"), 3, axis=0)  # every vector under another passage
    _rewrite_consistently(build, shuffled)
    broken = store.load(root)  # checksums and structure are fine ...
    with pytest.raises(IndexCorruptError, match="is not the model's vector of its text"):  # ... but it is wrong
        Searcher(broken, HashEmbedder()).self_check()


def test_a_build_that_fails_the_check_never_goes_live(
    report_corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "index"
    first = build_hash_index(report_corpus, root)
    (report_corpus / "extra.txt").write_text("一、新内容\n青禾区新建星空观测站，向市民免费开放。\n", encoding="utf-8")

    def failing(index: store.LoadedIndex, tokenizer: object, **kw: object) -> None:
        raise IndexCorruptError("injected: the written build cannot answer")

    monkeypatch.setattr(selfcheck, "check", failing)
    with pytest.raises(IndexCorruptError, match="injected"):
        build_hash_index(report_corpus, root)
    assert store.resolve(root) == first.build_dir  # the old build still serves
    assert [p.name for p in (root / "builds").iterdir() if not p.name.startswith(".")] == [first.build_dir.name]
