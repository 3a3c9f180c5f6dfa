"""The CLI contract, driven the way a user drives it: argv in, text or JSON out, exit status."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from index.cli import asked_command, commands, main
from index.config import Settings
from tests.helpers import CITATION_KEYS

ROOT = Path(__file__).resolve().parents[2]


def test_help_lists_the_commands() -> None:
    out = subprocess.run([sys.executable, "-m", "index.cli", "--help"], capture_output=True, text=True, check=True)
    for cmd in ("build", "ask", "serve", "db", "eval"):
        assert cmd in out.stdout


def test_ask_needs_exactly_one_source(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask"]) == 2
    assert "give a question or --batch" in capsys.readouterr().err


def test_top_k_is_checked_against_the_one_limit(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "森林", "--top-k", "21"]) == 2
    assert "--top-k must be between 1 and 20" in capsys.readouterr().err


def test_commands_of_the_packages_above_the_core_are_plugged_in() -> None:
    """serve, db and eval come through the youju.commands entry points (the core does not import them)."""
    names = [c.name for c in commands()]
    assert names == ["build", "publish", "ask", "serve", "db", "eval"]


def test_a_plugged_in_command_asked_for_is_the_only_one_loaded() -> None:
    """`youju serve` imports the service's package alone (its watching process stays small); anything else,
    and help asked before the command, lists every command."""
    assert [c.name for c in commands("serve")] == ["build", "publish", "ask", "serve"]
    assert [c.name for c in commands("servx")] == ["build", "publish", "ask", "serve", "db", "eval"]
    assert asked_command(["-v", "serve", "--port", "eval"]) == "serve"
    assert asked_command(["-h", "serve"]) is None
    assert asked_command(["ask", "eval"]) == "ask"
    out = subprocess.run([sys.executable, "-m", "index.cli", "-h", "serve"], capture_output=True, text=True, check=True)
    for cmd in ("build", "ask", "serve", "db", "eval"):
        assert cmd in out.stdout


def test_missing_index_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "森林", "--index", str(tmp_path / "none")]) == 1
    assert "no index at" in capsys.readouterr().err


@pytest.mark.slow
def test_build_ask_json_and_batch(
    model_settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("YOUJU_CACHE_DIR", str(model_settings.cache_dir))
    corpus = tmp_path / "corpus"
    shutil.copytree(ROOT / "docs" / "corpus", corpus)
    index = tmp_path / "index"
    assert main(["build", "--corpus", str(corpus), "--index", str(index), "--no-progress"]) == 0
    assert "1 documents" in capsys.readouterr().out
    assert main(["build", "--corpus", str(corpus), "--index", str(index)]) == 0
    assert "up to date" in capsys.readouterr().out

    assert main(["ask", "怀柔森林覆盖率多少", "--index", str(index), "--json", "--top-k", "3"]) == 0
    obj = json.loads(capsys.readouterr().out)
    assert set(obj) >= {"query", "answered", "results"} and obj["answered"] is True
    assert len(obj["results"]) <= 3
    r = obj["results"][0]
    assert set(r) >= {"passage_id", "text", "context", "score", "highlights", "citation"}
    assert set(r["citation"]) == CITATION_KEYS
    raw = (corpus / "huairou-2024-law-based-government-report.txt").read_text(encoding="utf-8")
    assert raw[r["citation"]["start"] : r["citation"]["end"]] == r["text"]
    assert any("77.57%" in r["text"][h["start"] : h["end"]] for h in r["highlights"])

    assert main(["ask", "12345热线满意率怎么样", "--index", str(index)]) == 0
    text = capsys.readouterr().out
    assert "《北京市懷柔區2024年法治政府建設年度情況報告》" in text and "【" in text

    batch = tmp_path / "q.txt"
    questions = ["怀柔森林覆盖率多少", "", "精简了多少个议事协调机构", "长" * 600, "北京今天天气怎么样"]
    batch.write_text("\n".join(questions) + "\n", encoding="utf-8")
    code = main(["ask", "--batch", str(batch), "--index", str(index), "--json"])
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert code == 1  # one question could not be searched; the others were answered
    assert [x.get("error", {}).get("code") for x in lines] == [None, None, "query_too_long", None]
    assert lines[0]["answered"] and lines[1]["answered"] and not lines[3]["answered"]
