"""What presenting a result needs of each passage, computed once instead of on every question.

Highlighting (``index/highlight.py``) scores each sentence of a shown span by its matching form (NFKC +
OpenCC + terms table), its lexical terms, its character bigrams and whether it holds a figure; coverage
(``Searcher.coverage``) needs the lexical terms of the best passage. The normaliser (OpenCC above all) and
the tokeniser are the expensive parts, and they depend only on the passage, never on the question, so a
build stores them (``presentation.json``: for each passage, in row order, its terms and its sentences with
their offsets, matching form and terms), and a searcher memoises what a build lacks (a span merged from
several passages; a build written before this file, which still loads and computes on first use).

Terms are stored in the order the tokeniser produced them (first occurrences), so the sets rebuilt from them
are the sets the question-time code built, and every idf sum adds the same floats in the same order: the
answers are byte-identical with or without the file.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import numpy as np

from index import table
from index.passage import Document, Passage
from index.sentences import sentence_spans

FILE = "presentation.json"
VERSION = 1
# Byte offsets of the rows of FILE (in the build's ``rows/`` directory, ``index/table.py``).
OFFSETS = "presentation.offsets.npy"

_HAS_FIGURE = re.compile(r"\d")
_NON_WORD = re.compile(r"\W+")

Normalize = Callable[[str], str]
Tokenize = Callable[[str], list[str]]


def bigrams(s: str) -> set[str]:
    """Character bigrams of ``s`` without its non-word characters (one character: itself)."""
    s = _NON_WORD.sub("", s)
    return {s[i : i + 2] for i in range(len(s) - 1)} if len(s) > 1 else ({s} if s else set())


def _firsts(tokens: Sequence[str]) -> list[str]:
    """Distinct tokens in order of first occurrence (a set built from them equals one built from all)."""
    return list(dict.fromkeys(tokens))


@dataclass(frozen=True)
class Sentence:
    """One sentence of a shown text: its span in that text and what highlighting compares."""

    start: int
    end: int
    norm: str
    terms: frozenset[str]
    bigrams: frozenset[str]
    figure: bool

    @classmethod
    def of(cls, start: int, end: int, norm: str, terms: Sequence[str]) -> Sentence:
        return cls(start, end, norm, frozenset(terms), frozenset(bigrams(norm)), bool(_HAS_FIGURE.search(norm)))


def sentences(text: str, normalize: Normalize, tokenize: Tokenize) -> tuple[Sentence, ...]:
    """The sentences of ``text`` (spans relative to it) with their matching form and terms."""
    out: list[Sentence] = []
    for s, e in sentence_spans(text):
        norm = normalize(text[s:e])
        out.append(Sentence.of(s, e, norm, tokenize(norm)))
    return tuple(out)


def compute(
    documents: Mapping[str, Document],
    passages: Sequence[Passage],
    normalize: Normalize,
    tokenize: Tokenize,
    passage_tokens: Sequence[list[str]] | None = None,
) -> list[dict[str, Any]]:
    """The stored form, one entry per passage in row order: ``terms`` (of its matching form) and
    ``sentences`` (``[start, end, matching form, terms]``, offsets relative to the passage's text).
    ``passage_tokens``: each passage's ``tokenize(norm_text)`` when the caller has them already."""
    rows: list[dict[str, Any]] = []
    for n, p in enumerate(passages):
        text = documents[p.doc_id].text[p.start : p.end]
        found: list[list[Any]] = []
        for s, e in sentence_spans(text):
            norm = normalize(text[s:e])
            found.append([s, e, norm, _firsts(tokenize(norm))])
        words = passage_tokens[n] if passage_tokens is not None else tokenize(p.norm_text)
        rows.append({"terms": _firsts(words), "sentences": found})
    return rows


def write_rows(build_dir: Path, rows: Iterable[dict[str, Any]], normalizer_name: str, tokenizer_name: str) -> None:
    """Write ``presentation.json`` of the stored ``rows`` (``compute``'s form, row order), and the byte offset
    of every row in it (``rows/presentation.offsets.npy``), so that a searcher decodes a row when it shows it
    instead of reading the whole file (gigabytes at a million passages). The file is the same JSON object
    as ever: a reader that ignores the offsets reads it whole."""
    head = {"version": VERSION, "normalizer": normalizer_name, "tokenizer": tokenizer_name}
    prefix = json.dumps(head, ensure_ascii=False, separators=(",", ":"))[:-1] + ',"passages":['
    offsets: list[int] = []
    with open(build_dir / FILE, "wb") as f:
        at = f.write(prefix.encode("utf-8"))
        for i, row in enumerate(rows):
            offsets.append(at)
            at += f.write(
                (("," if i else "") + json.dumps(row, ensure_ascii=False, separators=(",", ":"))).encode("utf-8")
            )
        offsets.append(at)
        f.write(b"]}")
    # A row's bytes start with the comma that separates it from the one before; the decoder strips it.
    (build_dir / table.ROWS).mkdir(exist_ok=True)
    np.save(build_dir / table.ROWS / OFFSETS, np.asarray(offsets, dtype=np.int64), allow_pickle=False)


def read(build_dir: Path) -> dict[str, Any] | None:
    """The stored data of a build, or None when the build has none (written before this file)."""
    path = build_dir / FILE
    if not path.is_file():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{FILE} is not a JSON object")
    return data


def open_rows(build_dir: Path) -> dict[str, Any] | None:
    """Like ``read``, but with ``passages`` a ``table.MappedRows`` that decodes a row when it is used, when the
    build has ``rows/presentation.offsets.npy``; ``read`` itself otherwise (builds written before it)."""
    path, offsets_path = build_dir / FILE, build_dir / table.ROWS / OFFSETS
    if not path.is_file() or not offsets_path.is_file():
        return read(build_dir)
    offsets = np.load(offsets_path, mmap_mode="r", allow_pickle=False)
    if offsets.dtype != np.int64 or int(offsets[-1]) != path.stat().st_size - 2:
        raise ValueError(f"{table.ROWS}/{OFFSETS} does not match {FILE}")
    rows = table.MappedRows(path, offsets, _row, cache=table.CACHE)
    data = json.loads(rows.prefix().decode("utf-8") + "]}")
    if not isinstance(data, dict):
        raise ValueError(f"{FILE} is not a JSON object")
    data["passages"] = rows
    return data


def _row(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError(f"a row of {FILE} is not a JSON object")
    return value


class Presentation:
    """Sentences and terms of passages and shown spans for one searcher: from the build's file when it was
    computed with this normaliser and tokeniser, else computed on first use; memoised either way."""

    def __init__(
        self,
        documents: Mapping[str, Document],
        passages: Sequence[Passage],
        normalize: Normalize,
        tokenize: Tokenize,
        stored: dict[str, Any] | None = None,
        row_of_span: Callable[[str, int, int], int | None] | None = None,
    ) -> None:
        """``stored``: ``read`` or ``open_rows`` of the build (its rows a list or a ``table.MappedRows``).
        ``row_of_span``: the row whose span is exactly ``(doc_id, start, end)`` (``PassageTable.row_of_span``);
        without it, a dictionary over ``passages`` (a build in memory)."""
        self._documents = documents
        self._passages = passages
        self._normalize = normalize
        self._tokenize = tokenize
        rows = stored.get("passages") if stored is not None else None
        usable = isinstance(rows, list | table.MappedRows) and len(rows) == len(passages)
        self._stored: Sequence[dict[str, Any]] | None = cast("Sequence[dict[str, Any]]", rows) if usable else None
        if row_of_span is None:
            by_span = {(p.doc_id, p.start, p.end): i for i, p in enumerate(passages)}
            row_of_span = lambda doc_id, start, end: by_span.get((doc_id, start, end))  # noqa: E731
        self._row_of_span = row_of_span
        self._terms: dict[int, frozenset[str]] = {}
        self._spans: dict[tuple[str, int, int], tuple[Sentence, ...]] = {}
        self._lock = threading.Lock()

    @property
    def precomputed(self) -> bool:
        return self._stored is not None

    def terms(self, row: int) -> frozenset[str]:
        """Lexical terms of passage ``row``'s matching form."""
        terms = self._terms.get(row)
        if terms is None:
            if self._stored is not None:
                terms = frozenset(self._stored[row]["terms"])
            else:
                terms = frozenset(self._tokenize(self._passages[row].norm_text))
            self._terms[row] = terms
        return terms

    def sentences(self, doc_id: str, start: int, end: int) -> tuple[Sentence, ...]:
        """Sentences of ``documents[doc_id].text[start:end]`` (a passage, or touching passages merged)."""
        key = (doc_id, start, end)
        hit = self._spans.get(key)
        if hit is not None:
            return hit
        row = self._row_of_span(doc_id, start, end)
        if row is not None and self._stored is not None:
            found = tuple(Sentence.of(s, e, norm, terms) for s, e, norm, terms in self._stored[row]["sentences"])
        else:
            found = sentences(self._documents[doc_id].text[start:end], self._normalize, self._tokenize)
        with self._lock:
            return self._spans.setdefault(key, found)
