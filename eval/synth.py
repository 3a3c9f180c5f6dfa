"""Synthetic corpora of any size (100 k, 1 M passages) for the scale benchmark (``eval/bench_scale.py``).

Nothing here is committed or shipped: the generated arrays live in memory or under the cache directory.

**Sources.** The real passages of the evaluation indexes under ``<cache>/eval-index/`` (built once by
``youju eval``): CMRC2018 dev (Simplified), DRCD dev (Traditional) and the multi-document corpus (the
shipped Huairou report and eight other government documents), chunked by the product (220 characters
at most), each with its real multilingual-e5-small vector. Duplicates (the same text in several
indexes) are kept once. About 5,900 passages, 23,000 sentences.

**Passages.** Each synthetic passage recombines sentences of the sources: an *anchor* source, read
from a random sentence onwards, and with probability ``MIX`` per sentence one of two *partner* sources
(a passage that drifts to a neighbouring topic); sentences are added until the passage reaches a
length drawn from the real passages' length distribution. Its lexical terms are those of its
sentences (jieba search-mode words and character bigrams, exactly as the product indexes them,
computed once per source sentence): vocabulary, term frequencies and document lengths are real.

**Vectors.** A passage's vector is the character-weighted mean of its sentences' source-passage
vectors, plus isotropic Gaussian noise of norm ``NOISE`` relative to the mean, renormalised: passages
from the same anchor form a cluster around the real vector (about 1 M / 5,900 = 170 per anchor at
1 M), partners spread them towards other real vectors, so the neighbourhood structure follows the
real embedding space (its anisotropy included) rather than uniform random vectors, which are the
easy case for an ANN index.

**Queries.** Real questions of CMRC2018 dev and DRCD dev (normalised: DRCD's Traditional converted
by the product's normaliser), embedded with the real model (``index.pipeline.make_embedder``) once and
cached under ``<cache>/synth/``; their lexical terms are computed as the product does.

Deterministic: everything is drawn from ``numpy.random.default_rng(seed)``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from index.config import Settings
from index.lexical import K1, B, JiebaTokenizer, with_bigrams
from index.normalize import Normalizer
from index.sentences import sentence_spans

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]

MIX = 0.25  # per sentence, the probability that it comes from a partner source instead of the anchor
NOISE = 0.3  # norm of the Gaussian noise relative to the (unit-ish) mixed vector: cos to the mix ~0.96
DATASETS = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"
FALLBACK_DATASETS = Path("/work/shared/datasets")


@dataclass
class Sources:
    """Real passages split into sentences, with each sentence's lexical term ids."""

    vectors: FloatArray  # [S, d] real e5 vectors of the source passages
    sent_source: IntArray  # [n_sent] source passage of each sentence
    sent_chars: IntArray  # [n_sent] characters of each sentence
    sent_first: IntArray  # [S + 1] first sentence of each source (sentences of a source are contiguous)
    term_indptr: IntArray  # [n_sent + 1] into term_ids
    term_ids: npt.NDArray[np.int32]  # lexical term ids of every sentence, concatenated
    vocab: list[str]
    passage_chars: IntArray  # [S] real passage lengths (the length distribution to draw from)


@dataclass
class Corpus:
    """A synthetic corpus: vectors, lexical terms (CSR of term ids), and the anchor of each passage."""

    vectors: FloatArray  # [N, d], L2-normalised
    term_indptr: IntArray  # [N + 1]
    term_ids: npt.NDArray[np.int32]
    vocab: list[str]
    anchor: IntArray  # [N] source passage each was built around
    chars: IntArray  # [N] characters

    @property
    def size(self) -> int:
        return len(self.vectors)


@dataclass
class Queries:
    texts: list[str]  # normalised
    vectors: FloatArray  # [Q, d]
    terms: list[list[str]]  # lexical terms as the product computes them


def _eval_index_builds(cache: Path) -> list[Path]:
    builds = []
    for root in sorted((cache / "eval-index").glob("*")):
        cur = root / "current"
        if (cur / "passages.jsonl").exists() and (cur / "vectors.npy").exists():
            builds.append(cur.resolve())
    return builds


def real_passages(settings: Settings) -> tuple[list[str], FloatArray]:
    """The distinct real passages (normalised text) of the evaluation indexes built with the settings' model,
    with their vectors, in a stable order."""
    builds = _eval_index_builds(settings.cache_dir)
    seen: set[str] = set()
    texts: list[str] = []
    vecs: list[FloatArray] = []
    model = settings.model
    for build in builds:
        manifest = json.loads((build / "manifest.json").read_text(encoding="utf-8"))
        if manifest.get("model") != model:
            continue
        v = np.load(build / "vectors.npy", allow_pickle=False)
        with (build / "passages.jsonl").open(encoding="utf-8") as f:
            for row, line in enumerate(f):
                text = json.loads(line)["norm_text"]
                if text not in seen:
                    seen.add(text)
                    texts.append(text)
                    vecs.append(v[row])
    if len(texts) < 500:
        raise RuntimeError(
            f"only {len(texts)} real passages with {model} vectors under {settings.cache_dir / 'eval-index'}; "
            "run `youju eval` once to build the evaluation indexes"
        )
    return texts, np.ascontiguousarray(np.stack(vecs), dtype=np.float32)


def load_sources(settings: Settings | None = None) -> Sources:
    """The real passages of the evaluation indexes, split into sentences and tokenised (a few seconds)."""
    return sources_from(*real_passages(settings or Settings()))


def sources_from(
    texts: list[str], vectors: FloatArray, on_sentence: Callable[[str, list[str]], None] | None = None
) -> Sources:
    """``Sources`` of passages (normalised texts, their vectors): split into sentences and tokenised.
    ``on_sentence`` is told each sentence, in order, with its jieba tokens (before the bigrams)."""
    tokenizer = JiebaTokenizer()
    vocab: dict[str, int] = {}
    sent_source: list[int] = []
    sent_chars: list[int] = []
    sent_first = [0]
    indptr = [0]
    ids: list[int] = []
    for s, text in enumerate(texts):
        spans = sentence_spans(text) or [(0, len(text))]
        for a, b in spans:
            sent = text[a:b]
            tokens = tokenizer(sent)
            for term in with_bigrams(sent, tokens):
                ids.append(vocab.setdefault(term, len(vocab)))
            indptr.append(len(ids))
            sent_source.append(s)
            sent_chars.append(b - a)
            if on_sentence is not None:
                on_sentence(sent, tokens)
        sent_first.append(len(sent_source))
    return Sources(
        vectors=vectors,
        sent_source=np.asarray(sent_source, dtype=np.int64),
        sent_chars=np.asarray(sent_chars, dtype=np.int64),
        sent_first=np.asarray(sent_first, dtype=np.int64),
        term_indptr=np.asarray(indptr, dtype=np.int64),
        term_ids=np.asarray(ids, dtype=np.int32),
        vocab=list(vocab),
        passage_chars=np.asarray([len(t) for t in texts], dtype=np.int64),
    )


def _sentence_plan(src: Sources, n: int, rng: np.random.Generator) -> tuple[IntArray, IntArray, IntArray]:
    """(sentence ids of every passage concatenated, passage indptr, anchor of each passage)."""
    n_src = len(src.sent_first) - 1
    first, chars = src.sent_first, src.sent_chars
    anchors = rng.integers(0, n_src, size=n)
    partners = rng.integers(0, n_src, size=(n, 2))
    targets = rng.choice(src.passage_chars, size=n)
    # Enough random draws for every passage's sentences (a passage rarely takes more than 12).
    starts = rng.random(n)
    out: list[int] = []
    indptr = np.zeros(n + 1, dtype=np.int64)
    for i in range(n):
        a = int(anchors[i])
        lo, hi = int(first[a]), int(first[a + 1])
        cur = lo + int(starts[i] * (hi - lo))
        total = 0
        draws = rng.random(16)
        picks = rng.integers(0, 1 << 30, size=16)
        j = 0
        while True:
            if j > 0 and draws[j % 16] < MIX:
                p = int(partners[i, j % 2])
                plo, phi = int(first[p]), int(first[p + 1])
                s = plo + int(picks[j % 16]) % (phi - plo)
            else:
                s = cur
                cur = lo + (cur - lo + 1) % (hi - lo)
            out.append(s)
            total += int(chars[s])
            j += 1
            if total >= targets[i] or j >= 16:
                break
        indptr[i + 1] = len(out)
    return np.asarray(out, dtype=np.int64), indptr, anchors.astype(np.int64)


def generate(src: Sources, n: int, seed: int = 0, chunk: int = 100_000) -> Corpus:
    """``n`` synthetic passages (deterministic for a seed)."""
    rng = np.random.default_rng(seed)
    sents, sindptr, anchors = _sentence_plan(src, n, rng)
    d = src.vectors.shape[1]
    # Lexical terms: concatenate the term ids of each passage's sentences (vectorised gather).
    lens = src.term_indptr[sents + 1] - src.term_indptr[sents]
    offsets = np.zeros(len(sents) + 1, dtype=np.int64)
    np.cumsum(lens, out=offsets[1:])
    flat_pos = np.arange(int(offsets[-1]), dtype=np.int64) - np.repeat(offsets[:-1] - src.term_indptr[sents], lens)
    term_ids = src.term_ids[flat_pos]
    del flat_pos
    term_indptr = offsets[sindptr]
    # Vectors: character-weighted mean of the sentences' source vectors, plus noise, per chunk of passages.
    vectors = np.empty((n, d), dtype=np.float32)
    sent_w = src.sent_chars[sents].astype(np.float32)
    sent_src = src.sent_source[sents]
    owner = np.repeat(np.arange(n, dtype=np.int64), np.diff(sindptr))
    for lo in range(0, n, chunk):
        hi = min(n, lo + chunk)
        a, b = int(sindptr[lo]), int(sindptr[hi])
        mix = np.zeros((hi - lo, d), dtype=np.float32)
        np.add.at(mix, owner[a:b] - lo, src.vectors[sent_src[a:b]] * sent_w[a:b, None])
        mix /= np.linalg.norm(mix, axis=1, keepdims=True)
        noise = rng.normal(size=(hi - lo, d)).astype(np.float32)
        noise *= NOISE / np.linalg.norm(noise, axis=1, keepdims=True)
        mix += noise
        mix /= np.linalg.norm(mix, axis=1, keepdims=True)
        vectors[lo:hi] = mix
    chars = np.add.reduceat(src.sent_chars[sents], sindptr[:-1]) if n else np.zeros(0, np.int64)
    return Corpus(vectors, term_indptr, term_ids, src.vocab, anchors, chars.astype(np.int64))


def _squad_questions(path: Path) -> list[str]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return [qa["question"] for art in data["data"] for par in art["paragraphs"] for qa in par["qas"]]


def datasets_dir() -> Path:
    return DATASETS if DATASETS.is_dir() else FALLBACK_DATASETS


def load_queries(n: int, seed: int = 0, settings: Settings | None = None) -> Queries:
    """``n`` real questions (half CMRC2018 dev, half DRCD dev), normalised, embedded with the real model
    (once; cached under ``<cache>/synth/``), with their lexical terms."""
    settings = settings or Settings()
    normalizer = Normalizer()
    rng = np.random.default_rng(seed)
    texts: list[str] = []
    for name, share in (("cmrc2018_dev.json", n // 2), ("DRCD_dev.json", n - n // 2)):
        qs = _squad_questions(datasets_dir() / name)
        pick = rng.choice(len(qs), size=min(share, len(qs)), replace=False)
        texts += [normalizer(qs[int(i)]) for i in pick]
    key = hashlib.sha256(("\x1e".join(texts) + settings.model).encode()).hexdigest()[:16]
    cache = settings.cache_dir / "synth" / f"questions-{key}.npy"
    if cache.exists():
        vectors = np.load(cache, allow_pickle=False)
    else:
        from index.pipeline import make_embedder

        vectors = make_embedder(settings).embed_queries(texts)
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.save(cache, vectors, allow_pickle=False)
    tokenizer = JiebaTokenizer()
    terms = [with_bigrams(t, tokenizer(t)) for t in texts]
    return Queries(texts, np.ascontiguousarray(vectors, dtype=np.float32), terms)


def bm25_arrays(corpus: Corpus, k1: float = K1, b: float = B, chunk: int = 50_000) -> dict[str, Any]:
    """bm25s's precomputed score matrix (method ``lucene``: idf ln(1 + (N - df + 0.5) / (df + 0.5)), term
    weight tf / (tf + k1 (1 - b + b dl / avgdl))) as CSC arrays by term, built with numpy/scipy in
    seconds where ``bm25s.BM25.index`` over Python token lists would take minutes at 1 M passages.
    Equal to bm25s's own to float precision (tests/eval/test_synth.py)."""
    import scipy.sparse as sp

    n, v = corpus.size, len(corpus.vocab)
    dl = np.diff(corpus.term_indptr).astype(np.float32)
    avgdl = float(dl.mean()) if n else 1.0
    rows: list[IntArray] = []
    cols: list[npt.NDArray[np.int32]] = []
    tfs: list[npt.NDArray[np.float32]] = []
    for lo in range(0, n, chunk):
        hi = min(n, lo + chunk)
        a, z = int(corpus.term_indptr[lo]), int(corpus.term_indptr[hi])
        doc = np.repeat(np.arange(lo, hi, dtype=np.int64), np.diff(corpus.term_indptr[lo : hi + 1]))
        keys, counts = np.unique(doc * v + corpus.term_ids[a:z], return_counts=True)
        rows.append(keys // v)
        cols.append((keys % v).astype(np.int32))
        tfs.append(counts.astype(np.float32))
    row = np.concatenate(rows)
    col = np.concatenate(cols)
    tf = np.concatenate(tfs)
    del rows, cols, tfs
    df = np.bincount(col, minlength=v).astype(np.float32)
    idf = np.log1p((n - df + 0.5) / (df + 0.5)).astype(np.float32)
    score = idf[col] * tf / (tf + k1 * (1 - b + b * dl[row] / avgdl))
    del tf
    # rows are sorted by document: CSR directly, then scipy's O(nnz) conversion to CSC (postings by term).
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(row, minlength=n), out=indptr[1:])
    del row
    csc = sp.csr_matrix((score.astype(np.float32), col, indptr), shape=(n, v)).tocsc()
    return {
        "data": csc.data.astype(np.float32),
        "indices": csc.indices.astype(np.int32),
        "indptr": csc.indptr.astype(np.int64),
        "num_docs": n,
    }


def bm25s_retriever(corpus: Corpus, k1: float = K1, b: float = B) -> Any:
    """A ``bm25s.BM25`` (lucene) whose scores are ``bm25_arrays``; saves and loads like one bm25s built."""
    import bm25s

    r = bm25s.BM25(k1=k1, b=b, method="lucene")
    r.scores = bm25_arrays(corpus, k1, b)
    r.vocab_dict = {t: i for i, t in enumerate(corpus.vocab)}
    r.unique_token_ids_set = set(r.vocab_dict.values())
    r.nonoccurrence_array = None  # lucene needs none
    return r


def token_lists(corpus: Corpus, limit: int | None = None) -> list[list[str]]:
    """Passages as lists of term strings (what ``BM25Index.build`` takes), for the first ``limit``."""
    n = corpus.size if limit is None else min(limit, corpus.size)
    voc = corpus.vocab
    ptr, ids = corpus.term_indptr, corpus.term_ids
    return [[voc[t] for t in ids[ptr[i] : ptr[i + 1]].tolist()] for i in range(n)]
