"""Lexical side: jieba tokens of the normalised text, scored with BM25 (bm25s).

The tokenizer is a plain ``str -> list[str]`` callable so that it can be swapped (another segmenter,
character n-grams) and tested on its own; its ``name`` goes into the index manifest.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

Tokenizer = Callable[[str], list[str]]

# Question words and particles that carry no topic: index/data/stopwords.txt.
STOPWORDS = frozenset(
    w.strip()
    for w in (Path(__file__).parent / "data" / "stopwords.txt").read_text(encoding="utf-8").splitlines()
    if w.strip() and not w.startswith("#")
)
_TOKEN_OK = re.compile(r"\w", re.UNICODE)


_SEGMENTERS: dict[tuple[str, ...], Any] = {}
_SEGMENTERS_LOCK = threading.Lock()


def _segmenter(words: tuple[str, ...]) -> Any:
    """A jieba Tokenizer that knows ``words`` (one per distinct word list in the process)."""
    import jieba

    with _SEGMENTERS_LOCK:
        seg = _SEGMENTERS.get(words)
        if seg is None:
            seg = jieba.Tokenizer()
            for w in words:
                # A high frequency: jieba keeps the word whole wherever it occurs (search mode still also
                # yields its known sub-words).
                seg.add_word(w, freq=100_000)
            if len(_SEGMENTERS) > 8:
                _SEGMENTERS.clear()
            _SEGMENTERS[words] = seg
        return seg


# Blocks each tokenizer remembers. jieba cuts a text block by block (runs of Chinese characters, letters and
# digits, and what lies between them), each on its own; a build tokenises every passage and then every sentence
# of it again (highlighting), and a server sees the same phrases in many questions. 65,536 short strings.
BLOCK_CACHE = 1 << 16


class JiebaTokenizer:
    """jieba search-mode segmentation (long words also yield their sub-words), minus stopwords and
    punctuation. Expects normalised (Simplified, lower-case) text.

    jieba splits a text into blocks (``jieba.re_han_default``) and segments each alone, so the tokens of a text
    are those of its blocks one after the other: each block's tokens are remembered (exact; tested against
    jieba on the whole corpus)."""

    name = "jieba-search+stopwords"

    def __init__(self, stopwords: frozenset[str] = STOPWORDS, words: tuple[str, ...] = ()) -> None:
        """``words``: the deployment's own words (index/dictionary.py), kept whole; they get a private
        jieba instance (shared by tokenizers of the same words), so another dictionary never leaks in."""
        import jieba

        jieba.setLogLevel(logging.WARNING)
        self._jieba: Any = _segmenter(words) if words else jieba
        self._stop = stopwords
        self._blocks = jieba.re_han_default.split
        self._block = lru_cache(maxsize=BLOCK_CACHE)(self._cut)

    def _cut(self, block: str) -> tuple[str, ...]:
        return tuple(
            t
            for t in (w.strip() for w in self._jieba.cut_for_search(block))
            if t and t not in self._stop and _TOKEN_OK.search(t)
        )

    def __call__(self, text: str) -> list[str]:
        return [t for block in self._blocks(text) if block for t in self._block(block)]


_CJK_RUN = re.compile(r"[\u3400-\u9fff]{2,}")
# Recorded in the manifest after the tokenizer's name: the BM25 index holds character bigrams too.
BIGRAMS = "+bigrams"


def with_bigrams(text: str, words: list[str], stopwords: frozenset[str] = STOPWORDS) -> list[str]:
    """The lexical terms BM25 indexes and searches: the words, and the character bigrams of every run of
    Chinese characters (marked ``~`` so that they count apart from two-character words).

    A citizen's word is often not the document's word but shares characters with it (车 / 车辆, 放烟花 /
    燃放烟花爆竹), and segmentation cuts a short question differently from a long passage; bigrams match
    across both. Measured on the gold sets: docs/retrieval.md."""
    pairs = [run[i : i + 2] for run in _CJK_RUN.findall(text) for i in range(len(run) - 1)]
    return words + [f"~{p}" for p in pairs if p not in stopwords]


# BM25 parameters of every build (bm25s' ``lucene`` variant). ``B`` (length normalisation) 0.5 rather than the
# usual 0.75: one-line passages (a service guide's 事项名称 line) that merely name a topic
# outranked the paragraphs that answer. ``python -m eval.tune_bm25`` (table in docs/retrieval.md): hybrid R@1
# with b 0.75 / 0.5 Huairou gold 0.880 / 0.894, multi-document gold 0.771 / 0.780 (R@5 0.907 / 0.924), CMRC2018
# and DRCD dev unchanged within 0.002; lower b gains nothing consistent. Read when an index is built (the
# tuning script varies them) and part of the corpus fingerprint: a change rebuilds the index.
K1 = 1.2
B = 0.5
# The term that stands in for a passage without any (bm25s would drop an empty row; rows stay aligned).
EMPTY_TERM = "\u2205"


@dataclass(frozen=True)
class SparseWeights:
    """BM25 split into its two factors, for an engine that multiplies a query-side idf into stored weights
    (Qdrant's sparse vectors with the IDF modifier, ``index/backends/qdrant.py``).

    bm25s' ``lucene`` variant scores ``sum over query terms t (each occurrence) of idf(t) * tf / (tf + k1 *
    (1 - b + b * dl / avgdl))`` with ``idf(t) = ln(1 + (N - df + 0.5) / (df + 0.5))``: note that it has no
    ``(k1 + 1)`` factor in the numerator (Lucene dropped it; it does not change a ranking). ``rows[i]`` holds
    passage ``i``'s terms as ids into ``vocabulary`` with the saturated term frequency of each; ``df`` the
    document frequency of every term (the engine's IDF modifier recomputes the same idf from its own count).
    """

    vocabulary: list[str]  # term id -> term, in order of first occurrence over the passages
    df: npt.NDArray[np.int64]
    rows: list[tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]]

    @classmethod
    def of(cls, tokenized: list[list[str]], *, k1: float | None = None, b: float | None = None) -> SparseWeights:
        """``k1``, ``b``: the module's ``K1`` and ``B`` unless given."""
        k1, b = (K1 if k1 is None else k1), (B if b is None else b)
        ids: dict[str, int] = {}
        counted: list[tuple[list[int], list[int]]] = []
        lengths = np.zeros(len(tokenized), dtype=np.float64)
        for i, toks in enumerate(tokenized):
            toks = toks or [EMPTY_TERM]
            lengths[i] = len(toks)
            counts: dict[int, int] = {}
            for t in toks:
                tid = ids.setdefault(t, len(ids))
                counts[tid] = counts.get(tid, 0) + 1
            counted.append((list(counts), list(counts.values())))
        avgdl = float(lengths.mean()) if len(lengths) else 1.0
        df = np.zeros(len(ids), dtype=np.int64)
        rows: list[tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]] = []
        for (term_ids, tfs), dl in zip(counted, lengths, strict=True):
            tid_arr = np.asarray(term_ids, dtype=np.int64)
            tf = np.asarray(tfs, dtype=np.float64)
            df[tid_arr] += 1
            rows.append((tid_arr, (tf / (tf + k1 * (1 - b + b * dl / avgdl))).astype(np.float32)))
        return cls(list(ids), df, rows)

    def idf_table(self) -> dict[str, float]:
        """Lucene idf of every term, as ``BM25Index.idf_table`` computes it."""
        return idf_table(self.vocabulary, self.df, len(self.rows))


def idf_table(vocabulary: list[str], df: npt.NDArray[np.int64], n: int) -> dict[str, float]:
    """Lucene idf ``ln(1 + (N - df + 0.5) / (df + 0.5))`` of each term of ``vocabulary``."""
    return {t: float(np.log1p((n - df[i] + 0.5) / (df[i] + 0.5))) for i, t in enumerate(vocabulary) if t}


def query_counts(query_tokens: list[str], vocabulary: dict[str, int]) -> tuple[list[int], list[float]]:
    """The query side of ``SparseWeights``: each known term once, valued by how often the question holds it
    (bm25s adds a repeated query term's scores once per occurrence); unknown terms are dropped, as bm25s
    drops them."""
    counts: dict[int, int] = {}
    for t in query_tokens:
        tid = vocabulary.get(t)
        if tid is not None:
            counts[tid] = counts.get(tid, 0) + 1
    return list(counts), [float(c) for c in counts.values()]


class BM25Index:
    """BM25 over pre-tokenised passages, saved as bm25s' named .npy/.json files (no pickle)."""

    def __init__(self, retriever: object, n_docs: int) -> None:
        self._r = retriever
        self.n_docs = n_docs

    @classmethod
    def build(cls, tokenized: list[list[str]], *, k1: float | None = None, b: float | None = None) -> BM25Index:
        """``k1``, ``b``: the module's ``K1`` and ``B`` (read when called: ``eval/tune_bm25.py`` varies them)."""
        k1, b = (K1 if k1 is None else k1), (B if b is None else b)
        import bm25s

        r = bm25s.BM25(k1=k1, b=b, method="lucene")
        # An empty token list would make bm25s drop the row; keep rows aligned with passages.
        r.index([toks or [EMPTY_TERM] for toks in tokenized], show_progress=False)
        return cls(r, len(tokenized))

    def scores(self, query_tokens: list[str]) -> npt.NDArray[np.float32]:
        """BM25 score of every passage (zeros when no query token is in the vocabulary)."""
        vocab: dict[str, int] = self._r.vocab_dict  # type: ignore[attr-defined]
        known = [t for t in query_tokens if t in vocab]
        if not known:
            return np.zeros(self.n_docs, dtype=np.float32)
        return np.asarray(self._r.get_scores(known), dtype=np.float32)  # type: ignore[attr-defined]

    def idf_table(self) -> Mapping[str, float]:
        """Lucene idf of every vocabulary term: ln(1 + (N - df + 0.5) / (df + 0.5)), computed for a term when
        it is looked up (a dictionary of every term cost seconds and hundreds of MB at a million passages)."""
        vocab: dict[str, int] = self._r.vocab_dict  # type: ignore[attr-defined]
        indptr = self._r.scores["indptr"]  # type: ignore[attr-defined]
        return IdfTable(vocab, indptr, self.n_docs)

    @property
    def params(self) -> tuple[float, float, str]:
        """(k1, b, method) the index was built with."""
        r: Any = self._r
        return float(r.k1), float(r.b), str(r.method)

    def save(self, directory: Path) -> None:
        self._r.save(str(directory), allow_pickle=False, show_progress=False)  # type: ignore[attr-defined]

    @classmethod
    def load(cls, directory: Path, n_docs: int, *, mmap: bool = True) -> BM25Index:
        """Read what ``save`` wrote; ``mmap``: its arrays memory-mapped (only the postings that questions touch
        become resident: 1.3 GB of arrays at a million passages)."""
        import bm25s

        r = bm25s.BM25.load(str(directory), allow_pickle=False, mmap=mmap, show_progress=False)
        scores = getattr(r, "scores", None)
        if isinstance(scores, dict):
            # Plain ndarray views of the mapped arrays (same memory, still mapped): bm25s slices the postings
            # of every query term, and each slice of an ``np.memmap`` runs its Python ``__array_finalize__``
            # (py-spy put it in a sixth of the search threads' samples at 16 clients; no change in requests/s
            # was measurable on the 2-core machine).
            for key, value in list(scores.items()):
                if isinstance(value, np.memmap):
                    scores[key] = np.asarray(value)
        return cls(r, n_docs)


class IdfTable(Mapping[str, float]):
    """``BM25Index.idf_table`` as a read-only mapping over bm25s' vocabulary and its postings' pointers: the
    same floats as a dictionary of every term, computed on lookup."""

    def __init__(self, vocab: dict[str, int], indptr: npt.NDArray[Any], n: int) -> None:
        self._vocab = vocab
        self._indptr = indptr
        self._n = n
        self._terms = len(indptr) - 1
        # Highlighting looks the same terms up many times per question: each idf is computed once.
        self._memo: dict[str, float] = {}

    def _id(self, term: object) -> int | None:
        i = self._vocab.get(term) if isinstance(term, str) and term else None
        return i if i is not None and i < self._terms else None

    def __getitem__(self, term: str) -> float:
        idf = self._memo.get(term)
        if idf is not None:
            return idf
        i = self._id(term)
        if i is None:
            raise KeyError(term)
        df = np.int64(self._indptr[i + 1]) - np.int64(self._indptr[i])
        idf = self._memo[term] = float(np.log1p((self._n - df + 0.5) / (df + 0.5)))
        return idf

    def get(self, term: str, default: Any = None) -> Any:
        try:
            return self[term]
        except KeyError:
            return default

    def __contains__(self, term: object) -> bool:
        return term in self._memo or self._id(term) is not None

    def __iter__(self) -> Iterator[str]:
        return (t for t in self._vocab if self._id(t) is not None)

    def __len__(self) -> int:
        return sum(1 for _ in self)
