"""Requests too malformed to reach the application still get the API's JSON error shape (service/protocol.py)."""

from __future__ import annotations

import json
import socket

import pytest

from tests.service.helpers import LiveServer, ServeFn

MALFORMED = [
    b"POST /api/v1/search HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
    b"GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n",
    b"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\n",
    b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 not http at all\r\n\r\n",
]


def _raw(server: LiveServer, payload: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as s:
        s.sendall(payload)
        chunks = []
        while chunk := s.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


@pytest.mark.parametrize("parser", ["httptools", "h11"])
@pytest.mark.parametrize("payload", MALFORMED)
def test_malformed_requests_get_the_json_error_shape(
    serve: ServeFn, monkeypatch: pytest.MonkeyPatch, parser: str, payload: bytes
) -> None:
    """Either parser: httptools (installed with youju, what ``youju serve`` uses) or h11 (where it is not)."""
    from service import protocol, server

    chosen = protocol.protocol() if parser == "httptools" else protocol.JsonErrorH11Protocol
    assert ("HttpTools" in chosen.__name__) == (parser == "httptools")
    monkeypatch.setattr(server, "protocol", lambda: chosen)
    live = serve()
    raw = _raw(live, payload)
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    assert lines[0].startswith("HTTP/1.1 400")
    headers = {k.lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:])}
    assert headers["content-type"] == "application/json"
    assert json.loads(body) == {
        "error": {"code": "bad_request", "message": "malformed HTTP request (request line, headers or body framing)"}
    }
