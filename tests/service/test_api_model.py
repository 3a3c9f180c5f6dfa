"""End to end with the real embedding model and the shipped report (slow)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from index import store
from index.config import Settings
from index.embed.base import Embedder
from index.pipeline import build_corpus, searcher_for
from index.search import Searcher
from tests.helpers import REPORT_DIR
from tests.service.helpers import ServeFn


@pytest.mark.slow
def test_forest_coverage_question_is_answered_with_a_highlighted_figure(
    serve: ServeFn, tmp_path: Path, model_embedder: Embedder
) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(REPORT_DIR, corpus)
    root = tmp_path / "index"
    build_corpus(Settings(), corpus, root, model_embedder)

    def factory(settings: Settings) -> Searcher:
        return searcher_for(settings, store.load(settings.index_dir), model_embedder)

    live = serve(factory, index_dir=root)
    with live.client() as c:
        assert c.get("/readyz").json()["index"]["model"] == model_embedder.model_id
        r = c.post("/api/v1/search", json={"query": "怀柔森林覆盖率多少"})
    assert r.status_code == 200
    body = r.json()
    assert body["answered"] is True
    first = body["results"][0]
    text = first["text"]
    assert "77.57%" in text
    at = text.index("77.57%")
    assert any(h["start"] <= at and at + len("77.57%") <= h["end"] for h in first["highlights"]), (
        first["highlights"],
        [text[h["start"] : h["end"]] for h in first["highlights"]],
    )
