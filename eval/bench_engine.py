"""The engine mode (Qdrant) at scale on one machine: a synthetic corpus written as a real local build,
published into Qdrant, loaded back as a replica loads it (issue 13: "memory and latency of the engine mode at
100 k synthetic passages", memory per million passages, QPS per replica core).

    python -m eval.bench_engine --passages 100000 [--queries 200] [--engine-queries 100] \
        [--out docs/performance-engine.md]

In one run:

1. **Corpus.** ``N`` synthetic passages (``eval/synth.py``: sentences of the real evaluation passages
   recombined, vectors synthesised around their real e5 vectors, lexical terms as the product computes them
   per sentence). Each passage's text is its sentences' text; 100 passages make a document (its text the
   passages joined by newlines, one block and one paragraph per passage).
2. **Local build.** ``index.store.write_build`` with ``EmbeddedBackend`` (``flat``: exact, so the embedded and
   engine candidates are comparable; BM25 from ``synth.bm25s_retriever``, equal to bm25s's own index of the
   same terms) and a ``presentation.json`` in the product's format (each source sentence normalised and
   tokenised once, reused wherever it recurs).
3. **Publish** (``index.engine_store.publish``) into qdrant-client's local mode in a temporary directory:
   seconds, passages/s, RSS before/after, on-disk size.
4. **Candidates**: ``EmbeddedBackend`` and ``QdrantBackend`` ``candidates()`` at the searcher's depth
   (``fusion.CANDIDATES``) over the same real questions: p50/p95, overlap of the candidate sets and of the
   fused top 10.
5. **Replica**: in a fresh process each, ``store.load`` of the local build and ``engine_store.load_engine``
   (connect first: in local mode the *engine* then lives in the process; the replica's growth is measured
   from there): load seconds, RSS growth, and full ``Searcher.search`` times with a stand-in embedder that
   returns the questions' cached real e5 vectors (no model in the loop; the torch encoder's measured query
   time is added for QPS).

qdrant-client's local mode is a pure-Python engine (no HNSW: exhaustive dense scoring in numpy, sparse scoring
in Python over every point); its latency is an upper bound and says nothing of a Qdrant server's. What the
replica holds (passages, documents, presentation, vocabulary; no vectors) is the same whatever the engine.

Writes the Markdown report (``--out``) and the raw figures beside it (``.json``). Work files go under a
temporary directory (``--work`` to keep them).
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from eval import synth
from eval.metrics import percentile
from index import ann, engine_store, fusion, presentation, store
from index.backends.embedded import EmbeddedBackend
from index.backends.qdrant import connect, disconnect
from index.config import Settings
from index.dictionary import EMPTY
from index.lexical import BIGRAMS, BM25Index, JiebaTokenizer
from index.normalize import Normalizer
from index.passage import Block, Document, Passage

FloatArray = npt.NDArray[np.float32]
DEPTH = fusion.CANDIDATES  # what Searcher.rank asks the backend for
TOP = 10
PER_DOC = 100  # passages per synthetic document
PREFIX = "youju"
# The torch query encoder (multilingual-e5-small, fp32, batch 1) on this machine: docs/performance-encoder.md.
ENCODER_MS = 23.2
ENCODER_SOURCE = "docs/performance-encoder.md (torch, query p50, batch 1)"


def rss_mb() -> float:
    """Current resident set size of this process."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 2**20


def _lat(times: Sequence[float]) -> dict[str, float]:
    ms = [t * 1000 for t in times]
    return {"p50_ms": round(percentile(ms, 0.5), 3), "p95_ms": round(percentile(ms, 0.95), 3), "n": len(ms)}


def _dir_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20


# ---------------------------------------------------------------------------------------------- sources
@dataclass
class Text:
    """The source sentences' texts (aligned with ``Sources.sent_*``) and what presentation stores of each."""

    sentences: list[str]
    shown: list[tuple[str, list[str]]]  # (matching form, tokens in first-occurrence order)


def real_sources(settings: Settings) -> tuple[list[str], FloatArray]:
    """The real passages (normalised text) and vectors ``synth.load_sources`` reads, in its order."""
    return synth.real_passages(settings)


def sources_of(texts: list[str], vectors: FloatArray) -> tuple[synth.Sources, Text]:
    """``synth.Sources`` of real passages (``synth.sources_from``, as ``synth.load_sources``) with the texts of
    their sentences, and each sentence's matching form and terms for ``presentation.json``."""
    tokenizer = JiebaTokenizer()
    normalizer = Normalizer()
    sentences: list[str] = []
    shown: list[tuple[str, list[str]]] = []

    def keep(sent: str, tokens: list[str]) -> None:
        sentences.append(sent)
        norm = normalizer(sent)
        shown.append((norm, list(dict.fromkeys(tokens if norm == sent else tokenizer(norm)))))

    return synth.sources_from(texts, vectors, keep), Text(sentences, shown)


# ------------------------------------------------------------------------------------------ local build
def compact(corpus: synth.Corpus) -> synth.Corpus:
    """The corpus with its vocabulary cut to the terms it uses (a build's vocabulary holds no unused term)."""
    used, inverse = np.unique(corpus.term_ids, return_inverse=True)
    vocab = [corpus.vocab[int(i)] for i in used]
    return synth.Corpus(
        corpus.vectors, corpus.term_indptr, inverse.astype(np.int32), vocab, corpus.anchor, corpus.chars
    )


def write_local_build(
    root: Path,
    src: synth.Sources,
    text: Text,
    n: int,
    seed: int,
    model: str,
    timings: dict[str, float],
    ann_kind: str = "flat",
) -> tuple[Path, list[list[str]], synth.Corpus]:
    """A real youju build directory of ``n`` synthetic passages; returns it, the passages' lexical terms and
    the corpus. ``ann_kind``: the dense index, resolved as ``youju build`` resolves it (``auto``: ``ivf`` from
    100 k passages); ``flat`` here, so that the engine's exact candidates compare with the embedded ones."""
    t0 = time.perf_counter()
    corpus = compact(synth.generate(src, n, seed=seed))
    # The same sentence plan generate() drew (its first use of a fresh generator with this seed).
    sents, sindptr, _ = synth._sentence_plan(src, n, np.random.default_rng(seed))
    timings["generate_s"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    normalizer, tokenizer = Normalizer(), JiebaTokenizer()
    documents: list[Document] = []
    passages: list[Passage] = []
    shown_rows: list[dict[str, Any]] = []
    for d0 in range(0, n, PER_DOC):
        doc_id = f"synth-{d0 // PER_DOC:06d}"
        title = f"合成文档{d0 // PER_DOC + 1}"
        parts: list[str] = []
        blocks: list[Block] = []
        pos = 0
        for i in range(d0, min(n, d0 + PER_DOC)):
            rows = sents[sindptr[i] : sindptr[i + 1]].tolist()
            body = "".join(text.sentences[s] for s in rows)
            start, end = pos, pos + len(body)
            passages.append(Passage(doc_id, title, (title,), i - d0 + 1, start, end, body, start, end, norm_text=body))
            blocks.append(Block(start, end))
            off = 0
            found: list[list[Any]] = []
            terms: list[str] = []
            for s in rows:
                norm, toks = text.shown[s]
                found.append([off, off + len(text.sentences[s]), norm, toks])
                terms += toks
                off += len(text.sentences[s])
            shown_rows.append({"terms": list(dict.fromkeys(terms)), "sentences": found})
            parts.append(body)
            pos = end + 1
        documents.append(
            Document(doc_id, f"synth/{doc_id}.txt", "\n".join(parts), title, {"year": 2024}, blocks=tuple(blocks))
        )
    terms_of = synth.token_lists(corpus)
    timings["records_s"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    kind = ann.resolve(ann_kind, n)
    dense = ann.create(kind, corpus.vectors.shape[1])
    dense.add(corpus.vectors)
    backend = EmbeddedBackend(corpus.vectors, dense, BM25Index(synth.bm25s_retriever(corpus), n))
    timings["index_s"] = time.perf_counter() - t0

    now = datetime.now(UTC)
    fingerprint = hashlib.sha256(f"synth-{n}-{seed}".encode()).hexdigest()
    manifest = store.Manifest(
        format_version=store.FORMAT_VERSION,
        build_id=now.strftime("%Y%m%dT%H%M%S%fZ") + "-" + fingerprint[:8],
        model=model,
        dimension=int(corpus.vectors.shape[1]),
        query_prefix="query: ",
        passage_prefix="passage: ",
        normalizer=normalizer.name,
        tokenizer=tokenizer.name + BIGRAMS,
        ann=kind,
        ann_params=backend.ann_params,
        corpus_fingerprint=fingerprint,
        document_count=len(documents),
        passage_count=n,
        chunking={"max_chars": 220},
        built_at=now.isoformat(timespec="seconds"),
        build_seconds=0.0,
        youju_version="bench",
        dictionary=EMPTY.to_json(),
    )

    def write_presentation(build_dir: Path) -> None:
        presentation.write_rows(build_dir, shown_rows, normalizer.name, tokenizer.name)

    t0 = time.perf_counter()
    final = store.write_build(root, manifest, documents, passages, corpus.vectors, backend, extra=write_presentation)
    timings["write_s"] = time.perf_counter() - t0
    return final, terms_of, corpus


# ------------------------------------------------------------------------------------------ candidates
def _fused_top(c: Any) -> list[int]:
    if not len(c.ids):
        return []
    fused = fusion.fuse(c.dense, c.lexical)
    return [int(i) for i in c.ids[np.argsort(-fused, kind="stable")[:TOP]]]


def compare_candidates(embedded: Any, engine: Any, queries: synth.Queries, limit: int) -> dict[str, Any]:
    """p50/p95 of both backends' ``candidates()`` over the same questions, and how far they agree."""
    emb_t: list[float] = []
    eng_t: list[float] = []
    jaccard: list[float] = []
    same_top: list[bool] = []
    top_overlap: list[float] = []
    embedded.candidates(queries.vectors[0], queries.terms[0], DEPTH)  # warm
    engine.candidates(queries.vectors[0], queries.terms[0], DEPTH)
    for i in range(len(queries.texts)):
        t0 = time.perf_counter()
        a = embedded.candidates(queries.vectors[i], queries.terms[i], DEPTH)
        emb_t.append(time.perf_counter() - t0)
        if i >= limit:
            continue
        t0 = time.perf_counter()
        b = engine.candidates(queries.vectors[i], queries.terms[i], DEPTH)
        eng_t.append(time.perf_counter() - t0)
        sa, sb = set(a.ids.tolist()), set(b.ids.tolist())
        jaccard.append(len(sa & sb) / max(1, len(sa | sb)))
        ta, tb = _fused_top(a), _fused_top(b)
        same_top.append(ta == tb)
        top_overlap.append(len(set(ta) & set(tb)) / max(1, len(ta)))
    return {
        "embedded": _lat(emb_t),
        "engine": _lat(eng_t),
        "compared": len(jaccard),
        "candidate_jaccard_mean": round(float(np.mean(jaccard)), 4),
        "candidates_identical_share": round(float(np.mean([j == 1.0 for j in jaccard])), 4),
        "top10_identical_share": round(float(np.mean(same_top)), 4),
        "top10_overlap_mean": round(float(np.mean(top_overlap)), 4),
    }


# ------------------------------------------------------------------------------------------ replica
class CachedEmbedder:
    """Returns the real e5 vectors already computed for the benchmark's questions (no model in the loop)."""

    encoder = "cached"

    def __init__(self, model_id: str, texts: list[str], vectors: FloatArray) -> None:
        self.model_id = model_id
        self.dimension = int(vectors.shape[1])
        self.query_prefix = "query: "
        self.passage_prefix = "passage: "
        normalizer = Normalizer()
        self._by_text = {normalizer(t): v for t, v in zip(texts, vectors, strict=True)}
        self.misses = 0

    def embed_queries(self, texts: list[str]) -> FloatArray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for i, t in enumerate(texts):
            v = self._by_text.get(t)
            if v is None:
                self.misses += 1
                v = np.zeros(self.dimension, dtype=np.float32)
                v[hash(t) % self.dimension] = 1.0
            out[i] = v
        return out

    def embed_passages(self, texts: list[str], *, progress: bool = False) -> FloatArray:
        return self.embed_queries(texts)


def _timed(fn: Callable[..., Any], sink: list[float]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kw: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return fn(*args, **kw)
        finally:
            sink.append(time.perf_counter() - t0)

    return wrapper


def measure_replica(mode: str, build: Path, engine: Path, queries_file: Path, limit: int) -> dict[str, Any]:
    """In this (fresh) process: load the build as a replica would (``embedded``: ``store.load`` of the local
    build; ``engine``: connect to the local-mode engine, then ``load_engine``), then full searches."""
    from index.search import Searcher

    gc.collect()
    out: dict[str, Any] = {"mode": mode, "rss_start_mb": round(rss_mb(), 1)}
    if mode == "engine":
        t0 = time.perf_counter()
        client = connect(str(engine))
        client.get_collections()
        out["engine_open_s"] = round(time.perf_counter() - t0, 2)
        gc.collect()
        out["rss_engine_mb"] = round(rss_mb(), 1)  # local mode: the engine's data now sits in this process
        base = rss_mb()
        t0 = time.perf_counter()
        index = engine_store.load_engine(client, PREFIX, source=f"qdrant local {engine}")
    else:
        base = rss_mb()
        t0 = time.perf_counter()
        index = store.load(build)
    out["load_s"] = round(time.perf_counter() - t0, 2)
    gc.collect()
    out["rss_index_mb"] = round(rss_mb() - base, 1)
    q = json.loads(queries_file.read_text(encoding="utf-8"))
    vectors = np.load(queries_file.with_suffix(".npy"), allow_pickle=False)
    embedder = CachedEmbedder(index.manifest.model, q["texts"], vectors)
    t0 = time.perf_counter()
    searcher = Searcher(index, embedder)
    out["searcher_s"] = round(time.perf_counter() - t0, 2)
    gc.collect()
    out["rss_searcher_mb"] = round(rss_mb() - base, 1)
    cand: list[float] = []
    setattr(index.backend, "candidates", _timed(index.backend.candidates, cand))  # noqa: B010
    texts = q["texts"][:limit]
    searcher.search(texts[0])  # warm
    cand.clear()
    full: list[float] = []
    rest: list[float] = []
    for t in texts:
        before = len(cand)
        t0 = time.perf_counter()
        searcher.search(t)
        full.append(time.perf_counter() - t0)
        rest.append(full[-1] - sum(cand[before:]))
    out["full"] = _lat(full)
    out["candidates"] = _lat(cand)
    out["rest"] = _lat(rest)
    out["embed_misses"] = embedder.misses
    out["rss_end_mb"] = round(rss_mb(), 1)
    return out


def _replica(mode: str, build: Path, engine: Path, queries_file: Path, limit: int) -> dict[str, Any]:
    cmd = [
        sys.executable,
        "-m",
        "eval.bench_engine",
        "--replica",
        mode,
        "--build",
        str(build),
        "--engine",
        str(engine),
        "--queries-file",
        str(queries_file),
        "--limit",
        str(limit),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"replica measurement ({mode}) failed:\n{done.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# ------------------------------------------------------------------------------------------ the run
def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def run(
    n: int,
    src: synth.Sources,
    text: Text,
    queries: synth.Queries,
    model: str,
    work: Path,
    *,
    seed: int = 0,
    engine_queries: int = 100,
    search_queries: int = 50,
) -> dict[str, Any]:
    """Everything for one corpus size; returns the figures."""
    res: dict[str, Any] = {"passages": n, "queries": len(queries.texts)}
    timings: dict[str, float] = {}
    gc.collect()
    r0 = rss_mb()
    build, terms, corpus = write_local_build(work / "index", src, text, n, seed, model, timings)
    res["corpus"] = {
        "mean_chars": round(float(corpus.chars.mean()), 1),
        "mean_terms": round(float(np.diff(corpus.term_indptr).mean()), 1),
        "vocabulary": len(corpus.vocab),
        "documents": (n + PER_DOC - 1) // PER_DOC,
    }
    res["build"] = {k: round(v, 2) for k, v in timings.items()}
    res["build"]["rss_growth_mb"] = round(rss_mb() - r0, 1)
    res["build"]["dir_mb"] = round(_dir_mb(build), 1)
    res["build"]["files_mb"] = {
        p.name: round(_dir_mb(p) if p.is_dir() else p.stat().st_size / 2**20, 1) for p in sorted(build.iterdir())
    }
    _log(f"build {n}: {json.dumps(res['build'])}")
    embedded = store.load(build).backend
    del corpus
    gc.collect()

    engine_dir = work / "qdrant"
    url = str(engine_dir)
    gc.collect()
    r0 = rss_mb()
    client = connect(url)
    t0 = time.perf_counter()
    collection = engine_store.publish(client, PREFIX, build, terms=terms)
    publish_s = time.perf_counter() - t0
    del terms
    gc.collect()
    res["publish"] = {
        "collection": collection,
        "seconds": round(publish_s, 2),
        "passages_per_s": round(n / publish_s, 1),
        "rss_before_mb": round(r0, 1),
        "rss_after_mb": round(rss_mb(), 1),
        "disk_mb": round(_dir_mb(engine_dir), 1),
    }
    _log(f"publish {n}: {json.dumps(res['publish'])}")
    loaded = engine_store.load_collection(client, collection)
    res["candidates"] = compare_candidates(embedded, loaded.backend, queries, engine_queries)
    _log(f"candidates {n}: {json.dumps(res['candidates'])}")
    del loaded, embedded
    disconnect(url)
    gc.collect()

    qfile = work / "queries.json"
    qfile.write_text(json.dumps({"texts": queries.texts}, ensure_ascii=False), encoding="utf-8")
    np.save(qfile.with_suffix(".npy"), queries.vectors, allow_pickle=False)
    res["replica"] = {}
    for mode, limit in (("embedded", len(queries.texts)), ("engine", search_queries)):
        res["replica"][mode] = _replica(mode, build, engine_dir, qfile, limit)
        _log(f"replica {mode} {n}: {json.dumps(res['replica'][mode])}")
    res["sizing"] = sizing(res)
    return res


def sizing(res: dict[str, Any]) -> dict[str, float]:
    """Linear extrapolations from the measured figures."""
    n = res["passages"]
    eng = res["replica"]["engine"]
    emb = res["replica"]["embedded"]
    per_m = 1_000_000 / n
    rest = eng["rest"]["p50_ms"]
    files = res["build"]["files_mb"]
    arrays = sum(files.get(k, 0.0) for k in ("vectors.npy", "dense.faiss", "bm25"))
    # The embedded load holds the same passages, documents and presentation as load_engine's result, plus the
    # arrays (vectors, FAISS, BM25), whose in-memory size is their file size.
    replica = emb["rss_index_mb"] - arrays
    return {
        "replica_mb": round(replica, 1),
        "replica_mb_per_million": round(replica * per_m, 0),
        "local_replica_mb_per_million": round(eng["rss_index_mb"] * per_m, 0),
        "embedded_mb_per_million": round(emb["rss_searcher_mb"] * per_m, 0),
        "local_engine_mb_per_million": round((eng["rss_engine_mb"] - eng["rss_start_mb"]) * per_m, 0),
        "engine_disk_mb_per_million": round(res["publish"]["disk_mb"] * per_m, 0),
        "replica_ms": round(ENCODER_MS + rest, 2),
        "qps_per_replica_core": round(1000 / (ENCODER_MS + rest), 1),
        "qps_per_replica_core_cached_vector": round(1000 / rest, 1) if rest > 0 else 0.0,
        "qps_local_mode_in_process": round(1000 / (ENCODER_MS + eng["full"]["p50_ms"]), 2),
        "qps_embedded_core": round(1000 / (ENCODER_MS + emb["full"]["p50_ms"]), 1),
    }


# ------------------------------------------------------------------------------------------ report
def machine() -> dict[str, str]:
    from importlib.metadata import version

    import bm25s
    import qdrant_client  # noqa: F401

    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kb / 2**20:.1f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return {
        "cpus": str(os.cpu_count()),
        "cpu": cpu,
        "memory": mem,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "qdrant-client": version("qdrant-client"),
        "numpy": np.__version__,
        "bm25s": bm25s.__version__,
    }


def report(results: list[dict[str, Any]], info: dict[str, Any]) -> str:
    m = info["machine"]
    out = [
        "# Engine mode (Qdrant) at scale",
        "",
        f"Measured by `{info['command']}` on {info['date']}, in one run, on this machine: {m['cpus']} cores "
        f"({m['cpu']}), {m['memory']}, {m['platform']}. Versions: python {m['python']}, qdrant-client "
        f"{m['qdrant-client']}, numpy {m['numpy']}, bm25s {m['bm25s']}. Medians and p95 are of one run. "
        f"{info.get('note', '')}".rstrip(),
        "",
        "**Read this first.** The engine here is qdrant-client's *local mode* (a directory, in-process): a "
        "pure-Python engine with no HNSW, exhaustive dense scoring in numpy and sparse (BM25) scoring in Python "
        "over every point. Its latencies and memory are an upper bound for the engine and say nothing of a "
        "Qdrant server (Rust, HNSW, inverted sparse index), which was not measured. What *is* representative is "
        "the replica: what `load_engine` holds (passages, documents, presentation, vocabulary; no vectors; its "
        "size estimated from the embedded load, see Sizing, since in local mode the replica shares its strings "
        "with the engine in the same process) and the searcher's own work around `candidates()`.",
        "",
        "Corpus: synthetic passages from `eval/synth.py` (real CMRC2018/DRCD/multi-document sentences "
        "recombined; vectors synthesised around their real multilingual-e5-small vectors; lexical terms as the "
        f"product computes them, per sentence), {PER_DOC} passages to a document, written as a real local build "
        "(`store.write_build`: `flat` dense index, BM25, `presentation.json`) and published with "
        "`engine_store.publish`. Questions: real CMRC2018/DRCD dev questions with their cached real e5 vectors.",
        "",
    ]
    for r in results:
        n = r["passages"]
        b, p, c, s = r["build"], r["publish"], r["candidates"], r["sizing"]
        emb, eng = r["replica"]["embedded"], r["replica"]["engine"]
        co = r["corpus"]
        out += [
            f"## {n:,} passages",
            "",
            f"{co['documents']:,} documents, {co['mean_chars']} characters and {co['mean_terms']} lexical terms "
            f"per passage on average, {co['vocabulary']:,} distinct terms.",
            "",
            "### Build and publish",
            "",
            "| step | seconds | notes |",
            "|---|---:|---|",
            f"| generate (synth.generate + sentence plan) | {b['generate_s']} | |",
            f"| passages, documents, presentation rows | {b['records_s']} | |",
            f"| flat + BM25 index | {b['index_s']} | BM25 from `synth.bm25s_retriever` |",
            f"| `store.write_build` | {b['write_s']} | build directory {b['dir_mb']:.0f} MB |",
            f"| `engine_store.publish` (local mode) | {p['seconds']} | **{p['passages_per_s']:,.0f} passages/s**; "
            f"RSS {p['rss_before_mb']:.0f} → {p['rss_after_mb']:.0f} MB; on disk {p['disk_mb']:.0f} MB |",
            "",
            "Build directory files (MB): " + ", ".join(f"`{k}` {v}" for k, v in b["files_mb"].items()) + ".",
            "",
            f"### `candidates()` (k = {DEPTH}, `fusion.CANDIDATES`, as `Searcher.rank` asks)",
            "",
            "| backend | questions | p50 ms | p95 ms |",
            "|---|---:|---:|---:|",
            f"| embedded (FAISS `flat` + bm25s arrays) | {c['embedded']['n']} | {c['embedded']['p50_ms']} "
            f"| {c['embedded']['p95_ms']} |",
            f"| qdrant, local mode (exhaustive, pure Python) | {c['engine']['n']} | {c['engine']['p50_ms']} "
            f"| {c['engine']['p95_ms']} |",
            "",
            f"Agreement over {c['compared']} questions: fused top {TOP} identical (same rows, same order) for "
            f"**{c['top10_identical_share']:.1%}**, top-{TOP} overlap {c['top10_overlap_mean']:.4f}; candidate sets "
            f"identical for {c['candidates_identical_share']:.1%}, mean Jaccard {c['candidate_jaccard_mean']:.4f}.",
            "",
            "### What a replica holds (fresh process each)",
            "",
            "| load | load s | RSS growth, index MB | RSS growth, + searcher MB | full search p50 ms | p95 ms "
            "| of which candidates p50 ms | rest p50 ms | questions |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
            f"| `store.load` of the local build (embedded: vectors, FAISS, BM25 in the process) | {emb['load_s']} "
            f"| {emb['rss_index_mb']:.0f} | {emb['rss_searcher_mb']:.0f} | {emb['full']['p50_ms']} "
            f"| {emb['full']['p95_ms']} | {emb['candidates']['p50_ms']} | {emb['rest']['p50_ms']} "
            f"| {emb['full']['n']} |",
            f"| `load_engine` (replica: passages, documents, presentation, vocabulary; no vectors) | {eng['load_s']} "
            f"| {eng['rss_index_mb']:.0f} | {eng['rss_searcher_mb']:.0f} | {eng['full']['p50_ms']} "
            f"| {eng['full']['p95_ms']} | {eng['candidates']['p50_ms']} | {eng['rest']['p50_ms']} "
            f"| {eng['full']['n']} |",
            "",
            f"The local-mode engine itself, opened in the replica's process before `load_engine`: "
            f"{eng['engine_open_s']} s, RSS {eng['rss_start_mb']:.0f} → {eng['rss_engine_mb']:.0f} MB (pure-Python "
            "objects; not what a Qdrant server would use). Full searches use a stand-in embedder returning the "
            "questions' cached real e5 vectors, so they exclude the encoder; no reranker.",
            "",
            "### Sizing (linear extrapolation from this size)",
            "",
            "| figure | value | how |",
            "|---|---:|---|",
            f"| replica memory per million passages (estimate) | **{s['replica_mb_per_million']:,.0f} MB** | "
            f"RSS growth of `store.load` ({emb['rss_index_mb']:.0f} MB) minus its arrays (`vectors.npy`, "
            f"`dense.faiss`, `bm25`: their file sizes) = {s['replica_mb']:.0f} MB of passages, documents and "
            f"presentation at {n:,}, × {1_000_000 / n:g}: the objects `load_engine` builds |",
            f"| `load_engine`'s RSS growth per million, local mode | {s['local_replica_mb_per_million']:,.0f} MB | "
            "an underestimate: local mode deep-copies payloads, and a deep copy shares the strings (texts, "
            "sentences, terms) with the engine's objects in the same process; against a server the replica owns "
            "them |",
            f"| embedded process per million passages (for comparison) | {s['embedded_mb_per_million']:,.0f} MB | "
            "`store.load` + `Searcher`, flat index in RAM |",
            f"| local-mode engine per million passages (not a server's) | {s['local_engine_mb_per_million']:,.0f} MB "
            "| RSS of opening the local directory |",
            f"| local-mode storage per million passages | {s['engine_disk_mb_per_million']:,.0f} MB | on-disk "
            "size of the directory |",
            f"| replica CPU per question | {s['replica_ms']} ms | encoder {ENCODER_MS} ms ({ENCODER_SOURCE}) + "
            "full search minus `candidates()` (p50) |",
            f"| **QPS per replica core** | **{s['qps_per_replica_core']}** | 1 / replica CPU per question; the "
            "engine's search runs on the engine's cores, its network round trip is not included |",
            f"| QPS per replica core, encoder excluded | {s['qps_per_replica_core_cached_vector']} | 1 / (full "
            "search minus `candidates()`) |",
            f"| QPS of one core running replica + local-mode engine | {s['qps_local_mode_in_process']} | 1 / "
            "(encoder + full search in local mode): a lower bound, the pure-Python engine dominates |",
            f"| QPS per core, embedded mode (for comparison) | {s['qps_embedded_core']} | 1 / (encoder + embedded "
            "full search with the `flat` index) |",
            "",
        ]
    out += [
        "## Not measured here",
        "",
        "* A Qdrant server (HNSW dense search, inverted sparse index, its memory and latency, the HTTP/gRPC "
        "round trip from a replica): local mode cannot stand for it.",
        "* The real encoder inside the timed search (its cost is taken from the encoder benchmark, measured on "
        "this machine when it was not shared).",
        "* Passages' own `norm_text` tokenised whole: terms are the sentences' terms (as `eval/synth.py` makes "
        "them), passed to `publish` as a build that just ran passes them.",
        "",
    ]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--passages", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=200, help="real questions (half CMRC2018, half DRCD)")
    ap.add_argument(
        "--engine-queries", type=int, default=100, help="of those, asked of the local-mode engine's candidates()"
    )
    ap.add_argument("--search-queries", type=int, default=50, help="full searches over the engine-loaded replica")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=Path("docs/performance-engine.md"))
    ap.add_argument("--work", type=Path, default=None, help="keep the build and the engine directory here")
    ap.add_argument("--replica", choices=("embedded", "engine"), default=None, help=argparse.SUPPRESS)
    ap.add_argument("--build", type=Path, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--engine", type=Path, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--queries-file", type=Path, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--limit", type=int, default=50, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.replica is not None:
        result = measure_replica(args.replica, args.build, args.engine, args.queries_file, args.limit)
        print(json.dumps(result))
        return 0

    t0 = time.perf_counter()
    settings = Settings()
    texts, vectors = real_sources(settings)
    src, text = sources_of(texts, vectors)
    queries = synth.load_queries(args.queries, seed=args.seed, settings=settings)
    _log(f"{len(texts)} source passages, {len(text.sentences)} sentences; {time.perf_counter() - t0:.1f} s")
    work = args.work or Path(tempfile.mkdtemp(prefix="youju-bench-engine-"))
    try:
        result = run(
            args.passages,
            src,
            text,
            queries,
            settings.model,
            work,
            seed=args.seed,
            engine_queries=args.engine_queries,
            search_queries=args.search_queries,
        )
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    argv_shown = " ".join(sys.argv[1:]) if argv is None else " ".join(argv)
    info = {
        "command": f"python -m eval.bench_engine {argv_shown}".strip(),
        "date": datetime.now(UTC).date().isoformat(),
        "machine": machine(),
        "sources": {"passages": len(texts), "sentences": len(text.sentences)},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report([result], info), encoding="utf-8")
    args.out.with_suffix(".json").write_text(
        json.dumps({**info, "results": [result]}, indent=2, ensure_ascii=False), encoding="utf-8"
    )
    print(report([result], info))
    return 0


if __name__ == "__main__":
    sys.exit(main())
