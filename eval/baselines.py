"""Retrievers outside this project, run on the same sets and machine, so gains are not measured
against our own weakest setting.

* ``rank_bm25``: BM25Okapi from the ``rank-bm25`` library over whole paragraphs, tokenised with plain
  ``jieba.lcut`` of the original text — what a developer would write in ten lines.
* ``langchain_e5``: the common "split into fixed-size chunks, embed, FAISS" pipeline: LangChain's
  ``RecursiveCharacterTextSplitter`` (500 characters, 50 overlap) over each document, the same
  multilingual-e5-small with ``query: ``/``passage: `` prefixes, exact FAISS inner product, no script
  normalisation. Chunks that overlap a gold span count as hits.

Each baseline returns, per question, a ranked list of (doc_id, start, end) spans.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from eval.datasets import EvalSet
from index.embed.base import Embedder, vectors_key
from index.passage import Document
from index.structure import paragraphs

Span = tuple[str, int, int]
# (set, its documents as youju read them, embedder of the product's model, cache directory)
#   -> per question, ranked spans
Baseline = Callable[[EvalSet, list[Document], Embedder, Path], list[list[Span]]]
DEPTH = 10  # results per question, as for the project's retrievers


def _paragraph_units(docs: list[Document]) -> list[tuple[Span, str]]:
    return [((p.doc_id, p.start, p.end), p.text) for d in docs for p in paragraphs(d)]


def rank_bm25_run(es: EvalSet, docs: list[Document], embedder: Embedder, cache: Path) -> list[list[Span]]:
    """(The embedder and cache are unused: this baseline is lexical and cheap.)"""
    import jieba
    from rank_bm25 import BM25Okapi

    jieba.setLogLevel(logging.WARNING)
    units = _paragraph_units(docs)
    bm = BM25Okapi([jieba.lcut(t) or [""] for _, t in units])
    out = []
    for q in es.questions:
        scores = bm.get_scores(jieba.lcut(q.text))
        top = np.argsort(-scores)[:DEPTH]
        out.append([units[i][0] for i in top])
    return out


def langchain_e5_run(es: EvalSet, docs: list[Document], embedder: Embedder, cache: Path) -> list[list[Span]]:
    import faiss
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(chunk_size=500, chunk_overlap=50, add_start_index=True)
    chunks: list[tuple[Span, str]] = []
    for d in docs:
        for c in splitter.create_documents([d.text]):
            s = int(c.metadata["start_index"])
            chunks.append(((d.doc_id, s, s + len(c.page_content)), c.page_content))
    texts = [t for _, t in chunks]
    key = hashlib.sha256(("\x1e".join(texts) + vectors_key(embedder)).encode()).hexdigest()[:16]
    path = cache / f"langchain-{key}.npy"
    if path.exists():
        vecs: Any = np.load(path, allow_pickle=False)
    else:
        vecs = embedder.embed_passages(texts, progress=True)
        cache.mkdir(parents=True, exist_ok=True)
        np.save(path, vecs, allow_pickle=False)
    index = faiss.IndexFlatIP(vecs.shape[1])
    index.add(vecs)
    qv = embedder.embed_queries([q.text for q in es.questions])
    _, ids = index.search(qv, DEPTH)
    return [[chunks[i][0] for i in row if i >= 0] for row in ids]


BASELINES: dict[str, Baseline] = {"rank_bm25": rank_bm25_run, "langchain_e5": langchain_e5_run}
# The packages each baseline needs beyond youju's own (the `test` extra installs them).
NEEDS: dict[str, str] = {"rank_bm25": "rank_bm25", "langchain_e5": "langchain_text_splitters"}


def missing_package(name: str) -> str | None:
    """The package baseline ``name`` needs that is not installed, if any."""
    import importlib.util

    module = NEEDS.get(name)
    return module if module is not None and importlib.util.find_spec(module) is None else None
