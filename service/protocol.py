"""The HTTP protocol youju serves with: uvicorn's httptools protocol (llhttp, C; uvicorn's choice when
``httptools`` is installed), or its h11 protocol where httptools is missing, except that a request too malformed
to reach the application (a bad Content-Length, an invalid header name, garbage instead of a request line) is
answered in the API's one JSON error shape, not uvicorn's plain text. Selected by ``youju serve`` (``http=``)."""

from __future__ import annotations

import json
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

BODY = json.dumps(
    {"error": {"code": "bad_request", "message": "malformed HTTP request (request line, headers or body framing)"}}
).encode()
HEADERS = [
    (b"content-type", b"application/json"),
    (b"content-length", str(len(BODY)).encode("ascii")),
    (b"connection", b"close"),
]


class JsonErrorH11Protocol(H11Protocol):
    def send_400_response(self, msg: str) -> None:
        for event in (
            h11.Response(status_code=400, headers=HEADERS, reason=b"Bad Request"),
            h11.Data(data=BODY),
            h11.EndOfMessage(),
        ):
            self.transport.write(self.conn.send(event) or b"")
        self.transport.close()


try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    HTTPTOOLS = True
except ImportError:  # httptools is not installed
    HTTPTOOLS = False

if HTTPTOOLS:

    class JsonErrorHttpToolsProtocol(HttpToolsProtocol):
        def send_400_response(self, msg: str) -> None:
            head = [b"HTTP/1.1 400 Bad Request\r\n"]
            for name, value in self.server_state.default_headers:
                head.append(name + b": " + value + b"\r\n")
            head.extend(name + b": " + value + b"\r\n" for name, value in HEADERS)
            self.transport.write(b"".join(head) + b"\r\n" + BODY)
            self.transport.close()


def protocol() -> type[Any]:
    """The httptools protocol with the JSON 400 when httptools is installed, else the h11 one."""
    return JsonErrorHttpToolsProtocol if HTTPTOOLS else JsonErrorH11Protocol


def protocol_path() -> str:
    """``protocol()`` as an import string: what uvicorn's worker processes import (a class does not pickle)."""
    return f"{__name__}:{protocol().__name__}"
