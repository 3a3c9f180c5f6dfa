"""Ingest: a corpus directory read file by file, metadata merged, broken files reported and skipped."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.errors import CorpusError
from index.ingest import document_passages, read_corpus
from index.passage import Document
from tests.helpers import REPORT_DIR, REPORT_ID


@pytest.fixture(scope="module")
def report() -> Document:
    docs, skipped = read_corpus(REPORT_DIR)
    assert skipped == []
    return next(d for d in docs if d.doc_id == REPORT_ID)


def test_report_metadata_from_sidecar(report: Document) -> None:
    assert report.title == "北京市懷柔區2024年法治政府建設年度情況報告"
    assert report.metadata["year"] == 2024
    assert "懷柔" in report.metadata["issuer"]
    assert report.format == "txt"


def test_every_passage_slices_the_original_file_exactly(report: Document) -> None:
    raw = (REPORT_DIR / f"{REPORT_ID}.txt").read_bytes().decode("utf-8")
    ps = document_passages(report)
    assert len(ps) > 15
    for p in ps:
        assert raw[p.start : p.end] == p.text
        assert raw[p.paragraph_start : p.paragraph_end].find(p.text) == p.start - p.paragraph_start
        assert p.text == p.text.strip()


def test_broken_files_are_reported_by_name_and_skipped(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text("一、总则\n正文内容在这里。\n", encoding="utf-8")
    (tmp_path / "latin1.txt").write_bytes("caf\xe9".encode("latin-1"))
    (tmp_path / "empty.txt").write_text("  \n\n", encoding="utf-8")
    (tmp_path / "binary.txt").write_bytes(b"\x89PNG\x00\x00\x01")
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    docs, skipped = read_corpus(tmp_path)
    assert [d.doc_id for d in docs] == ["good"]
    reasons = {s.path: s.reason for s in skipped}
    assert set(reasons) == {"latin1.txt", "empty.txt", "binary.txt"}
    assert "UTF-8" in reasons["latin1.txt"] and "empty" in reasons["empty.txt"] and "binary" in reasons["binary.txt"]


def test_sidecar_overrides_what_the_file_says(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("---\ntitle: 文件自述\nyear: 2023\n---\n正文。\n", encoding="utf-8")
    (tmp_path / "a.meta.json").write_text('{"title": "侧车标题", "issuer": "某区政府"}', encoding="utf-8")
    (tmp_path / "b.txt").write_text("正文。\n", encoding="utf-8")
    (tmp_path / "b.meta.json").write_text("[1, 2]", encoding="utf-8")
    docs, skipped = read_corpus(tmp_path)
    assert [(d.title, d.metadata) for d in docs] == [("侧车标题", {"year": 2023, "issuer": "某区政府"})]
    assert [s.path for s in skipped] == ["b.txt"] and "JSON object" in skipped[0].reason


def test_missing_corpus_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="not found"):
        read_corpus(tmp_path / "nope")


def test_hidden_files_skipped_but_hidden_parent_directories_are_fine(tmp_path: Path) -> None:
    corpus = tmp_path / ".cache" / "corpus"
    (corpus / ".git").mkdir(parents=True)
    (corpus / "a.txt").write_text("正文。\n", encoding="utf-8")
    (corpus / ".hidden.txt").write_text("隐藏。\n", encoding="utf-8")
    (corpus / ".git" / "b.txt").write_text("版本库。\n", encoding="utf-8")
    docs, _ = read_corpus(corpus)
    assert [d.doc_id for d in docs] == ["a"]
