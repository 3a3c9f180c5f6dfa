"""A build that crashes while embedding resumes from what it had embedded (index/checkpoint.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from index import store
from index.checkpoint import DIRECTORY, EmbeddingCheckpoint
from tests.helpers import REPORT_DIR, HashEmbedder, build_hash_index


class CrashingEmbedder(HashEmbedder):
    """Dies (like a killed process) after embedding ``parts`` parts."""

    def __init__(self, parts: int) -> None:
        super().__init__()
        self.parts_left = parts

    def embed_passages(self, texts: list[str], *, progress: bool = False) -> np.ndarray:
        if self.parts_left == 0:
            raise KeyboardInterrupt("killed mid-build")
        self.parts_left -= 1
        return super().embed_passages(texts, progress=progress)


def test_a_crashed_build_resumes_without_embedding_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("index.build.PART_SIZE", 5)
    root = tmp_path / "index"
    with pytest.raises(KeyboardInterrupt):
        build_hash_index(REPORT_DIR, root, CrashingEmbedder(parts=3))
    with pytest.raises(Exception, match="no index"):
        store.resolve(root)  # nothing went live
    assert len(list((root / DIRECTORY).rglob("part-*.json"))) == 3

    report = build_hash_index(REPORT_DIR, root)
    assert report.reused == 15 and report.embedded == report.passages - 15
    assert not (root / DIRECTORY).exists()  # its vectors are in the live build now

    clean = build_hash_index(REPORT_DIR, tmp_path / "clean")
    _, _, resumed_vectors = store.load_vectors(root)
    _, _, clean_vectors = store.load_vectors(tmp_path / "clean")
    assert clean.embedded == clean.passages
    np.testing.assert_array_equal(resumed_vectors, clean_vectors)


def test_a_part_cut_off_by_the_crash_is_ignored(tmp_path: Path) -> None:
    cp = EmbeddingCheckpoint(tmp_path, "m", "passage: ", 4)
    cp.add(["a", "b"], np.eye(4, dtype=np.float32)[:2])
    cp.add(["c"], np.eye(4, dtype=np.float32)[2:3])
    (cp.directory / "part-000002.json").unlink()  # killed between the vectors and the hashes
    cp.add(["d"], np.eye(4, dtype=np.float32)[3:4])
    (cp.directory / "part-000004.json").write_text('{"hashes": ["e", "f"]}')  # disagrees with its vectors
    np.save(cp.directory / "part-000004.npy", np.zeros((1, 4), np.float32))
    got = cp.load()
    assert sorted(got) == ["a", "b", "d"]
    np.testing.assert_array_equal(got["d"], np.eye(4, dtype=np.float32)[3])
    # Another model's checkpoint is another directory: never mixed.
    assert EmbeddingCheckpoint(tmp_path, "other", "passage: ", 4).load() == {}
