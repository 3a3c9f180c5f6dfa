"""Ingest: corpus directory -> documents (through the reader of each file's format) -> passages.

``read_corpus`` finds the files, hands each to its reader (``index/readers/``), merges metadata (what the
reader found, then a ``NAME.meta.json`` sidecar, which wins) and reports files it could not read by name
and reason instead of stopping. ``document_passages`` runs the format-independent stages: structure
(section paths and paragraphs, ``index/structure.py``) and chunking (``index/chunk.py``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from index.chunk import DEFAULT_CHUNKING, ChunkConfig, passages
from index.errors import CorpusError, DocumentError
from index.passage import Document, Passage
from index.readers import reader_for
from index.structure import paragraphs

META_SUFFIX = ".meta.json"


@dataclass(frozen=True)
class Skipped:
    path: str
    reason: str


def read_document(path: Path, root: Path) -> Document:
    """Read one file with the reader of its format. Raises DocumentError when it cannot be read."""
    rel = path.relative_to(root)
    display = rel.as_posix()
    reader = reader_for(path)
    if reader is None:
        raise DocumentError(f"{display}: youju does not read {path.suffix or 'files without a suffix'} files")
    found = reader.read(path, display)
    meta = dict(found.metadata)
    sidecar = path.with_name(path.stem + META_SUFFIX)
    if sidecar.exists():
        try:
            side = json.loads(sidecar.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise DocumentError(f"{sidecar.relative_to(root)}: unreadable metadata ({e})") from e
        if not isinstance(side, dict):
            raise DocumentError(f"{sidecar.relative_to(root)}: metadata must be a JSON object")
        meta = {**meta, **side}
    doc_id = rel.with_suffix("").as_posix()
    title = str(meta.get("title") or found.title or doc_id)
    meta = {k: v for k, v in meta.items() if k != "title"}
    return Document(
        doc_id=doc_id,
        path=display,
        text=found.text,
        title=title,
        metadata=meta,
        format=reader.name,
        blocks=found.blocks,
        pages=found.pages,
    )


def read_corpus(corpus_dir: Path) -> tuple[list[Document], list[Skipped]]:
    """All readable documents under ``corpus_dir`` (recursively, sorted), and the files skipped."""
    if not corpus_dir.is_dir():
        raise CorpusError(f"corpus directory not found: {corpus_dir}")
    docs: list[Document] = []
    skipped: list[Skipped] = []
    for path in sorted(p for p in corpus_dir.rglob("*") if p.is_file()):
        rel_parts = path.relative_to(corpus_dir).parts
        if reader_for(path) is None or any(part.startswith(".") for part in rel_parts):
            continue
        try:
            docs.append(read_document(path, corpus_dir))
        except DocumentError as e:
            skipped.append(Skipped(path=str(path.relative_to(corpus_dir)), reason=e.message))
        except OSError as e:
            skipped.append(Skipped(path=str(path.relative_to(corpus_dir)), reason=f"unreadable: {e}"))
    return docs, skipped


def document_passages(doc: Document, cfg: ChunkConfig = DEFAULT_CHUNKING) -> list[Passage]:
    """Structure then chunking: the passages of one document."""
    return passages(doc, paragraphs(doc), cfg)


def iter_passages(docs: list[Document], cfg: ChunkConfig = DEFAULT_CHUNKING) -> Iterator[Passage]:
    for doc in docs:
        yield from document_passages(doc, cfg)
