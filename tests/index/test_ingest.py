"""Ingest: a corpus directory read file by file, metadata merged, broken files reported and skipped."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from index.errors import CorpusError
from index.ingest import document_passages, read_corpus
from index.passage import Document
from tests.helpers import REPORT_DIR, REPORT_ID


@pytest.fixture(scope="module")
def report() -> Document:
    read = read_corpus(REPORT_DIR)
    docs = read.documents
    assert read.skipped == [] and [f.status for f in read.files] == ["read"]
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
    read = read_corpus(tmp_path)
    assert [d.doc_id for d in read.documents] == ["good"]
    reasons = {s.path: s.reason for s in read.skipped}
    assert set(reasons) == {"latin1.txt", "empty.txt", "binary.txt", "image.png"}
    assert "UTF-8" in reasons["latin1.txt"] and "empty" in reasons["empty.txt"] and "binary" in reasons["binary.txt"]
    assert reasons["image.png"] == "unsupported format (.png)"


def test_sidecar_overrides_what_the_file_says(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("---\ntitle: 文件自述\nyear: 2023\n---\n正文。\n", encoding="utf-8")
    (tmp_path / "a.meta.json").write_text('{"title": "侧车标题", "issuer": "某区政府"}', encoding="utf-8")
    (tmp_path / "b.txt").write_text("正文。\n", encoding="utf-8")
    (tmp_path / "b.meta.json").write_text("[1, 2]", encoding="utf-8")
    read = read_corpus(tmp_path)
    docs, skipped = read.documents, read.skipped
    assert [d.title for d in docs] == ["侧车标题"]
    assert {k: docs[0].metadata[k] for k in ("year", "issuer")} == {"year": 2023, "issuer": "某区政府"}
    assert [s.path for s in skipped] == ["b.txt"] and "JSON object" in skipped[0].reason


def test_unquoted_yaml_dates_in_front_matter_are_kept_as_text(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("---\ntitle: 通知\ndate: 2024-12-31\n---\n正文。\n", encoding="utf-8")
    read = read_corpus(tmp_path)
    assert read.skipped == [] and read.documents[0].metadata["date"] == "2024-12-31"


def test_unchanged_files_are_reused_and_a_reader_crash_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a.txt").write_text("一、总则\n正文。\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text("另一份。\n", encoding="utf-8")
    first = read_corpus(tmp_path)
    previous = {d.path: d for d in first.documents}
    (tmp_path / "b.txt").write_text("改过的另一份。\n", encoding="utf-8")
    second = read_corpus(tmp_path, reuse=previous)
    assert {f.path: f.status for f in second.files} == {"a.txt": "reused", "b.txt": "read"}
    assert second.documents[0] == previous["a.txt"]
    (tmp_path / "a.meta.json").write_text('{"year": 2020}', encoding="utf-8")  # a new sidecar: read again
    assert read_corpus(tmp_path, reuse=previous).files[0].status == "read"

    from index.readers.text import TextReader

    def crash(self: TextReader, path: Path, display: str) -> None:
        raise RuntimeError("bug in a reader")

    monkeypatch.setattr(TextReader, "read", crash)
    broken = read_corpus(tmp_path)
    assert broken.documents == [] and all("RuntimeError: bug in a reader" in (f.error or "") for f in broken.files)


def test_missing_corpus_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="not found"):
        read_corpus(tmp_path / "nope")


def test_hidden_files_skipped_but_hidden_parent_directories_are_fine(tmp_path: Path) -> None:
    corpus = tmp_path / ".cache" / "corpus"
    (corpus / ".git").mkdir(parents=True)
    (corpus / "a.txt").write_text("正文。\n", encoding="utf-8")
    (corpus / ".hidden.txt").write_text("隐藏。\n", encoding="utf-8")
    (corpus / ".git" / "b.txt").write_text("版本库。\n", encoding="utf-8")
    assert [d.doc_id for d in read_corpus(corpus).documents] == ["a"]


FIXTURES = Path(__file__).resolve().parents[2] / "eval" / "gold" / "documents"


def _check_every_passage(read_docs: list[Document]) -> None:
    from index.search import _page_at

    for doc in read_docs:
        ps = document_passages(doc)
        assert ps, doc.doc_id
        for p in ps:
            assert doc.text[p.start : p.end] == p.text, doc.doc_id
            if doc.pages:
                first, last = _page_at(doc.pages, p.start), _page_at(doc.pages, p.end - 1)
                assert first is not None and last is not None and first.start <= p.start and p.end <= last.end


def test_every_format_fixture_reads_and_every_passage_is_its_slice(tmp_path: Path) -> None:
    """The multi-format corpus (PDF, scanned PDF, DOCX, HTML, MD, TXT) in one folder with a file youju does
    not read: every readable file is indexed, the rest reported by name and reason."""
    from index.readers import configured

    corpus = tmp_path / "c"
    shutil.copytree(FIXTURES, corpus)
    (corpus / "README.md").unlink()
    (corpus / "budget.xlsx").write_bytes(b"PK\x03\x04")
    read = read_corpus(corpus, readers=configured(ocr="off"))
    formats = {f.path: (f.status, f.format) for f in read.files}
    assert {fmt for status, fmt in formats.values() if status == "read"} == {"pdf", "docx", "html", "md", "txt"}
    skipped = {s.path: s.reason for s in read.skipped}
    assert set(skipped) == {"budget.xlsx", "qinghe-2025-spring-festival-fireworks-notice-scan.pdf"}
    assert "no OCR engine" in skipped["qinghe-2025-spring-festival-fireworks-notice-scan.pdf"]
    _check_every_passage(read.documents)
    status = {d.doc_id: d.metadata.get("status") for d in read.documents}
    assert status["qinghe-2023-gov-info-disclosure-report"] == "superseded"
    assert status["qinghe-2024-gov-info-disclosure-report"] == "current"


@pytest.mark.slow
def test_the_scanned_fixture_with_ocr() -> None:
    from index.ingest import read_document

    doc = read_document(FIXTURES / "qinghe-2025-spring-festival-fireworks-notice-scan.pdf", FIXTURES)
    assert all(p.ocr for p in doc.pages)
    _check_every_passage([doc])
