"""Wiring: settings -> embedder, builder and searcher. The CLI, the service and the evaluation start here."""

from __future__ import annotations

import os
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from index import answerability, dictionary, embed, readers, rerank, store
from index.build import BuildReport, build_index
from index.chunk import ChunkConfig
from index.config import Settings
from index.embed.base import Embedder
from index.embed.threads import apply_torch_threads
from index.errors import IndexCorruptError, IndexNotFoundError, InvalidParameterError
from index.search import Searcher

if TYPE_CHECKING:  # the client is imported only in the qdrant mode
    from qdrant_client import QdrantClient

    from index.engine_store import Progress

# The backend of the local build: always files (the source of an engine's build, and the embedding cache).
LOCAL_BACKEND = "embedded"

# The two paths through the core, stage by stage, as (stage, the code that does it). docs/architecture.md
# draws them (``python -m index.docgen``) and a test imports every name, so the picture cannot drift.
FILE_FLOW: tuple[tuple[str, str], ...] = (
    ("file", "index.ingest.read_corpus"),
    ("read (one reader per format)", "index.readers.base.Reader"),
    ("structure: sections, paragraphs", "index.structure.paragraphs"),
    ("chunk into passages", "index.chunk.passages"),
    ("normalise", "index.build.normalize_passages"),
    ("embed", "index.embed.base.Embedder"),
    ("index (storage backend)", "index.backends.base.FileBackend.build"),
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


def set_threads(threads: int, idle: int = 0) -> None:
    """CPU threads for the encoder (torch or onnxruntime) and FAISS (0 = number of cores); ``idle``: threads
    of an ONNX question encoder's second session, for questions embedded while no other call runs (0: none).
    Imports no torch: a torch model loaded later gets the same count (``index.embed.threads``)."""
    n = threads or (os.cpu_count() or 1)
    import faiss

    from index.embed.threads import set_threads as set_encoder_threads

    set_encoder_threads(n, idle)
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
        settings.query_encoder,
        settings.embed_precision,
    )


def build_corpus(
    settings: Settings,
    corpus_dir: Path,
    index_dir: Path,
    embedder: Embedder,
    *,
    force: bool = False,
    progress: bool = False,
    on_publish: Progress | None = None,
) -> BuildReport:
    """Build (or refresh) the index of ``corpus_dir`` in ``index_dir`` with the settings' pipeline. The local
    build is always an embedded one (the source, and the embedding cache of the next build); with
    ``YOUJU_BACKEND=qdrant`` it is then published into the engine unless the engine's live build is already
    this one (``on_publish`` is told the upload's progress)."""
    report = build_index(
        corpus_dir,
        index_dir,
        embedder,
        passage_prefix=embedder.passage_prefix,
        query_prefix=embedder.query_prefix,
        ann_kind=settings.ann,
        backend=LOCAL_BACKEND,
        chunking=ChunkConfig(settings.chunk_max_chars, settings.chunk_min_chars),
        keep_builds=settings.keep_builds,
        dictionary=dictionary.load_dir(settings.dictionary_dir),
        force=force,
        progress=progress,
        readers=readers.configured(ocr=settings.ocr, max_pdf_pages=settings.max_pdf_pages),
    )
    if settings.backend == "qdrant":
        return replace(report, collection=publish_build(settings, report.build_dir, progress=on_publish))
    return report


def build(
    settings: Settings, *, force: bool = False, progress: bool = False, on_publish: Progress | None = None
) -> BuildReport:
    """Build (or refresh) the configured corpus into the configured index (and engine); passages embedded by
    ``embed_processes`` worker processes when more than one."""
    embedder = make_embedder(settings)
    pooled = None
    if settings.embed_processes > 1:
        from index.embed.pool import PooledEmbedder

        args = {
            "model": settings.model,
            "cache_dir": str(settings.cache_dir),
            "query_prefix": settings.query_prefix,
            "passage_prefix": settings.passage_prefix,
            "batch_size": settings.embed_batch_size,
            "encoder": settings.encoder,
            "precision": settings.embed_precision,
        }
        embedder = pooled = PooledEmbedder(embedder, settings.embed_processes, args)
    try:
        return build_corpus(
            settings,
            settings.corpus_dir,
            settings.index_dir,
            embedder,
            force=force,
            progress=progress,
            on_publish=on_publish,
        )
    finally:
        if pooled is not None:
            pooled.close()


# ------------------------------------------------------------------------------------ search engine


def engine_url(settings: Settings, url: str | None = None) -> str:
    """``url``, else YOUJU_BACKEND_URL; InvalidParameterError when neither is given."""
    found = url or settings.backend_url
    if not found:
        raise InvalidParameterError(
            "no search engine given: set YOUJU_BACKEND_URL (http(s)://host:port, or a local directory)"
        )
    return found


def engine_client(settings: Settings, url: str | None = None) -> QdrantClient:
    """The process's one client of the engine (qdrant-client's local mode allows one per directory)."""
    from index.backends.qdrant import connect

    key = settings.backend_api_key.get_secret_value() if settings.backend_api_key is not None else None
    return connect(engine_url(settings, url), key)


def publish_build(
    settings: Settings,
    build_dir: Path,
    *,
    url: str | None = None,
    progress: Progress | None = None,
    batch_size: int | None = None,
) -> str:
    """Upload a finished local build into the engine and make it live there (``index.engine_store.publish``);
    returns the collection."""
    from index import engine_store

    return engine_store.publish(
        engine_client(settings, url),
        settings.backend_collection,
        store.resolve(build_dir),
        keep=settings.keep_builds,
        progress=progress,
        batch_size=batch_size or engine_store.BATCH,
        replication_factor=settings.backend_replication_factor,
    )


def load_index(settings: Settings, index_dir: Path | None = None) -> store.LoadedIndex:
    """The live build: from the engine with ``YOUJU_BACKEND=qdrant`` (unless ``index_dir`` names a local index),
    else from ``index_dir`` (default: the settings')."""
    if settings.backend == "qdrant" and index_dir is None:
        from index import engine_store

        where = f"qdrant at {settings.backend_url}"
        return engine_store.load_engine(engine_client(settings), settings.backend_collection, source=where)
    return store.load(index_dir or settings.index_dir)


def live_build_id(settings: Settings) -> str | None:
    """The id of the build that is live now (cheap; what a service polls, every ``backend_poll_seconds``, to
    switch to a new build without a restart); None when there is none."""
    if settings.backend == "qdrant":
        from index import engine_store

        return engine_store.live_build_id(engine_client(settings), settings.backend_collection)
    try:
        return store.read_manifest(store.resolve(settings.index_dir)).build_id
    except (IndexNotFoundError, IndexCorruptError):
        return None


def searcher_for(settings: Settings, index: store.LoadedIndex, embedder: Embedder) -> Searcher:
    """A searcher of a loaded index configured by the settings (answer decision, reranker, limits)."""
    return Searcher(
        index,
        embedder,
        answerability=answerability.create(
            settings.answerability, settings.no_answer_threshold, settings.questions_encoder()
        ),
        reranker=make_reranker(settings),
        max_query_chars=settings.max_query_chars,
        max_top_k=settings.max_top_k,
        answer_cache=settings.answer_cache_size,
    )


def open_searcher(settings: Settings, index_dir: Path | None = None) -> Searcher:
    """The searcher of the live build, model loaded once: the production factory for both backends (the
    engine's live build with ``YOUJU_BACKEND=qdrant``, else the index under ``index_dir``, default the
    settings'; ``load_index``)."""
    return searcher_for(settings, load_index(settings, index_dir), make_embedder(settings))
