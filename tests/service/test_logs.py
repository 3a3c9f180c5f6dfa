"""Structured logs: JSON lines with the request id the response carries, and no personal data in any line,
whatever path the request took (answered, refused, failed)."""

from __future__ import annotations

import io
import json
import logging
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from index import store
from index.config import Settings
from index.pipeline import searcher_for
from index.records import Answer
from index.search import Searcher
from service.logs import JsonFormatter, TextFormatter, configure_logging, request_context, sane_request_id
from tests.helpers import HashEmbedder
from tests.service.helpers import ServeFn, assert_error, make_settings

PERSONAL = "我叫张三，身份证110101199003071234，手机13812345678，低保怎么办"
SECRETS = ("张三", "110101199003071234", "13812345678")


class Lines:
    """Everything logged (at debug and above) while a test runs, as the JSON formatter writes it."""

    def __init__(self, stream: io.StringIO) -> None:
        self.stream = stream

    @property
    def raw(self) -> str:
        return self.stream.getvalue()

    def records(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.raw.splitlines() if line.strip()]

    def of(self, request_id: str) -> list[dict[str, Any]]:
        return [r for r in self.records() if r.get("request_id") == request_id]

    def access(self, request_id: str) -> dict[str, Any]:
        (line,) = [r for r in self.of(request_id) if r["logger"] == "youju.access"]
        return line


@pytest.fixture
def lines() -> Iterator[Lines]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    youju = logging.getLogger("youju")
    level = youju.level
    root.addHandler(handler)
    youju.setLevel(logging.DEBUG)  # the question lines too
    try:
        yield Lines(stream)
    finally:
        root.removeHandler(handler)
        youju.setLevel(level)


def assert_no_personal_data(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, secret


def test_a_search_logs_json_lines_with_its_request_id_and_no_personal_data(serve: ServeFn, lines: Lines) -> None:
    live = serve()
    with live.client() as c:
        r = c.post("/api/v1/search", json={"query": PERSONAL})
    assert r.status_code == 200
    request_id = r.headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    assert_no_personal_data(lines.raw)
    records = lines.records()  # every line is one JSON object
    assert all({"time", "level", "logger", "message"} <= set(rec) for rec in records)
    assert all(rec["time"].endswith("Z") for rec in records)
    access = lines.access(request_id)
    assert access["level"] == "INFO"
    assert access["route"] == "/api/v1/search" and access["method"] == "POST" and access["status"] == 200
    assert access["outcome"] == "no_answer" and access["duration_ms"] >= access["search_ms"] >= 0
    assert "encoder_ms" in access and "client" not in json.dumps(access)
    # At debug level the question is logged, redacted.
    (question,) = [x for x in lines.of(request_id) if x["logger"] == "youju.service.search"]
    assert question["message"].endswith("我叫[姓名]，身份证[身份证号]，手机[手机号]，低保怎么办")


def test_a_sane_incoming_request_id_is_kept_and_others_are_replaced(serve: ServeFn, lines: Lines) -> None:
    live = serve()
    with live.client() as c:
        kept = c.get("/healthz", headers={"X-Request-ID": "edge-7f3a.b_1"})
        assert kept.headers["x-request-id"] == "edge-7f3a.b_1"
        for bad in (b"a" * 65, "两个字".encode(), b"a b", b"a/b"):
            replaced = c.get("/healthz", headers={b"X-Request-ID": bad})
            assert re.fullmatch(r"[0-9a-f]{32}", replaced.headers["x-request-id"]), bad
        missing = c.get("/no/such/page")
        assert missing.status_code == 404 and re.fullmatch(r"[0-9a-f]{32}", missing.headers["x-request-id"])
    assert lines.access("edge-7f3a.b_1")["level"] == "DEBUG"  # probes are quiet
    assert lines.access(missing.headers["x-request-id"])["route"] == "<unmatched>"


def test_refused_questions_are_logged_without_their_text(serve: ServeFn, lines: Lines) -> None:
    live = serve(max_query_chars=40)
    with live.client() as c:
        too_long = c.post("/api/v1/search", json={"query": PERSONAL * 2})
        assert_error(too_long, 413, "query_too_long")
        control = c.post("/api/v1/search", json={"query": PERSONAL[:20] + "\x00"})
        assert_error(control, 400, "invalid_query")
        invalid = c.post("/api/v1/search", json={"query": PERSONAL, "top_k": "many"})
        assert_error(invalid, 422, "validation_error")
    assert_no_personal_data(lines.raw)
    for response, status in ((too_long, 413), (control, 400)):
        access = lines.access(response.headers["x-request-id"])
        assert access["status"] == status and access["outcome"] == "invalid"
    assert lines.access(invalid.headers["x-request-id"])["status"] == 422


class ExplodingSearcher(Searcher):
    def search(self, query: str, top_k: int = 5, **kw: Any) -> Answer:
        if "低保" in query:  # not the warm-up question
            raise RuntimeError(f"failed while searching {query!r}")  # an exception message holding the question
        return super().search(query, top_k, **kw)


def exploding_factory(settings: Settings) -> Searcher:
    searcher = searcher_for(settings, store.load(settings.index_dir), HashEmbedder())
    searcher.__class__ = ExplodingSearcher
    return searcher


def test_a_failed_search_logs_its_traceback_redacted_under_the_request_id(serve: ServeFn, lines: Lines) -> None:
    live = serve(exploding_factory)
    with live.client() as c:
        r = c.post("/api/v1/search", json={"query": PERSONAL})
        assert_error(r, 500, "internal_error")
        metrics = c.get("/metrics").text
    assert 'youju_searches_total{outcome="error"} 1.0' in metrics
    request_id = r.headers["x-request-id"]
    assert_no_personal_data(lines.raw)
    mine = lines.of(request_id)
    (error,) = [x for x in mine if x["level"] == "ERROR"]
    assert "RuntimeError: failed while searching '我叫[姓名]，身份证[身份证号]" in error["exception"]
    access = lines.access(request_id)
    assert access["status"] == 500 and access["level"] == "WARNING" and access["outcome"] == "error"


def record(msg: str, *args: object, **extra: Any) -> logging.LogRecord:
    rec = logging.LogRecord("youju.test", logging.WARNING, __file__, 1, msg, args, None)
    rec.__dict__.update(extra)
    return rec


def test_formatters_redact_messages_fields_and_exceptions() -> None:
    try:
        raise ValueError(PERSONAL)
    except ValueError:
        exc = sys.exc_info()
    rec = record("asked %s", PERSONAL, question=PERSONAL, count=3, ok=True)
    rec.exc_info = exc
    with request_context("req-1"):
        as_json = JsonFormatter().format(rec)
        as_text = TextFormatter().format(rec)
    for out in (as_json, as_text):
        assert_no_personal_data(out)
        assert "[身份证号]" in out and "req-1" in out
    obj = json.loads(as_json)
    assert obj["request_id"] == "req-1" and obj["count"] == 3 and obj["ok"] is True
    assert obj["question"] == "我叫[姓名]，身份证[身份证号]，手机[手机号]，低保怎么办"
    assert "ValueError" in obj["exception"]
    assert "request_id" not in json.loads(JsonFormatter().format(record("outside a request")))


def test_configure_logging_replaces_earlier_handlers() -> None:
    root = logging.getLogger()
    saved = (list(root.handlers), root.level, logging.getLogger("youju").level)
    try:
        logging.basicConfig(level=logging.INFO, format="%(message)s", force=True)  # what `youju` itself does
        stream = io.StringIO()
        configure_logging("json", "info", stream=stream)
        configure_logging("text", "info", stream=stream)  # again: still one handler
        assert len(root.handlers) == 1
        logging.getLogger("youju.service").info("hello %s", "13812345678")
        logging.getLogger("youju.service").debug("not at info")
        (line,) = stream.getvalue().splitlines()
        assert line.endswith("INFO youju.service hello [手机号]")
    finally:
        for h in list(root.handlers):
            root.removeHandler(h)
        for h in saved[0]:
            root.addHandler(h)
        root.setLevel(saved[1])
        logging.getLogger("youju").setLevel(saved[2])


@pytest.mark.parametrize(
    ("value", "kept"),
    [("abc-123_x.Y", True), ("a" * 64, True), ("a" * 65, False), ("", False), ("a b", False), ("é", False)],
)
def test_sane_request_ids(value: str, kept: bool) -> None:
    assert (sane_request_id(value) == value) is kept


def test_serve_sends_uvicorn_through_our_handler_without_its_access_log(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, shared_index: Path
) -> None:
    import signal

    import uvicorn

    from service.server import serve

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append(kw))
    root = logging.getLogger()
    saved = (list(root.handlers), root.level, logging.getLogger("youju").level)
    hup = signal.getsignal(signal.SIGHUP) if hasattr(signal, "SIGHUP") else None
    try:
        assert serve(make_settings(tmp_path, shared_index, log_format="text", log_level="warning")) == 0
        (kw,) = calls
        # uvicorn's access log (client addresses, query strings) is off; youju.access replaces it.
        assert kw["access_log"] is False and kw["log_config"] is None and kw["log_level"] == "warning"
        (handler,) = root.handlers
        assert isinstance(handler.formatter, TextFormatter)
        assert logging.getLogger("youju").level == logging.WARNING
    finally:
        for h in list(root.handlers):
            root.removeHandler(h)
        for h in saved[0]:
            root.addHandler(h)
        root.setLevel(saved[1])
        logging.getLogger("youju").setLevel(saved[2])
        if hup is not None:
            signal.signal(signal.SIGHUP, hup)
