"""The product's own loader at scale: a real build directory of N synthetic passages, loaded in a fresh
process by ``index.store.load`` and searched by ``index.search.Searcher`` (issue 10: "1 M passages: p95 ≤ 50
ms for retrieval, resident memory ≤ 4 GiB, dense recall@10 ≥ 0.95 of exact, index loads in ≤ 10 s").

    python -m eval.bench_product --passages 100000 [--queries 300] [--work DIR] [--out FILE.json]

1. **Build.** ``eval.bench_engine.write_local_build``: the synthetic passages of ``eval/synth.py`` (real
   sentences recombined, vectors synthesised around their real e5 vectors, lexical terms as the product
   computes them) written through the product's own writers (``store.write_build`` with ``EmbeddedBackend``,
   ``presentation.write_rows``), so the directory holds exactly the files ``youju build`` writes; the dense
   index is the one ``ann=auto`` picks (``ivf`` from 100 k passages). The vectors are synthetic, so no
   passage is embedded with the model.
2. **Exact neighbours** of the questions (real CMRC2018/DRCD dev questions with their cached real e5 vectors,
   ``synth.load_queries``), by exact inner product over every vector, for the recall of the chosen ANN.
3. **Serve**, in a fresh process: ``store.load`` of the build and ``Searcher`` with a stand-in embedder that
   returns each question's precomputed vector (the encoder is not measured), then the self-check the
   service runs before serving (``index/selfcheck.py``, without the model comparison): the *load* time is
   the wall time to that point, a searcher ready to answer. Then every question is searched twice
   (``Searcher.search``, top 5): the first pass (cold: the memory-mapped pages a question touches are read
   from the page cache or disk) and the second (warm) give p50/p95. Resident memory is read from
   ``/proc/self/statm`` after the questions (mapped file pages that were touched count). Recall@10: the
   share of the exact top 10 in the top 10 of the build's own dense index (``backend.dense``).

Prints one JSON object per size and writes them to ``--out``. Work files go under
``<cache>/synth/product-<N>/`` unless ``--work`` says where.
"""

from __future__ import annotations

import argparse
import gc
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import faiss
import numpy as np
import numpy.typing as npt

from eval import synth
from eval.bench_engine import CachedEmbedder, Text, real_sources, sources_of, write_local_build
from eval.bench_scale import _lat, _recall, peak_rss_mb, rss_mb
from index import selfcheck, store
from index.config import Settings
from index.lexical import JiebaTokenizer

K = 10
Sources = tuple[synth.Sources, Text]
TOP_K = 5  # results per question, as the widget asks
EXACT_BATCH = 64


def exact_top(vectors: npt.NDArray[np.float32], queries: npt.NDArray[np.float32], k: int = K) -> npt.NDArray[np.int64]:
    """The exact top ``k`` rows of every question by inner product."""
    flat = faiss.IndexFlatIP(vectors.shape[1])
    flat.add(np.ascontiguousarray(vectors))
    out = np.zeros((len(queries), k), dtype=np.int64)
    for at in range(0, len(queries), EXACT_BATCH):
        _, ids = flat.search(queries[at : at + EXACT_BATCH], k)
        out[at : at + EXACT_BATCH] = ids
    return out


def prepare(
    n: int, work: Path, sources: Sources, queries: synth.Queries, model: str, *, seed: int = 0, ann_kind: str = "auto"
) -> dict[str, Any]:
    """Write the build of ``n`` passages, the questions and their exact neighbours under ``work``."""
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    src, text = sources
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    build, _, corpus = write_local_build(work / "index", src, text, n, seed, model, timings, ann_kind=ann_kind)
    timings["total_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    exact = exact_top(corpus.vectors, queries.vectors)
    timings["exact_s"] = time.perf_counter() - t0
    np.save(work / "exact.npy", exact, allow_pickle=False)
    (work / "queries.json").write_text(json.dumps({"texts": queries.texts}, ensure_ascii=False), encoding="utf-8")
    np.save(work / "queries.npy", queries.vectors, allow_pickle=False)
    files = {
        p.name: round(
            sum(f.stat().st_size for f in p.rglob("*") if f.is_file()) / 2**20
            if p.is_dir()
            else p.stat().st_size / 2**20,
            1,
        )
        for p in sorted(build.iterdir())
    }
    return {
        "build": str(build),
        "write": {k: round(v, 1) for k, v in timings.items()},
        "files_mb": files,
        "peak_rss_writer_mb": round(peak_rss_mb(), 1),
    }


def serve(build: Path, work: Path) -> dict[str, Any]:
    """In this (fresh) process: load the build as the service does, answer every question twice."""
    from index.search import Searcher

    gc.collect()
    out: dict[str, Any] = {"rss_start_mb": round(rss_mb(), 1)}
    q = json.loads((work / "queries.json").read_text(encoding="utf-8"))
    qvec = np.load(work / "queries.npy", allow_pickle=False)
    exact = np.load(work / "exact.npy", allow_pickle=False)
    JiebaTokenizer()("预热")  # jieba's dictionary: a process-wide cost, not the index's
    out["rss_before_load_mb"] = round(rss_mb(), 1)
    t0 = time.perf_counter()
    index = store.load(build)
    out["store_load_s"] = round(time.perf_counter() - t0, 2)
    searcher = Searcher(index, CachedEmbedder(index.manifest.model, q["texts"], qvec))
    out["searcher_s"] = round(time.perf_counter() - t0 - out["store_load_s"], 2)
    selfcheck.check(index, searcher.tokenizer, bigrams=True)
    out["load_s"] = round(time.perf_counter() - t0, 2)
    out["rss_loaded_mb"] = round(rss_mb(), 1)
    out["ann"] = index.manifest.ann
    out["ann_params"] = index.manifest.ann_params
    out["passages"] = len(index.passages)
    out["lazy"] = bool(getattr(index.passages, "lazy", False))
    for label in ("cold", "warm"):
        times: list[float] = []
        for t in q["texts"]:
            t1 = time.perf_counter()
            searcher.search(t, TOP_K)
            times.append(time.perf_counter() - t1)
        out[label] = _lat(times)
    out["rss_after_questions_mb"] = round(rss_mb(), 1)
    out["peak_rss_mb"] = round(peak_rss_mb(), 1)
    dense: Any = getattr(index.backend, "dense")  # noqa: B009 - the embedded backend's ANN
    ids = np.zeros((len(qvec), K), dtype=np.int64)
    for i in range(len(qvec)):
        _, row = dense.search(qvec[i : i + 1], K)
        ids[i] = row[0]
    out["recall@10"] = round(_recall(ids, exact), 4)
    out["questions"] = len(q["texts"])
    return out


def run(
    n: int,
    work: Path,
    sources: Sources | None,
    queries: synth.Queries,
    model: str,
    *,
    seed: int = 0,
    ann_kind: str = "auto",
    reuse: bool = False,
) -> dict[str, Any]:
    """Build under ``work`` (``reuse``: serve the build already there), then serve it in a fresh process;
    returns the figures."""
    res: dict[str, Any] = {"passages": n}
    if reuse:  # the newest build written there (the benchmark's writer does not switch ``current``)
        builds = sorted(p for p in (work / "index" / store.BUILDS).glob("*") if not p.name.startswith("."))
        if not builds:
            raise ValueError(f"no build to reuse under {work / 'index'}")
        res["build"] = str(builds[-1])
    else:
        if sources is None:
            raise ValueError("building needs the sources")
        res.update(prepare(n, work, sources, queries, model, seed=seed, ann_kind=ann_kind))
        print(json.dumps(res), file=sys.stderr, flush=True)
    gc.collect()
    cmd = [sys.executable, "-m", "eval.bench_product", "--serve", res["build"], "--work", str(work)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"serving {n} passages failed:\n{done.stderr[-4000:]}")
    res["serve"] = json.loads(done.stdout.strip().splitlines()[-1])
    return res


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--passages", default="100000", help="sizes, comma-separated")
    ap.add_argument("--queries", type=int, default=300, help="real questions (half CMRC2018, half DRCD)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--work", type=Path, default=None, help="work directory (one size only)")
    ap.add_argument("--reuse", action="store_true", help="serve the build already in the work directory")
    ap.add_argument("--out", type=Path, default=None, help="write the results here (JSON)")
    ap.add_argument("--serve", type=Path, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.serve is not None:
        print(json.dumps(serve(args.serve, args.work)))
        return 0
    settings = Settings()
    queries = synth.load_queries(args.queries, seed=args.seed, settings=settings)
    sizes = [int(s) for s in args.passages.split(",") if s]
    sources: Sources | None = None
    results = []
    for n in sizes:
        work = args.work or settings.cache_dir / "synth" / f"product-{n}"
        reuse = args.reuse and (work / "exact.npy").is_file()
        if not reuse and sources is None:
            sources = sources_of(*real_sources(settings))
        results.append(run(n, work, sources, queries, settings.model, seed=args.seed, reuse=reuse))
        print(json.dumps(results[-1]), flush=True)
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
