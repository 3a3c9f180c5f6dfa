"""Latency and throughput of ``POST /api/v1/search`` over HTTP, the way the widget and console call it.

    python -m eval.bench_api [--concurrency 1,4,16,64] [--requests 512] [--rounds 1]

Starts ``youju serve`` (real model, the shipped report, rate limit off, every other setting at its
default, so ``503 busy`` is measured as a deployment would see it) as a subprocess on a free loopback port,
waits for /readyz, then for each concurrency level N runs N clients (each a thread with its own keep-alive
connection) that ask the report's gold questions back to back until the level has sent ``--requests``
questions (at least the gold set ``--rounds`` times). Prints per level: requests/s, p50/p95/max latency of
all responses, the status codes seen, and the 503s without a ``Retry-After`` header and any other 5xx
(both should be 0). Bounded: every level stops after its questions.
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from eval.bench_perf import serve
from eval.datasets import load_gold
from eval.metrics import percentile


@dataclass
class Level:
    """What one concurrency level saw."""

    clients: int
    latencies_ms: list[float] = field(default_factory=list)
    codes: dict[int, int] = field(default_factory=dict)
    busy_without_retry_after: int = 0
    other_5xx: int = 0
    transport_errors: int = 0
    wall: float = 0.0

    def row(self) -> str:
        lat = self.latencies_ms or [0.0]
        n = len(self.latencies_ms)
        codes = dict(sorted(self.codes.items()))
        if self.transport_errors:
            codes = {**codes, "transport": self.transport_errors}  # type: ignore[dict-item]
        return (
            f"| {self.clients} | {n} | {n / self.wall if self.wall else 0:.1f} | {percentile(lat, 0.5):.0f} | "
            f"{percentile(lat, 0.95):.0f} | {max(lat):.0f} | {codes} | {self.busy_without_retry_after} | "
            f"{self.other_5xx} |"
        )


def run_level(base: str, questions: list[str], clients: int, requests: int) -> Level:
    """``clients`` threads, each with its own connection, ask ``requests`` questions in all, back to back."""
    level = Level(clients)
    lock = threading.Lock()
    feed = itertools.islice(itertools.cycle(questions), requests)

    def worker() -> None:
        with httpx.Client(base_url=base, timeout=60) as c:
            while True:
                with lock:
                    q = next(feed, None)
                if q is None:
                    return
                t0 = time.perf_counter()
                try:
                    r = c.post("/api/v1/search", json={"query": q, "top_k": 5})
                except httpx.HTTPError:
                    with lock:
                        level.transport_errors += 1
                    continue
                ms = (time.perf_counter() - t0) * 1000
                with lock:
                    level.latencies_ms.append(ms)
                    level.codes[r.status_code] = level.codes.get(r.status_code, 0) + 1
                    if r.status_code == 503 and "retry-after" not in r.headers:
                        level.busy_without_retry_after += 1
                    elif r.status_code >= 500 and r.status_code != 503:
                        level.other_5xx += 1

    t0 = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        for f in [pool.submit(worker) for _ in range(clients)]:
            f.result()
    level.wall = time.perf_counter() - t0
    return level


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=1, help="times each question is asked at least, per level")
    ap.add_argument("--requests", type=int, default=512, help="questions sent per level (at least the gold set)")
    ap.add_argument("--concurrency", default="1,4,16,64", help="comma-separated client counts")
    ap.add_argument("--env", action="append", default=[], help="NAME=VALUE for the server (repeatable)")
    args = ap.parse_args(argv)
    questions = [q.text for q in load_gold().questions]
    requests = max(args.requests, len(questions) * args.rounds)
    work = Path(tempfile.mkdtemp(prefix="youju-bench-"))
    extra = dict(e.split("=", 1) for e in args.env)
    if "YOUJU_INDEX_DIR" in os.environ:  # a prebuilt index
        extra.setdefault("YOUJU_INDEX_DIR", os.environ["YOUJU_INDEX_DIR"])
    t_start = time.monotonic()
    try:
        server, base = serve(work, extra)
    except RuntimeError as e:
        print(e, file=sys.stderr)
        return 1
    try:
        print(f"ready in {time.monotonic() - t_start:.1f} s; {requests} questions per level")
        print("| clients | requests | requests/s | p50 ms | p95 ms | max ms | statuses | 503 no Retry-After | 5xx |")
        print("|---:|---:|---:|---:|---:|---:|---|---:|---:|")
        for n in (int(x) for x in args.concurrency.split(",")):
            print(run_level(base, questions, n, requests).row(), flush=True)
    finally:
        server.terminate()
        t_stop = time.monotonic()
        server.wait(timeout=60)
        print(f"stopped in {time.monotonic() - t_stop:.1f} s after SIGTERM")
    return 0


if __name__ == "__main__":
    sys.exit(main())
