"""``youju eval``: plugged into the ``youju`` program through the ``youju.commands`` entry point."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from eval import baselines as bl
from eval import harness
from eval.datasets import DEFAULT_SETS, GOLD_PREFIX, SETS
from eval.retrieval import RETRIEVERS
from index.cli import EXIT_USAGE, Command
from index.config import Settings


def configure(ap: argparse.ArgumentParser) -> None:
    ap.add_argument(
        "--sets",
        default=",".join(DEFAULT_SETS),
        help=f"comma-separated sets of {','.join(SETS)}, or gold:FILE (a gold-set JSON-lines file, e.g. exported "
        f"from the staff analytics and labelled, over YOUJU_CORPUS_DIR) (default: {','.join(DEFAULT_SETS)})",
    )
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
    ap.add_argument(
        "--backend",
        choices=("embedded", "qdrant"),
        default="embedded",
        help="qdrant: instead of the benchmarks, compare the qdrant backend (local mode, in a temporary directory) "
        "with the embedded one on the same builds and print the parity table (top-1 agreement, R@1, R@5 of each)",
    )
    ap.add_argument("--limit", type=int, default=0, help="only the first N paragraphs of external sets (0 = all)")
    ap.add_argument("--latency-sample", type=int, default=100, help="questions per set timed end to end")
    ap.add_argument("--seed", type=int, default=harness.SEED)
    ap.add_argument("--out", type=Path, default=None, help="output directory (default: eval/out/<timestamp>)")
    ap.add_argument(
        "--docs",
        type=Path,
        default=None,
        metavar="MD",
        help="also write the report into this Markdown file (e.g. docs/evaluation-results.md)",
    )


def _unknown(given: str, known: tuple[str, ...], what: str) -> str | None:
    bad = [x for x in given.split(",") if x and x not in known and not x.startswith(GOLD_PREFIX)]
    return f"youju eval: unknown {what} {', '.join(bad)}; choose from {', '.join(known)}" if bad else None


def run(args: argparse.Namespace, settings: Settings) -> int:
    baselines = "" if args.baselines == "none" else args.baselines
    for given, known, what in (
        (args.sets, SETS, "set"),
        (args.retrievers, tuple(RETRIEVERS), "retriever"),
        (baselines, tuple(bl.BASELINES), "baseline"),
    ):
        problem = _unknown(given, known, what)
        if problem:
            print(problem, file=sys.stderr)
            return EXIT_USAGE
    if args.backend == "qdrant":
        from eval import parity

        return parity.run(args, settings)
    return harness.run(args, settings)


EVAL = Command(
    "eval",
    "run retrieval benchmarks and write a report (see docs/evaluation.md)",
    configure,
    run,
    40,
    description=(harness.__doc__ or "").strip(),
)
