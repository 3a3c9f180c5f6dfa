"""Build (or refresh) an index: read -> structure -> chunk -> normalise -> tokenise -> embed -> index ->
write -> switch."""

from __future__ import annotations

import hashlib
import json
import logging
import resource
import shutil
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from index import ann, lexical, presentation, selfcheck, store, structure
from index.backends import backend_class
from index.checkpoint import PART_SIZE, EmbeddingCheckpoint
from index.chunk import ChunkConfig
from index.dictionary import EMPTY as EMPTY_DICTIONARY
from index.dictionary import Dictionary
from index.embed.base import Embedder
from index.errors import CorpusError, IndexCorruptError, IndexNotFoundError
from index.ingest import CorpusRead, Skipped, corpus_files, iter_passages, read_corpus, with_passage_counts
from index.lexical import BIGRAMS, JiebaTokenizer, Tokenizer, with_bigrams
from index.normalize import Normalizer
from index.passage import Document, Passage, text_hash
from index.readers import READERS, Reader
from index.records import FileReport

log = logging.getLogger("youju.build")


def youju_version() -> str:
    try:
        return version("youju")
    except PackageNotFoundError:
        return "0+unknown"


def index_text(p: Passage) -> str:
    """What is matched for a passage: its innermost heading (context) and its text."""
    return f"{p.section[-1]}：{p.text}" if p.section else p.text


def normalize_passages(passages: list[Passage], normalizer: Callable[[str], str]) -> list[Passage]:
    return [replace(p, norm_text=normalizer(index_text(p))) for p in passages]


def corpus_fingerprint(documents: list[Document], chunking: ChunkConfig, normalizer_name: str) -> str:
    h = hashlib.sha256()
    for d in sorted(documents, key=lambda d: d.doc_id):
        h.update(f"{d.doc_id}\x1f{d.sha256}\x1f{json.dumps(d.metadata, sort_keys=True, default=str)}\n".encode())
        h.update(d.title.encode())
    h.update(json.dumps(asdict(chunking), sort_keys=True).encode())
    h.update(normalizer_name.encode())
    h.update(f"structure/{structure.VERSION}".encode())
    h.update(f"bm25/{lexical.K1}/{lexical.B}".encode())  # the lexical index's parameters are stored in its arrays
    return h.hexdigest()


@dataclass(frozen=True)
class BuildReport:
    build_dir: Path
    documents: int
    passages: int
    embedded: int  # passages embedded now (the rest came from the cache)
    reused: int
    skipped: list[Skipped]
    seconds: float
    up_to_date: bool = False
    files: list[FileReport] = field(default_factory=list)  # what happened to every file of the corpus
    collection: str | None = None  # the engine's collection it was published to (YOUJU_BACKEND=qdrant)


def _cached_vectors(root: Path, model: str, passage_prefix: str) -> dict[str, npt.NDArray[np.float32]]:
    """Vectors of the live build keyed by (normalised text) hash, when built by the same model."""
    try:
        m, passages, vectors = store.load_vectors(root)
    except (IndexNotFoundError, IndexCorruptError):
        return {}
    if m.model != model or m.passage_prefix != passage_prefix:
        return {}
    return {text_hash(p.norm_text): vectors[i] for i, p in enumerate(passages)}


def _embed_resumably(
    embedder: Embedder,
    passages: list[Passage],
    todo: list[int],
    vectors: npt.NDArray[np.float32],
    checkpoint: EmbeddingCheckpoint,
    progress: bool,
) -> None:
    """Embed ``passages[todo]`` into ``vectors`` in parts of PART_SIZE, each written to the checkpoint as
    soon as it is done (a crashed build resumes from there); the bar shows passages/s and the time left."""
    from tqdm import tqdm

    with tqdm(total=len(todo), unit="passage", desc="embedding", disable=not progress, smoothing=0.1) as bar:
        for at in range(0, len(todo), PART_SIZE):
            part = todo[at : at + PART_SIZE]
            got = embedder.embed_passages([passages[i].norm_text for i in part])
            vectors[part] = got
            checkpoint.add([text_hash(passages[i].norm_text) for i in part], vectors[part])
            bar.update(len(part))


def build_index(
    corpus_dir: Path,
    index_root: Path,
    embedder: Embedder,
    *,
    passage_prefix: str,
    query_prefix: str,
    ann_kind: str = "auto",
    backend: str = "embedded",
    chunking: ChunkConfig | None = None,
    normalizer: Normalizer | None = None,
    tokenizer: Tokenizer | None = None,
    dictionary: Dictionary = EMPTY_DICTIONARY,
    keep_builds: int = 2,
    force: bool = False,
    progress: bool = False,
    readers: tuple[Reader, ...] = READERS,
) -> BuildReport:
    t0 = time.perf_counter()
    chunking = chunking or ChunkConfig()
    normalizer = normalizer or Normalizer()
    tokenizer = tokenizer or JiebaTokenizer(words=dictionary.normalized(normalizer).words)
    read = _read_with_progress(corpus_dir, index_root, readers, progress)
    documents, skipped = read.documents, read.skipped
    for s in skipped:
        log.warning("skipped %s: %s", s.path, s.reason)
    if not documents:
        why = "; ".join(f"{s.path}: {s.reason}" for s in skipped[:5])
        raise CorpusError(f"no readable document in {corpus_dir}" + (f" ({why})" if why else ""))
    fingerprint = corpus_fingerprint(documents, chunking, normalizer.name)

    if not force:
        try:
            live = store.read_manifest(store.resolve(index_root))
            if (
                live.corpus_fingerprint == fingerprint
                and live.model == embedder.model_id
                and live.ann == ann.resolve(ann_kind, live.passage_count)
                and live.backend == backend
                and live.tokenizer == getattr(tokenizer, "name", type(tokenizer).__name__) + BIGRAMS
                and live.passage_prefix == passage_prefix
                and live.dictionary.get("version", EMPTY_DICTIONARY.version) == dictionary.version
            ):
                counts = {f.get("document_id") or "": int(f.get("passages", 0)) for f in live.files}
                return BuildReport(
                    store.resolve(index_root),
                    live.document_count,
                    live.passage_count,
                    0,
                    live.passage_count,
                    skipped,
                    time.perf_counter() - t0,
                    up_to_date=True,
                    files=with_passage_counts(read.files, counts),
                )
        except (IndexNotFoundError, IndexCorruptError):
            pass

    passages = normalize_passages(list(iter_passages(documents, chunking)), normalizer)
    if not passages:
        raise CorpusError(f"the documents in {corpus_dir} hold no body text to index")

    checkpoint = EmbeddingCheckpoint(index_root, embedder.model_id, passage_prefix, embedder.dimension)
    cache = _cached_vectors(index_root, embedder.model_id, passage_prefix)
    resumed = checkpoint.load()
    cache.update(resumed)
    vectors = np.zeros((len(passages), embedder.dimension), dtype=np.float32)
    todo: list[int] = []
    for i, p in enumerate(passages):
        v = cache.get(text_hash(p.norm_text))
        if v is not None and v.shape[0] == embedder.dimension:
            vectors[i] = v
        else:
            todo.append(i)
    by_id = {d.doc_id: d for d in documents}

    def lexical_side() -> tuple[list[list[str]], list[dict[str, Any]]]:
        """Every passage's BM25 terms and stored presentation (sentences with their matching form and terms)."""
        words = [tokenizer(p.norm_text) for p in passages]
        terms = [with_bigrams(p.norm_text, w) for p, w in zip(passages, words, strict=True)]
        return terms, presentation.compute(by_id, passages, normalizer, tokenizer, words)

    # The lexical side is computed while the encoder embeds: the encoder (torch) leaves the interpreter lock
    # while it multiplies, and the Python work (jieba, OpenCC) then runs in its pauses. On 2 cores, 3.5 s of
    # such work beside 7.7 s of embedding took 9.0 s together instead of 11.3 s. The passage encoder is
    # loaded first, alone: loading is Python work too (imports, building the model), and beside the lexical
    # side it took 7.1 s, alone 5.0 s (a fresh-process build of 1,000 DRCD paragraphs), all of it before the
    # first passage was embedded.
    prepare: Callable[[], object] | None = getattr(embedder, "prepare_passages", None)
    if todo and prepare is not None:
        prepare()
    with ThreadPoolExecutor(1, thread_name_prefix="youju-lexical") as side:
        lexical_future = side.submit(lexical_side)
        if todo:
            log.info(
                "embedding %d passages (%d reused, %d of them from an interrupted build)",
                len(todo),
                len(passages) - len(todo),
                len(resumed),
            )
            _embed_resumably(embedder, passages, todo, vectors, checkpoint, progress)
        terms, presentation_rows = lexical_future.result()

    built_kind = ann.resolve(ann_kind, len(passages))
    search_backend = backend_class(backend).build(vectors, terms, ann=built_kind)
    per_doc: dict[str, int] = {}
    for p in passages:
        per_doc[p.doc_id] = per_doc.get(p.doc_id, 0) + 1
    files = with_passage_counts(read.files, per_doc)

    now = datetime.now(UTC)
    build_id = now.strftime("%Y%m%dT%H%M%S%fZ") + "-" + fingerprint[:8]
    manifest = store.Manifest(
        format_version=store.FORMAT_VERSION,
        build_id=build_id,
        model=embedder.model_id,
        dimension=embedder.dimension,
        query_prefix=query_prefix,
        passage_prefix=passage_prefix,
        normalizer=normalizer.name,
        tokenizer=getattr(tokenizer, "name", type(tokenizer).__name__) + BIGRAMS,
        ann=built_kind,
        ann_params=search_backend.ann_params,
        corpus_fingerprint=fingerprint,
        document_count=len(documents),
        passage_count=len(passages),
        chunking=asdict(chunking),
        built_at=now.isoformat(timespec="seconds"),
        build_seconds=round(time.perf_counter() - t0, 3),
        youju_version=youju_version(),
        skipped=[asdict(s) for s in skipped],
        peak_rss_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        backend=backend,
        files=[f.to_json() for f in files],
        dictionary=dictionary.to_json(),
    )

    def write_presentation(build_dir: Path) -> None:
        presentation.write_rows(
            build_dir, presentation_rows, normalizer.name, getattr(tokenizer, "name", type(tokenizer).__name__)
        )

    final = store.write_build(
        index_root, manifest, documents, passages, vectors, search_backend, extra=write_presentation
    )
    try:
        # As it will be read: each sampled passage found by its own vector and terms, and its vector the
        # model's vector of its text.
        selfcheck.check(store.load(final), tokenizer, embed_passages=embedder.embed_passages)
    except IndexCorruptError:
        shutil.rmtree(final, ignore_errors=True)  # never goes live; the current build keeps serving
        raise
    store.activate(index_root, final, keep=keep_builds)
    checkpoint.clear()  # its vectors are in the live build now
    return BuildReport(
        final,
        len(documents),
        len(passages),
        len(todo),
        len(passages) - len(todo),
        skipped,
        time.perf_counter() - t0,
        files=files,
    )


def _read_with_progress(corpus_dir: Path, index_root: Path, readers: tuple[Reader, ...], progress: bool) -> CorpusRead:
    """Read the corpus, reusing the live build's documents of unchanged files; a bar per file when asked."""
    reuse = store.load_documents(index_root)
    if not progress:
        return read_corpus(corpus_dir, readers=readers, reuse=reuse)
    from tqdm import tqdm

    bar = tqdm(total=len(corpus_files(corpus_dir)), unit="file", desc="reading", leave=True)
    try:

        def step(path: str) -> None:
            bar.set_postfix_str(path[-40:], refresh=False)
            bar.update(1)

        return read_corpus(corpus_dir, readers=readers, reuse=reuse, on_file=step)
    finally:
        bar.close()
