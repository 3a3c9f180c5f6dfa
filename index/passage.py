"""The records that flow through the pipeline.

Stages never mutate a record; they return new ones (``dataclasses.replace``).
A passage id is a content hash, stable across rebuilds as long as the document text and the
passage's place in it do not change.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Document:
    """One source file, read verbatim."""

    doc_id: str
    path: str
    text: str
    title: str
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


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
    start: int  # offsets into the original document text: text == document.text[start:end]
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
