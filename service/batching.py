"""Micro-batching of the query encoder: questions searched at the same time share encoder calls.

The encoder is most of a search's cost, and a forward pass over 8 short questions costs less than 8 passes
over one. Searches run in worker threads (``service/gate.py``); each hands its question to
``BatchingEmbedder.embed_queries`` and blocks. Up to ``lanes`` calls run at once (``encoder_lanes``: on 2
cores, two calls of one thread each): a thread that finds a lane free leads, waits up to ``max_wait``
seconds for company (only while other searches are in flight), takes up to ``max_batch`` waiting questions
and runs them as one call; questions that arrive meanwhile form the next batch. Under load batches grow by
themselves; a lone question waits for nobody. One lane left the second core to the searches' Python steps,
which wait for the interpreter lock anyway: with two, 16 clients of ``eval/loadgen.py`` got about 20 % more
answers a second (interleaved runs on the shipped report: 89.6 -> 107.7 and 82.1 -> 99.7 requests/s).

A batch led while no other search is in flight and no other lane runs goes to the encoder's
``embed_queries_idle`` where it has one (``OnnxEmbedder``: a session with a thread per core): a lone question
then has every core, while concurrent ones keep a core each. On the shipped report, one client's median
fell from 10.3 / 9.7 ms to 6.6 / 6.6 ms with two threads, but 16 clients got 148.0 / 136.7 requests a second
against 163.6 / 158.9 with one thread per lane (two runs each, interleaved, ``eval/loadgen.py``). Both
kinds of session, then: in six interleaved runs a lone question's median was 6.6 / 6.6 / 9.7 / 7.4 / 8.8 /
5.1 ms against 8.1 / 9.3 / 8.4 / 9.9 / 9.8 / 11.3 ms with one kind, 16 clients as many requests a second
(165.7 against 166.1 on average of four runs each), for 118 MB more resident memory (the second session).

Vectors of a batch equal those of single calls to float32 rounding (about 1e-7): padding changes the shapes
the model multiplies, not what it computes.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable

import numpy as np

from index.config import Settings
from index.embed.base import Embedder, Vectors


def _machine_cores(settings: Settings) -> int:
    """The cores every worker of ``youju serve`` shares (``threads`` is per worker when set): those this
    process may run on (its CPU affinity), else the machine's."""
    if settings.threads:
        return settings.threads * settings.workers
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _cores(settings: Settings) -> int:
    """The cores of this worker: ``threads``, else the machine's shared between the workers."""
    return settings.threads or max(1, _machine_cores(settings) // settings.workers)


def per_search_threads(settings: Settings) -> int:
    """Torch/onnxruntime/FAISS threads per encoder call, so that concurrent calls share the cores without
    oversubscribing. Batched: every core but one (at least one); else the cores shared between the searches."""
    total = _cores(settings)
    if settings.encoder_batch_size > 1:
        return max(1, total - 1)
    return max(1, total // settings.max_concurrent_searches)


def idle_threads(settings: Settings) -> int:
    """Threads for a question embedded while no other encoder call of this worker runs: every core of the
    machine, when a batched call gets fewer (``per_search_threads``); else 0 (no second session). With several
    workers a lone question still gets every core: the others are idle too, or their calls run and this one
    shares the cores with them for a few milliseconds."""
    total = _machine_cores(settings)
    return total if settings.encoder_batch_size > 1 and per_search_threads(settings) < total else 0


def encoder_lanes(settings: Settings) -> int:
    """Encoder calls that may run at once (``BatchingEmbedder.lanes``): as many as the cores hold calls of
    ``per_search_threads`` threads (2 on 2 cores, 1 on 8: there one call already has 7 threads)."""
    return max(1, _cores(settings) // per_search_threads(settings))


class _Item:
    __slots__ = ("done", "error", "taken", "texts", "vectors")

    def __init__(self, texts: list[str]) -> None:
        self.texts = texts
        self.vectors: Vectors | None = None
        self.error: BaseException | None = None
        self.taken = False  # in a batch being embedded (by another thread, unless this one leads it)
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
        lanes: int = 1,
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
        self.lanes = max(1, lanes)
        self._running = 0  # batches being embedded now (at most ``lanes``)
        self.batches = 0  # encoder calls made
        self.batched = 0  # questions they embedded

    def embed_queries(self, texts: list[str]) -> Vectors:
        item = _Item(list(texts))
        with self._cond:
            self._queue.append(item)
            self._cond.notify_all()
            # Wait while this question is in another thread's batch, or while every lane is busy.
            while not item.done and (item.taken or self._running >= self.lanes):
                self._cond.wait()
            if item.done:
                return self._result(item)
            self._running += 1  # this thread leads the next batch
        try:
            self._gather(item)
            with self._cond:
                batch = [item] + [i for i in self._queue if i is not item][: self.max_batch - 1]
                for i in batch:
                    i.taken = True
                self._queue = [i for i in self._queue if not i.taken]
                alone = self._running == 1 and not self._queue and self._in_flight() <= len(batch)
            self._run(batch, alone)
        finally:
            with self._cond:
                self._running -= 1
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

    def _run(self, batch: list[_Item], alone: bool = False) -> None:
        """Embed ``batch``; ``alone``: no other search is in flight and no other lane runs, so the encoder may
        take every core (``embed_queries_idle``, where the inner embedder has it)."""
        texts = [t for i in batch for t in i.texts]
        idle: Callable[[list[str]], Vectors] | None = getattr(self.inner, "embed_queries_idle", None)
        embed = idle if alone and idle is not None else self.inner.embed_queries
        try:
            vectors = embed(texts)
        except BaseException as e:  # noqa: BLE001 - handed to every caller of the batch, raised there
            for i in batch:
                i.error = e
        else:
            at = 0
            for i in batch:
                i.vectors = np.asarray(vectors[at : at + len(i.texts)])
                at += len(i.texts)
        with self._cond:
            self.batches += 1
            self.batched += len(texts)
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
