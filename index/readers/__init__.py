"""Readers, one per file format, chosen by the file's name ending (``reader_for``)."""

from __future__ import annotations

from pathlib import Path

from index.readers.base import Reader, ReadResult
from index.readers.markdown import MarkdownReader
from index.readers.text import TextReader

__all__ = ["READERS", "Reader", "ReadResult", "reader_for", "supported_suffixes"]

READERS: tuple[Reader, ...] = (TextReader(), MarkdownReader())


def reader_for(path: Path) -> Reader | None:
    """The reader of this file's format, or None when youju does not read it."""
    name = path.name.lower()
    for reader in READERS:
        if name.endswith(reader.suffixes):
            return reader
    return None


def supported_suffixes() -> tuple[str, ...]:
    return tuple(s for r in READERS for s in r.suffixes)
