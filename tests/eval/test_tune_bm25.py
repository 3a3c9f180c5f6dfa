"""`python -m eval.tune_bm25`: BM25 parameters compared on the gold sets, the product's left in place."""

from __future__ import annotations

import pytest

from eval import tune_bm25
from eval.datasets import load_set
from eval.retrieval import index_for
from index import lexical, store
from index.config import Settings
from index.embed.base import Embedder

pytestmark = pytest.mark.slow


def test_compares_b_and_leaves_the_product_parameters(
    model_settings: Settings, model_embedder: Embedder, capsys: pytest.CaptureFixture[str]
) -> None:
    own = (lexical.K1, lexical.B)
    assert tune_bm25.main(["--b", "0.75,0.5", "--sets", "huairou-gold"], model_settings) == 0
    out = capsys.readouterr().out.splitlines()
    rows = [line.split("|") for line in out if line.startswith("| ") and not line.startswith("| k1")]
    assert [r[2].strip(" *") for r in rows] == ["0.75", "0.5"]
    assert rows[0][3] != rows[1][3]  # the parameter reached the index: the rankings differ
    assert own == (lexical.K1, lexical.B)
    root, _ = index_for(load_set("huairou-gold", model_settings), model_settings, model_embedder)
    assert store.load(root).backend.bm25.params[:2] == own  # type: ignore[attr-defined]
