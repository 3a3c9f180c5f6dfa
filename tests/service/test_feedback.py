"""The feedback store: durable rows, no client addresses, a private secret, paging and counts (on SQLite and
PostgreSQL: the ``db`` fixture)."""

from __future__ import annotations

import hashlib
import hmac
import stat
from pathlib import Path

import pytest
from pydantic import SecretStr

from service.db.engine import Database
from service.feedback import FeedbackStore, secret_path


def _add(store: FeedbackStore, i: int, helpful: bool, ip: str = "198.51.100.9") -> int:
    return store.add(
        query=f"问题{i}", passage_id=f"p{i}", helpful=helpful, comment=None, client_ip=ip, index_build="b1"
    )


def test_rows_are_paged_newest_first_and_counted(db: Database) -> None:
    store = FeedbackStore.open(db, None)
    ids = [_add(store, i, helpful=i % 3 != 0) for i in range(7)]
    assert ids == sorted(ids)
    page = store.recent(limit=3, offset=0)
    assert page.total == 7 and [f.query for f in page.feedback] == ["问题6", "问题5", "问题4"]
    assert [f.query for f in store.recent(limit=3, offset=6).feedback] == ["问题0"]
    unhelpful = store.recent(helpful=False)
    assert unhelpful.total == 3 and not any(f.helpful for f in unhelpful.feedback)
    s = store.summary()
    assert (s.total, s.helpful, s.not_helpful) == (7, 4, 3)


def test_client_is_a_keyed_hash_with_a_private_generated_secret(tmp_path: Path) -> None:
    db = tmp_path / "var" / "fb.sqlite3"
    store = FeedbackStore.open(db, None)
    secret_file = secret_path(db)
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    secret = secret_file.read_text().strip().encode()
    assert store.client_key("203.0.113.5") == hmac.new(secret, b"203.0.113.5", hashlib.sha256).hexdigest()
    _add(store, 1, True, ip="203.0.113.5")
    assert b"203.0.113.5" not in db.read_bytes()
    again = FeedbackStore.open(db, None)  # the same secret on restart: the same client, the same key
    assert again.client_key("203.0.113.5") == store.client_key("203.0.113.5")


def test_configured_secret_wins_and_a_damaged_secret_file_is_reported(tmp_path: Path) -> None:
    store = FeedbackStore.open(tmp_path / "a.sqlite3", SecretStr("configured-secret-0123456789"))
    assert store.client_key("x") == hmac.new(b"configured-secret-0123456789", b"x", hashlib.sha256).hexdigest()
    assert not secret_path(tmp_path / "a.sqlite3").exists()
    secret_path(tmp_path / "b.sqlite3").write_text("short")
    with pytest.raises(ValueError, match="no usable secret"):
        FeedbackStore.open(tmp_path / "b.sqlite3", None)


def test_a_damaged_or_missing_database_refuses_feedback_clearly_and_recovers(tmp_path: Path) -> None:
    from service.errors import FeedbackUnavailableError

    db = tmp_path / "fb.sqlite3"
    store = FeedbackStore.open(db, None)
    store.add(query="q", passage_id="p", helpful=True, comment=None, client_ip="1.2.3.4", index_build=None)
    db.write_bytes(b"not a database " * 100)
    with pytest.raises(FeedbackUnavailableError, match="searches are not affected"):
        store.add(query="q", passage_id="p", helpful=True, comment=None, client_ip="1.2.3.4", index_build=None)
    with pytest.raises(FeedbackUnavailableError):
        store.summary()
    with pytest.raises(FeedbackUnavailableError):
        store.recent()
    db.unlink()  # removed by hand: a new, empty store takes the next feedback
    store.add(query="q2", passage_id="p", helpful=False, comment=None, client_ip="1.2.3.4", index_build=None)
    assert store.summary().total == 1 and store.recent().feedback[0].query == "q2"


def test_not_helpful_rows_since_a_time(db: Database) -> None:
    store = FeedbackStore.open(db, SecretStr("configured-secret-0123456789"))
    for i in range(4):
        _add(store, i, helpful=i % 2 == 0)
    rows = store.not_helpful_since("2000-01-01")
    assert [r["query"] for r in rows] == ["问题1", "问题3"] and rows[0]["passage_id"] == "p1"
    assert store.not_helpful_since("2999-01-01") == []
