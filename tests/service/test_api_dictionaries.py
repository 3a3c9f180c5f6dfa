"""Staff edit the dictionary through the API: checked, saved, applied by a rebuild that goes live."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.helpers import REPORT_DIR, build_hash_index
from tests.service.helpers import STAFF_KEY, LiveServer, ServeFn, assert_error
from tests.service.test_api_documents import AUTH, wait_job


@pytest.fixture
def own(tmp_path: Path, serve: ServeFn) -> LiveServer:
    corpus = tmp_path / "corpus"
    shutil.copytree(REPORT_DIR, corpus)
    build_hash_index(corpus, tmp_path / "index")
    return serve(index_dir=tmp_path / "index", corpus_dir=corpus, staff_key=STAFF_KEY)


def test_a_saved_dictionary_is_applied_by_a_rebuild(own: LiveServer) -> None:
    runtime = own.app.state.runtime
    with own.client() as c:
        state = c.get("/api/v1/staff/dictionaries", headers=AUTH).json()
        assert [f["name"] for f in state["files"]] == ["words", "synonyms"]
        assert all(f["text"] == "" and f["entries"] == 0 for f in state["files"])
        assert state["version"] == state["live_version"]
        assert not runtime.searcher.in_corpus("无事不扰")

        r = c.put("/api/v1/staff/dictionaries/words", content="# 项目名称\n无事不扰\n同心圆\n".encode(), headers=AUTH)
        assert r.status_code == 202, r.text
        job = wait_job(c, r.json())
        assert job["status"] == "done" and job["action"] == "dictionary"
        state = c.get("/api/v1/staff/dictionaries", headers=AUTH).json()
        assert state["files"][0]["entries"] == 2 and "# 项目名称" in state["files"][0]["text"]
        assert state["version"] == state["live_version"]
        assert runtime.searcher.in_corpus("无事不扰")
        assert "无事不扰" in runtime.searcher.analyze("无事不扰清单")[1]  # questions segmented the same way

        syn = c.put("/api/v1/staff/dictionaries/synonyms", content="社保=社会保险\n".encode(), headers=AUTH)
        assert wait_job(c, syn.json())["status"] == "done"
        s = runtime.searcher
        assert "社会保险" in s.expand("社保", s.analyze("社保")[1])

        bad = c.put("/api/v1/staff/dictionaries/synonyms", content="社保=社会保险\n孤单\n".encode(), headers=AUTH)
        body = assert_error(bad, 400, "invalid_dictionary")
        assert "line 2" in body["message"]
        latin1 = c.put("/api/v1/staff/dictionaries/words", content="caf\xe9".encode("latin-1"), headers=AUTH)
        assert_error(latin1, 400, "invalid_dictionary")
        assert_error(c.put("/api/v1/staff/dictionaries/other", content=b"x", headers=AUTH), 422, "validation_error")
        state = c.get("/api/v1/staff/dictionaries", headers=AUTH).json()
        assert state["files"][1]["text"] == "社保=社会保险\n"  # the refused file changed nothing


def test_dictionary_changes_need_the_staff_key(serve: ServeFn) -> None:
    with serve().client() as c:  # no staff key configured: reading is open, changing is refused
        assert c.get("/api/v1/staff/dictionaries").status_code == 200
        assert_error(c.put("/api/v1/staff/dictionaries/words", content=b"x"), 403, "uploads_disabled")
    with serve(staff_key=STAFF_KEY).client() as c:
        assert_error(c.put("/api/v1/staff/dictionaries/words", content=b"x"), 401, "unauthorized")
