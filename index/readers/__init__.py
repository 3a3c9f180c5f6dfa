"""Readers, one per file format, chosen by the file's name ending (``reader_for``)."""

from __future__ import annotations

from pathlib import Path

from index.readers.base import Reader, ReadResult
from index.readers.docx import DocxReader
from index.readers.html import HtmlReader
from index.readers.legacy_doc import LegacyDocReader
from index.readers.markdown import MarkdownReader
from index.readers.pdf import PdfReader
from index.readers.text import TextReader

__all__ = ["READERS", "Reader", "ReadResult", "configured", "reader_for", "supported_suffixes"]

READERS: tuple[Reader, ...] = (
    TextReader(),
    MarkdownReader(),
    PdfReader(),
    DocxReader(),
    HtmlReader(),
    LegacyDocReader(),
)


def reader_for(path: Path, readers: tuple[Reader, ...] = READERS) -> Reader | None:
    """The reader of this file's format, or None when youju does not read it."""
    name = path.name.lower()
    for reader in readers:
        if name.endswith(reader.suffixes):
            return reader
    return None


def configured(*, ocr: str = "auto", max_pdf_pages: int | None = None) -> tuple[Reader, ...]:
    """The readers with the settings' options (``YOUJU_OCR``, ``YOUJU_MAX_PDF_PAGES``)."""
    pdf = PdfReader(ocr=ocr, max_pages=max_pdf_pages or PdfReader().max_pages)
    return tuple(pdf if isinstance(r, PdfReader) else r for r in READERS)


def supported_suffixes() -> tuple[str, ...]:
    return tuple(s for r in READERS for s in r.suffixes)
