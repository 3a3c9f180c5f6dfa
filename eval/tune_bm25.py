"""Compare BM25 parameters (length normalisation ``b``, saturation ``k1``) on every set, in one run.

    python -m eval.tune_bm25 [--b 0.75,0.6,0.5,0.4] [--k1 1.2] [--sets huairou-gold,multidoc-gold,...]

For each (k1, b) it sets ``index.lexical.K1`` / ``B`` (what every build reads), rebuilds each set's index
in the evaluation cache (the BM25 parameters are part of the corpus fingerprint, so the lexical index and
the ANN are rebuilt; the vectors are reused), ranks every answerable question with the product's hybrid retrieval and
prints R@1 (R@5) and MRR@10 per set as a Markdown table. The parameters are those of the whole product, so
every set counts, the gold sets of real documents and the Wikipedia dev sets alike; the choice and its
table are in docs/retrieval.md. The last build of each set is left with the module's own parameters again,
so that ``youju eval`` afterwards measures the product as configured.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from eval.datasets import load_set
from eval.metrics import mrr_at, recall_at
from eval.retrieval import index_for, open_resolved, relevance
from index import lexical
from index.config import Settings
from index.embed.base import Embedder
from index.pipeline import make_embedder, set_threads

SETS = "huairou-gold,multidoc-gold,cmrc2018-dev,drcd-dev-tw2sp"


def measure(
    settings: Settings, embedder: Embedder, set_names: list[str], k1: float, b: float
) -> dict[str, dict[str, float]]:
    """Hybrid R@1, R@5 and MRR@10 of each set's answerable questions with BM25 ``k1`` and ``b``."""
    lexical.K1, lexical.B = k1, b
    out: dict[str, dict[str, float]] = {}
    for name in set_names:
        es, searcher, _, vecs = open_resolved(load_set(name, settings), settings, embedder, progress=False)
        rels = [
            relevance(searcher, q, searcher.rank(q.text, query_vector=v, depth=10).rows)
            for q, v in zip(es.questions, vecs, strict=True)
            if q.gold
        ]
        out[name] = {
            "R@1": float(np.mean([recall_at(r, 1) for r in rels])),
            "R@5": float(np.mean([recall_at(r, 5) for r in rels])),
            "MRR@10": float(np.mean([mrr_at(r, 10) for r in rels])),
        }
    return out


def main(argv: list[str] | None = None, settings: Settings | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--b", default="0.75,0.6,0.5,0.4", help="values of b to compare")
    ap.add_argument("--k1", default=str(lexical.K1), help="values of k1 to compare")
    ap.add_argument("--sets", default=SETS, help="comma-separated evaluation sets")
    args = ap.parse_args(argv)
    settings = settings or Settings()
    set_threads(settings.threads)
    names = [s for s in args.sets.split(",") if s]
    embedder = make_embedder(settings)
    own = (lexical.K1, lexical.B)
    rows: list[tuple[float, float, dict[str, dict[str, float]]]] = []
    try:
        for k1 in (float(x) for x in args.k1.split(",")):
            for b in (float(x) for x in args.b.split(",")):
                print(f"k1 {k1}, b {b}", file=sys.stderr)
                rows.append((k1, b, measure(settings, embedder, names, k1, b)))
    finally:
        # Leave the evaluation indexes as the product builds them.
        lexical.K1, lexical.B = own
        for name in names:
            index_for(load_set(name, settings), settings, embedder)
    print("| k1 | b | " + " | ".join(f"{n} R@1 (R@5) MRR@10" for n in names) + " |")
    print("|---:|---:|" + "---|" * len(names))
    for k1, b, got in rows:
        mark = "**" if (k1, b) == own else ""
        cells = [f"{g['R@1']:.3f} ({g['R@5']:.3f}) {g['MRR@10']:.3f}" for g in (got[n] for n in names)]
        print(f"| {mark}{k1:g}{mark} | {mark}{b:g}{mark} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
