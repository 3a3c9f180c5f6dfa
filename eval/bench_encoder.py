"""The encoders of the embedding model side by side (``YOUJU_ENCODER``, ``YOUJU_QUERY_ENCODER``,
``YOUJU_EMBED_PRECISION``): torch fp32, torch with bfloat16 passages, ONNX fp32, ONNX int8.

    python -m eval.bench_encoder [--encoders torch,torch-bf16,onnx,onnx-int8] [--queries 200] [--passages 300]
                                 [--repeats 5]

Per encoder: the latency of one short query (batch 1, the service's path; p50 over the gold questions, the
median of the repeats), the throughput of passage embedding (characters per second, batches of
``YOUJU_EMBED_BATCH_SIZE``, the build's path), and the parity with torch fp32 (cosine of the same texts:
queries and passages, min and mean). The encoders run in turn within each repeat, so load from other
processes on the machine falls on all of them alike. Prints one Markdown table.

Queries: the questions of eval/gold/huairou_2024.jsonl (and multidoc gold, if more are wanted). Passages:
the paragraphs of the shipped report, then of CMRC2018 articles in the evaluation cache, cut to the
longest passage the index makes (``YOUJU_CHUNK_MAX_CHARS``).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np

from index.config import Settings
from index.embed.base import Embedder
from index.pipeline import make_embedder, set_threads

GOLD = Path(__file__).parent / "gold"
REPORT = Path(__file__).parent.parent / "docs" / "corpus"


def gold_questions() -> list[str]:
    out: list[str] = []
    for name in ("huairou_2024.jsonl", "multidoc_real.jsonl", "multidoc_fixtures.jsonl"):
        for line in (GOLD / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                out.append(str(json.loads(line)["question"]))
    return out


def paragraphs(settings: Settings, max_chars: int) -> list[str]:
    texts = sorted(REPORT.glob("*.txt")) + sorted((settings.cache_dir / "eval-corpus").glob("cmrc2018-dev-*/*.md"))
    out: list[str] = []
    for path in texts:
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if len(line) >= 20 and not line.startswith("#"):
                out.append(line[:max_chars])
    return out


def query_p50_ms(embedder: Embedder, queries: list[str]) -> float:
    times = []
    for q in queries:
        t0 = time.perf_counter()
        embedder.embed_queries([q])
        times.append(time.perf_counter() - t0)
    return 1000 * statistics.median(times)


def encoder_settings(name: str) -> dict[str, str]:
    """Settings that run both questions and passages through encoder ``name`` (``torch-bf16``: torch with
    bfloat16 passages; its questions stay fp32)."""
    if name.startswith("torch"):
        return {
            "encoder": "torch",
            "query_encoder": "same",
            "embed_precision": "bf16" if name == "torch-bf16" else "fp32",
        }
    return {"encoder": name, "query_encoder": "same"}


def chars_per_second(embedder: Embedder, passages: list[str]) -> float:
    t0 = time.perf_counter()
    embedder.embed_passages(passages)
    return sum(map(len, passages)) / (time.perf_counter() - t0)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--encoders", default="torch,torch-bf16,onnx,onnx-int8")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--passages", type=int, default=300)
    ap.add_argument("--parity", type=int, default=50, help="queries and passages each compared with torch")
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args(argv)
    settings = Settings()
    set_threads(settings.threads)
    names = [n.strip() for n in args.encoders.split(",") if n.strip()]
    embedders: dict[str, Embedder] = {}
    load_s: dict[str, float] = {}
    for name in ["torch", *[n for n in names if n != "torch"]]:  # torch first: the reference of parity
        t0 = time.perf_counter()
        embedders[name] = make_embedder(settings.model_copy(update=encoder_settings(name)))
        load_s[name] = time.perf_counter() - t0
    queries = gold_questions()[: args.queries]
    passages = paragraphs(settings, settings.chunk_max_chars)[: args.passages]
    ref_q = embedders["torch"].embed_queries(queries[: args.parity])
    ref_p = embedders["torch"].embed_passages(passages[: args.parity])
    for e in embedders.values():  # warm-up
        e.embed_queries(queries[:10])
        e.embed_passages(passages[:32])
    lat: dict[str, list[float]] = {n: [] for n in names}
    thr: dict[str, list[float]] = {n: [] for n in names}
    for _ in range(args.repeats):
        for n in names:
            lat[n].append(query_p50_ms(embedders[n], queries))
            thr[n].append(chars_per_second(embedders[n], passages))
    print(
        f"{len(queries)} queries (mean {np.mean([len(q) for q in queries]):.0f} chars), {len(passages)} passages "
        f"(mean {np.mean([len(p) for p in passages]):.0f} chars), batch {settings.embed_batch_size}, "
        f"threads {settings.threads or 'all'}, median of {args.repeats} repeats\n"
    )
    print("| encoder | query p50 (ms, batch 1) | passages (chars/s) | parity cos min / mean | load (s) |")
    print("|---|---:|---:|---:|---:|")
    for n in names:
        e = embedders[n]
        cos = np.concatenate(
            [
                np.sum(e.embed_queries(queries[: args.parity]) * ref_q, axis=1),
                np.sum(e.embed_passages(passages[: args.parity]) * ref_p, axis=1),
            ]
        )
        print(
            f"| {n} | {statistics.median(lat[n]):.1f} | {statistics.median(thr[n]):.0f} | "
            f"{cos.min():.4f} / {cos.mean():.4f} | {load_s[n]:.1f} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
