"""Ingest: corpus directory -> documents (through the reader of each file's format) -> passages.

``read_corpus`` finds the files, hands each to its reader (``index/readers/``), merges metadata (what the
reader found, then a ``NAME.meta.json`` sidecar, which wins, then what the title and first lines say,
``index/metadata.py``), and reports every file — read, reused, or skipped with its reason — instead of
stopping at a broken one. A file whose bytes, sidecar and reader are unchanged since the last build is
not read again: the previous build's document is reused (``reuse``), so a PDF is parsed (or OCR'd) once.
``document_passages`` runs the format-independent stages: structure (section paths and paragraphs,
``index/structure.py``) and chunking (``index/chunk.py``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from index import metadata
from index.chunk import DEFAULT_CHUNKING, ChunkConfig, passages
from index.errors import CorpusError, DocumentError
from index.normalize import Normalizer
from index.passage import Document, Passage
from index.readers import READERS, Reader, reader_for
from index.records import FileReport
from index.structure import paragraphs

META_SUFFIX = ".meta.json"
log = logging.getLogger("youju.ingest")


@dataclass(frozen=True)
class Skipped:
    path: str
    reason: str


@dataclass
class CorpusRead:
    """The documents of a corpus and what happened to every file."""

    documents: list[Document]
    files: list[FileReport] = field(default_factory=list)

    @property
    def skipped(self) -> list[Skipped]:
        return [Skipped(f.path, f.error or "") for f in self.files if f.status == "skipped"]


def source_key(path: Path, reader: Reader) -> str:
    """What a document's reading depends on: the file's bytes, its sidecar's and the reader's version."""
    h = hashlib.sha256(path.read_bytes())
    sidecar = path.with_name(path.stem + META_SUFFIX)
    if sidecar.exists():
        h.update(b"\x00sidecar\x00" + sidecar.read_bytes())
    return f"{h.hexdigest()}|{reader.name}/{reader.version}"


def read_document(path: Path, root: Path, readers: tuple[Reader, ...] = READERS) -> Document:
    """Read one file with the reader of its format. Raises DocumentError when it cannot be read."""
    doc, _ = _read(path, root, readers)
    return doc


def _read(path: Path, root: Path, readers: tuple[Reader, ...]) -> tuple[Document, tuple[str, ...]]:
    rel = path.relative_to(root)
    display = rel.as_posix()
    reader = reader_for(path, readers)
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
    meta = {k: _json_value(v) for k, v in meta.items() if k != "title"}
    doc = Document(
        doc_id=doc_id,
        path=display,
        text=found.text,
        title=title,
        metadata=meta,
        format=reader.name,
        blocks=found.blocks,
        pages=found.pages,
        source=source_key(path, reader),
    )
    return metadata.infer(doc, _simplify), found.warnings


def _json_value(v: object) -> object:
    """Metadata values as JSON keeps them: an unquoted YAML date (``date: 2024-12-31``) becomes its ISO text."""
    if isinstance(v, (str, int, float, bool)) or v is None:
        return v
    if isinstance(v, (list, tuple)):
        return [_json_value(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _json_value(x) for k, x in v.items()}
    iso = getattr(v, "isoformat", None)
    return iso() if callable(iso) else str(v)


_normalizer: Normalizer | None = None


def _simplify(text: str) -> str:
    global _normalizer
    if _normalizer is None:
        _normalizer = Normalizer()
    return _normalizer(text)


def corpus_files(corpus_dir: Path) -> list[Path]:
    """Every file of a corpus that is a document or should be reported: not hidden, not a sidecar."""
    if not corpus_dir.is_dir():
        raise CorpusError(f"corpus directory not found: {corpus_dir}")
    out = []
    for path in sorted(p for p in corpus_dir.rglob("*") if p.is_file()):
        parts = path.relative_to(corpus_dir).parts
        if any(part.startswith(".") for part in parts) or path.name.endswith(META_SUFFIX):
            continue
        out.append(path)
    return out


def read_corpus(
    corpus_dir: Path,
    *,
    readers: tuple[Reader, ...] = READERS,
    reuse: Mapping[str, Document] | None = None,
    on_file: Callable[[str], None] | None = None,
) -> CorpusRead:
    """All readable documents under ``corpus_dir`` (recursively, sorted) and a report of every file.

    ``reuse`` maps corpus-relative paths to documents of a previous build: one whose ``source`` still
    matches the file is taken as it is. ``on_file`` is called with each path as it is reached (progress).
    """
    docs: list[Document] = []
    files: list[FileReport] = []
    for path in corpus_files(corpus_dir):
        rel = path.relative_to(corpus_dir).as_posix()
        if on_file is not None:
            on_file(rel)
        reader = reader_for(path, readers)
        if reader is None:
            unsupported = f"unsupported format ({path.suffix or 'no suffix'})"
            files.append(FileReport(path=rel, status="skipped", error=unsupported))
            continue
        t0 = time.perf_counter()
        try:
            previous = reuse.get(rel) if reuse else None
            if previous is not None and previous.source == source_key(path, reader):
                docs.append(previous)
                files.append(_report(previous, "reused", 0.0, ()))
                continue
            doc, warnings = _read(path, corpus_dir, readers)
        except DocumentError as e:
            files.append(FileReport(path=rel, status="skipped", format=reader.name, error=e.message))
            continue
        except OSError as e:
            files.append(FileReport(path=rel, status="skipped", format=reader.name, error=f"unreadable: {e}"))
            continue
        except Exception as e:  # noqa: BLE001 - one broken file never stops the build
            log.exception("%s: the %s reader failed", rel, reader.name)
            error = f"could not be read ({type(e).__name__}: {e})"
            files.append(FileReport(path=rel, status="skipped", format=reader.name, error=error))
            continue
        docs.append(doc)
        files.append(_report(doc, "read", time.perf_counter() - t0, warnings))
    docs = metadata.annotate_series(docs, _simplify)
    return CorpusRead(docs, files)


def _report(doc: Document, status: str, seconds: float, warnings: tuple[str, ...]) -> FileReport:
    return FileReport(
        path=doc.path,
        status=status,
        format=doc.format,
        document_id=doc.doc_id,
        pages=len(doc.pages),
        ocr_pages=sum(1 for p in doc.pages if p.ocr),
        seconds=round(seconds, 3),
        warnings=list(warnings),
    )


def with_passage_counts(files: list[FileReport], counts: Mapping[str, int]) -> list[FileReport]:
    return [f.model_copy(update={"passages": counts.get(f.document_id, 0)}) if f.document_id else f for f in files]


def document_passages(doc: Document, cfg: ChunkConfig = DEFAULT_CHUNKING) -> list[Passage]:
    """Structure then chunking: the passages of one document."""
    return passages(doc, paragraphs(doc), cfg)


def iter_passages(docs: list[Document], cfg: ChunkConfig = DEFAULT_CHUNKING) -> Iterator[Passage]:
    for doc in docs:
        yield from document_passages(doc, cfg)
