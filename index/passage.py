"""The records that flow through the pipeline: file -> ``Document`` (with ``Block``s and ``Page``s) ->
``Paragraph`` -> ``Passage``.

Stages never mutate a record; they return new ones (``dataclasses.replace``).
A passage id is a content hash, stable across rebuilds as long as the document text and the
passage's place in it do not change.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Literal

BlockKind = Literal["text", "heading", "table"]


@dataclass(frozen=True)
class Block:
    """A span of a document's canonical text as its reader found it.

    ``text`` blocks are body text (a line of a .txt file, a line of a Markdown block, a paragraph of a
    Word file); the structure stage may still recognise a numbered heading (一、, (一)) at their start.
    ``heading`` blocks are headings the format itself marks (a Word heading style, a larger PDF font),
    with ``level`` when the format gives one. ``table`` blocks are table rows rendered as statements:
    always a paragraph of their own, never a heading.
    ``new_paragraph`` is False when the block continues the paragraph of the block before it (the
    lines of one Markdown block).
    """

    start: int
    end: int
    kind: BlockKind = "text"
    level: int | None = None
    new_paragraph: bool = True

    def to_json(self) -> list[Any]:
        return [self.start, self.end, self.kind, self.level, self.new_paragraph]

    @classmethod
    def from_json(cls, row: list[Any]) -> Block:
        """A block of a stored document. Filled without the frozen dataclass's ``__init__`` (five
        ``object.__setattr__`` calls): a million-passage index holds a million blocks, read at every load."""
        start, end, kind, level, new = row
        block = object.__new__(cls)
        block.__dict__.update(start=int(start), end=int(end), kind=kind, level=level, new_paragraph=bool(new))
        return block


@dataclass(frozen=True)
class Page:
    """A physical page of a paged document: 1-based ``number``, its span of the canonical text, the
    page number printed on it (e.g. "3" from "— 3 —") when it has one, and whether its text was read by OCR."""

    number: int
    start: int
    end: int
    label: str | None = None
    ocr: bool = False


def metadata_year(metadata: dict[str, Any]) -> int | None:
    """The year of a document's metadata (``year``: 2024, "2024", "2024-06"), if plausible."""
    try:
        year = int(str(metadata.get("year"))[:4])
    except (TypeError, ValueError):
        return None
    return year if 1900 <= year <= 2100 else None


@dataclass(frozen=True)
class Document:
    """One source file: its canonical text (for .txt/.md files, the file text verbatim), metadata,
    the reader's blocks and, for paged formats, its pages."""

    doc_id: str
    path: str
    text: str
    title: str
    metadata: dict[str, Any] = field(default_factory=dict)
    format: str = "txt"
    blocks: tuple[Block, ...] = ()
    pages: tuple[Page, ...] = ()
    source: str = ""  # what reading it depended on (file and sidecar hashes, reader version): see ingest

    @property
    def year(self) -> int | None:
        """The year the document is about (metadata ``year``: 2024, "2024", "2024-06"), if plausible."""
        return metadata_year(self.metadata)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    def to_json(self) -> dict[str, Any]:
        return {
            "doc_id": self.doc_id,
            "path": self.path,
            "text": self.text,
            "title": self.title,
            "metadata": self.metadata,
            "format": self.format,
            "blocks": [b.to_json() for b in self.blocks],
            "pages": [[p.number, p.start, p.end, p.label, p.ocr] for p in self.pages],
            "source": self.source,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Document:
        return cls(
            doc_id=d["doc_id"],
            path=d["path"],
            text=d["text"],
            title=d["title"],
            metadata=dict(d.get("metadata") or {}),
            format=d.get("format", "txt"),
            blocks=tuple(Block.from_json(b) for b in d.get("blocks", ())),
            pages=tuple(Page(int(p[0]), int(p[1]), int(p[2]), p[3], bool(p[4:5] and p[4])) for p in d.get("pages", ())),
            source=d.get("source", ""),
        )


@dataclass(frozen=True)
class Paragraph:
    """A body paragraph (never a heading) with the headings above it."""

    doc_id: str
    number: int  # 1-based count of body paragraphs in the document
    start: int  # character offsets into Document.text
    end: int
    text: str
    section: tuple[str, ...]


@dataclass(frozen=True)
class Passage:
    """The unit that is indexed and returned: part or all of one paragraph."""

    doc_id: str
    title: str
    section: tuple[str, ...]
    paragraph: int
    start: int  # offsets into the document's canonical text: text == document.text[start:end]
    end: int
    text: str  # original text, shown to the user
    paragraph_start: int
    paragraph_end: int
    norm_text: str = ""  # normalised matching form, filled in by the normalise stage

    @property
    def passage_id(self) -> str:
        return passage_id(self.doc_id, self.start, self.end, self.text)

    @property
    def paragraph_key(self) -> tuple[str, int]:
        return (self.doc_id, self.paragraph)


def passage_id(doc_id: str, start: int, end: int, text: str) -> str:
    h = hashlib.sha256(f"{doc_id}\x1f{start}\x1f{end}\x1f{text}".encode()).hexdigest()
    return h[:16]


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
