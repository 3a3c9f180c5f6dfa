"""Documents over HTTP: details and canonical text, the build report, and staff uploads (checked, indexed in
the background, live through the atomic switch), driven with a real client against a real server."""

from __future__ import annotations

import io
import shutil
import time
import zipfile
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.helpers import REPORT_DIR, REPORT_ID, build_hash_index
from tests.service.helpers import STAFF_KEY, LiveServer, ServeFn, assert_error

AUTH = {"Authorization": f"Bearer {STAFF_KEY}"}
NEW_DOC = "一、新设施\n青禾区新建星空观测站，向市民免费开放，每周六晚上开放观测。\n"


@pytest.fixture
def own(tmp_path: Path, serve: ServeFn) -> LiveServer:
    corpus = tmp_path / "corpus"
    shutil.copytree(REPORT_DIR, corpus)
    build_hash_index(corpus, tmp_path / "index")
    return serve(index_dir=tmp_path / "index", corpus_dir=corpus, staff_key=STAFF_KEY)


def wait_job(c: httpx.Client, job: dict[str, Any]) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while job["status"] in ("queued", "running"):
        assert time.monotonic() < deadline, job
        time.sleep(0.05)
        job = c.get(f"/api/v1/staff/jobs/{job['id']}", headers=AUTH).json()
    return job


def test_document_detail_and_canonical_text(own: LiveServer) -> None:
    with own.client() as c:
        d = c.get(f"/api/v1/documents/{REPORT_ID}").json()
        assert d["document"]["format"] == "txt" and d["document"]["metadata"]["year"] == 2024 and d["pages"] == []
        r = c.post("/api/v1/search", json={"query": "森林覆盖率"}).json()["results"][0]
        text = c.get(f"/api/v1/documents/{REPORT_ID}/text").json()
        assert text["text"][r["citation"]["start"] : r["citation"]["end"]] == r["text"]
        assert_error(c.get("/api/v1/documents/nope"), 404, "document_not_found")
        assert_error(c.get(f"/api/v1/documents/{REPORT_ID}/text?page=3"), 404, "page_not_found")
        report = c.get("/api/v1/staff/build", headers=AUTH).json()
        assert [(f["path"], f["status"], f["format"]) for f in report["files"]] == [(f"{REPORT_ID}.txt", "read", "txt")]
        assert report["files"][0]["passages"] == report["index"]["passages"]


def test_upload_goes_live_and_removal_takes_it_out(own: LiveServer) -> None:
    with own.client() as c:
        job = c.put("/api/v1/staff/documents/星空观测站.txt", content=NEW_DOC.encode(), headers=AUTH)
        assert job.status_code == 202, job.text
        done = wait_job(c, job.json())
        assert done["status"] == "done" and done["report"]["status"] == "read", done
        found = c.post("/api/v1/search", json={"query": "星空观测站什么时候开放", "top_k": 1}).json()
        assert found["results"][0]["citation"]["document_id"] == "uploads/星空观测站"
        assert c.get("/readyz").json()["index"]["documents"] == 2
        files = {f["path"]: f["status"] for f in c.get("/api/v1/staff/build", headers=AUTH).json()["files"]}
        assert files == {f"{REPORT_ID}.txt": "reused", "uploads/星空观测站.txt": "read"}
        gone = wait_job(c, c.delete("/api/v1/staff/documents/星空观测站.txt", headers=AUTH).json())
        assert gone["status"] == "done" and c.get("/readyz").json()["index"]["documents"] == 1
        assert_error(c.delete("/api/v1/staff/documents/星空观测站.txt", headers=AUTH), 404, "document_not_found")


def test_an_unreadable_upload_is_refused_and_a_replaced_version_restored(own: LiveServer) -> None:
    with own.client() as c:
        assert (
            wait_job(c, c.put("/api/v1/staff/documents/a.txt", content=NEW_DOC.encode(), headers=AUTH).json())["status"]
            == "done"
        )
        bad = wait_job(c, c.put("/api/v1/staff/documents/a.txt", content=b" \n\n ", headers=AUTH).json())
        assert bad["status"] == "failed" and "empty" in bad["message"]
        # the previous version is back, and still answers
        found = c.post("/api/v1/search", json={"query": "星空观测站", "top_k": 1}).json()
        assert found["results"][0]["citation"]["document_id"] == "uploads/a"


def _bomb() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("word/document.xml", b"<w:document/>")
        zf.writestr("word/big.bin", b"\0" * 30_000_000)
    return buf.getvalue()


@pytest.mark.parametrize(
    ("name", "body", "status", "code"),
    [
        (".hidden.txt", b"text", 400, "bad_file_name"),
        ("a%20b%3Cc%3E.txt", b"text", 400, "bad_file_name"),
        ("setup.exe", b"MZ", 415, "unsupported_format"),
        ("report.pdf", b"<html><body>not a pdf</body></html>", 415, "wrong_content"),
        ("report.docx", b"%PDF-1.7 ...", 415, "wrong_content"),
        ("notes.txt", "caf\xe9".encode("latin-1"), 415, "wrong_content"),
        ("bomb.docx", _bomb(), 422, "zip_bomb"),
        ("broken.pdf", b"%PDF-1.7\n garbage", 422, "unreadable_document"),
        ("empty.txt", b"", 400, "empty_file"),
    ],
)
def test_uploads_are_checked(own: LiveServer, name: str, body: bytes, status: int, code: str) -> None:
    with own.client() as c:
        assert_error(c.put(f"/api/v1/staff/documents/{name}", content=body, headers=AUTH), status, code)
        assert c.get("/api/v1/staff/jobs", headers=AUTH).json() == []


def test_uploads_need_the_staff_key_and_a_size_limit(serve: ServeFn, tmp_path: Path) -> None:
    open_server = serve()
    with open_server.client() as c:
        assert_error(c.put("/api/v1/staff/documents/a.txt", content=b"x"), 403, "uploads_disabled")
    corpus = tmp_path / "c"
    shutil.copytree(REPORT_DIR, corpus)
    build_hash_index(corpus, tmp_path / "i")
    live = serve(index_dir=tmp_path / "i", corpus_dir=corpus, staff_key=STAFF_KEY, max_upload_bytes=2048)
    with live.client() as c:
        assert_error(c.put("/api/v1/staff/documents/a.txt", content=b"x"), 401, "unauthorized")
        big = c.put("/api/v1/staff/documents/a.txt", content=b"x" * 4096, headers=AUTH)
        assert_error(big, 413, "body_too_large")
