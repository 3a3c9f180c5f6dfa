"""The reader interface: one file in, one ``Document`` (canonical text + blocks + pages) out.

A reader knows one file format. It returns the document's canonical text, the blocks it found in that
text (body text, headings the format marks, table rows) and, for paged formats, the pages; metadata it
can read from the file itself (a title, a date) goes into ``metadata``. Everything after it — section
paths, paragraphs, passages — is format-independent (``index/structure.py``, ``index/chunk.py``).

Readers raise ``DocumentError`` with a message naming the file when it cannot be read; the build
reports the file and goes on with the others.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from index.passage import Block, Page


@dataclass(frozen=True)
class ReadResult:
    """What a reader found in a file."""

    text: str  # the canonical text: citations are offsets into it
    blocks: tuple[Block, ...]
    metadata: dict[str, Any] = field(default_factory=dict)  # read from the file (front matter, PDF info)
    title: str | None = None  # the title the reader found (first heading, <title>), if any
    pages: tuple[Page, ...] = ()
    warnings: tuple[str, ...] = ()


class Reader(Protocol):
    """Reads one file format. ``name`` is recorded with each document (``Document.format``)."""

    name: str
    suffixes: tuple[str, ...]  # lower-case file name endings this reader takes, e.g. (".txt",)

    def read(self, path: Path, display: str) -> ReadResult:
        """Read ``path``; ``display`` is the file's name relative to the corpus, for messages."""
        ...
