"""Approximate vs exact dense search: recall@10 of the HNSW backend against the flat one, and speed.

    python -m eval.bench_ann [--index DIR] [--queries N]

Uses the vectors of a built index (default: the CMRC2018 dev evaluation index under the cache, built by
`youju eval`) and, as queries, the stored passage vectors themselves perturbed with noise (seeded), so it
needs no model. Prints one Markdown table.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from index import ann, store
from index.config import Settings

SEED = 7


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", type=Path, default=None, help="index directory (default: largest eval index)")
    ap.add_argument("--queries", type=int, default=1000)
    args = ap.parse_args(argv)
    root = args.index
    if root is None:
        candidates = sorted((Settings().cache_dir / "eval-index").glob("*"), key=lambda p: p.stat().st_size)
        built = [p for p in candidates if (p / "current").exists()]
        if not built:
            print("no index found; run `youju eval` first or pass --index", file=sys.stderr)
            return 1
        root = max(built, key=lambda p: store.read_manifest(store.resolve(p)).passage_count)
    vecs = np.load(store.resolve(root) / "vectors.npy")
    rng = np.random.default_rng(SEED)
    q = vecs[rng.choice(len(vecs), size=min(args.queries, len(vecs)), replace=False)]
    q = q + rng.normal(scale=0.02, size=q.shape).astype(np.float32)
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    print(f"{len(vecs)} vectors of dimension {vecs.shape[1]} from {root.name}; {len(q)} queries, k=10\n")
    print("| backend | build s | search ms/query | recall@10 vs flat |")
    print("|---|---:|---:|---:|")
    exact_ids = None
    for kind in ("flat", "hnsw"):
        t0 = time.perf_counter()
        index = ann.create(kind, vecs.shape[1])
        index.add(vecs)
        build = time.perf_counter() - t0
        t0 = time.perf_counter()
        _, ids = index.search(q, 10)
        per_query = (time.perf_counter() - t0) * 1000 / len(q)
        if exact_ids is None:
            exact_ids = ids
        recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(ids, exact_ids, strict=True)])
        print(f"| {kind} | {build:.2f} | {per_query:.3f} | {recall:.4f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
