"""The data layer (service/db/): migrations on SQLite and PostgreSQL, SQLite files written before it,
replicas sharing one PostgreSQL database, a PostgreSQL server stopped under the running service, the URL's
password kept out of errors and status, and the copy of SQLite data into PostgreSQL."""

from __future__ import annotations

import hashlib
import hmac
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from service.db import schema
from service.db.engine import Database, head_revision, url_problem
from service.db.migrate import CopyError, copy_sqlite
from service.errors import FeedbackUnavailableError
from service.feedback import SECRET_NAME, FeedbackStore, secret_path
from service.pins import PinStore
from service.querylog import LoggedQuery, QueryLog
from tests.conftest import postgres_or_skip
from tests.postgres import PostgresServer
from tests.service.helpers import ServeFn, assert_error

# The tables as the SQLite stores created them before migrations existed (service/feedback.py, querylog.py
# and pins.py, CREATE TABLE IF NOT EXISTS on every connection).
OLD_FEEDBACK = """
CREATE TABLE IF NOT EXISTS feedback (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at  TEXT    NOT NULL,
    query       TEXT    NOT NULL,
    passage_id  TEXT    NOT NULL,
    helpful     INTEGER NOT NULL CHECK (helpful IN (0, 1)),
    comment     TEXT,
    client_key  TEXT    NOT NULL,
    index_build TEXT
);
CREATE INDEX IF NOT EXISTS feedback_created ON feedback (created_at);
CREATE INDEX IF NOT EXISTS feedback_passage ON feedback (passage_id);
"""
OLD_STATE = """
CREATE TABLE IF NOT EXISTS queries (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at  TEXT    NOT NULL,
    channel     TEXT    NOT NULL,
    query       TEXT    NOT NULL,
    grouping    TEXT    NOT NULL,
    answered    INTEGER NOT NULL CHECK (answered IN (0, 1)),
    reason      TEXT    NOT NULL,
    confidence  REAL    NOT NULL,
    top_passage TEXT,
    pinned      INTEGER NOT NULL DEFAULT 0,
    results     INTEGER NOT NULL,
    ms          REAL    NOT NULL,
    index_build TEXT
);
CREATE INDEX IF NOT EXISTS queries_created ON queries (created_at);
CREATE INDEX IF NOT EXISTS queries_grouping ON queries (grouping);
CREATE TABLE IF NOT EXISTS pins (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL,
    question    TEXT    NOT NULL,
    grouping    TEXT    NOT NULL,
    passages    TEXT    NOT NULL,
    note        TEXT
);
CREATE INDEX IF NOT EXISTS pins_grouping ON pins (grouping);
"""

Q = LoggedQuery("api", "森林覆盖率多少", "森林覆盖率多少", True, "answered", 0.9, "p1", False, 3, 12.5, "b1")


def _old_files(tmp_path: Path) -> tuple[Path, Path]:
    """A feedback file and a state file as the code before the data layer left them, with rows."""
    fb, state = tmp_path / "old" / "feedback.sqlite3", tmp_path / "old" / "youju.sqlite3"
    fb.parent.mkdir()
    with sqlite3.connect(fb) as conn:
        conn.executescript(OLD_FEEDBACK)
        conn.executemany(
            "INSERT INTO feedback (created_at, query, passage_id, helpful, comment, client_key, index_build) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(f"2026-11-0{i}T08:00:00+00:00", f"问题{i}", f"p{i}", i % 2, None, "k", "b0") for i in range(1, 4)],
        )
    with sqlite3.connect(state) as conn:
        conn.executescript(OLD_STATE)
        conn.execute(
            "INSERT INTO queries (created_at, channel, query, grouping, answered, reason, confidence, top_passage, "
            "pinned, results, ms, index_build) VALUES ('2026-11-01T08:00:00+00:00', 'widget', '低保', '低保', 1, "
            "'answered', 0.8, 'p1', 0, 5, 20.0, 'b0')"
        )
        conn.execute(
            "INSERT INTO pins (created_at, updated_at, question, grouping, passages, note) VALUES "
            "('2026-11-01T08:00:00+00:00', '2026-11-01T08:00:00+00:00', '低保', '低保', "
            """'[{"passage_id": "p1", "text": "低保", "document_id": "d"}]', NULL)"""
        )
    secret_path(fb).write_text("ab" * 32 + "\n")
    return fb, state


def test_sqlite_files_written_before_migrations_keep_working(tmp_path: Path) -> None:
    fb, state = _old_files(tmp_path)
    feedback = FeedbackStore.open(fb, None)
    assert feedback.db.revision() == head_revision()  # the baseline found its tables and took them as they are
    assert [f.query for f in feedback.recent().feedback] == ["问题3", "问题2", "问题1"]
    feedback.add(query="新", passage_id="p", helpful=True, comment=None, client_ip="1.2.3.4", index_build=None)
    assert feedback.recent().feedback[0].id == 4 and feedback.summary().total == 4
    log, pins = QueryLog.open(state), PinStore.open(state)
    log.add(Q)
    assert [r["query"] for r in log.rows("2000")] == ["低保", "森林覆盖率多少"]
    assert [p.question for p in pins.all()] == ["低保"] and pins.all()[0].passages[0]["passage_id"] == "p1"
    with sqlite3.connect(state) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert {"builds", "documents", "secrets", "alembic_version"} <= tables
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_migrated_database_is_what_the_schema_module_says(db: Database) -> None:
    db.upgrade()
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), schema.metadata)
    assert diff == [] and db.revision() == head_revision()
    db.upgrade()  # again: nothing to do
    assert db.revision() == head_revision()


def test_replicas_migrating_one_database_at_once(postgres: PostgresServer) -> None:
    url = postgres.new_database()
    dbs = [Database.open(url) for _ in range(4)]
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(dbs))

    def up(d: Database) -> None:
        barrier.wait()
        try:
            d.upgrade()
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=up, args=(d,)) for d in dbs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == [] and {d.revision() for d in dbs} == {head_revision()}
    for d in dbs:
        d.close()
    postgres.drop_database(url)


@pytest.fixture
def shared(postgres: PostgresServer) -> Iterator[tuple[Database, Database]]:
    """Two "replicas": two engines (their own connection pools) on one new PostgreSQL database."""
    url = postgres.new_database()
    one, two = Database.open(url), Database.open(url)
    yield one, two
    one.close()
    two.close()
    postgres.drop_database(url)


def test_two_replicas_see_each_others_writes_and_hash_a_client_alike(shared: tuple[Database, Database]) -> None:
    one, two = shared
    fb1, fb2 = FeedbackStore.open(one, None), FeedbackStore.open(two, None)
    assert fb1.client_key("203.0.113.5") == fb2.client_key("203.0.113.5")  # the secret shared in the database
    with one.transaction() as conn:
        value = conn.execute(sa.select(schema.secrets.c.value)).scalar_one()
    assert fb1.client_key("x") == hmac.new(value.encode(), b"x", hashlib.sha256).hexdigest()
    fb1.add(query="一", passage_id="p1", helpful=True, comment=None, client_ip="203.0.113.5", index_build=None)
    fb2.add(query="二", passage_id="p2", helpful=False, comment="不对", client_ip="203.0.113.5", index_build=None)
    for store in (fb1, fb2):
        assert [f.query for f in store.recent().feedback] == ["二", "一"] and store.summary().not_helpful == 1

    log1, log2 = QueryLog.open(one), QueryLog.open(two)
    log1.record(Q)
    log2.record(LoggedQuery("widget", "低保", "低保", False, "no_answer", 0.1, None, False, 0, 8.0, "b1"))
    log1.flush()
    log2.flush()
    for log in (log1, log2):  # each sees both searches (written by two threads: in either order)
        assert sorted(r["query"] for r in log.rows("2000")) == ["低保", "森林覆盖率多少"]

    pins1, pins2 = PinStore.open(one), PinStore.open(two)
    assert pins2.all() == []
    pins1.add("低保", "低保", [{"passage_id": "p1", "text": "t", "document_id": "d"}], None)
    before = pins2.version
    pins2._loaded = 0.0  # as after SHARED_REFRESH_SECONDS: the other replica's pin is read
    assert [p.question for p in pins2.all()] == ["低保"] and pins2.version != before


def test_the_shared_secret_is_created_once_by_racing_replicas(postgres: PostgresServer) -> None:
    url = postgres.new_database()
    dbs = [Database.open(url) for _ in range(5)]
    keys: list[str] = []
    barrier = threading.Barrier(len(dbs))

    def open_store(d: Database) -> None:
        barrier.wait()
        keys.append(FeedbackStore.open(d, None).client_key("198.51.100.1"))

    threads = [threading.Thread(target=open_store, args=(d,)) for d in dbs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(keys) == 5 and len(set(keys)) == 1
    with dbs[0].transaction() as conn:
        assert conn.execute(sa.select(schema.secrets.c.name)).scalars().all() == [SECRET_NAME]
    for d in dbs:
        d.close()
    postgres.drop_database(url)


def test_the_password_never_shows(postgres: PostgresServer) -> None:
    wrong = postgres.url("postgres").replace(postgres.password, "Wr0ng-pass-word-kept-secret")
    db = Database.open(wrong)
    assert "Wr0ng-pass-word-kept-secret" not in db.where and "***" in db.where
    store = FeedbackStore.lazy(db, None)
    with pytest.raises(FeedbackUnavailableError) as e:
        store.summary()
    assert "Wr0ng" not in e.value.message and "searches are not affected" in e.value.message
    db.close()
    assert url_problem("postgres://u:Secret123@h/db") is None
    for bad in (
        "not a url Secret123",
        "mysql://u:Secret123@h/db",
        "sqlite://",
        "postgresql+nodriver://u:Secret123@h/d",
    ):
        problem = url_problem(bad)
        assert problem and "Secret123" not in problem, bad


@pytest.fixture
def own_postgres() -> Iterator[PostgresServer]:
    """A server of the test's own, which it may stop (the session's keeps serving the other tests)."""
    server = postgres_or_skip()
    yield server
    server.close()


def test_a_stopped_database_server_is_a_503_searches_go_on_and_it_comes_back(
    own_postgres: PostgresServer, serve: ServeFn
) -> None:
    url = own_postgres.new_database()
    live = serve(database_url=url, staff_key="a-long-staff-key-0123456789")
    runtime = live.app.state.runtime
    assert not (runtime.settings.feedback_db.exists() or runtime.settings.state_db.exists())  # no files
    staff = {"Authorization": "Bearer a-long-staff-key-0123456789"}
    with live.client() as c:
        pid = c.post("/api/v1/search", json={"query": "森林覆盖率"}).json()["results"][0]["passage_id"]
        body = {"query": "森林覆盖率", "passage_id": pid, "helpful": True}
        assert c.post("/api/v1/feedback", json=body).status_code == 201
        assert c.get("/readyz").json()["database"] == "ok"
        status = c.get("/api/v1/staff/status", headers=staff)
        assert status.json()["database"]["kind"] == "postgresql" and status.json()["database"]["ok"] is True
        assert own_postgres.password not in status.text

        own_postgres.stop()
        runtime._database_status = None  # (the check is reused for 5 s)
        err = assert_error(c.post("/api/v1/feedback", json=body), 503, "feedback_unavailable")
        assert "cannot be reached" in err["message"] and "searches are not affected" in err["message"]
        assert own_postgres.password not in err["message"] and str(own_postgres.dir) not in err["message"]
        assert c.post("/api/v1/search", json={"query": "森林覆盖率"}).status_code == 200  # logged: not written
        ready = c.get("/readyz")
        assert ready.status_code == 200 and ready.json()["database"] == "unavailable"
        status = c.get("/api/v1/staff/status", headers=staff)
        assert status.status_code == 200 and status.json()["database"]["ok"] is False
        assert status.json()["feedback"] is None and "cannot be reached" in status.json()["feedback_error"]
        assert own_postgres.password not in status.text
        pin = {"question": "森林覆盖率", "passage_ids": [pid]}
        assert_error(c.post("/api/v1/staff/pins", json=pin, headers=staff), 503, "pins_unavailable")
        assert c.get("/api/v1/staff/pins", headers=staff).status_code == 200  # the copy in memory is still used

        own_postgres.start()  # back: the pooled connections are checked before use and replaced
        runtime._database_status = None
        assert c.post("/api/v1/feedback", json=body).status_code == 201
        assert c.get("/api/v1/staff/feedback", headers=staff).json()["total"] == 2
        assert c.get("/readyz").json()["database"] == "ok"
        assert c.post("/api/v1/staff/pins", json=pin, headers=staff).status_code == 201
        runtime.query_log.flush()
        assert c.get("/api/v1/staff/analytics", headers=staff).json()["total"] >= 1
    own_postgres.drop_database(url)


def test_a_service_starts_while_its_database_server_is_down(own_postgres: PostgresServer, serve: ServeFn) -> None:
    url = own_postgres.new_database()
    own_postgres.stop()
    live = serve(database_url=url)
    with live.client() as c:
        r = c.post("/api/v1/search", json={"query": "森林覆盖率"})
        assert r.status_code == 200  # without pins, without a log line
        assert c.get("/readyz").json()["database"] == "unavailable"
        body = {"query": "森林覆盖率", "passage_id": r.json()["results"][0]["passage_id"], "helpful": True}
        assert_error(c.post("/api/v1/feedback", json=body), 503, "feedback_unavailable")
        own_postgres.start()
        assert c.post("/api/v1/feedback", json=body).status_code == 201  # migrated and secret made on first use


def test_sqlite_data_is_copied_into_postgresql_once(tmp_path: Path, postgres: PostgresServer) -> None:
    fb, state = _old_files(tmp_path)
    # More rows, written by the current code: a feedback row, a pin and a build next to the old ones.
    store = FeedbackStore.open(fb, None)
    store.add(query="新", passage_id="p9", helpful=False, comment="无", client_ip="1.2.3.4", index_build="b1")
    from service.registry import RegistryStore

    RegistryStore.open(state).record_build(
        {"build_id": "b1", "built_at": "2026-11-02T00:00:00+00:00", "model": "m", "corpus_fingerprint": "f"},
        [{"doc_id": "d", "path": "a.txt", "title": "报告", "metadata": {"year": 2024}}],
    )
    url = postgres.new_database()
    report = copy_sqlite([fb, state], url)
    assert report.copied == {"feedback": 4, "queries": 1, "pins": 1, "builds": 1, "documents": 1}
    assert report.secret == "copied"

    def rows(target: Database | Path, table: sa.Table) -> list[dict[str, object]]:
        d = target if isinstance(target, Database) else Database.open(target)
        with d.transaction() as conn:
            out = [dict(r) for r in conn.execute(sa.select(table).order_by(*table.primary_key.columns)).mappings()]
        return out

    pg = Database.open(url)
    for table, source in ((schema.feedback, fb), (schema.queries, state), (schema.pins, state)):
        assert rows(pg, table) == rows(source, table), table.name
    again = copy_sqlite([fb, state], url)  # idempotent
    assert sum(again.copied.values()) == 0 and again.skipped["feedback"] == 4
    # The same client keeps its key (the secret came along); new rows get new ids after the copied ones.
    moved = FeedbackStore.open(pg, None)
    assert moved.client_key("1.2.3.4") == store.client_key("1.2.3.4")
    new_id = moved.add(query="后", passage_id="p", helpful=True, comment=None, client_ip="1.2.3.4", index_build=None)
    assert new_id == 5 and moved.summary().total == 5
    # A target that holds other rows under the same ids is refused, not merged.
    with sqlite3.connect(fb) as conn:
        conn.execute("UPDATE feedback SET query = '改' WHERE id = 1")
    with pytest.raises(CopyError, match="another row"):
        copy_sqlite([fb], url)
    pg.close()
    postgres.drop_database(url)


def test_the_migration_command(tmp_path: Path, postgres: PostgresServer, capsys: pytest.CaptureFixture[str]) -> None:
    from service.db.migrate import main

    fb, state = _old_files(tmp_path)
    url = postgres.new_database()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("YOUJU_DATABASE_URL", url)
        assert main(["copy-sqlite", str(fb), str(state)]) == 0
        assert "feedback: 3 copied" in capsys.readouterr().out
        assert main(["current"]) == 0
        out = capsys.readouterr().out
        assert f"{head_revision()} (latest {head_revision()})" in out and postgres.password not in out
        mp.delenv("YOUJU_DATABASE_URL")
        mp.setenv("YOUJU_FEEDBACK_DB", str(tmp_path / "new" / "f.sqlite3"))
        mp.setenv("YOUJU_STATE_DB", str(tmp_path / "new" / "s.sqlite3"))
        assert main(["upgrade"]) == 0
        assert (tmp_path / "new" / "f.sqlite3").exists() and (tmp_path / "new" / "s.sqlite3").exists()
    postgres.drop_database(url)


def test_readiness_reports_the_sqlite_files(serve: ServeFn) -> None:
    live = serve()
    with live.client() as c:
        assert c.get("/readyz").json()["database"] == "ok"
        db = c.get("/api/v1/staff/status").json()["database"]
        assert db["kind"] == "sqlite" and len(db["where"]) == 2 and db["ok"] is True
