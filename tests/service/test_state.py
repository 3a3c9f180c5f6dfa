"""The service's runtime state: load, readiness, reload that keeps the old searcher on failure."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from index import store
from index.errors import IndexCorruptError
from service.errors import ApiError
from service.state import Runtime
from tests.helpers import REPORT_DIR, build_hash_index
from tests.service.helpers import hash_factory, make_settings


@pytest.fixture
def runtime(tmp_path: Path) -> Runtime:
    shutil.copytree(REPORT_DIR, tmp_path / "corpus")
    build_hash_index(tmp_path / "corpus", tmp_path / "index")
    return Runtime(make_settings(tmp_path, tmp_path / "index", corpus_dir=tmp_path / "corpus"), hash_factory)


def test_not_ready_until_loaded_then_ready_with_the_index_summary(runtime: Runtime) -> None:
    with pytest.raises(ApiError) as e:
        runtime.readiness()
    assert e.value.status == 503 and e.value.headers["Retry-After"]
    runtime.load()
    ready = runtime.readiness()
    assert ready.status == "ready" and ready.index.passages > 0 and ready.index.model == "test/hash-bigrams"


def test_failed_load_is_reported_not_raised(tmp_path: Path) -> None:
    rt = Runtime(make_settings(tmp_path, tmp_path / "no-index"), hash_factory)
    rt.load()
    assert rt.searcher is None and rt.error is not None and "no index" in rt.error.message
    with pytest.raises(ApiError, match="index_not_found"):
        rt.require()


def test_reload_swaps_and_a_failed_reload_keeps_the_old_searcher(runtime: Runtime, tmp_path: Path) -> None:
    runtime.load()
    old = runtime.searcher
    assert old is not None
    (tmp_path / "corpus" / "extra.txt").write_text("新增文件的正文。\n", encoding="utf-8")
    build_hash_index(tmp_path / "corpus", tmp_path / "index")
    info = runtime.reload()
    assert info.previous is not None and info.previous.build_id == old.index.manifest.build_id
    assert info.index.documents == 2 and runtime.searcher is not old
    assert runtime.searcher is not None and runtime.searcher.embedder is old.embedder  # the model is reused
    docs = runtime.documents(runtime.searcher)
    assert runtime.documents(runtime.searcher) is docs  # cached per searcher
    current = runtime.searcher
    (store.resolve(tmp_path / "index") / "passages.jsonl").write_text("not json\n")
    with pytest.raises(IndexCorruptError):
        runtime.reload()
    assert runtime.searcher is current


def test_an_index_that_cannot_answer_never_serves(runtime: Runtime, tmp_path: Path) -> None:
    """Checksums fine, structure fine, vectors in another order: the reload is refused (the old searcher
    keeps serving) and a fresh start stays not ready (/readyz 503)."""
    runtime.load()
    old = runtime.searcher
    assert old is not None
    build = store.resolve(runtime.settings.index_dir)
    shuffled = np.roll(np.load(build / "vectors.npy"), 3, axis=0)
    np.save(build / "vectors.npy", shuffled, allow_pickle=False)
    m = json.loads((build / "manifest.json").read_text(encoding="utf-8"))
    m["checksums"] = store.checksums(build)
    (build / "manifest.json").write_text(json.dumps(m), encoding="utf-8")
    with pytest.raises(IndexCorruptError, match="not the model's vector"):
        runtime.reload()
    assert runtime.searcher is old
    fresh = Runtime(runtime.settings, hash_factory)
    fresh.load()
    assert fresh.searcher is None and fresh.error is not None
    with pytest.raises(ApiError, match="index_corrupt"):
        fresh.readiness()
