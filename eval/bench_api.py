"""Latency of ``POST /api/v1/search`` over HTTP, the way the widget and console call it.

    python -m eval.bench_api [--rounds 2] [--concurrency 1,8]

Starts ``youju serve`` (real model, the shipped report, rate limit off) as a subprocess on a free
loopback port, waits for /readyz, then sends the report's gold questions: once with one client, then
with N concurrent clients (each client a thread with its own connection). Prints p50/p95/max latency,
throughput and the status codes seen. Bounded: every run stops after its questions.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from eval.datasets import load_gold
from eval.metrics import percentile

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run(base: str, questions: list[str], clients: int) -> tuple[list[float], dict[int, int], float]:
    lat: list[float] = []
    codes: dict[int, int] = {}

    def worker(chunk: list[str]) -> None:
        with httpx.Client(base_url=base, timeout=60) as c:
            for q in chunk:
                t0 = time.perf_counter()
                r = c.post("/api/v1/search", json={"query": q, "top_k": 5})
                lat.append((time.perf_counter() - t0) * 1000)
                codes[r.status_code] = codes.get(r.status_code, 0) + 1

    chunks = [questions[i::clients] for i in range(clients)]
    t0 = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(worker, chunks))
    return lat, codes, time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=1, help="times each question is asked per run")
    ap.add_argument("--concurrency", default="1,8", help="comma-separated client counts")
    args = ap.parse_args(argv)
    questions = [q.text for q in load_gold().questions] * args.rounds
    port = _free_port()
    work = Path(tempfile.mkdtemp(prefix="youju-bench-"))
    env = {
        **os.environ,
        "YOUJU_RATE_LIMIT_PER_MINUTE": "0",
        "YOUJU_INDEX_DIR": str(work / "index"),
        "YOUJU_FEEDBACK_DB": str(work / "feedback.sqlite3"),
        "YOUJU_BUSY_TIMEOUT_SECONDS": "30",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "index.cli", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300
        while True:
            try:
                if httpx.get(base + "/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                print("server did not become ready", file=sys.stderr)
                return 1
            time.sleep(0.5)
        print("| clients | requests | p50 ms | p95 ms | max ms | requests/s | statuses |")
        print("|---:|---:|---:|---:|---:|---:|---|")
        for n in (int(x) for x in args.concurrency.split(",")):
            lat, codes, wall = _run(base, questions, n)
            print(
                f"| {n} | {len(lat)} | {percentile(lat, 0.5):.0f} | {percentile(lat, 0.95):.0f} | {max(lat):.0f} | "
                f"{len(lat) / wall:.1f} | {dict(sorted(codes.items()))} |"
            )
    finally:
        server.terminate()
        server.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
