"""Build history and the document registry: which index builds the service has served, and what each
contains (its documents), kept in the service's database so that every replica of a scale-out deployment
sees the same history (``YOUJU_DATABASE_URL``; a SQLite file, the state database, otherwise).

``record_build`` is idempotent and safe to race: any number of replicas may record the same build at
once (INSERT ... ON CONFLICT DO NOTHING); the first record is kept, with the time it was first seen.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from service.db import schema
from service.db.engine import Database
from service.db.store import Store, insert_ignore, utc_now
from service.errors import RegistryUnavailableError


@dataclass(frozen=True)
class BuildRecord:
    build_id: str
    built_at: str
    first_seen_at: str
    backend: str
    model: str
    document_count: int
    passage_count: int
    corpus_fingerprint: str
    manifest: dict[str, Any]


@dataclass(frozen=True)
class DocumentRecord:
    build_id: str
    doc_id: str
    path: str
    title: str
    metadata: dict[str, Any]


def _document_row(build_id: str, d: Mapping[str, Any]) -> dict[str, Any]:
    doc_id = d.get("doc_id") or d.get("document_id")
    if not doc_id:
        raise ValueError(f"a document of build {build_id} has no doc_id")
    return {
        "build_id": build_id,
        "doc_id": str(doc_id),
        "path": str(d.get("path") or ""),
        "title": str(d.get("title") or ""),
        "metadata": dict(d.get("metadata") or {}),
    }


class RegistryStore(Store):
    WHAT = "build registry"
    unavailable = RegistryUnavailableError

    def __init__(self, db: Database | Path | str) -> None:
        super().__init__(db)

    @classmethod
    def open(cls, db: Database | Path | str) -> RegistryStore:
        """The registry, migrated (raises ``unavailable``)."""
        store = cls(db)
        store.start()
        return store

    def record_build(self, manifest: Mapping[str, Any], documents: Iterable[Mapping[str, Any]]) -> bool:
        """Record a build (its manifest, as in manifest.json) and its documents (``doc_id`` or
        ``document_id``, ``path``, ``title``, ``metadata``). True when this call recorded it; False when it
        was already there (recorded by this or another replica: nothing is changed)."""
        build_id = str(manifest["build_id"])
        build = {
            "build_id": build_id,
            "built_at": str(manifest.get("built_at") or ""),
            "first_seen_at": utc_now(),
            "backend": str(manifest.get("backend") or "embedded"),
            "model": str(manifest.get("model") or ""),
            "document_count": int(manifest.get("document_count") or 0),
            "passage_count": int(manifest.get("passage_count") or 0),
            "corpus_fingerprint": str(manifest.get("corpus_fingerprint") or ""),
            "manifest": dict(manifest),
        }
        rows = [_document_row(build_id, d) for d in documents]
        with self._lock, self._db(write=True) as conn:
            if insert_ignore(conn, schema.builds, [build], ["build_id"]) != 1:
                return False
            # Only the replica whose build row took writes the documents: in the same transaction, so a
            # build is never seen without them (another replica's insert waits for this commit).
            if rows:
                conn.execute(schema.documents.insert(), rows)
            return True

    def builds(self, limit: int = 20) -> list[BuildRecord]:
        """The recorded builds, newest first."""
        b = schema.builds
        with self._db() as conn:
            rows = conn.execute(sa.select(b).order_by(b.c.built_at.desc(), b.c.build_id.desc()).limit(limit)).all()
        return [
            BuildRecord(
                build_id=r.build_id,
                built_at=r.built_at,
                first_seen_at=r.first_seen_at,
                backend=r.backend,
                model=r.model,
                document_count=int(r.document_count),
                passage_count=int(r.passage_count),
                corpus_fingerprint=r.corpus_fingerprint,
                manifest=dict(r.manifest),
            )
            for r in rows
        ]

    def documents(self, build_id: str) -> list[DocumentRecord]:
        """The documents of one recorded build (none for a build not recorded), by id."""
        d = schema.documents
        with self._db() as conn:
            rows = conn.execute(sa.select(d).where(d.c.build_id == build_id).order_by(d.c.doc_id)).all()
        return [DocumentRecord(r.build_id, r.doc_id, r.path, r.title, dict(r.metadata)) for r in rows]
