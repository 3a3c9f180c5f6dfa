"""Build throughput by embedding processes: ``youju build`` of the same DRCD paragraphs with
``YOUJU_EMBED_PROCESSES`` = 1, 2, … (fresh index each time, one run, same machine).

    python -m eval.bench_processes [--paragraphs 400] [--processes 1 2]

Prints passages/s and characters/s per setting and the ratio to one process; where more processes pay
depends on the cores (index/embed/pool.py).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from eval.bench_perf import drcd_paragraphs
from index.config import Settings


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--paragraphs", type=int, default=400)
    ap.add_argument("--processes", type=int, nargs="+", default=[1, 2])
    args = ap.parse_args(argv)
    from index.pipeline import build

    paragraphs = drcd_paragraphs(args.paragraphs)
    chars = sum(len(p) for p in paragraphs)
    work = Path(tempfile.mkdtemp(prefix="youju-bench-processes-"))
    corpus = work / "corpus"
    corpus.mkdir()
    for i, p in enumerate(paragraphs):
        (corpus / f"drcd-{i:04d}.txt").write_text(p + "\n", encoding="utf-8")
    print(f"{len(paragraphs)} DRCD paragraphs, {chars} characters, {os.cpu_count()} cores")
    base = None
    for n in args.processes:
        s = Settings(corpus_dir=corpus, index_dir=work / f"index-{n}", embed_processes=n)
        t0 = time.perf_counter()
        report = build(s, force=True)
        seconds = time.perf_counter() - t0
        base = base or seconds
        print(
            f"processes {n}: {seconds:.1f} s, {report.passages / seconds:.1f} passages/s, "
            f"{chars / seconds:.0f} chars/s, {base / seconds:.2f}x of the first"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
