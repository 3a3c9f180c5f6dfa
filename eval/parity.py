"""``youju eval --backend qdrant``: the engine backend against the embedded one on the same builds.

Each set is built (or taken from the evaluation cache) as ``youju eval`` builds it, published into a Qdrant in
local mode in a temporary directory (``index.engine_store.publish``), and every question is ranked by both
searchers with the same query vector (the product's ``hybrid`` ranking: fusion, figure prior, scope priors).
Reported per set: questions, top-1 agreement (the same first passage), and R@1 / R@5 of each backend over the
answerable questions. The issue's targets: agreement >= 98 % and |R@1 difference| <= 0.005.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from eval.datasets import load_set
from eval.metrics import recall_at
from eval.retrieval import DEPTH, index_for, query_vectors, relevance
from index import store
from index.config import Settings
from index.pipeline import load_index, make_embedder, publish_build, searcher_for, set_threads

AGREEMENT_TARGET = 0.98
R1_TARGET = 0.005
COLUMNS = (
    "set",
    "questions",
    "top-1 agreement",
    "R@1 embedded",
    "R@1 qdrant",
    "ΔR@1 (abs)",
    "R@5 embedded",
    "R@5 qdrant",
)


def compare(args: argparse.Namespace, settings: Settings, engine_dir: Path) -> list[dict[str, Any]]:
    """One row per set (see the module's doc)."""
    embedded = settings.model_copy(update={"backend": "embedded"})
    embedder = make_embedder(embedded)
    rows: list[dict[str, Any]] = []
    for i, name in enumerate(s for s in args.sets.split(",") if s):
        t0 = time.perf_counter()
        es = load_set(name, embedded, args.limit)
        root, _ = index_for(es, embedded, embedder, progress=True)
        emb = searcher_for(embedded, store.load(root), embedder)
        es = es.resolved(emb.index.documents)
        engine = embedded.model_copy(
            update={"backend": "qdrant", "backend_url": str(engine_dir), "backend_collection": f"parity{i}"}
        )
        collection = publish_build(engine, store.resolve(root))
        qdr = searcher_for(engine, load_index(engine), embedder)
        vecs = query_vectors(embedder, emb, [q.text for q in es.questions], embedded.cache_dir / "eval-queries")
        agree = 0
        rel: dict[str, list[list[bool]]] = {"embedded": [], "qdrant": []}
        for n, (q, v) in enumerate(zip(es.questions, vecs, strict=True), 1):
            a = emb.rank(q.text, query_vector=v, depth=DEPTH)
            b = qdr.rank(q.text, query_vector=v, depth=DEPTH)
            agree += a.rows[:1] == b.rows[:1]
            if q.gold:
                rel["embedded"].append(relevance(emb, q, a.rows))
                rel["qdrant"].append(relevance(qdr, q, b.rows))
            if n % 500 == 0:
                print(f"[{es.name}] {n}/{len(es.questions)} questions", file=sys.stderr, flush=True)

        def r_at(side: str, k: int, rel: dict[str, list[list[bool]]] = rel) -> float:
            return float(np.mean([recall_at(r, k) for r in rel[side]])) if rel[side] else float("nan")

        r1e, r1q, agreement = r_at("embedded", 1), r_at("qdrant", 1), agree / max(1, len(es.questions))
        row: dict[str, Any] = {
            "set": es.name,
            "questions": len(es.questions),
            "answerable": len(rel["embedded"]),
            "passages": len(emb.index.passages),
            "collection": collection,
            "top-1 agreement": agreement,
            "R@1 embedded": r1e,
            "R@1 qdrant": r1q,
            "R@5 embedded": r_at("embedded", 5),
            "R@5 qdrant": r_at("qdrant", 5),
            "seconds": round(time.perf_counter() - t0, 1),
        }
        row["ΔR@1 (abs)"] = abs(r1e - r1q)
        row["within targets"] = agreement >= AGREEMENT_TARGET and abs(r1e - r1q) <= R1_TARGET
        print(f"[{es.name}] {render([row]).splitlines()[-1]} ({row['seconds']}s)", file=sys.stderr, flush=True)
        rows.append(row)
    return rows


def render(rows: list[dict[str, Any]]) -> str:
    """The parity table in Markdown."""

    def cell(key: str, v: Any) -> str:
        if key == "top-1 agreement":
            return f"{100 * v:.1f} %"
        if isinstance(v, float):
            return f"{v:.3f}"
        return str(v)

    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(cell(c, r[c]) for c in COLUMNS) + " |" for r in rows]
    return "\n".join(lines)


def run(args: argparse.Namespace, settings: Settings) -> int:
    set_threads(settings.threads)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = args.out or Path("eval/out") / f"parity-{stamp}"
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="youju-parity-") as tmp:
        rows = compare(args, settings, Path(tmp) / "qdrant")
        from index.backends.qdrant import disconnect

        disconnect(str(Path(tmp) / "qdrant"))
    table = render(rows)
    ok = all(r["within targets"] for r in rows)
    (out / "parity.json").write_text(json.dumps({"generated_at": stamp, "sets": rows}, indent=2), encoding="utf-8")
    report = (
        f"# Backend parity: qdrant (local mode) against embedded\n\n{table}\n\n"
        f"Targets: top-1 agreement >= {AGREEMENT_TARGET:.0%}, |ΔR@1| <= {R1_TARGET}: "
        f"{'met on every set' if ok else 'NOT met'}.\n"
    )
    (out / "parity.md").write_text(report, encoding="utf-8")
    print(report)
    print(f"wrote {out}", file=sys.stderr)
    return 0 if ok else 1
