"""Known passages must find themselves: the check a build passes before it goes live, and every load and
reload before the service switches to it.

Checksums catch files changed after the build; this catches an index that was written wrong, or that the
running code reads wrong (a dense index whose ids do not match the passages, BM25 arrays of another build,
vectors in the wrong order): for a few passages spread over the index, the dense index given the passage's
own vector must return that passage first (or one of the same text), with cosine ~1, and BM25 given the
passage's own terms must return it among its candidates.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from index.errors import IndexCorruptError
from index.lexical import with_bigrams
from index.passage import Passage
from index.store import LoadedIndex

SAMPLES = 8
# The model's vector of a passage's text against the stored one: equal up to batching noise and int8
# rounding of the encoder (measured >= 0.99).
MODEL_AGREEMENT = 0.97
# How many candidates each side returns for the check (a passage's own terms put it far above this).
DEPTH = 20


def sample_rows(n: int, samples: int = SAMPLES) -> list[int]:
    if n <= 0:
        return []
    k = min(samples, n)
    return sorted({round(i * (n - 1) / max(1, k - 1)) for i in range(k)})


class _Same:
    """Rows holding the same text as ``row`` (a repeated paragraph is found as any of its copies): a found row
    is compared with ``row`` alone, never by scanning every passage (a million at scale)."""

    def __init__(self, passages: Sequence[Passage], row: int) -> None:
        self.passages, self.row = passages, row

    def __contains__(self, i: object) -> bool:
        if i == self.row:
            return True
        return isinstance(i, int) and self.passages[i].norm_text == self.passages[self.row].norm_text


def check(
    index: LoadedIndex,
    tokenizer: Callable[[str], list[str]],
    *,
    bigrams: bool = True,
    embed_passages: Callable[[list[str]], Any] | None = None,
) -> None:
    """Raise IndexCorruptError when a sampled passage is not found by its own vector or its own terms, or
    (given the model, ``embed_passages``) when its stored vector is not the model's vector of its text."""
    passages = index.passages
    rows = sample_rows(len(passages))
    # From the backend, so that an engine's stored vectors are checked, not a copy (one call for all rows).
    stored = index.backend.vectors_of(rows) if rows else np.zeros((0, index.manifest.dimension), np.float32)
    if embed_passages is not None and rows:
        fresh = np.asarray(embed_passages([passages[r].norm_text for r in rows]), dtype=np.float32)
        for row, own, v in zip(rows, stored, fresh, strict=True):
            cos = float(np.dot(own, v) / (np.linalg.norm(v) or 1.0))
            if cos < MODEL_AGREEMENT:
                raise IndexCorruptError(
                    f"index {index.where}: the stored vector of passage {passages[row].passage_id} is not the "
                    f"model's vector of its text (cosine {cos:.3f}; row {row}): vectors of another build or order"
                )
    for row, own in zip(rows, stored, strict=True):
        p = passages[row]
        same = _Same(passages, row)
        terms = tokenizer(p.norm_text)
        lexical = with_bigrams(p.norm_text, terms) if bigrams else terms
        cands = index.backend.candidates(own, lexical, DEPTH)
        ids = [int(i) for i in cands.ids]
        if not ids:
            raise IndexCorruptError(f"index {index.where}: passage {p.passage_id} finds nothing at all")
        best_dense = ids[int(cands.dense.argmax())]
        if best_dense not in same or float(cands.dense.max()) < 0.99:
            raise IndexCorruptError(
                f"index {index.where}: the dense index does not return passage {p.passage_id} for its own vector "
                f"(row {row}; got row {best_dense} at cosine {float(cands.dense.max()):.3f})"
            )
        if lexical and not any(i in same and s > 0 for i, s in zip(ids, cands.lexical, strict=True)):
            raise IndexCorruptError(
                f"index {index.where}: BM25 does not return passage {p.passage_id} for its own terms (row {row})"
            )
