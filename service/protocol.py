"""The HTTP protocol youju serves with: uvicorn's h11 protocol, except that a request too malformed to reach
the application (a bad Content-Length, an invalid header name, garbage instead of a request line) is answered
in the API's one JSON error shape, not uvicorn's plain text. Selected by ``youju serve`` (``http=``)."""

from __future__ import annotations

import json

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

BODY = json.dumps(
    {"error": {"code": "bad_request", "message": "malformed HTTP request (request line, headers or body framing)"}}
).encode()


class JsonErrorH11Protocol(H11Protocol):
    def send_400_response(self, msg: str) -> None:
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(BODY)).encode("ascii")),
            (b"connection", b"close"),
        ]
        for event in (
            h11.Response(status_code=400, headers=headers, reason=b"Bad Request"),
            h11.Data(data=BODY),
            h11.EndOfMessage(),
        ):
            self.transport.write(self.conn.send(event) or b"")
        self.transport.close()
