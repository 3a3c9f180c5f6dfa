"""Run retrievers over an evaluation set with the product's own pipeline (``index.pipeline``: the same
build, searcher and answer decision as the CLI and the service, configured by the same settings)."""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from eval.datasets import EvalSet, Question
from eval.metrics import mrr_at, ndcg_at, percentile, recall_at
from index import fusion, store
from index.config import Settings
from index.embed.base import Embedder, vectors_key
from index.pipeline import build_corpus, searcher_for
from index.search import Searcher

# name -> (fusion method, dense weight or None for the default)
RETRIEVERS: dict[str, tuple[fusion.Method, float | None]] = {
    "bm25": ("bm25", None),
    "dense": ("dense", None),
    "rrf": ("rrf", None),
    "hybrid": ("convex", None),
}
DEPTH = 10


@dataclass
class QuestionResult:
    question: Question
    retriever: str
    relevant: list[bool]  # per ranked result
    top_rows: list[int]  # rows of the index's passages, best first
    top_docs: list[str]  # their documents
    answered: bool  # the product's answer decision (Searcher.decide)
    confidence: float
    seconds: float


@dataclass
class SetRun:
    evalset: EvalSet
    searcher: Searcher
    build_seconds: float
    results: dict[str, list[QuestionResult]] = field(default_factory=dict)


def index_for(
    evalset: EvalSet, settings: Settings, embedder: Embedder, *, progress: bool = False
) -> tuple[Path, float]:
    """Build (or reuse) the set's index under the cache directory; returns (root, build seconds)."""
    # Keyed by corpus and model, not by set name: DRCD with Traditional and with tw2sp questions share one.
    tag = hashlib.sha256(f"{evalset.corpus_dir.resolve()}|{vectors_key(embedder)}".encode()).hexdigest()[:10]
    root = settings.cache_dir / "eval-index" / f"{evalset.corpus_dir.name}-{tag}"
    report = build_corpus(settings, evalset.corpus_dir, root, embedder, progress=progress)
    seconds = report.seconds if not report.up_to_date else float(store.read_manifest(report.build_dir).build_seconds)
    return root, seconds


def query_vectors(embedder: Embedder, searcher: Searcher, texts: list[str], cache: Path) -> np.ndarray[Any, Any]:
    normed = [searcher.normalizer(t) for t in texts]
    key = hashlib.sha256(("\x1e".join(normed) + vectors_key(embedder, queries=True)).encode()).hexdigest()[:16]
    path = cache / f"queries-{key}.npy"
    if path.exists():
        cached: np.ndarray[Any, Any] = np.load(path, allow_pickle=False)
        return cached
    vecs = embedder.embed_queries(normed)
    cache.mkdir(parents=True, exist_ok=True)
    # Written beside and renamed: another evaluation reading the cache meanwhile never sees half a file.
    tmp = cache / f".{path.name}.{os.getpid()}.tmp"
    with open(tmp, "wb") as f:
        np.save(f, vecs, allow_pickle=False)
    os.replace(tmp, path)
    return vecs


def span_relevance(q: Question, spans: list[tuple[str, int, int]]) -> list[bool]:
    """Per ranked span: does it cover a gold span that no earlier result covered? A second result with
    the same answer (overlapping chunks, say) gains nothing, so nDCG stays within [0, 1]."""
    covered: set[int] = set()
    out = []
    for doc_id, start, end in spans:
        hits = {i for i, g in enumerate(q.gold) if g.doc_id == doc_id and start < g.end and g.start < end}
        out.append(bool(hits - covered))
        covered |= hits
    return out


def relevance(searcher: Searcher, q: Question, rows: list[int]) -> list[bool]:
    ps = [searcher.index.passages[row] for row in rows]
    return span_relevance(q, [(p.doc_id, p.start, p.end) for p in ps])


def open_set(
    evalset: EvalSet, settings: Settings, embedder: Embedder, *, progress: bool = False
) -> tuple[Searcher, float, np.ndarray[Any, Any]]:
    """(searcher of the set's index, build seconds, query vectors of the set's questions)."""
    root, build_seconds = index_for(evalset, settings, embedder, progress=progress)
    searcher = searcher_for(settings, store.load(root), embedder)
    vecs = query_vectors(embedder, searcher, [q.text for q in evalset.questions], settings.cache_dir / "eval-queries")
    return searcher, build_seconds, vecs


def open_resolved(
    evalset: EvalSet, settings: Settings, embedder: Embedder, *, progress: bool = False
) -> tuple[EvalSet, Searcher, float, np.ndarray[Any, Any]]:
    """``open_set``, and the set with its gold located in the documents as indexed."""
    searcher, seconds, vecs = open_set(evalset, settings, embedder, progress=progress)
    return evalset.resolved(searcher.index.documents), searcher, seconds, vecs


def run_set(
    evalset: EvalSet,
    settings: Settings,
    embedder: Embedder,
    retrievers: dict[str, tuple[fusion.Method, float | None]] = RETRIEVERS,
    *,
    progress: bool = False,
) -> SetRun:
    evalset, searcher, build_seconds, vecs = open_resolved(evalset, settings, embedder, progress=progress)
    run = SetRun(evalset, searcher, build_seconds)
    for name, (method, weight) in retrievers.items():
        rows: list[QuestionResult] = []
        for q, v in zip(evalset.questions, vecs, strict=True):
            t0 = time.perf_counter()
            ranked = searcher.rank(q.text, query_vector=v, depth=DEPTH, method=method, dense_weight=weight)
            dt = time.perf_counter() - t0
            decision = searcher.decide(q.text, ranked)
            rel = relevance(searcher, q, ranked.rows)
            docs = [searcher.index.passages[r].doc_id for r in ranked.rows]
            rows.append(QuestionResult(q, name, rel, ranked.rows, docs, decision.answered, decision.confidence, dt))
        run.results[name] = rows
    return run


def summarize(rows: list[QuestionResult]) -> dict[str, float]:
    answerable = [r for r in rows if r.question.gold]
    unanswerable = [r for r in rows if not r.question.gold]
    out: dict[str, float] = {"questions": len(rows), "answerable": len(answerable)}
    if answerable:
        for k in (1, 5, 10):
            out[f"R@{k}"] = float(np.mean([recall_at(r.relevant, k) for r in answerable]))
        out["MRR@10"] = float(np.mean([mrr_at(r.relevant, 10) for r in answerable]))
        out["nDCG@10"] = float(
            np.mean([ndcg_at(r.relevant, len({(g.doc_id, g.start) for g in r.question.gold}), 10) for r in answerable])
        )
        if len({g.doc_id for r in answerable for g in r.question.gold}) > 1 and all(r.top_docs for r in answerable):
            # The first result comes from a document that answers the question (many-document sets).
            out["doc@1"] = float(np.mean([r.top_docs[0] in {g.doc_id for g in r.question.gold} for r in answerable]))
    if unanswerable:
        said_no = [not r.answered for r in rows]
        truly_no = [not r.question.gold for r in rows]
        tp = sum(a and b for a, b in zip(said_no, truly_no, strict=True))
        out["no-answer precision"] = tp / max(1, sum(said_no))
        out["no-answer recall"] = tp / max(1, sum(truly_no))
        # Share of all questions whose answered / not-answered decision is right.
        out["no-answer accuracy"] = sum(a == b for a, b in zip(said_no, truly_no, strict=True)) / len(rows)
    lat = [r.seconds * 1000 for r in rows]
    out["latency p50 ms"] = percentile(lat, 0.5)
    out["latency p95 ms"] = percentile(lat, 0.95)
    return out
