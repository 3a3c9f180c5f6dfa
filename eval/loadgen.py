"""A lean HTTP load generator for the benchmarks: N keep-alive connections on one asyncio loop, in a process of
its own, each asking the next question as soon as its answer is in (a closed loop, like ``wrk``).

The server and the generator share the machine's two cores. A generator built on a full HTTP client library
(httpx: about a millisecond of Python per request, under one interpreter lock with the client threads) spent
as much CPU as the server's own Python did and measured itself as much as the server; this one writes
prepared request bytes and reads each response by its ``Content-Length``, tens of microseconds a request.

    python -m eval.loadgen --url http://127.0.0.1:8000 --questions q.txt --clients 16 --seconds 20
    python -m eval.loadgen --url ... --questions q.txt --once     # each question once, in order, one client

It prints one JSON object: requests, seconds, requests/s, latencies (ms, in order), statuses, and how many
503s came without ``Retry-After``. A connection the server closes is counted as status 0 and opened again.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

PATH = "/api/v1/search"


def request_bytes(host: str, question: str, top_k: int = 5) -> bytes:
    """One keep-alive ``POST /api/v1/search`` with its JSON body."""
    body = json.dumps({"query": question, "top_k": top_k}, ensure_ascii=False).encode("utf-8")
    head = (
        f"POST {PATH} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode("ascii") + body


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)  # seconds, in order of completion
    statuses: dict[int, int] = field(default_factory=dict)
    retry_after_missing: int = 0
    seconds: float = 0.0

    def count(self, status: int, seconds: float, retry_after: bool) -> None:
        self.latencies.append(seconds)
        self.statuses[status] = self.statuses.get(status, 0) + 1
        if status == 503 and not retry_after:
            self.retry_after_missing += 1

    def to_json(self) -> dict[str, Any]:
        return {
            "requests": len(self.latencies),
            "seconds": round(self.seconds, 3),
            "requests/s": round(len(self.latencies) / self.seconds, 1) if self.seconds else 0.0,
            "latencies_ms": [round(x * 1000, 3) for x in self.latencies],
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "503 without Retry-After": self.retry_after_missing,
        }


async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> tuple[int, bool]:
    """Send one request, read its whole response; (status, whether it carried Retry-After)."""
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    retry_after = False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"retry-after":
            retry_after = True
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            raise ValueError("chunked responses are not expected from /api/v1/search")
    await reader.readexactly(length)
    return status, retry_after


async def _client(host: str, port: int, requests: list[bytes], start: int, step: int, stop: float, out: Result) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    i = start
    try:
        while time.monotonic() < stop and (step or i < len(requests)):
            request = requests[i % len(requests)]
            i += step or 1
            t0 = time.perf_counter()
            try:
                status, retry_after = await _exchange(reader, writer, request)
            except (asyncio.IncompleteReadError, ConnectionError):
                out.count(0, time.perf_counter() - t0, False)
                writer.close()
                reader, writer = await asyncio.open_connection(host, port)
                continue
            out.count(status, time.perf_counter() - t0, retry_after)
    finally:
        writer.close()


async def run(url: str, questions: list[str], clients: int, seconds: float, once: bool = False) -> Result:
    """``clients`` connections asking in turn for ``seconds`` (``once``: one connection, each question once)."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    requests = [request_bytes(f"{host}:{port}", q) for q in questions]
    out = Result()
    stop = time.monotonic() + (1e9 if once else seconds)
    t0 = time.perf_counter()
    if once:
        await _client(host, port, requests, 0, 0, stop, out)
    else:
        await asyncio.gather(*(_client(host, port, requests, n, clients, stop, out) for n in range(clients)))
    out.seconds = time.perf_counter() - t0
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", required=True, help="the server, e.g. http://127.0.0.1:8000")
    ap.add_argument("--questions", type=Path, required=True, help="a UTF-8 file, one question per line")
    ap.add_argument("--clients", type=int, default=1)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--once", action="store_true", help="one client asking each question once, in order")
    args = ap.parse_args(argv)
    questions = [q for q in args.questions.read_text(encoding="utf-8").splitlines() if q.strip()]
    if not questions:
        ap.error(f"no questions in {args.questions}")
    result = asyncio.run(run(args.url, questions, max(1, args.clients), args.seconds, args.once))
    json.dump(result.to_json(), sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
