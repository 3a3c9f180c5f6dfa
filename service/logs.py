"""Logs of the running service: one JSON object a line (or plain text), each with the id of the request it
belongs to, and never personal data.

``RequestMiddleware`` (service/middleware.py) gives every request an id (the client's ``X-Request-ID`` when it
is sane, else a new one), keeps it in a context variable for the formatters, and writes one access line per
request; code handling the request adds fields to that line with ``annotate`` (the search outcome, timings).

Both formatters pass the message, string fields and exception text through ``service.privacy.redact``:
the code never logs a question unredacted, and this is the second line of defence.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, Literal, TextIO

from service.privacy import redact

LogFormat = Literal["json", "text"]

_REQUEST_ID: ContextVar[str | None] = ContextVar("youju_request_id", default=None)
_REQUEST_FIELDS: ContextVar[dict[str, Any] | None] = ContextVar("youju_request_fields", default=None)

# An id a client or proxy sent is kept when it is short and plain (it is echoed in a header and in logs).
_SANE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")

# Attributes every LogRecord has; anything else on a record came from ``extra=`` and is written as a field
# (but uvicorn's ``color_message``, the message again with terminal colour codes).
_STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
    "message",
    "asctime",
    "taskName",
    "color_message",
}


def sane_request_id(value: str | None) -> str | None:
    """``value`` when it may serve as a request id (at most 64 of ``A-Za-z0-9._-``), else None."""
    return value if value is not None and _SANE_ID.fullmatch(value) else None


def current_request_id() -> str | None:
    """The id of the request being handled (None outside a request)."""
    return _REQUEST_ID.get()


@contextmanager
def request_context(request_id: str) -> Iterator[dict[str, Any]]:
    """While handling one request: its id for the log lines, and the fields ``annotate`` adds to its access line."""
    fields: dict[str, Any] = {}
    id_token = _REQUEST_ID.set(request_id)
    fields_token = _REQUEST_FIELDS.set(fields)
    try:
        yield fields
    finally:
        _REQUEST_FIELDS.reset(fields_token)
        _REQUEST_ID.reset(id_token)


def annotate(**fields: Any) -> None:
    """Add fields to the access line of the current request (nothing outside a request)."""
    current = _REQUEST_FIELDS.get()
    if current is not None:
        current.update(fields)


def _clean(value: Any) -> Any:
    """A field value as written: numbers, booleans and None as they are, everything else as redacted text."""
    if value is None or isinstance(value, bool | int | float):
        return value
    return redact(value if isinstance(value, str) else str(value))[0]


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    return {k: _clean(v) for k, v in record.__dict__.items() if k not in _STANDARD and not k.startswith("_")}


def _timestamp(record: logging.LogRecord) -> str:
    return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class JsonFormatter(logging.Formatter):
    """One JSON object a line: ``time`` (ISO 8601, UTC), ``level``, ``logger``, ``message``, ``request_id``
    (inside a request), the record's extra fields, and ``exception`` (the traceback) when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": _timestamp(record),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage())[0],
        }
        request_id = getattr(record, "request_id", None) or current_request_id()
        if request_id is not None:
            out["request_id"] = str(request_id)
        out.update({k: v for k, v in _extras(record).items() if k not in out})
        if record.exc_info:
            out["exception"] = redact(self.formatException(record.exc_info))[0]
        elif record.exc_text:
            out["exception"] = redact(record.exc_text)[0]
        if record.stack_info:
            out["stack"] = redact(self.formatStack(record.stack_info))[0]
        return json.dumps(out, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """``time level logger [request id] message key=value ...`` for reading in a terminal; redacted too."""

    def format(self, record: logging.LogRecord) -> str:
        request_id = getattr(record, "request_id", None) or current_request_id()
        parts = [_timestamp(record), record.levelname, record.name]
        if request_id is not None:
            parts.append(f"[{request_id}]")
        parts.append(record.getMessage())
        parts.extend(f"{k}={v}" for k, v in _extras(record).items() if k != "request_id")
        line = " ".join(parts)
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        if record.stack_info:
            line += "\n" + self.formatStack(record.stack_info)
        return redact(line)[0]


class _YoujuHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The handler ``configure_logging`` installs (recognised, and replaced, when it is called again)."""


def formatter(fmt: LogFormat) -> logging.Formatter:
    return JsonFormatter() if fmt == "json" else TextFormatter()


def configure_logging(fmt: LogFormat = "json", level: str | int = "info", stream: TextIO | None = None) -> None:
    """Send every log line of the process (youju's, uvicorn's, the libraries' warnings) to ``stream`` (stderr)
    in ``fmt``. Handlers installed before (``logging.basicConfig`` by the command line) are replaced, so no
    line leaves the process unformatted and unredacted. ``level`` applies to youju's and uvicorn's loggers;
    other libraries write warnings and errors only."""
    numeric = level if isinstance(level, int) else logging.getLevelNamesMapping()[level.upper()]
    handler = _YoujuHandler(stream or sys.stderr)
    handler.setFormatter(formatter(fmt))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
        if isinstance(old, _YoujuHandler):
            old.close()
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
    for name in ("youju", "uvicorn", "uvicorn.error"):
        logging.getLogger(name).setLevel(numeric)
