"""`youju eval` end to end on the report's gold set, and the regression gate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from index.cli import build_parser
from index.config import Settings

pytestmark = pytest.mark.slow
FLOORS = Path(__file__).resolve().parents[2] / "eval" / "floors.json"


@pytest.fixture(scope="module")
def gold_run(model_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("eval-out")
    sets = "huairou-gold,multidoc-gold"
    argv = ["eval", "--sets", sets, "--baselines", "rank_bm25", "--latency-sample", "10", "--out", str(out)]
    args = build_parser().parse_args(argv)
    code = args.run(args, model_settings)
    assert code == 0
    return out


def test_harness_writes_json_markdown_plots_and_misses(gold_run: Path) -> None:
    for name in ("results.json", "report.md", "recall_at_k.png", "latency.png", "misses-huairou-gold.jsonl"):
        assert (gold_run / name).stat().st_size > 0, name
    res = json.loads((gold_run / "results.json").read_text(encoding="utf-8"))
    assert res["versions"]["torch"] and res["seed"]
    gold = res["sets"]["huairou-gold"]["retrievers"]
    assert {"bm25", "dense", "rrf", "hybrid", "baseline: rank_bm25"} <= set(gold)
    for name in ("bm25", "dense", "hybrid"):
        for k in ("R@1", "R@5", "R@10", "MRR@10", "nDCG@10", "no-answer precision", "no-answer recall"):
            assert 0.0 <= gold[name][k] <= 1.0
    assert "figure" in gold["hybrid"]["by category"]
    report = (gold_run / "report.md").read_text(encoding="utf-8")
    assert "| hybrid |" in report and "Misses of hybrid" in report
    for line in (gold_run / "misses-huairou-gold.jsonl").read_text(encoding="utf-8").splitlines():
        miss = json.loads(line)
        assert miss["question"] and miss["expected"]


@pytest.mark.parametrize("set_name", ["huairou-gold", "multidoc-gold"])
def test_regression_gate(gold_run: Path, set_name: str) -> None:
    """The floors live in eval/floors.json under version control: lowering one is a visible diff."""
    floors = json.loads(FLOORS.read_text(encoding="utf-8"))[set_name]["hybrid"]
    got = json.loads((gold_run / "results.json").read_text(encoding="utf-8"))["sets"][set_name]["retrievers"]
    hybrid = got["hybrid"]
    below = {k: (hybrid[k], floor) for k, floor in floors.items() if hybrid[k] < floor}
    assert not below, below


def test_eval_reads_a_labelled_export_of_the_query_log(model_settings: Settings, tmp_path: Path) -> None:
    """What staff export from the analytics (JSON lines with empty answers), once labelled, is a gold set."""
    from tests.helpers import REPORT_DIR

    lines = [
        {"id": "log-1", "question": "森林覆盖率多少", "answers": [], "count": 9, "category": "log:top"},
        {"id": "log-2", "question": "公积金怎么提取", "answers": [], "count": 3, "category": "log:refused"},
    ]
    doc = next(REPORT_DIR.glob("*.txt"))
    lines[0]["answers"] = [{"document": doc.stem, "quote": "森林覆蓋率"}]  # labelled; log-2 stays no-answer
    gold = tmp_path / "labelled.jsonl"
    gold.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), encoding="utf-8")
    settings = model_settings.model_copy(update={"corpus_dir": REPORT_DIR})
    out = tmp_path / "out"
    argv = ["eval", "--sets", f"gold:{gold}", "--retrievers", "hybrid", "--baselines", "none"]
    args = build_parser().parse_args([*argv, "--latency-sample", "2", "--out", str(out)])
    assert args.run(args, settings) == 0
    res = json.loads((out / "results.json").read_text(encoding="utf-8"))["sets"]["labelled"]
    assert res["questions"] == 2 and (out / "misses-labelled.jsonl").exists()
    assert 0.0 <= res["retrievers"]["hybrid"]["R@1"] <= 1.0
