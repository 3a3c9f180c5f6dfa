"""Outside baselines that need packages a `make run` install lacks are reported and skipped."""

from __future__ import annotations

import pytest

from eval import baselines as bl


def test_a_baseline_whose_package_is_missing_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    assert set(bl.NEEDS) == set(bl.BASELINES)
    assert bl.missing_package("rank_bm25") is None  # the test extra installs it
    monkeypatch.setitem(bl.NEEDS, "rank_bm25", "no_such_module_for_youju")
    assert bl.missing_package("rank_bm25") == "no_such_module_for_youju"
