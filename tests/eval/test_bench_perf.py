"""``python -m eval.bench_perf --from-json``: the performance document written again from a run's figures."""

from __future__ import annotations

import json
import statistics
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
    # Each round of the interleaved measurements is shown, with the ratios the speed-ups are the medians of.
    assert len(figures["rounds"]) >= 3
    for r in figures["rounds"]:
        assert f"| {r['round']} | {r['naive p50 ms']} | {r['in-process p50 ms']} | {r['HTTP p50 ms']} |" in text
    assert figures["speedup_http"] == round(statistics.median(r["HTTP speed-up"] for r in figures["rounds"]), 2)
    for r in figures["build"]["rounds"]:
        assert f"| {r['round']} | {r['naive chars/s']} | {r['youju chars/s']} | {r['ratio']} |" in text
    assert (tmp_path / "img" / "perf-load.png").stat().st_size > 0
    assert json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))["loads"] == figures["loads"]


def test_targets_are_judged_from_the_figures() -> None:
    from eval.bench_perf import targets

    figures = json.loads((ROOT / "docs" / "performance.json").read_text(encoding="utf-8"))
    figures["speedup_http"] = 3.2
    figures["naive_rate"] = 40.0
    sixteen = next(r for r in figures["loads"] if r["clients"] == 16)
    sixteen.update({"requests/s": 150.0, "errors": 0, "p95 ms": 250.0})
    many = next(r for r in figures["loads"] if r["clients"] == 64)
    many["statuses"] = {"200": 10, "503": 5, "502": 1}
    figures["build"]["ratio"] = 2.4
    rows = {line.split(" | ")[0].lstrip("| "): line.rsplit(" | ", 1)[1].rstrip(" |") for line in targets(figures)[4:-1]}
    assert rows["HTTP p50 ≥ 3x faster than the naive pipeline"] == "yes"
    assert rows["16 clients: ≥ 100 requests/s and ≥ 4x the naive single-thread rate"] == "no"  # 3.75x
    assert rows["16 clients: zero errors"] == "yes"
    assert rows["16 clients: p95 ≤ 200 ms"] == "no"
    assert rows["64 clients: no 5xx but 503 with Retry-After"] == "no"  # a 502
    assert rows["build ≥ 2.5x the naive embedding loop (characters/s)"] == "no"
