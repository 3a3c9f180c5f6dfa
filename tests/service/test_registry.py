"""The build history and document registry, on SQLite and PostgreSQL (the ``db`` fixture): recorded once
however many replicas record the same build at once."""

from __future__ import annotations

import threading
from typing import Any

from service.db.engine import Database
from service.registry import RegistryStore


def _manifest(build_id: str, built_at: str) -> dict[str, Any]:
    return {
        "build_id": build_id,
        "built_at": built_at,
        "model": "test/hash-bigrams",
        "backend": "embedded",
        "document_count": 2,
        "passage_count": 40,
        "corpus_fingerprint": "f" * 16,
        "chunking": {"max_chars": 220},
        "files": [{"path": "a.txt", "status": "read"}],
    }


DOCS = [
    {
        "document_id": "d1",
        "path": "a.txt",
        "title": "怀柔区政府工作报告",
        "metadata": {"year": 2024, "doc_type": "报告"},
    },
    {"doc_id": "d2", "path": "sub/b.pdf", "title": "预算", "metadata": {}},
]


def test_builds_and_their_documents_are_recorded_once(db: Database) -> None:
    reg = RegistryStore.open(db)
    assert reg.builds() == [] and reg.documents("none") == []
    assert reg.record_build(_manifest("b1", "2026-01-01T00:00:00+00:00"), DOCS) is True
    assert reg.record_build(_manifest("b1", "2026-01-01T00:00:00+00:00"), DOCS[:1]) is False  # idempotent
    assert reg.record_build(_manifest("b2", "2026-02-01T00:00:00+00:00"), []) is True
    builds = reg.builds()
    assert [b.build_id for b in builds] == ["b2", "b1"] and [b.build_id for b in reg.builds(limit=1)] == ["b2"]
    b1 = builds[1]
    assert (b1.model, b1.backend, b1.document_count, b1.passage_count) == ("test/hash-bigrams", "embedded", 2, 40)
    assert b1.manifest["chunking"] == {"max_chars": 220} and b1.manifest["files"][0]["path"] == "a.txt"
    assert b1.first_seen_at >= "2026"
    docs = reg.documents("b1")
    assert [(d.doc_id, d.path, d.title) for d in docs] == [
        ("d1", "a.txt", "怀柔区政府工作报告"),
        ("d2", "sub/b.pdf", "预算"),
    ]
    assert docs[0].metadata == {"year": 2024, "doc_type": "报告"}
    assert reg.documents("b2") == []


def test_replicas_recording_the_same_build_at_once_record_it_once(db: Database) -> None:
    RegistryStore.open(db)
    # Each "replica" has its own engine (its own connections), as separate processes would.
    replicas = [RegistryStore(Database.open(db.path if db.path is not None else db.url)) for _ in range(6)]
    barrier = threading.Barrier(len(replicas))
    results: list[bool] = []
    errors: list[BaseException] = []

    def record(reg: RegistryStore) -> None:
        barrier.wait()
        try:
            results.append(reg.record_build(_manifest("b1", "2026-01-01T00:00:00+00:00"), DOCS))
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=record, args=(r,)) for r in replicas]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    for r in replicas:
        r.db.close()
    assert errors == [] and sorted(results) == [False] * 5 + [True]
    reg = RegistryStore(db)
    assert [b.build_id for b in reg.builds()] == ["b1"] and len(reg.documents("b1")) == 2


def test_the_served_builds_are_listed_for_staff(
    serve: Any, db_url: str | None, tmp_path: Any, shared_index: Any
) -> None:
    """The service records the build it loads, and a reload onto a new build adds it; staff read the history."""
    import shutil

    from tests.helpers import REPORT_DIR, build_hash_index

    index = tmp_path / "own-index"
    shutil.copytree(shared_index, index, symlinks=True)
    server = serve(index_dir=index, database_url=db_url, admin_key="9f3c1e7a2b4d6f8091a3c5e7f9b2d4a6c8e0f1a3b5c7d9e1")
    with server.client() as c:
        first = c.get("/api/v1/staff/builds").json()["builds"]
        assert len(first) == 1 and first[0]["live"] and first[0]["passages"] > 0
        assert first[0]["titles"] and first[0]["backend"] == "embedded"
        corpus = tmp_path / "corpus"
        shutil.copytree(REPORT_DIR, corpus)
        (corpus / "extra.md").write_text("# 补充说明\n\n怀柔区2024年新增法律顾问12名。\n", encoding="utf-8")
        build_hash_index(corpus, index)
        auth = {"Authorization": "Bearer 9f3c1e7a2b4d6f8091a3c5e7f9b2d4a6c8e0f1a3b5c7d9e1"}
        assert c.post("/api/v1/admin/reload", headers=auth).status_code == 200
        builds = c.get("/api/v1/staff/builds").json()["builds"]
    assert [b["live"] for b in builds] == [True, False]
    assert builds[1]["build_id"] == first[0]["build_id"]
    assert "补充说明" in builds[0]["titles"] and len(builds[0]["titles"]) == len(first[0]["titles"]) + 1
