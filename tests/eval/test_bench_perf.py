"""``python -m eval.bench_perf --from-json``: the performance document written again from a run's figures."""

from __future__ import annotations

import json
from pathlib import Path

from eval.bench_perf import main
from tests.helpers import ROOT


def test_document_is_rewritten_from_a_runs_figures(tmp_path: Path) -> None:
    saved = ROOT / "docs" / "performance.json"
    out = tmp_path / "performance.md"
    assert main(["--from-json", str(saved), "--out", str(out)]) == 0
    figures = json.loads(saved.read_text(encoding="utf-8"))
    text = out.read_text(encoding="utf-8")
    assert f"speed-up {figures['speedup_http']}x" in text
    sixteen = next(r for r in figures["loads"] if r["clients"] == 16)
    assert f"| 16 | {sixteen['requests']} | {sixteen['requests/s']} |" in text
    assert f"**{figures['build']['ratio']}x**" in text
    assert (tmp_path / "img" / "perf-load.png").stat().st_size > 0
    assert json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))["loads"] == figures["loads"]
