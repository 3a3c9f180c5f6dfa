"""The documents of a build as a mapping decoded on demand, with a light head per document for what serving
reads of every document at once.

A document's line of ``documents.jsonl`` holds its whole canonical text and its reader's blocks: at a million
passages (10,000 documents) the file is ~600 MB, and reading it whole took ~10 s of a searcher's start-up and
~700 MB of memory, while serving needs the text of the few documents its results come from. A build therefore
writes, beside ``documents.jsonl`` (unchanged, still the record of each document)::

    rows/documents.offsets.npy     int64 [d + 1]: byte offset of each line of documents.jsonl (and the end)
    rows/documents.heads.json      per document, in documents.jsonl order: id, path, title, metadata,
                                   format, source, page and character counts, and the years its text
                                   mentions (``index.scope.text_years``), which scoping reads for every
                                   document at start-up

A loaded build's ``documents`` is a ``DocumentTable``: a ``Mapping[str, Document]`` whose values are decoded
from their line when asked for (the last few are kept), and whose ``heads`` serve everything that looks at
every document (scopes, filters, the document list, the build registry). A build written before these files,
or documents held in memory (a build being written, an engine's), get the same table from the documents
themselves (``DocumentTable.of``), so one code path serves both.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from index.normalize import fold
from index.passage import Document, metadata_year
from index.scope import text_years
from index.table import ROWS, MappedRows, write_jsonl

DOCUMENT_OFFSETS = "documents.offsets.npy"
HEADS = "documents.heads.json"
# The text years' definition: stored years are used only when they were read by this one.
YEARS_VERSION = 1
# Decoded documents kept: results come from a few documents at a time; a document may be megabytes.
CACHE = 64


@dataclass(frozen=True)
class DocumentHead:
    """What serving reads of every document: all of it but the canonical text, blocks and pages."""

    doc_id: str
    path: str
    title: str
    metadata: dict[str, Any] = field(default_factory=dict)
    format: str = "txt"
    source: str = ""
    pages: int = 0  # number of pages (0 for documents without pages)
    characters: int = 0  # length of the canonical text
    text_years: frozenset[int] = frozenset()  # the years the text mentions (``index.scope.text_years``)

    @property
    def year(self) -> int | None:
        """``Document.year``: the year the document is about (metadata ``year``), if plausible."""
        return metadata_year(self.metadata)

    @classmethod
    def of(cls, doc: Document) -> DocumentHead:
        return cls(
            doc_id=doc.doc_id,
            path=doc.path,
            title=doc.title,
            metadata=doc.metadata,
            format=doc.format,
            source=doc.source,
            pages=len(doc.pages),
            characters=len(doc.text),
            text_years=text_years(doc.text, fold),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "doc_id": self.doc_id,
            "path": self.path,
            "title": self.title,
            "metadata": self.metadata,
            "format": self.format,
            "source": self.source,
            "pages": self.pages,
            "characters": self.characters,
            "text_years": sorted(self.text_years),
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> DocumentHead:
        return cls(
            doc_id=str(d["doc_id"]),
            path=str(d["path"]),
            title=str(d["title"]),
            metadata=dict(d.get("metadata") or {}),
            format=str(d.get("format", "txt")),
            source=str(d.get("source", "")),
            pages=int(d.get("pages", 0)),
            characters=int(d.get("characters", 0)),
            text_years=frozenset(int(y) for y in d.get("text_years", ())),
        )


class DocumentTable(Mapping[str, Document]):
    """A build's documents by id, in documents.jsonl order, with a head per document."""

    def __init__(self, heads: Sequence[DocumentHead], rows: Sequence[Document] | MappedRows, lazy: bool) -> None:
        if len(heads) != len(rows):
            raise ValueError(f"{len(heads)} document heads for {len(rows)} documents")
        self.heads: tuple[DocumentHead, ...] = tuple(heads)
        self._pos = {h.doc_id: i for i, h in enumerate(self.heads)}
        self._rows = rows
        self.lazy = lazy  # documents decoded on demand from the build's files

    @classmethod
    def of(cls, documents: Iterable[Document]) -> DocumentTable:
        """The table of documents held in memory (heads computed from them)."""
        docs = list(documents)
        return cls([DocumentHead.of(d) for d in docs], docs, lazy=False)

    @classmethod
    def open(cls, build_dir: Path) -> DocumentTable:
        """The table of a build with ``rows/documents.*``: heads read, documents decoded on demand. Heads whose
        years were read by another definition of ``text_years`` get them again from the documents."""
        rows = build_dir / ROWS
        offsets = np.load(rows / DOCUMENT_OFFSETS, mmap_mode="r", allow_pickle=False)
        if offsets.dtype != np.int64:
            raise ValueError(f"rows/{DOCUMENT_OFFSETS} is {offsets.dtype}, expected int64")
        if int(offsets[-1]) != (build_dir / "documents.jsonl").stat().st_size:
            raise ValueError(f"rows/{DOCUMENT_OFFSETS} does not end where documents.jsonl ends")
        mapped = MappedRows(build_dir / "documents.jsonl", np.asarray(offsets), Document.from_json, cache=CACHE)
        stored = json.loads((rows / HEADS).read_text(encoding="utf-8"))
        heads = [DocumentHead.from_json(h) for h in stored["heads"]]
        if len(heads) != len(mapped):
            raise ValueError(f"rows/{HEADS} lists {len(heads)} documents, documents.jsonl holds {len(mapped)}")
        if stored.get("years_version") != YEARS_VERSION:
            heads = [DocumentHead.of(mapped[i]) for i in range(len(heads))]
        return cls(heads, mapped, lazy=True)

    def head(self, doc_id: str) -> DocumentHead:
        return self.heads[self._pos[doc_id]]

    # ------------------------------------------------------------------------------- mapping
    def __getitem__(self, doc_id: str) -> Document:
        got: Document = self._rows[self._pos[doc_id]]
        return got

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._pos

    def __iter__(self) -> Iterator[str]:
        return (h.doc_id for h in self.heads)

    def __len__(self) -> int:
        return len(self.heads)


def write(build_dir: Path, documents: Sequence[Document]) -> None:
    """Write ``documents.jsonl`` and its ``rows/`` files into a build directory."""
    offsets = write_jsonl(build_dir / "documents.jsonl", (d.to_json() for d in documents))
    rows = build_dir / ROWS
    rows.mkdir(exist_ok=True)
    np.save(rows / DOCUMENT_OFFSETS, offsets, allow_pickle=False)
    heads = {"years_version": YEARS_VERSION, "heads": [DocumentHead.of(d).to_json() for d in documents]}
    (rows / HEADS).write_text(json.dumps(heads, ensure_ascii=False) + "\n", encoding="utf-8")


def has_rows(build_dir: Path) -> bool:
    """Whether the build has the documents' ``rows/`` files (builds written before them do not)."""
    return (build_dir / ROWS / DOCUMENT_OFFSETS).is_file() and (build_dir / ROWS / HEADS).is_file()
