"""Building: incremental embedding, up-to-date detection, crash safety, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from index import selfcheck, store
from index.backends.embedded import EmbeddedBackend
from index.errors import CorpusError
from tests.helpers import HashEmbedder, build_hash_index


def test_unchanged_corpus_is_not_rebuilt_and_changes_reuse_embeddings(
    report_corpus: Path, tmp_path: Path, hash_embedder: HashEmbedder
) -> None:
    root = tmp_path / "index"
    first = build_hash_index(report_corpus, root, hash_embedder)
    n = first.passages
    check = len(selfcheck.sample_rows(n))  # each build's self-check embeds a few passages again
    assert first.embedded == n and hash_embedder.calls == n + check
    again = build_hash_index(report_corpus, root, hash_embedder)
    assert again.up_to_date and hash_embedder.calls == n + check  # nothing embedded, nothing checked
    (report_corpus / "extra.txt").write_text("一、新增\n新增的一段正文，讲述了另一件事情。\n", encoding="utf-8")
    third = build_hash_index(report_corpus, root, hash_embedder)
    assert not third.up_to_date
    assert third.embedded == 1 and third.reused == n
    assert hash_embedder.calls == n + check + 1 + len(selfcheck.sample_rows(n + 1))
    forced = build_hash_index(report_corpus, root, hash_embedder, force=True)
    assert forced.embedded == 0  # still served from the embedding cache


def test_crash_mid_build_keeps_old_index_serving(
    report_corpus: Path, tmp_path: Path, hash_embedder: HashEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "index"
    build_hash_index(report_corpus, root, hash_embedder)
    before = store.resolve(root)
    (report_corpus / "extra.txt").write_text("新的文件内容。\n", encoding="utf-8")

    def boom(*a: object, **k: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(EmbeddedBackend, "save", boom)
    with pytest.raises(OSError):
        build_hash_index(report_corpus, root, hash_embedder)
    assert store.resolve(root) == before
    assert store.load(root).manifest.document_count == 1


def test_empty_corpus_is_a_clear_error(tmp_path: Path, hash_embedder: HashEmbedder) -> None:
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "empty.txt").write_text("", encoding="utf-8")
    with pytest.raises(CorpusError, match="no readable"):
        build_hash_index(tmp_path / "c", tmp_path / "index", hash_embedder)


def test_hnsw_is_selectable(report_corpus: Path, tmp_path: Path, hash_embedder: HashEmbedder) -> None:
    from index.search import Searcher

    root = tmp_path / "index"
    build_hash_index(report_corpus, root, hash_embedder, ann_kind="hnsw")
    loaded = store.load(root)
    assert loaded.manifest.ann == "hnsw"
    assert Searcher(loaded, hash_embedder).search("森林覆盖率").results


def test_ann_choice_and_parameters_are_recorded_and_used(
    report_corpus: Path, tmp_path: Path, hash_embedder: HashEmbedder
) -> None:
    from index.search import Searcher

    root = tmp_path / "index"
    build_hash_index(report_corpus, root, hash_embedder)  # auto: a small corpus is searched exactly
    manifest = store.load(root).manifest
    assert manifest.ann == "flat" and manifest.ann_params == {}
    assert build_hash_index(report_corpus, root, hash_embedder, ann_kind="auto").up_to_date
    build_hash_index(report_corpus, root, hash_embedder, ann_kind="ivf")
    loaded = store.load(root)
    assert loaded.manifest.ann == "ivf"
    assert loaded.manifest.ann_params == {"index": "IVF-SQ8", "nlist": 1, "nprobe": 1}
    assert loaded.backend.ann_params == loaded.manifest.ann_params
    assert Searcher(loaded, hash_embedder).search("森林覆盖率").results


def test_unquoted_yaml_dates_in_front_matter_do_not_abort_the_build(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "dated.md").write_text(
        "---\ntitle: 年度报告\ndate: 2024-12-31\nupdated: 2025-01-02 08:30:00\ntags: [a, 2024-01-01]\n---\n"
        "# 一、概况\n\n全年受理申请120件。\n",
        encoding="utf-8",
    )
    (corpus / "other.txt").write_text("森林覆盖率达到77.57%。\n", encoding="utf-8")
    root = tmp_path / "index"
    report = build_hash_index(corpus, root)
    assert report.documents == 2 and not report.skipped
    meta = store.load(root).documents["dated"].metadata
    assert meta["date"] == "2024-12-31" and meta["updated"] == "2025-01-02T08:30:00"
    assert meta["tags"] == ["a", "2024-01-01"]
    assert not list((root / "builds").glob(".tmp-*"))  # nothing half-built is left behind
