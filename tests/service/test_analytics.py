"""The query log and the staff analytics built on it, through the HTTP API as a hotline manager uses them."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa

from service import analytics
from service.db import schema
from service.db.engine import Database
from tests.service.helpers import ServeFn, assert_error

WIDGET = {"X-Youju-Channel": "widget"}


def test_questions_are_counted_refusals_listed_and_exported(db_url: str | None, serve: ServeFn) -> None:
    live = serve(database_url=db_url)
    with live.client() as client:
        answers = [
            client.post("/api/v1/search", json={"query": q}, headers=WIDGET).json()
            for q in ("森林覆盖率多少", "森林覆盖率多少？", "森林覆蓋率多少")
        ]
        answers.append(client.post("/api/v1/search", json={"query": "行政执法"}).json())  # an API client
        refused = client.post("/api/v1/search", json={"query": "行政执法", "document_id": "no-such"}).json()
        assert refused["answered"] is False
        client.post("/api/v1/search", json={"query": "在吗"}, headers=WIDGET)
        for prefix in ("森", "森林", "森林覆"):  # staff typing in the console: not citizens' questions
            client.post("/api/v1/search", json={"query": prefix}, headers={"X-Youju-Channel": "console"})
        answers.append(client.post("/api/v1/search", json={"query": "森林覆盖率多少"}).json())
        first = answers[-1]["results"][0]
        feedback = {
            "query": "森林覆盖率多少",
            "passage_id": first["passage_id"],
            "helpful": False,
            "comment": "不是今年的",
        }
        assert client.post("/api/v1/feedback", json=feedback).status_code == 201

        rep = client.get("/api/v1/staff/analytics", params={"days": 7}).json()
        # (The test index's hash embedder answers little: the counts follow what the searches said.)
        forest = [a["answered"] for i, a in enumerate(answers) if i != 3]
        answered = sum(a["answered"] for a in answers)
        assert rep["total"] == 7 and rep["not_a_question"] == 1
        assert rep["answered"] == answered and rep["refused"] == 6 - answered
        assert rep["channels"] == {"widget": 4, "api": 3}
        top = rep["top"][0]
        # Three wordings (punctuation, Traditional) of one question, plus the API's one: counted as one.
        assert top["query"] == "森林覆盖率多少" and top["count"] == 4 and top["previous"] == 0
        assert top["answered"] == sum(forest)
        assert rep["top"][1]["query"] == "行政执法" and rep["top"][1]["count"] == 2
        assert "行政执法" in [q["query"] for q in rep["refused_questions"]]
        assert all(q["query"] not in ("森", "森林", "森林覆") for q in rep["top"])
        assert rep["not_helpful"][0]["passage_id"] == first["passage_id"]
        assert rep["not_helpful"][0]["comment"] == "不是今年的"
        assert sum(d["total"] for d in rep["daily"]) == 6 and len(rep["daily"]) == 7

        r = client.get("/api/v1/staff/analytics/export", params={"kind": "refused"})
        assert r.status_code == 200 and r.headers["content-type"].startswith("application/x-ndjson")
        assert "attachment" in r.headers["content-disposition"]
        lines = [json.loads(x) for x in r.text.splitlines()]
        assert [x["question"] for x in lines] == [q["query"] for q in rep["refused_questions"]]
        assert all(x["answers"] == [] and x["id"].startswith("log-") for x in lines)
        assert {x["question"]: x["count"] for x in lines}["行政执法"] == 2
        kind = client.get("/api/v1/staff/analytics/export", params={"kind": "everything"})
        assert_error(kind, 422, "validation_error")


def test_personal_data_never_reaches_the_query_log(db_url: str | None, serve: ServeFn) -> None:
    live = serve(database_url=db_url)
    question = "我的身份证110101199003071234，手机13812345678，低保怎么办"
    with live.client() as client:
        assert client.post("/api/v1/search", json={"query": question}, headers=WIDGET).status_code == 200
        rep = client.get("/api/v1/staff/analytics").json()
    runtime = live.app.state.runtime
    runtime.query_log.flush()
    with runtime.query_log.db.transaction() as conn:
        stored = " ".join(str(c) for row in conn.execute(sa.select(schema.queries)) for c in row)
    dumped = json.dumps(rep, ensure_ascii=False)
    for secret in ("110101199003071234", "13812345678", "1381234"):
        assert secret not in stored and secret not in dumped
    assert "[身份证号]" in stored and "[手机号]" in stored


def test_a_state_file_deleted_under_the_running_service_is_recreated_for_both_stores(serve: ServeFn) -> None:
    live = serve()
    db = live.app.state.runtime.settings.state_db
    with live.client() as client:
        first = client.post("/api/v1/search", json={"query": "森林覆盖率多少"}).json()["results"][0]
        live.app.state.runtime.query_log.flush()
        for p in db.parent.glob(db.name + "*"):
            p.unlink()
        # The pin store touches the file first and must not leave the query log without its table.
        pin = {"question": "森林覆盖率多少", "passage_ids": [first["passage_id"]]}
        assert client.post("/api/v1/staff/pins", json=pin).status_code == 201
        assert client.post("/api/v1/search", json={"query": "森林覆盖率多少"}).status_code == 200
        rep = client.get("/api/v1/staff/analytics")
        assert rep.status_code == 200, rep.text
        assert rep.json()["total"] == 1 and rep.json()["pinned"] == 1


def test_query_log_can_be_switched_off(serve: ServeFn) -> None:
    live = serve(query_log=False)
    with live.client() as client:
        assert client.post("/api/v1/search", json={"query": "森林覆盖率多少"}).status_code == 200
        assert_error(client.get("/api/v1/staff/analytics"), 503, "query_log_off")


def test_analytics_need_the_staff_key(serve: ServeFn) -> None:
    with serve(staff_key="a-long-staff-key-0123456789").client() as client:
        assert_error(client.get("/api/v1/staff/analytics"), 401, "unauthorized")
        assert_error(client.get("/api/v1/staff/analytics/export"), 401, "unauthorized")


def _row(when: str, grouping: str, answered: bool, confidence: float, reason: str | None = None) -> dict[str, Any]:
    return {
        "created_at": when,
        "channel": "widget",
        "query": grouping,
        "grouping": grouping,
        "answered": int(answered),
        "reason": reason or ("answered" if answered else "no_answer"),
        "confidence": confidence,
        "top_passage": "p1" if answered else None,
        "pinned": 0,
    }


def test_report_trends_and_low_confidence() -> None:
    now = datetime(2026, 11, 28, 12, tzinfo=UTC)
    rows = [
        _row("2026-11-10T09:00:00+00:00", "低保", True, 0.9),  # the period before: the trend
        _row("2026-11-10T09:00:00+00:00", "低保", True, 0.9),
        _row("2026-11-27T09:00:00+00:00", "低保", True, 0.3),
        _row("2026-11-27T10:00:00+00:00", "低保", True, 0.4),
        _row("2026-11-28T10:00:00+00:00", "低保", True, 0.95),
        _row("2026-11-28T11:00:00+00:00", "公积金", False, 0.05),
        _row("2026-11-28T11:00:00+00:00", "在吗", False, 0.0, "not_a_question"),
    ]
    rep = analytics.report(rows, [], days=14, now=now)
    assert (rep.total, rep.answered, rep.refused, rep.not_a_question) == (5, 3, 1, 1)
    assert [(q.query, q.count, q.previous, q.answered) for q in rep.top] == [("低保", 3, 2, 3), ("公积金", 1, 0, 0)]
    assert [q.query for q in rep.low_confidence] == ["低保"] and rep.low_confidence[0].confidence == 0.4
    assert [q.query for q in rep.refused_questions] == ["公积金"]
    days = {d.date: (d.total, d.answered, d.refused) for d in rep.daily}
    assert days["2026-11-27"] == (2, 2, 0) and days["2026-11-28"] == (2, 1, 1) and len(days) == 14
    assert analytics.report(rows, [], days=1, now=now).top[0].previous == 2  # 27 Nov is now the period before


def test_the_query_log_backlog_is_bounded_and_written_in_batches(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    from service import querylog

    monkeypatch.setattr(querylog, "MAX_BACKLOG", 5)
    store = querylog.QueryLog.open(db)
    q = querylog.LoggedQuery(
        "api", "森林覆盖率多少", "森林覆盖率多少", True, "answered", 0.9, None, False, 1, 3.0, None
    )
    with store._lock:  # the disk is stuck: the writer waits, searches go on
        for _ in range(20):
            store.record(q)  # never blocks
        time.sleep(0.2)
    store.flush()
    kept = len(store.rows("2000-01-01"))
    assert store.dropped > 0 and kept + store.dropped == 20 and kept <= 5 + querylog.BATCH


def test_searches_one_at_a_time_are_written_together(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """One client asking in turn must not cost a transaction per search (connection, commit, fsync): the
    writer gathers what arrives within ``GATHER_SECONDS``; ``flush`` writes what it holds at once."""
    from service import querylog

    monkeypatch.setattr(querylog, "GATHER_SECONDS", 5.0)
    store = querylog.QueryLog.open(db)
    writes: list[int] = []
    add_many = store.add_many

    def counted(items: list[tuple[str, querylog.LoggedQuery]]) -> None:
        writes.append(len(items))
        add_many(items)

    monkeypatch.setattr(store, "add_many", counted)
    q = querylog.LoggedQuery(
        "api", "森林覆盖率多少", "森林覆盖率多少", True, "answered", 0.9, None, False, 1, 3.0, None
    )
    t0 = time.monotonic()
    for _ in range(10):
        store.record(q)
        time.sleep(0.01)  # a search at a time
    store.flush()
    assert time.monotonic() - t0 < 4.0  # flush did not wait for the gathering to end
    assert writes == [10] and len(store.rows("2000-01-01")) == 10
