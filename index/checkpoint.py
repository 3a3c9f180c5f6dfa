"""Resumable embedding: what a build has embedded so far, kept until the build goes live.

Embedding is the expensive step of a large build (hours for a million passages on two cores). A build that
crashes, is killed or runs out of memory part-way would otherwise embed everything again; instead the
passages are embedded in parts of ``PART_SIZE`` and each part is written here as soon as it is done::

    <index root>/checkpoint/<key>/part-000001.npy    float32 [n, dimension] (np.save, never pickled)
    <index root>/checkpoint/<key>/part-000001.json   {"hashes": [...n text hashes...]}, written after the .npy

``key`` names the model, its passage prefix and dimension, so vectors of another model are never reused.
The next build reads every complete part (a part whose .json is missing or disagrees with its .npy was cut
off by the crash and is ignored) as a cache keyed by the passage's normalised-text hash, as it reads the
live build's vectors, and embeds only the rest. Once a build has gone live the checkpoint is deleted: its
vectors are in the build.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import numpy.typing as npt

log = logging.getLogger("youju.build")

DIRECTORY = "checkpoint"
# Passages per part: one file pair every few seconds to minutes of embedding here (2 cores); small enough
# that a crash loses little, large enough that a million passages make under a thousand files.
PART_SIZE = 1024


class EmbeddingCheckpoint:
    def __init__(self, index_root: Path, model: str, passage_prefix: str, dimension: int) -> None:
        key = hashlib.sha256(f"{model}\0{passage_prefix}\0{dimension}".encode()).hexdigest()[:16]
        self.dimension = dimension
        self.directory = index_root / DIRECTORY / key

    def _parts(self) -> Iterator[tuple[Path, Path]]:
        if not self.directory.is_dir():
            return
        for meta in sorted(self.directory.glob("part-*.json")):
            yield meta, meta.with_suffix(".npy")

    def load(self) -> dict[str, npt.NDArray[np.float32]]:
        """Vectors of the parts written completely, by text hash."""
        out: dict[str, npt.NDArray[np.float32]] = {}
        for meta, data in self._parts():
            try:
                hashes = json.loads(meta.read_text(encoding="utf-8"))["hashes"]
                vectors = np.load(data, allow_pickle=False)
            except (OSError, ValueError, KeyError, TypeError) as e:
                log.warning("checkpoint part %s unreadable, ignored: %s", meta.name, e)
                continue
            if vectors.dtype != np.float32 or vectors.shape != (len(hashes), self.dimension):
                log.warning("checkpoint part %s does not match its vectors, ignored", meta.name)
                continue
            out.update(zip(hashes, vectors, strict=True))
        return out

    def add(self, hashes: list[str], vectors: npt.NDArray[np.float32]) -> None:
        """Write one part: the vectors first, then (atomically) the hashes that make the part complete."""
        self.directory.mkdir(parents=True, exist_ok=True)
        n = 1 + max((int(m.stem.split("-")[1]) for m, _ in self._parts()), default=0)
        base = self.directory / f"part-{n:06d}"
        tmp = base.with_suffix(".npy.tmp")
        with open(tmp, "wb") as f:
            np.save(f, np.ascontiguousarray(vectors, dtype=np.float32), allow_pickle=False)
        os.replace(tmp, base.with_suffix(".npy"))
        tmp_meta = base.with_suffix(".json.tmp")
        tmp_meta.write_text(json.dumps({"hashes": hashes}), encoding="utf-8")
        os.replace(tmp_meta, base.with_suffix(".json"))

    def clear(self) -> None:
        shutil.rmtree(self.directory.parent, ignore_errors=True)
