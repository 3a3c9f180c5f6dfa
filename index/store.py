"""The on-disk index: a directory of named, non-pickled files plus a manifest.

Layout of an index root::

    <root>/current            -> symlink to builds/<build-id> (switched atomically with os.replace)
    <root>/builds/<build-id>/
        manifest.json         format version, model, dimension, normaliser, tokenizer, corpus hash, ...,
                              and the sha256 of every other file (verified by ``load``)
        documents.jsonl       one line per document: id, path, title, metadata, canonical text, blocks, pages
        passages.jsonl        one line per passage: ids, citation fields, original and normalised text
        vectors.npy           float32 [passages, dimension], L2-normalised (also the embedding cache)
        presentation.json     per passage: lexical terms, sentences with offsets, matching form and terms
                              (index/presentation.py; builds before it lack it and are presented lazily)
        rows/                 byte offsets of the rows of passages.jsonl, presentation.json and
                              documents.jsonl, the per-row columns ranking reads (index/table.py) and a
                              head per document (index/doctable.py): a loaded build maps these and decodes
                              a passage or a document when it is used (builds before them are read whole)
        ...                   the storage backend's own files (``index/backends/``; embedded: dense.faiss, bm25/)

A build is written to ``builds/.tmp-*`` and renamed when complete, then ``current`` is switched; a
crash before the switch leaves the previous build serving. Readers resolve ``current`` once, so a
search that started on the old build finishes on it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from index import doctable, presentation, table
from index.backends import FileBackend, SearchBackend, backend_class
from index.doctable import DocumentTable
from index.errors import IndexCorruptError, IndexNotFoundError
from index.live import BUILDS, CURRENT, MANIFEST, resolve
from index.passage import Document, Passage
from index.records import IndexInfo, SkippedFile
from index.table import PassageTable, passage_from_json, passage_to_json

__all__ = ["BUILDS", "CURRENT", "MANIFEST", "passage_from_json", "passage_to_json", "resolve"]

FORMAT_VERSION = 1


@dataclass(frozen=True)
class Manifest:
    format_version: int
    build_id: str
    model: str
    dimension: int
    query_prefix: str
    passage_prefix: str
    normalizer: str
    tokenizer: str
    ann: str
    corpus_fingerprint: str
    document_count: int
    passage_count: int
    chunking: dict[str, int]
    built_at: str
    build_seconds: float
    youju_version: str
    skipped: list[dict[str, str]] = field(default_factory=list)
    peak_rss_mb: float | None = None  # peak resident memory of the building process
    backend: str = "embedded"  # storage backend (index/backends/)
    files: list[dict[str, Any]] = field(default_factory=list)  # what the build did with each file (FileReport)
    # sha256 of every file of the build but the manifest, by path relative to the build directory;
    # verified on every load and reload (builds written before checksums have none and are not checked).
    checksums: dict[str, str] = field(default_factory=dict)
    # The deployment's dictionary the build used (index/dictionary.py): version, words, synonym groups.
    dictionary: dict[str, Any] = field(default_factory=dict)
    # The dense index's parameters (index/ann/: nlist and nprobe of ``ivf``, efSearch of ``hnsw``); ``ann``
    # is the kind built, never ``auto``. The searcher loads the index with these.
    ann_params: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Manifest:
        if data.get("format_version") != FORMAT_VERSION:
            raise IndexCorruptError(
                f"index format {data.get('format_version')!r} is not {FORMAT_VERSION}; rebuild with `youju build`"
            )
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in data.items() if k in known})

    def info(self) -> IndexInfo:
        """The summary that the CLI, the service and the evaluation show."""
        return IndexInfo(
            build_id=self.build_id,
            built_at=self.built_at,
            model=self.model,
            documents=self.document_count,
            passages=self.passage_count,
            ann=self.ann,
            backend=self.backend,
            skipped=[SkippedFile(**s) for s in self.skipped],
        )


@dataclass
class LoadedIndex:
    """Everything a searcher needs, read from one build directory (``load``) or from a search engine
    (``index.engine_store.load_engine``)."""

    # The build directory; for a build read from an engine, the engine's collection as a relative path that
    # never exists on disk (``source`` then says where it is).
    path: Path
    manifest: Manifest
    # A ``doctable.DocumentTable``: documents decoded on demand when the build has their ``rows/`` files.
    documents: DocumentTable
    # A ``table.PassageTable`` for a build directory (decoded on demand when the build has ``rows/``); a list
    # for a build read from an engine.
    passages: Sequence[Passage]
    # The build's vectors.npy (memory-mapped: read-only); None when the vectors stay in an engine
    # (``backend.vectors_of``).
    vectors: npt.NDArray[np.float32] | None
    backend: SearchBackend
    # What presenting results needs of each passage, computed at build time (index/presentation.py); None
    # for builds written before it (the searcher then computes it on first use).
    presentation: dict[str, Any] | None = None
    source: str | None = None  # where an engine build lives (engine and collection), for messages

    @property
    def where(self) -> str:
        """The build as messages name it: its directory, or its engine and collection."""
        return self.source or str(self.path)


def write_build(
    root: Path,
    manifest: Manifest,
    documents: list[Document],
    passages: list[Passage],
    vectors: npt.NDArray[np.float32],
    backend: FileBackend,
    extra: Callable[[Path], None] | None = None,
) -> Path:
    """Write a complete build beside the live one and return its final directory (not yet live). ``extra``
    writes further named files into the build directory (``presentation.json``) before the checksums."""
    builds = root / BUILDS
    builds.mkdir(parents=True, exist_ok=True)
    tmp = builds / f".tmp-{manifest.build_id}"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    doctable.write(tmp, documents)
    table.write(tmp, passages, [d.doc_id for d in documents])
    np.save(tmp / "vectors.npy", vectors, allow_pickle=False)
    backend.save(tmp)
    if extra is not None:
        extra(tmp)
    manifest = replace(manifest, checksums=checksums(tmp))
    # The manifest goes last: a directory without one is never treated as a build.
    (tmp / MANIFEST).write_text(json.dumps(asdict(manifest), ensure_ascii=False, indent=2), encoding="utf-8")
    final = builds / manifest.build_id
    os.replace(tmp, final)
    return final


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def checksums(build_dir: Path) -> dict[str, str]:
    """sha256 of every file under ``build_dir`` except the manifest, by relative path."""
    return {
        p.relative_to(build_dir).as_posix(): _sha256(p)
        for p in sorted(build_dir.rglob("*"))
        if p.is_file() and p.name != MANIFEST
    }


# Threads that hash a build's files at once (hashlib releases the GIL): at a million passages the build is
# ~7 GB, ~6 s of sha256 on one core of the benchmark machine.
VERIFY_THREADS = 4
# Rows of vectors.npy checked per read (64 MB at 384 dimensions).
VECTOR_CHUNK = 1 << 16


def check_present(build_dir: Path, manifest: Manifest) -> None:
    """IndexCorruptError unless every file the manifest lists is there."""
    for name in manifest.checksums:
        if not (build_dir / name).is_file():
            raise IndexCorruptError(f"index {build_dir} is incomplete: {name} is missing")


def verify(build_dir: Path, manifest: Manifest, also: Sequence[Callable[[], None]] = ()) -> None:
    """IndexCorruptError unless every file the manifest lists is there with its checksum: a file damaged
    on disk or half-copied never goes live. The files are hashed by parallel threads, largest first, together
    with the checks ``also`` (which raise IndexCorruptError themselves); all finish before this returns."""
    check_present(build_dir, manifest)

    def check(name: str, want: str) -> None:
        if _sha256(build_dir / name) != want:
            raise IndexCorruptError(f"index {build_dir} is damaged: {name} does not match its checksum")

    by_size = sorted(manifest.checksums.items(), key=lambda kv: -(build_dir / kv[0]).stat().st_size)
    jobs: list[Callable[[], None]] = [partial(check, name, want) for name, want in by_size]
    jobs += list(also)
    if len(jobs) == 1:
        jobs[0]()
        return
    with ThreadPoolExecutor(max_workers=VERIFY_THREADS, thread_name_prefix="youju-verify") as pool:
        futures = [pool.submit(job) for job in jobs]
        errors = [f.exception() for f in futures]
    for e in errors:
        if e is not None:
            raise e


def check_vectors(build_dir: Path, manifest: Manifest, vectors: npt.NDArray[Any]) -> None:
    """Shape, type and values of the passage vectors: finite, unit length (they are L2-normalised)."""
    check_vector_shape(build_dir, manifest, vectors)
    for at in range(0, len(vectors), VECTOR_CHUNK):
        _check_vector_values(build_dir, np.asarray(vectors[at : at + VECTOR_CHUNK]))


def check_vector_shape(build_dir: Path, manifest: Manifest, vectors: npt.NDArray[Any]) -> None:
    if vectors.ndim != 2 or vectors.shape[1] != manifest.dimension or vectors.dtype != np.float32:
        raise IndexCorruptError(
            f"index {build_dir} is damaged: vectors are {vectors.dtype} {vectors.shape}, "
            f"expected float32 [passages, {manifest.dimension}]"
        )


def _check_vector_values(build_dir: Path, vectors: npt.NDArray[np.float32]) -> None:
    if not np.isfinite(vectors).all():
        raise IndexCorruptError(f"index {build_dir} is damaged: vectors hold NaN or infinite values")
    norms = np.linalg.norm(vectors, axis=1) if len(vectors) else np.ones(0, dtype=np.float32)
    if len(norms) and not np.allclose(norms, 1.0, atol=1e-3):
        raise IndexCorruptError(f"index {build_dir} is damaged: vectors are not unit length")


def check_vector_file(build_dir: Path, manifest: Manifest, vectors: npt.NDArray[Any]) -> None:
    """``check_vectors`` of a memory-mapped ``vectors.npy`` read through the file in chunks rather than the
    mapping: a server's resident memory then holds only the vectors its searches touch."""
    check_vector_shape(build_dir, manifest, vectors)
    offset = int(getattr(vectors, "offset", -1))
    if offset < 0:  # not a memory map of the file: check what is in memory
        check_vectors(build_dir, manifest, vectors)
        return
    with open(build_dir / "vectors.npy", "rb") as f:
        f.seek(offset)
        rows, d = vectors.shape
        for at in range(0, rows, VECTOR_CHUNK):
            count = min(VECTOR_CHUNK, rows - at)
            chunk = np.fromfile(f, dtype=np.float32, count=count * d)
            if len(chunk) != count * d:
                raise IndexCorruptError(f"index {build_dir} is damaged: vectors.npy is shorter than its header says")
            _check_vector_values(build_dir, chunk.reshape(count, d))


def activate(root: Path, build_dir: Path, keep: int = 2) -> None:
    """Atomically point ``root/current`` at ``build_dir``, then prune old builds."""
    link = root / CURRENT
    tmp_link = root / f".{CURRENT}.{os.getpid()}.tmp"
    if tmp_link.is_symlink() or tmp_link.exists():
        tmp_link.unlink()
    os.symlink(os.path.relpath(build_dir, root), tmp_link)
    os.replace(tmp_link, link)
    prune(root, keep=keep)


def prune(root: Path, keep: int = 2) -> None:
    builds = root / BUILDS
    live = resolve(root) if (root / CURRENT).exists() else None
    done = sorted((p for p in builds.iterdir() if p.is_dir() and not p.name.startswith(".")), key=lambda p: p.name)
    for old in done[:-keep]:
        if live is None or old.resolve() != live.resolve():
            shutil.rmtree(old, ignore_errors=True)
    for tmp in builds.glob(".tmp-*"):
        # Leftovers of a crashed build older than an hour.
        if time.time() - tmp.stat().st_mtime > 3600:
            shutil.rmtree(tmp, ignore_errors=True)


def read_manifest(build_dir: Path) -> Manifest:
    try:
        return Manifest.from_json(json.loads((build_dir / MANIFEST).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError) as e:
        raise IndexCorruptError(f"unreadable manifest in {build_dir}: {e}") from e


def _jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def load_vectors(root: Path) -> tuple[Manifest, list[Passage], npt.NDArray[np.float32]]:
    """Manifest, passages and vectors of the live build, without reading its dense or lexical index
    (what a rebuild needs to reuse embeddings)."""
    build = resolve(root)
    manifest = read_manifest(build)
    try:
        passages = [passage_from_json(d) for d in _jsonl(build / "passages.jsonl")]
        vectors = np.load(build / "vectors.npy", allow_pickle=False)
    except (OSError, ValueError, TypeError, KeyError) as e:
        raise IndexCorruptError(f"cannot read index {build}: {e}") from e
    if len(passages) != vectors.shape[0]:
        raise IndexCorruptError(f"index {build} is inconsistent: {len(passages)} passages, {vectors.shape[0]} vectors")
    return manifest, passages, vectors


def load_documents(root: Path) -> dict[str, Document]:
    """The live build's documents by corpus-relative path (empty when there is no readable build): a new
    build reuses those whose files did not change."""
    try:
        build = resolve(root)
        return {d.path: d for d in (Document.from_json(x) for x in _jsonl(build / "documents.jsonl"))}
    except (IndexNotFoundError, OSError, ValueError, KeyError, TypeError):
        return {}


def load(root: Path) -> LoadedIndex:
    """The live build, checked: checksums and vector values, then structure (counts, shapes).

    A build with ``rows/`` (index/table.py) is opened memory-mapped: vectors, FAISS, BM25 arrays and the row
    files are mapped, passages and presentation rows are decoded when used. Every file is still hashed in
    full before this returns (in parallel threads, while the build is opened), so a damaged build is refused
    before it serves, as always. Builds without ``rows/`` are read whole, as they always were."""
    build = resolve(root)
    manifest = read_manifest(build)
    lazy = table.has_rows(build)
    check_present(build, manifest)
    if not lazy:
        verify(build, manifest)
    try:
        if lazy:
            vectors = np.load(build / "vectors.npy", mmap_mode="r", allow_pickle=False)
            # The vectors' values are checked through the file while the other files are hashed.
            check_vector_shape(build, manifest, vectors)
            values = (lambda: check_vector_file(build, manifest, vectors),)
            with ThreadPoolExecutor(max_workers=1, thread_name_prefix="youju-verify") as pool:
                checked = pool.submit(verify, build, manifest, values)
                try:
                    index = _open(build, manifest, vectors, lazy=True)
                finally:
                    checked.result()  # raises the first damage found; nothing is returned before
        else:
            vectors = np.load(build / "vectors.npy", allow_pickle=False)
            index = _open(build, manifest, vectors, lazy=False)
    except (OSError, ValueError, TypeError, KeyError, RuntimeError) as e:
        raise IndexCorruptError(f"cannot read index {build}: {e}") from e
    if not lazy:
        check_vectors(build, manifest, vectors)
    n, backend = len(index.passages), index.backend
    if not (n == manifest.passage_count == vectors.shape[0] == backend.size):
        raise IndexCorruptError(
            f"index {build} is inconsistent: {n} passages, {vectors.shape[0]} vectors, "
            f"{backend.size} in the {manifest.backend} backend, manifest says {manifest.passage_count}"
        )
    return index


def _open(build: Path, manifest: Manifest, vectors: npt.NDArray[np.float32], *, lazy: bool) -> LoadedIndex:
    documents = (
        DocumentTable.open(build)
        if doctable.has_rows(build)
        else DocumentTable.of(Document.from_json(d) for d in _jsonl(build / "documents.jsonl"))
    )
    doc_ids = list(documents)
    if lazy:
        passages = PassageTable.open(build, doc_ids)
        shown = presentation.open_rows(build)
    else:
        passages = PassageTable.of([passage_from_json(d) for d in _jsonl(build / "passages.jsonl")], doc_ids)
        shown = presentation.read(build)
    backend = backend_class(manifest.backend).open(build, vectors, ann=manifest.ann, ann_params=manifest.ann_params)
    return LoadedIndex(build, manifest, documents, passages, vectors, backend, shown)
