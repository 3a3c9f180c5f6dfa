"""The evaluation report: Markdown for people (``report.md``, and ``docs/evaluation.md`` with ``--docs``)
and plots (Recall@k per set, end-to-end latency)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np

PRODUCT = "hybrid"  # the retriever the product uses, drawn bold and reported in detail
KS = tuple(range(1, 11))


def draw_plots(
    out: Path, recall_curves: dict[str, dict[str, list[float]]], latency: dict[str, list[float]]
) -> list[str]:
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


DOCS_INTRO = """# Evaluation

How good is retrieval, on which questions, compared with what? This page is written by
`youju eval --docs docs/evaluation.md` (the numbers below come from that run; rerun it after a change).

* **Sets.** `huairou-gold`: the shipped report's gold set (`eval/gold/huairou_2024.jsonl`, written as
  citizens and 12345 staff ask: colloquial Simplified with mainland wording, paraphrases, typos, English,
  Traditional; answers labelled by quoted text, so they survive re-chunking; how it was written and its
  known ambiguities: `eval/gold/README.md`). `cmrc2018-dev` (Simplified, mainland Wikipedia) and
  `drcd-dev` (Traditional, Taiwan Wikipedia) from `../shared/datasets/`, read in place, every paragraph
  indexed; `drcd-dev-tw2sp` asks DRCD's questions converted to Simplified with OpenCC `tw2sp`: the
  citizens' situation with the shipped report. `multidoc-gold`: 143 questions (118 answerable, 25 that no
  document answers: other years, other districts, topics the documents only brush against) over 9
  documents in 6 formats: the two published Putuo budgets (PDF with tables), fictional 青禾区 documents
  as DOCX, a text PDF with tables, a scanned PDF read by OCR, a saved HTML page, Markdown and TXT, and the
  Huairou report (`eval/gold/multidoc_*.jsonl`, documents in `eval/gold/documents/`).
* **Retrievers.** `bm25` and `dense` are the two sides of this project's pipeline alone; `rrf` is
  reciprocal-rank fusion (k=60) of them; `hybrid` is the product (convex score fusion, docs/retrieval.md).
  Baselines from outside: `rank_bm25` (BM25Okapi of the `rank-bm25` library on jieba tokens of whole
  paragraphs) and `langchain_e5` (LangChain's RecursiveCharacterTextSplitter, 500/50, the same e5 model,
  FAISS inner product): eval/baselines.py.
* **Metrics.** A result is relevant when its character span overlaps a gold span. R@k, MRR@10, nDCG@10
  over answerable questions; doc@1 is the share whose first result comes from a document holding the
  answer; no-answer precision/recall/accuracy of `answered` over all questions (only
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
    "doc@1",
    "no-answer precision",
    "no-answer recall",
    "no-answer accuracy",
    "latency p50 ms",
    "latency p95 ms",
)


def render_report(results: dict[str, Any], misses: dict[str, list[dict[str, Any]]], plots: list[str]) -> str:
    v = results["versions"]
    decision = results["answerability"]
    lines = [
        "# youju evaluation report",
        "",
        f"Generated {results['generated_at']} by `youju eval` (seed {results['seed']}), youju {v.get('youju')}, "
        f"torch {v.get('torch')}, sentence-transformers {v.get('sentence-transformers')}, "
        f"{results['machine']['cpus']} CPUs, answer decision {decision['model']} at threshold {decision['threshold']}. "
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
