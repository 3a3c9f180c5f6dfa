"""Wiring: settings -> embedder, builder and searcher. The CLI, the service and the evaluation start here."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from index import answerability, dictionary, embed, readers, rerank, store
from index.build import BuildReport, build_index
from index.chunk import ChunkConfig
from index.config import Settings
from index.embed.base import Embedder
from index.embed.threads import apply_torch_threads
from index.search import Searcher

# The two paths through the core, stage by stage, as (stage, the code that does it). docs/architecture.md
# draws them (``python -m index.docgen``) and a test imports every name, so the picture cannot drift.
FILE_FLOW: tuple[tuple[str, str], ...] = (
    ("file", "index.ingest.read_corpus"),
    ("read (one reader per format)", "index.readers.base.Reader"),
    ("structure: sections, paragraphs", "index.structure.paragraphs"),
    ("chunk into passages", "index.chunk.passages"),
    ("normalise", "index.build.normalize_passages"),
    ("embed", "index.embed.base.Embedder"),
    ("index (storage backend)", "index.backends.base.SearchBackend.build"),
    ("write beside, switch atomically", "index.store.activate"),
)
QUESTION_FLOW: tuple[tuple[str, str], ...] = (
    ("question", "index.search.validate_query"),
    ("normalise + tokenise", "index.search.Searcher.analyze"),
    ("retrieve candidates", "index.backends.base.SearchBackend.candidates"),
    ("fuse", "index.fusion.fuse"),
    ("rerank", "index.rerank.base.Reranker"),
    ("one per paragraph", "index.search.Searcher.rank"),
    ("decide: answered?", "index.search.Searcher.decide"),
    ("present: merge, highlight, cite", "index.search.Searcher.search"),
    ("answer", "index.records.Answer"),
)


def set_threads(threads: int) -> None:
    """CPU threads for the encoder (torch or onnxruntime) and FAISS (0 = number of cores). Imports no torch:
    a torch model loaded later gets the same count (``index.embed.threads``)."""
    n = threads or (os.cpu_count() or 1)
    import faiss

    from index.embed.threads import set_threads as set_encoder_threads

    set_encoder_threads(n)
    faiss.omp_set_num_threads(n)


@lru_cache(maxsize=2)
def _reranker(name: str, cache_dir: Path) -> rerank.Reranker | None:
    def e5_dir() -> Path:
        from index.embed.models import DEFAULT_MODEL_ID, resolve_model_path

        return Path(resolve_model_path(DEFAULT_MODEL_ID, cache_dir))

    reranker = rerank.create(name, e5_dir)
    apply_torch_threads()  # a torch reranker may be the first torch model of the process
    return reranker


def make_reranker(settings: Settings) -> rerank.Reranker | None:
    """The configured reranker, loaded once per process (``None`` when ``YOUJU_RERANKER=none``)."""
    return _reranker(settings.reranker, settings.cache_dir)


def make_embedder(settings: Settings) -> Embedder:
    """One embedder per (model, encoder, prefixes) per process: the model is loaded once."""
    return embed.create(
        settings.model,
        settings.cache_dir,
        settings.query_prefix,
        settings.passage_prefix,
        settings.embed_batch_size,
        settings.encoder,
    )


def build_corpus(
    settings: Settings,
    corpus_dir: Path,
    index_dir: Path,
    embedder: Embedder,
    *,
    force: bool = False,
    progress: bool = False,
) -> BuildReport:
    """Build (or refresh) the index of ``corpus_dir`` in ``index_dir`` with the settings' pipeline."""
    return build_index(
        corpus_dir,
        index_dir,
        embedder,
        passage_prefix=embedder.passage_prefix,
        query_prefix=embedder.query_prefix,
        ann_kind=settings.ann,
        backend=settings.backend,
        chunking=ChunkConfig(settings.chunk_max_chars, settings.chunk_min_chars),
        keep_builds=settings.keep_builds,
        dictionary=dictionary.load_dir(settings.dictionary_dir),
        force=force,
        progress=progress,
        readers=readers.configured(ocr=settings.ocr, max_pdf_pages=settings.max_pdf_pages),
    )


def build(settings: Settings, *, force: bool = False, progress: bool = False) -> BuildReport:
    """Build (or refresh) the configured corpus into the configured index."""
    return build_corpus(
        settings, settings.corpus_dir, settings.index_dir, make_embedder(settings), force=force, progress=progress
    )


def searcher_for(settings: Settings, index: store.LoadedIndex, embedder: Embedder) -> Searcher:
    """A searcher of a loaded index configured by the settings (answer decision, reranker, limits)."""
    return Searcher(
        index,
        embedder,
        answerability=answerability.create(settings.answerability, settings.no_answer_threshold),
        reranker=make_reranker(settings),
        max_query_chars=settings.max_query_chars,
        max_top_k=settings.max_top_k,
        answer_cache=settings.answer_cache_size,
    )


def open_searcher(settings: Settings, index_dir: Path | None = None) -> Searcher:
    """The searcher of the live index under ``index_dir`` (default: the settings'), model loaded once."""
    return searcher_for(settings, store.load(index_dir or settings.index_dir), make_embedder(settings))
