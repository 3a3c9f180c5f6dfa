"""Choose the fusion weight on the external dev sets, not on the report.

    python -m eval.tune_fusion [--limit N]

For every dense weight w (default 0.0, 0.1, ..., 1.0) it ranks every question of CMRC2018 dev and
of DRCD dev
(questions converted to Simplified with OpenCC tw2sp) with ``convex`` fusion, using the questions of
even-numbered articles to choose w (the weight that maximises the worse of the two sets' MRR@10) and
reporting the odd-numbered articles' questions as held out. RRF and the two single sides are printed
alongside. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from eval.datasets import load_set
from eval.metrics import mrr_at, recall_at
from eval.retrieval import open_set, relevance
from index.config import Settings
from index.fusion import Method
from index.pipeline import make_embedder, set_threads

DEV_SETS = ("cmrc2018-dev", "drcd-dev-tw2sp")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--limit", type=int, default=0, help="only the first N paragraphs of each set")
    ap.add_argument("--weights", default="0,0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9,1", help="dense weights to try")
    args = ap.parse_args(argv)
    settings = Settings()
    set_threads(settings.threads)
    embedder = make_embedder(settings)
    weights = [float(x) for x in args.weights.split(",")]
    table: dict[str, dict[str, dict[str, float]]] = {}
    for es in (load_set(name, settings, args.limit) for name in DEV_SETS):
        searcher, _, vecs = open_set(es, settings, embedder, progress=True)
        split = [int(q.gold[0].doc_id[:4]) % 2 == 0 for q in es.questions]
        configs: list[tuple[Method, float]] = [("convex", w) for w in weights]
        configs.append(("rrf", 0.0))
        for method, w in configs:
            rows = {"tune": [], "held": []}  # type: dict[str, list[list[bool]]]
            for q, v, tune in zip(es.questions, vecs, split, strict=True):
                r = searcher.rank(
                    q.text,
                    query_vector=v,
                    depth=10,
                    method=method,
                    dense_weight=w,
                )
                rows["tune" if tune else "held"].append(relevance(searcher, q, r.rows))
            name = f"{method} w={w:.2f}" if method == "convex" else method
            for part, rels in rows.items():
                table.setdefault(name, {})[f"{es.name}/{part}"] = {
                    "R@1": float(np.mean([recall_at(x, 1) for x in rels])),
                    "R@5": float(np.mean([recall_at(x, 5) for x in rels])),
                    "MRR": float(np.mean([mrr_at(x, 10) for x in rels])),
                }
        print(f"done {es.name}: {len(es.questions)} questions", file=sys.stderr)
    cols = sorted(next(iter(table.values())).keys())
    print("| config | " + " | ".join(f"{c} R@1 / R@5 / MRR" for c in cols) + " |")
    print("|---|" + "---|" * len(cols))
    for name, row in table.items():
        print(
            f"| {name} | "
            + " | ".join(f"{row[c]['R@1']:.3f} / {row[c]['R@5']:.3f} / {row[c]['MRR']:.3f}" for c in cols)
            + " |"
        )
    tune_cols = [c for c in cols if c.endswith("/tune")]
    best = max(
        (n for n in table if n.startswith("convex")),
        key=lambda n: min(table[n][c]["MRR"] for c in tune_cols),
    )
    print(f"\nbest on the tuning halves (max of the worse MRR): {best}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
