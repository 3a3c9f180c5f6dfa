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

from index.passage import Block, BlockKind, Page


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
    """Reads one file format. ``name`` is recorded with each document (``Document.format``); ``version``
    changes whenever the reader's output for the same file would change, so unchanged files are read again
    only when their reader changed."""

    name: str
    version: str
    suffixes: tuple[str, ...]  # lower-case file name endings this reader takes, e.g. (".txt",)

    def read(self, path: Path, display: str) -> ReadResult:
        """Read ``path``; ``display`` is the file's name relative to the corpus, for messages."""
        ...


class TextBuilder:
    """Builds a canonical text block by block (one block per line of the canonical text), keeping the
    blocks' offsets and, for paged formats, each page's span."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._len = 0
        self.blocks: list[Block] = []
        self.pages: list[Page] = []
        self._page: tuple[int, int, str | None, bool] | None = None  # (number, start, label, ocr) of the open page

    def add(self, text: str, kind: BlockKind = "text", *, level: int | None = None, new_paragraph: bool = True) -> None:
        """Append one block (its text must not contain a newline); empty text is ignored."""
        text = text.strip()
        if not text:
            return
        if self._parts:
            self._parts.append("\n")
            self._len += 1
        start = self._len
        self._parts.append(text)
        self._len += len(text)
        self.blocks.append(Block(start, self._len, kind, level, new_paragraph))

    def start_page(self, number: int, label: str | None = None, *, ocr: bool = False) -> None:
        self.end_page()
        self._page = (number, self._len + (1 if self._parts else 0), label, ocr)

    def end_page(self) -> None:
        if self._page is not None:
            number, start, label, ocr = self._page
            self.pages.append(Page(number, min(start, self._len), self._len, label, ocr))
            self._page = None

    @property
    def text(self) -> str:
        return "".join(self._parts)

    def result(self, **kw: Any) -> ReadResult:
        self.end_page()
        return ReadResult(text=self.text, blocks=tuple(self.blocks), pages=tuple(self.pages), **kw)
