"""The benchmarks' load generator against a real HTTP server on a free port (a tiny stand-in for youju)."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from eval.loadgen import request_bytes, run


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as uvicorn

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        q = body["query"]
        status = 503 if q.startswith("busy") else 200
        out = json.dumps({"query": q, "top_k": body["top_k"]}, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        if q == "busy, come back":
            self.send_header("Retry-After", "1")
        self.end_headers()
        self.wfile.write(out)
        self.server.seen.append(q)  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[ThreadingHTTPServer]:
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    srv.seen = []  # type: ignore[attr-defined]
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def test_request_is_a_keep_alive_post_with_utf8_json() -> None:
    raw = request_bytes("127.0.0.1:8000", "怀柔区执法", top_k=3)
    head, _, body = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"POST /api/v1/search HTTP/1.1\r\n")
    assert f"Content-Length: {len(body)}".encode() in head
    assert json.loads(body) == {"query": "怀柔区执法", "top_k": 3}


def test_once_asks_every_question_in_order(server: ThreadingHTTPServer) -> None:
    url = f"http://127.0.0.1:{server.server_address[1]}"
    questions = ["怀柔区执法", "12345热线", "busy, come back", "busy"]
    result = asyncio.run(run(url, questions, 1, 0.0, once=True))
    assert server.seen == questions  # type: ignore[attr-defined]
    assert result.statuses == {200: 2, 503: 2}
    assert result.retry_after_missing == 1  # the 503 without Retry-After is counted
    assert len(result.latencies) == 4 and all(x > 0 for x in result.latencies)


def test_clients_share_the_questions_for_the_time_given(server: ThreadingHTTPServer) -> None:
    url = f"http://127.0.0.1:{server.server_address[1]}"
    questions = [f"问题{i}" for i in range(10)]
    result = asyncio.run(run(url, questions, 4, 0.5))
    assert result.statuses.get(200, 0) == len(result.latencies) > 4
    assert 0.5 <= result.seconds < 5
    assert set(server.seen) == set(questions)  # type: ignore[attr-defined]
    doc = result.to_json()
    assert doc["requests"] == len(result.latencies) and doc["statuses"] == {"200": len(result.latencies)}
