"""Retrieval at scale on one machine: synthetic corpora of 100 k and 1 M passages (``eval/synth.py``).

    python -m eval.bench_scale --passages 100000,1000000 --out DIR [--queries 300] [--kinds flat,hnsw,ivf]

At each size it measures, single query at a time (like serving):

* dense indexes: exact ``flat``, ``hnsw`` (IndexHNSWFlat, M and efConstruction below, efSearch swept),
  ``ivf`` (IVF-SQ8, nlist by size, nprobe swept) and IVF-PQ for comparison: build seconds, file size,
  load seconds (plain and memory-mapped), recall@10 against exact, recall of the exact top 10 within
  the index's top 100 (what the product needs: candidates are rescored with exact cosines), p50/p95;
* BM25 (bm25s arrays, numpy scoring as ``index/lexical.py`` does it): index seconds, size, load
  seconds (plain, mmap), p50/p95 of all-passage scoring plus top-100 selection;
* the full retrieval path (``EmbeddedBackend.candidates`` with k=100: dense top-k + BM25 top-k, exact
  cosines of the union, then ``fusion.fuse`` and the top 10), in the benchmark process and in a fresh
  serving process that loads the files from disk memory-mapped (load seconds, resident memory).

Writes ``DIR/bench_scale.json`` and prints Markdown tables. Corpora and index files go under
``<cache>/synth/bench-<N>/`` (not the repository).
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import faiss
import numpy as np
import numpy.typing as npt

from eval import synth
from eval.metrics import percentile
from index import ann, fusion
from index.ann.faiss_index import FaissIVFIndex, ivf_params
from index.backends.embedded import BM25_DIR, EmbeddedBackend
from index.config import Settings
from index.lexical import BM25Index

FloatArray = npt.NDArray[np.float32]
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 64
HNSW_EF_SEARCH = (32, 64, 128)
NPROBE_FACTORS = (0.5, 1, 2)  # times ivf_params' nprobe
PQ_M = 48  # 8 dimensions per sub-quantiser
K = 10
DEPTH = fusion.CANDIDATES


def rss_mb() -> float:
    """Current resident set size of this process (not the peak)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 2**20


def peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _lat(times: list[float]) -> dict[str, float]:
    ms = [t * 1000 for t in times]
    return {"p50_ms": round(percentile(ms, 0.5), 3), "p95_ms": round(percentile(ms, 0.95), 3)}


def _recall(ids: npt.NDArray[np.int64], exact: npt.NDArray[np.int64], depth: int = K) -> float:
    return float(
        np.mean([len(set(a[:depth].tolist()) & set(b[:K].tolist())) / K for a, b in zip(ids, exact, strict=True)])
    )


def _single(index: Any, q: FloatArray, k: int) -> tuple[npt.NDArray[np.int64], list[float]]:
    ids = np.zeros((len(q), k), dtype=np.int64)
    times = []
    for i in range(len(q)):
        t0 = time.perf_counter()
        _, row = index.search(q[i : i + 1], k)
        times.append(time.perf_counter() - t0)
        ids[i] = row[0]
    return ids, times


def _file_mb(path: Path) -> float:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20
    return path.stat().st_size / 2**20


def _load_times(path: Path) -> dict[str, float]:
    out = {}
    for name, flag in (("load_s", 0), ("load_mmap_s", ann.faiss_index.MMAP)):
        t0 = time.perf_counter()
        idx = faiss.read_index(str(path), flag)
        out[name] = round(time.perf_counter() - t0, 3)
        del idx
    return out


def bench_dense(
    vectors: FloatArray, q: FloatArray, kinds: list[str], work: Path, hnsw_budget_s: float
) -> tuple[list[dict[str, Any]], npt.NDArray[np.int64]]:
    n, d = vectors.shape
    rows: list[dict[str, Any]] = []
    # Exact answer, batched (ground truth).
    flat = faiss.IndexFlatIP(d)
    flat.add(vectors)
    _, exact = flat.search(q, DEPTH)
    exact10 = exact[:, :K]
    for kind in kinds:
        gc.collect()
        r0 = rss_mb()
        t0 = time.perf_counter()
        params: dict[str, Any] = {}
        if kind == "flat":
            index: Any = faiss.IndexFlatIP(d)
            index.add(vectors)
            sweep: list[tuple[str, Any]] = [("", None)]
        elif kind == "hnsw":
            # Build time grows ~n log n; skip when the 100 k figure says it would blow the budget.
            index = faiss.IndexHNSWFlat(d, HNSW_M, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
            probe = min(n, 20_000)
            index.add(vectors[:probe])
            projected = (time.perf_counter() - t0) * (n / probe) * 1.3
            if projected > hnsw_budget_s:
                rows.append({"kind": "hnsw", "skipped": f"projected build {projected:.0f} s > {hnsw_budget_s:.0f} s"})
                del index
                continue
            index.add(vectors[probe:])
            params = {"M": HNSW_M, "efConstruction": HNSW_EF_CONSTRUCTION}
            sweep = [(f"efSearch={ef}", ef) for ef in HNSW_EF_SEARCH]
        elif kind == "ivf":
            dense = FaissIVFIndex(d)
            dense.add(vectors)
            index = dense._index
            params = dense.params
            base = ivf_params(n)["nprobe"]
            sweep = [(f"nprobe={max(1, int(base * f))}", max(1, int(base * f))) for f in NPROBE_FACTORS]
        elif kind == "ivfpq":
            p = ivf_params(n)
            index = faiss.IndexIVFPQ(faiss.IndexFlatIP(d), d, p["nlist"], PQ_M, 8, faiss.METRIC_INNER_PRODUCT)
            rng = np.random.default_rng(0)
            index.train(vectors[rng.choice(n, size=min(n, p["nlist"] * 40), replace=False)])
            index.add(vectors)
            params = {"index": f"IVF-PQ{PQ_M}x8", "nlist": p["nlist"]}
            sweep = [(f"nprobe={p['nprobe'] * 2}", p["nprobe"] * 2)]
        else:
            raise ValueError(kind)
        build_s = time.perf_counter() - t0
        mem = rss_mb() - r0
        path = work / f"{kind}.faiss"
        faiss.write_index(index, str(path))
        loads = _load_times(path)
        for label, value in sweep:
            if kind == "hnsw":
                index.hnsw.efSearch = value
            elif kind in ("ivf", "ivfpq"):
                index.nprobe = value
            ids, times = _single(index, q, DEPTH)
            rows.append(
                {
                    "kind": kind,
                    "setting": label,
                    "params": params,
                    "build_s": round(build_s, 1),
                    "memory_mb": round(mem, 1),
                    "file_mb": round(_file_mb(path), 1),
                    **loads,
                    "recall@10": round(_recall(ids, exact10), 4),
                    "recall10@100": round(_recall(ids, exact10, DEPTH), 4),
                    **_lat(times),
                }
            )
            print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
        if kind != "ivf":
            del index
    return rows, exact


def bench_bm25(
    corpus: synth.Corpus, queries: synth.Queries, work: Path, bm25s_index_max: int
) -> tuple[dict[str, Any], BM25Index]:
    out: dict[str, Any] = {}
    if corpus.size <= bm25s_index_max:
        lists = synth.token_lists(corpus)
        t0 = time.perf_counter()
        BM25Index.build(lists)
        out["bm25s_index_s"] = round(time.perf_counter() - t0, 1)
        del lists
        gc.collect()
    r0 = rss_mb()
    t0 = time.perf_counter()
    index = BM25Index(synth.bm25s_retriever(corpus), corpus.size)
    out["index_s"] = round(time.perf_counter() - t0, 1)
    out["memory_mb"] = round(rss_mb() - r0, 1)
    directory = work / BM25_DIR
    directory.mkdir(parents=True, exist_ok=True)
    index.save(directory)
    out["file_mb"] = round(_file_mb(directory), 1)
    out["nnz"] = int(len(index._r.scores["data"]))  # type: ignore[attr-defined]
    import bm25s

    for name, mmap in (("load_s", False), ("load_mmap_s", True)):
        t0 = time.perf_counter()
        bm25s.BM25.load(str(directory), allow_pickle=False, mmap=mmap)
        out[name] = round(time.perf_counter() - t0, 2)
    times = []
    k = min(DEPTH, corpus.size)
    for terms in queries.terms:
        t0 = time.perf_counter()
        s = index.scores(terms)
        np.argpartition(-s, k - 1)[:k]
        times.append(time.perf_counter() - t0)
    out.update(_lat(times))
    print(json.dumps({"bm25": out}), file=sys.stderr, flush=True)
    return out, index


def full_path(backend: EmbeddedBackend, queries: synth.Queries) -> dict[str, float]:
    times = []
    for i in range(len(queries.texts)):
        t0 = time.perf_counter()
        cand = backend.candidates(queries.vectors[i], queries.terms[i], DEPTH)
        fused = fusion.fuse(cand.dense, cand.lexical)
        cand.ids[np.argsort(-fused)[:K]]
        times.append(time.perf_counter() - t0)
    return _lat(times)


def serve_check(work: Path, kind: str, params: dict[str, Any]) -> dict[str, Any]:
    """In this (fresh) process: open the files as a serving process would, memory-mapped, and query."""
    r0 = rss_mb()
    t0 = time.perf_counter()
    vectors = np.load(work / "vectors.npy", mmap_mode="r")
    dense = ann.load(kind, str(work / f"{kind}.faiss"), params)
    import bm25s

    bm25 = BM25Index(bm25s.BM25.load(str(work / BM25_DIR), allow_pickle=False, mmap=True), len(vectors))
    backend = EmbeddedBackend(vectors, dense, bm25)
    load_s = time.perf_counter() - t0
    rss_loaded = rss_mb()
    q = np.load(work / "queries.npy")
    terms = json.loads((work / "queries.json").read_text(encoding="utf-8"))
    queries = synth.Queries(["" for _ in terms], q, terms)
    full_path(backend, queries)  # warm: page in what queries touch
    lat = full_path(backend, queries)
    return {
        "kind": kind,
        "load_s": round(load_s, 2),
        "rss_start_mb": round(r0, 1),
        "rss_loaded_mb": round(rss_loaded, 1),
        "rss_after_queries_mb": round(rss_mb(), 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        **lat,
    }


def run_size(n: int, args: argparse.Namespace, src: synth.Sources, queries: synth.Queries) -> dict[str, Any]:
    work = Settings().cache_dir / "synth" / f"bench-{n}"
    work.mkdir(parents=True, exist_ok=True)
    res: dict[str, Any] = {"passages": n}
    t0 = time.perf_counter()
    corpus = synth.generate(src, n, seed=args.seed)
    res["generate_s"] = round(time.perf_counter() - t0, 1)
    res["mean_chars"] = round(float(corpus.chars.mean()), 1)
    res["mean_terms"] = round(float(np.diff(corpus.term_indptr).mean()), 1)
    np.save(work / "vectors.npy", corpus.vectors, allow_pickle=False)
    np.save(work / "queries.npy", queries.vectors, allow_pickle=False)
    (work / "queries.json").write_text(json.dumps(queries.terms, ensure_ascii=False), encoding="utf-8")
    print(f"## {n:,} passages: generated in {res['generate_s']} s", file=sys.stderr, flush=True)
    res["dense"], _ = bench_dense(corpus.vectors, queries.vectors, args.kinds, work, args.hnsw_budget)
    res["bm25"], bm25 = bench_bm25(corpus, queries, work, args.bm25s_index_max)
    res["full"] = []
    for kind in ("flat", "ivf"):
        if kind not in args.kinds:
            continue
        dense = ann.load(kind, str(work / f"{kind}.faiss"), ivf_params(n) if kind == "ivf" else None)
        row = {
            "kind": kind,
            "where": "benchmark process, in memory",
            **full_path(EmbeddedBackend(corpus.vectors, dense, bm25), queries),
        }
        res["full"].append(row)
        print(json.dumps(row), file=sys.stderr, flush=True)
    res["rss_benchmark_mb"] = round(rss_mb(), 1)
    del corpus, bm25
    gc.collect()
    res["serve"] = []
    for kind in ("flat", "ivf"):
        if kind not in args.kinds:
            continue
        cmd = [sys.executable, "-m", "eval.bench_scale", "--serve", str(work), "--serve-kind", kind]
        done = subprocess.run(cmd, capture_output=True, text=True, check=True)
        row = json.loads(done.stdout.strip().splitlines()[-1])
        res["serve"].append(row)
        print(json.dumps(row), file=sys.stderr, flush=True)
    return res


def tables(results: list[dict[str, Any]]) -> str:
    out = []
    for r in results:
        n = r["passages"]
        out.append(f"### {n:,} passages\n")
        out.append(
            f"Generated in {r['generate_s']} s; {r['mean_chars']} characters and {r['mean_terms']} lexical terms "
            f"per passage on average.\n"
        )
        out.append(
            "| dense index | setting | build s | RAM MB | file MB | load s | load s (mmap) "
            "| recall@10 | recall 10@100 | p50 ms | p95 ms |"
        )
        out.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for d in r["dense"]:
            if "skipped" in d:
                out.append(f"| {d['kind']} | skipped: {d['skipped']} | | | | | | | | | |")
                continue
            label = (
                d["kind"]
                if not d["params"]
                else f"{d['kind']} ({', '.join(f'{k}={v}' for k, v in d['params'].items())})"
            )
            out.append(
                f"| {label} | {d['setting']} | {d['build_s']} | {d['memory_mb']:.0f} | {d['file_mb']:.0f} "
                f"| {d['load_s']} | "
                f"{d['load_mmap_s']} | {d['recall@10']:.4f} | {d['recall10@100']:.4f} | {d['p50_ms']} | {d['p95_ms']} |"
            )
        b = r["bm25"]
        out.append(
            "\n| BM25 | index s | bm25s.index s | RAM MB | file MB | postings | load s | load s (mmap) "
            "| p50 ms | p95 ms |"
        )
        out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        out.append(
            f"| bm25s arrays, numpy scoring | {b['index_s']} | {b.get('bm25s_index_s', 'not run')} "
            f"| {b['memory_mb']:.0f} | "
            f"{b['file_mb']:.0f} | {b['nnz']:,} | {b['load_s']} | {b['load_mmap_s']} | {b['p50_ms']} | {b['p95_ms']} |"
        )
        out.append(
            "\n| full retrieval path (dense + BM25 top 100, fusion) | where | load s | RSS MB | p50 ms | p95 ms |"
        )
        out.append("|---|---|---:|---:|---:|---:|")
        for f in r["full"]:
            out.append(
                f"| {f['kind']} | {f['where']} | | {r['rss_benchmark_mb']:.0f} (whole benchmark) "
                f"| {f['p50_ms']} | {f['p95_ms']} |"
            )
        for s in r["serve"]:
            out.append(
                f"| {s['kind']} | fresh process, files memory-mapped | {s['load_s']} | {s['rss_after_queries_mb']:.0f} "
                f"| {s['p50_ms']} | {s['p95_ms']} |"
            )
        out.append("")
    return "\n".join(out)


def versions() -> dict[str, str]:
    import bm25s
    import scipy

    return {
        "python": platform.python_version(),
        "faiss": faiss.__version__,
        "bm25s": bm25s.__version__,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "faiss_threads": str(faiss.omp_get_max_threads()),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--passages", default="100000,1000000", help="comma-separated corpus sizes")
    ap.add_argument("--out", type=Path, default=Path("bench-scale"))
    ap.add_argument("--queries", type=int, default=300, help="real questions (half CMRC2018, half DRCD)")
    ap.add_argument("--kinds", default="flat,hnsw,ivf,ivfpq")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--hnsw-budget", type=float, default=600, help="skip HNSW when its projected build exceeds this (s)"
    )
    ap.add_argument("--bm25s-index-max", type=int, default=100_000, help="also time bm25s.BM25.index up to this size")
    ap.add_argument("--serve", type=Path, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--serve-kind", default="ivf", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.serve is not None:
        n = len(np.load(args.serve / "vectors.npy", mmap_mode="r"))
        print(json.dumps(serve_check(args.serve, args.serve_kind, ivf_params(n) if args.serve_kind == "ivf" else {})))
        return 0
    args.kinds = [k for k in args.kinds.split(",") if k]
    sizes = [int(s) for s in args.passages.split(",") if s]
    t0 = time.perf_counter()
    src = synth.load_sources()
    queries = synth.load_queries(args.queries, seed=args.seed)
    print(
        f"{len(src.vectors)} source passages, {len(src.sent_chars)} sentences; {len(queries.texts)} queries; "
        f"{time.perf_counter() - t0:.1f} s",
        file=sys.stderr,
        flush=True,
    )
    results = [run_size(n, args, src, queries) for n in sizes]
    args.out.mkdir(parents=True, exist_ok=True)
    report = {"versions": versions(), "queries": len(queries.texts), "results": results}
    (args.out / "bench_scale.json").write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    print(tables(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
