"""Micro-batching of the query encoder: questions searched at the same time share one encoder call.

The encoder is most of a search's cost, and a forward pass over 8 short questions costs far less than 8
passes over one. Searches run in worker threads (``service/gate.py``); each hands its question to
``BatchingEmbedder.embed_queries`` and blocks. One call runs at a time, with every core: the thread that
finds the encoder idle leads, waits up to ``max_wait`` seconds for company (only while other searches are
in flight), takes up to ``max_batch`` waiting questions and runs them as one call; questions that arrive
meanwhile form the next batch. Under load batches grow by themselves; a lone question waits for nobody.

Vectors of a batch equal those of single calls to float32 rounding (about 1e-7): padding changes the shapes
the model multiplies, not what it computes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import numpy as np

from index.embed.base import Embedder, Vectors


class _Item:
    __slots__ = ("done", "error", "texts", "vectors")

    def __init__(self, texts: list[str]) -> None:
        self.texts = texts
        self.vectors: Vectors | None = None
        self.error: BaseException | None = None
        self.done = False


class BatchingEmbedder:
    """An ``Embedder`` that batches concurrent ``embed_queries`` calls into calls of ``inner``
    (``embed_passages`` passes straight through)."""

    def __init__(
        self,
        inner: Embedder,
        max_batch: int = 16,
        max_wait: float = 0.002,
        in_flight: Callable[[], int] | None = None,
    ) -> None:
        self.inner = inner
        self.model_id = inner.model_id
        self.dimension = inner.dimension
        self.encoder = inner.encoder
        self.query_prefix = inner.query_prefix
        self.passage_prefix = inner.passage_prefix
        self.max_batch = max(1, max_batch)
        self.max_wait = max(0.0, max_wait)
        # Searches running now (the gate's count): waiting for company is pointless when nobody else runs.
        self._in_flight = in_flight or (lambda: 0)
        self._cond = threading.Condition()
        self._queue: list[_Item] = []
        self._busy = False
        self._run_lock = threading.Lock()
        self.batches = 0  # encoder calls made
        self.batched = 0  # questions they embedded

    def embed_queries(self, texts: list[str]) -> Vectors:
        item = _Item(list(texts))
        with self._cond:
            self._queue.append(item)
            self._cond.notify_all()
            while not item.done and self._busy:
                self._cond.wait()
            if item.done:
                return self._result(item)
            self._busy = True  # this thread leads the next batch
        try:
            self._gather(item)
            with self._cond:
                batch = [item] + [i for i in self._queue if i is not item][: self.max_batch - 1]
                taken = {id(i) for i in batch}
                self._queue = [i for i in self._queue if id(i) not in taken]
            self._run(batch)
        finally:
            with self._cond:
                self._busy = False
                self._cond.notify_all()
        return self._result(item)

    def _gather(self, item: _Item) -> None:
        """Wait briefly for other questions while other searches are in flight and the batch is not full."""
        if self.max_wait <= 0 or self._in_flight() <= 1:
            return
        deadline = time.monotonic() + self.max_wait
        with self._cond:
            while len(self._queue) < min(self.max_batch, self._in_flight()):
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(left)

    def _run(self, batch: list[_Item]) -> None:
        texts = [t for i in batch for t in i.texts]
        try:
            with self._run_lock:
                vectors = self.inner.embed_queries(texts)
        except BaseException as e:  # noqa: BLE001 - handed to every caller of the batch, raised there
            for i in batch:
                i.error = e
        else:
            at = 0
            for i in batch:
                i.vectors = np.asarray(vectors[at : at + len(i.texts)])
                at += len(i.texts)
        self.batches += 1
        self.batched += len(texts)
        with self._cond:
            for i in batch:
                i.done = True
            self._cond.notify_all()

    @staticmethod
    def _result(item: _Item) -> Vectors:
        if item.error is not None:
            raise item.error
        assert item.vectors is not None
        return item.vectors

    def embed_passages(self, texts: list[str], *, progress: bool = False) -> Vectors:
        """Straight through (a rebuild embeds while searches go on, as without batching)."""
        return self.inner.embed_passages(texts, progress=progress)

    def check_passages(self, texts: list[str]) -> Vectors:
        """The inner embedder's ``check_passages`` (the self-check's), else its ``embed_passages``."""
        check = getattr(self.inner, "check_passages", None)
        return check(texts) if check is not None else self.inner.embed_passages(texts)
