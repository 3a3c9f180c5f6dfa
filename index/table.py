"""The passages of a build as a table: rows decoded on demand, and the per-row columns that ranking reads for
every candidate kept as numpy arrays.

At a million passages a ``list[Passage]`` and the dictionaries a searcher built over it (passage id -> row,
paragraph -> rows, span -> row, document of each row) held ~15 GB and took minutes to load. A build therefore
writes, beside ``passages.jsonl`` (unchanged, still the record of each passage)::

    rows/passages.offsets.npy      int64 [n + 1]: byte offset of each line of passages.jsonl (and the end)
    rows/doc.npy                   int32 [n]: the row's document, as its position in documents.jsonl
    rows/paragraph.npy             int32 [n]: the row's paragraph number in its document
    rows/start.npy, rows/end.npy   int64 [n]: the row's span of its document's text
    rows/figure.npy                bool [n]: whether the row's text holds a figure (a digit)
    rows/id.npy                    uint64 [n]: the passage id (16 hex digits of sha256) as a number

all read memory-mapped: a ``Passage`` is decoded from its line of ``passages.jsonl`` (read with ``pread``) when it
is asked for, and the last few thousand are kept (an LRU). Lookups that were dictionaries are sorted arrays and
``np.searchsorted`` (sorted once at load: a few hundred ms at a million rows). A build written before these
files gets the same table computed from its passages in memory (``PassageTable.of``), so one searcher code
path serves both and answers identically.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, overload

import numpy as np
import numpy.typing as npt

from index.passage import Passage

ROWS = "rows"
PASSAGE_OFFSETS = "passages.offsets.npy"
COLUMNS = ("doc", "paragraph", "start", "end", "figure", "id")
_DTYPES: dict[str, Any] = {
    "doc": np.int32,
    "paragraph": np.int32,
    "start": np.int64,
    "end": np.int64,
    "figure": np.bool_,
    "id": np.uint64,
}
# Decoded passages kept per table: far more than one question's candidates and shown results.
CACHE = 8192
# What ``Searcher`` calls a figure (a quantity a question may ask for).
FIGURE = re.compile(r"\d")
_HEX16 = re.compile(r"[0-9a-f]{16}")
_PARAGRAPH_BITS = 32
_START_BITS = 40

IntArray = npt.NDArray[np.int64]


def passage_to_json(p: Passage) -> dict[str, Any]:
    from dataclasses import asdict

    d = asdict(p)
    d["section"] = list(p.section)
    d["passage_id"] = p.passage_id
    return d


def passage_from_json(d: dict[str, Any]) -> Passage:
    d = dict(d)
    d.pop("passage_id", None)
    d["section"] = tuple(d["section"])
    return Passage(**d)


def id_number(passage_id: str) -> int | None:
    """A passage id (16 lower-case hex digits) as the number ``rows/id.npy`` stores; None for anything else."""
    return int(passage_id, 16) if _HEX16.fullmatch(passage_id) else None


def columns_of(passages: Sequence[Passage], doc_ids: Sequence[str]) -> dict[str, npt.NDArray[Any]]:
    """The per-row columns of ``passages``; ``doc_ids`` in documents.jsonl order (KeyError for a passage of
    another document)."""
    pos = {d: i for i, d in enumerate(doc_ids)}
    n = len(passages)
    cols = {name: np.zeros(n, dtype=_DTYPES[name]) for name in COLUMNS}
    for i, p in enumerate(passages):
        cols["doc"][i] = pos[p.doc_id]
        cols["paragraph"][i] = p.paragraph
        cols["start"][i] = p.start
        cols["end"][i] = p.end
        cols["figure"][i] = FIGURE.search(p.text) is not None
        cols["id"][i] = int(p.passage_id, 16)
    return cols


def write_jsonl(path: Path, rows: Iterator[dict[str, Any]] | Sequence[dict[str, Any]]) -> IntArray:
    """Write one JSON object per line and return the byte offset of every line (and of the end)."""
    offsets = [0]
    with open(path, "wb") as f:
        for row in rows:
            line = (json.dumps(row, ensure_ascii=False) + "\n").encode("utf-8")
            f.write(line)
            offsets.append(offsets[-1] + len(line))
    return np.asarray(offsets, dtype=np.int64)


def write(build_dir: Path, passages: Sequence[Passage], doc_ids: Sequence[str]) -> None:
    """Write ``passages.jsonl`` and the ``rows/`` files of a build directory."""
    offsets = write_jsonl(build_dir / "passages.jsonl", (passage_to_json(p) for p in passages))
    rows = build_dir / ROWS
    rows.mkdir(exist_ok=True)
    np.save(rows / PASSAGE_OFFSETS, offsets, allow_pickle=False)
    for name, col in columns_of(passages, doc_ids).items():
        np.save(rows / f"{name}.npy", col, allow_pickle=False)


def has_rows(build_dir: Path) -> bool:
    """Whether the build has the ``rows/`` files (builds written before them do not)."""
    return (build_dir / ROWS / PASSAGE_OFFSETS).is_file()


class FileRows:
    """Rows of a memory-mapped 2-D array (``np.load(..., mmap_mode="r")``) read with ``pread`` instead of through
    the mapping. Reading a row through a mapping makes the kernel map its cached neighbours too (fault-around):
    200 questions touching ~200 rows each made all 1.5 GB of a million passages' vectors.npy resident in the
    server. Read this way, only what is asked for is copied into the process (the file stays in the page cache,
    shared and reclaimable)."""

    def __init__(self, path: Path, offset: int, shape: tuple[int, int], dtype: np.dtype[Any]) -> None:
        self.shape = shape
        self.dtype = dtype
        self._offset = offset
        self._row_bytes = shape[1] * dtype.itemsize
        self._file = open(path, "rb")  # noqa: SIM115 - kept open for the table's life; closed with it

    @classmethod
    def of(cls, array: npt.NDArray[Any]) -> FileRows | None:
        """The rows of ``array`` read from its file, or None when it is not a 2-D memory map of a file."""
        filename, offset = getattr(array, "filename", None), getattr(array, "offset", None)
        if filename is None or offset is None or array.ndim != 2 or not array.flags.c_contiguous:
            return None
        return cls(Path(filename), int(offset), (int(array.shape[0]), int(array.shape[1])), array.dtype)

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, rows: Any) -> npt.NDArray[Any]:
        """The rows ``rows`` (a sequence or array of row numbers) as a new array, in that order."""
        idx = np.asarray(rows, dtype=np.int64).reshape(-1)
        n = self.shape[0]
        if len(idx) and (int(idx.min()) < -n or int(idx.max()) >= n):
            raise IndexError(f"row out of range for {n} rows")
        idx = np.where(idx < 0, idx + n, idx)
        d = self.shape[1]
        if not len(idx):
            return np.empty((0, d), dtype=self.dtype)
        order = np.argsort(idx, kind="stable")
        ordered = idx[order]
        # Runs of consecutive (or repeated) rows are read with one pread each.
        breaks = np.flatnonzero(np.diff(ordered) > 1) + 1
        starts = np.concatenate(([0], breaks))
        ends = np.concatenate((breaks, [len(ordered)]))
        firsts, lasts = ordered[starts], ordered[ends - 1]
        fd, size = self._file.fileno(), self._row_bytes
        chunks = [
            os.pread(fd, (last - first + 1) * size, self._offset + first * size)
            for first, last in zip(firsts.tolist(), lasts.tolist(), strict=True)
        ]
        data = b"".join(chunks)
        read_rows = int((lasts - firsts + 1).sum())
        if len(data) != read_rows * size:
            raise ValueError(f"{self._file.name} is shorter than its {n} rows")
        block = np.frombuffer(data, dtype=self.dtype).reshape(read_rows, d)
        # Where each asked row lies in what was read: its run's place in ``block`` plus its offset in the run.
        run_base = np.concatenate(([0], np.cumsum(lasts - firsts + 1)[:-1]))
        run_of = np.repeat(np.arange(len(starts)), ends - starts)
        out = np.empty((len(idx), d), dtype=self.dtype)
        out[order] = block[run_base[run_of] + ordered - firsts[run_of]]
        return out

    def close(self) -> None:
        self._file.close()


class MappedRows:
    """Rows of a file at known byte offsets (a line of JSON Lines, an element of a JSON array), decoded on
    demand from a read-only memory map; ``decode`` turns one row's JSON value into the object wanted."""

    def __init__(self, path: Path, offsets: IntArray, decode: Callable[[Any], Any], cache: int = CACHE) -> None:
        if len(offsets) < 1 or np.any(np.diff(offsets) < 0):
            raise ValueError(f"{path.name}: offsets are not ascending")
        size = path.stat().st_size
        if int(offsets[-1]) > size:
            raise ValueError(f"{path.name}: offsets reach past the end of the file ({int(offsets[-1])} > {size})")
        self._offsets = offsets
        self._decode = decode
        # Read with pread, not through a mapping: a mapping would make every touched row's cached neighbours
        # resident too (see ``FileRows``).
        self._file = open(path, "rb")  # noqa: SIM115 - kept open for the table's life
        self._get = lru_cache(maxsize=cache)(self._read)

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def _read(self, row: int) -> Any:
        a, b = int(self._offsets[row]), int(self._offsets[row + 1])
        return self._decode(json.loads(os.pread(self._file.fileno(), b - a, a).strip(b", \n\r\t")))

    def prefix(self) -> bytes:
        """The bytes before the first row (a JSON object's other members, for a JSON array of rows)."""
        return os.pread(self._file.fileno(), int(self._offsets[0]), 0)

    def __getitem__(self, row: int) -> Any:
        n = len(self)
        if row < 0:
            row += n
        if not 0 <= row < n:
            raise IndexError(row)
        return self._get(row)


class PassageTable(Sequence[Passage]):
    """A build's passages by row, with the columns and lookups a searcher needs."""

    def __init__(
        self,
        rows: Sequence[Passage] | MappedRows,
        columns: dict[str, npt.NDArray[Any]],
        doc_ids: Sequence[str],
        lazy: bool,
    ) -> None:
        n = len(rows)
        for name in COLUMNS:
            col = columns[name]
            if col.shape != (n,):
                raise ValueError(f"rows/{name}.npy holds {col.shape}, expected ({n},)")
        if n and (int(columns["doc"].min()) < 0 or int(columns["doc"].max()) >= len(doc_ids)):
            raise ValueError("rows/doc.npy names a document that documents.jsonl lacks")
        self._rows = rows
        self.lazy = lazy  # rows decoded on demand from the build's files
        # Plain ndarray views of the (memory-mapped) columns: indexing them skips np.memmap's wrapping.
        self.doc = np.asarray(columns["doc"])
        self.paragraph = np.asarray(columns["paragraph"])
        self.start = np.asarray(columns["start"])
        self.end = np.asarray(columns["end"])
        self.figure = np.asarray(columns["figure"])
        self.doc_ids = list(doc_ids)
        self._doc_pos = {d: i for i, d in enumerate(self.doc_ids)}
        # Sorted keys for the lookups (stable sorts: equal keys stay in row order).
        ids = columns["id"]
        self._id_order = np.argsort(ids, kind="stable")
        self._ids_sorted = ids[self._id_order]
        para = (self.doc.astype(np.int64) << _PARAGRAPH_BITS) | self.paragraph.astype(np.int64)
        self._para_order = np.argsort(para, kind="stable")
        self._para_sorted = para[self._para_order]
        span = (self.doc.astype(np.int64) << _START_BITS) | self.start.astype(np.int64)
        self._span_order = np.argsort(span, kind="stable")
        self._span_sorted = span[self._span_order]

    @classmethod
    def of(cls, passages: Sequence[Passage], doc_ids: Sequence[str]) -> PassageTable:
        """The table of passages held in memory (a build without ``rows/``, or one read from an engine)."""
        return cls(passages, columns_of(passages, doc_ids), doc_ids, lazy=False)

    @classmethod
    def open(cls, build_dir: Path, doc_ids: Sequence[str]) -> PassageTable:
        """The table of a build with ``rows/``: columns memory-mapped, passages decoded on demand."""
        rows = build_dir / ROWS
        offsets = np.load(rows / PASSAGE_OFFSETS, mmap_mode="r", allow_pickle=False)
        columns: dict[str, npt.NDArray[Any]] = {}
        for name in COLUMNS:
            col = np.load(rows / f"{name}.npy", mmap_mode="r", allow_pickle=False)
            if col.dtype != _DTYPES[name]:
                raise ValueError(f"rows/{name}.npy is {col.dtype}, expected {np.dtype(_DTYPES[name])}")
            columns[name] = col
        if offsets.dtype != np.int64:
            raise ValueError(f"rows/{PASSAGE_OFFSETS} is {offsets.dtype}, expected int64")
        if int(offsets[-1]) != (build_dir / "passages.jsonl").stat().st_size:
            raise ValueError(f"rows/{PASSAGE_OFFSETS} does not end where passages.jsonl ends")
        return cls(MappedRows(build_dir / "passages.jsonl", offsets, passage_from_json), columns, doc_ids, lazy=True)

    # ------------------------------------------------------------------------------- sequence
    def __len__(self) -> int:
        return len(self._rows)

    @overload
    def __getitem__(self, row: int) -> Passage: ...

    @overload
    def __getitem__(self, row: slice) -> list[Passage]: ...

    def __getitem__(self, row: int | slice) -> Passage | list[Passage]:
        if isinstance(row, slice):
            return [self._rows[i] for i in range(*row.indices(len(self)))]
        got: Passage = self._rows[row]
        return got

    def __iter__(self) -> Iterator[Passage]:
        for i in range(len(self)):
            yield self._rows[i]

    # -------------------------------------------------------------------------------- lookups
    def paragraph_key(self, row: int) -> tuple[str, int]:
        """``Passage.paragraph_key`` of ``row`` without decoding it."""
        return (self.doc_ids[self.doc.item(row)], self.paragraph.item(row))

    def row_of_id(self, passage_id: str) -> int | None:
        """The row of passage ``passage_id`` (the last one when two rows share it), or None."""
        key = id_number(passage_id)
        if key is None:
            return None
        hi = int(np.searchsorted(self._ids_sorted, np.uint64(key), side="right"))
        if hi == 0 or int(self._ids_sorted[hi - 1]) != key:
            return None
        return int(self._id_order[hi - 1])

    def paragraph_rows(self, doc_id: str, paragraph: int) -> list[int]:
        """Rows of paragraph ``paragraph`` of document ``doc_id``, in row order (empty when there is none)."""
        d = self._doc_pos.get(doc_id)
        if d is None or not 0 <= paragraph < 2**31:
            return []
        key = np.int64((d << _PARAGRAPH_BITS) | paragraph)
        lo = int(np.searchsorted(self._para_sorted, key, side="left"))
        hi = int(np.searchsorted(self._para_sorted, key, side="right"))
        return [int(r) for r in self._para_order[lo:hi]]

    def row_of_span(self, doc_id: str, start: int, end: int) -> int | None:
        """The row whose span is exactly ``documents[doc_id].text[start:end]`` (the last if several), or None."""
        d = self._doc_pos.get(doc_id)
        if d is None or not 0 <= start < 2**_START_BITS:
            return None
        key = np.int64((d << _START_BITS) | start)
        lo = int(np.searchsorted(self._span_sorted, key, side="left"))
        hi = int(np.searchsorted(self._span_sorted, key, side="right"))
        found = [int(r) for r in self._span_order[lo:hi] if int(self.end[int(r)]) == end]
        return max(found) if found else None

    def doc_counts(self) -> npt.NDArray[np.int64]:
        """Passages per document, by position in ``doc_ids``."""
        return np.bincount(np.asarray(self.doc, dtype=np.int64), minlength=len(self.doc_ids))
