"""Chunking: passages of whole sentences within the size limit, exact offsets, stable ids."""

from __future__ import annotations

from pathlib import Path

from index.chunk import ChunkConfig
from index.ingest import document_passages, read_document
from tests.helpers import REPORT_DIR, REPORT_ID


def test_passages_respect_size_and_sentence_ends() -> None:
    report = read_document(REPORT_DIR / f"{REPORT_ID}.txt", REPORT_DIR)
    cfg = ChunkConfig(max_chars=220, min_chars=40)
    for p in document_passages(report, cfg):
        assert len(p.text) <= cfg.max_chars + cfg.min_chars  # a folded tail may exceed slightly
        if p.end != p.paragraph_end:
            assert p.text[-1] in "。！？!?；;”」"


def test_long_sentence_without_punctuation_is_still_cut(tmp_path: Path) -> None:
    body = "甲" * 1000
    (tmp_path / "long.txt").write_text(body + "\n", encoding="utf-8")
    doc = read_document(tmp_path / "long.txt", tmp_path)
    ps = document_passages(doc, ChunkConfig(max_chars=200, min_chars=40))
    assert "".join(p.text for p in ps) == body
    assert max(len(p.text) for p in ps) <= 240


def test_passage_ids_are_stable_and_unique() -> None:
    report = read_document(REPORT_DIR / f"{REPORT_ID}.txt", REPORT_DIR)
    a = [p.passage_id for p in document_passages(report)]
    b = [p.passage_id for p in document_passages(report)]
    assert a == b and len(set(a)) == len(a)
