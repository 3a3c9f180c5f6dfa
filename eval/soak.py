"""Soak test: N clients searching for a long while, the index reloaded every few seconds, memory watched.

    python -m eval.soak [--minutes 10] [--clients 16] [--reload-every 30] [--url URL --admin-key KEY]

Without ``--url`` it starts ``youju serve`` (real model, the shipped report, rate limit off, an admin key
of its own) on a loopback port. Every client asks the gold questions in turn; every ``--reload-every``
seconds ``POST /api/v1/admin/reload`` switches to the index again, under load. It prints the requests,
their statuses, the answers that break the contract (anything but 200, or a 503 without Retry-After),
the reloads and their failures, and the server's resident memory sampled over the run (first, last,
largest). Exit status 1 when the contract broke or memory grew by more than ``--max-growth-mb`` from the
first minute on. ``tests/service/test_soak.py`` runs ``soak()`` for a few seconds against a test server.
"""

from __future__ import annotations

import argparse
import secrets
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from eval.datasets import load_gold


@dataclass
class SoakResult:
    seconds: float
    requests: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    bad: list[str] = field(default_factory=list)  # answers that break the contract (first 20)
    bad_count: int = 0
    reloads: int = 0
    reload_failures: list[str] = field(default_factory=list)
    rss_mb: list[float] = field(default_factory=list)

    @property
    def growth_mb(self) -> float:
        """Resident memory at the end less after warm-up (the first fifth of the samples)."""
        if len(self.rss_mb) < 2:
            return 0.0
        settled = self.rss_mb[max(1, len(self.rss_mb) // 5) - 1]
        return self.rss_mb[-1] - settled

    def lines(self) -> list[str]:
        rss = self.rss_mb
        return [
            f"requests: {self.requests} in {self.seconds:.0f} s ({self.requests / max(self.seconds, 1e-9):.1f}/s)",
            f"statuses: {dict(sorted(self.statuses.items()))}",
            f"contract broken: {self.bad_count}" + (f" (e.g. {self.bad[:3]})" if self.bad else ""),
            f"reloads: {self.reloads}, failed: {len(self.reload_failures)}",
            (
                f"resident memory MB: first {rss[0]:.0f}, last {rss[-1]:.0f}, max {max(rss):.0f}, "
                f"growth after warm-up {self.growth_mb:+.0f}"
                if rss
                else "resident memory: not sampled"
            ),
        ]


def rss_of(pid: int) -> float | None:
    """Resident memory of a process in MB (Linux /proc), or None."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text(encoding="ascii").splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def soak(
    base: str,
    questions: list[str],
    *,
    seconds: float,
    clients: int,
    reload_every: float,
    admin_key: str | None,
    memory: Callable[[], float | None] = lambda: None,
    sample_every: float = 5.0,
) -> SoakResult:
    """Run the load, the reloads and the memory sampling for ``seconds``; thread-safe counting."""
    result = SoakResult(seconds=seconds)
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client(offset: int) -> None:
        i = offset
        with httpx.Client(base_url=base, timeout=60) as c:
            while time.monotonic() < stop:
                q = questions[i % len(questions)]
                i += clients
                try:
                    r = c.post("/api/v1/search", json={"query": q, "top_k": 5})
                    status, ok = (
                        r.status_code,
                        r.status_code == 200 or (r.status_code == 503 and bool(r.headers.get("retry-after"))),
                    )
                    why = f"{status} {r.text[:120]}"
                except httpx.HTTPError as e:
                    status, ok, why = 0, False, f"{type(e).__name__}: {e}"
                with lock:
                    result.requests += 1
                    result.statuses[status] = result.statuses.get(status, 0) + 1
                    if not ok:
                        result.bad_count += 1
                        if len(result.bad) < 20:
                            result.bad.append(why)

    def reloader() -> None:
        headers = {"Authorization": f"Bearer {admin_key}"}
        with httpx.Client(base_url=base, timeout=120) as c:
            while True:
                deadline = time.monotonic() + reload_every
                if deadline >= stop:
                    return
                time.sleep(reload_every)
                try:
                    r = c.post("/api/v1/admin/reload", headers=headers)
                    failure = None if r.status_code == 200 else f"{r.status_code} {r.text[:120]}"
                except httpx.HTTPError as e:
                    failure = f"{type(e).__name__}: {e}"
                with lock:
                    result.reloads += 1
                    if failure:
                        result.reload_failures.append(failure)

    def sampler() -> None:
        while time.monotonic() < stop:
            mb = memory()
            if mb is not None:
                result.rss_mb.append(mb)
            time.sleep(min(sample_every, max(0.0, stop - time.monotonic())))
        mb = memory()
        if mb is not None:
            result.rss_mb.append(mb)

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    threads.append(threading.Thread(target=sampler, daemon=True))
    if admin_key and reload_every > 0:
        threads.append(threading.Thread(target=reloader, daemon=True))
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result.seconds = time.perf_counter() - t0
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--reload-every", type=float, default=30.0, help="seconds between reloads (0: none)")
    ap.add_argument("--url", default=None, help="a running service (default: start one)")
    ap.add_argument("--admin-key", default=None, help="its admin key (for the reloads)")
    ap.add_argument("--pid", type=int, default=None, help="its process id (for the memory samples)")
    ap.add_argument("--max-growth-mb", type=float, default=100.0)
    args = ap.parse_args(argv)
    questions = list(dict.fromkeys(q.text for q in load_gold().questions))
    server: Any = None
    url, key, pid = args.url, args.admin_key, args.pid
    if url is None:
        from eval.bench_perf import ROOT, serve

        key = secrets.token_hex(24)
        work = Path(tempfile.mkdtemp(prefix="youju-soak-"))
        server, url = serve(work, {"YOUJU_ADMIN_KEY": key, "YOUJU_CORPUS_DIR": str(ROOT / "docs" / "corpus")})
        pid = server.pid
    try:
        result = soak(
            url,
            questions,
            seconds=args.minutes * 60,
            clients=args.clients,
            reload_every=args.reload_every,
            admin_key=key,
            memory=(lambda: rss_of(pid)) if pid else (lambda: None),
        )
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
    print(f"soak: {args.clients} clients, {args.minutes:g} min, reload every {args.reload_every:g} s, pid {pid}")
    for line in result.lines():
        print("  " + line)
    if result.rss_mb:
        print("  memory samples MB: " + " ".join(f"{x:.0f}" for x in result.rss_mb))
    broken = result.bad_count or result.reload_failures or result.growth_mb > args.max_growth_mb
    print("verdict: " + ("FAILED" if broken else "passed"))
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
