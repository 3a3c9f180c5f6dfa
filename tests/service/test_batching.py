"""Micro-batching of the query encoder (service/batching.py): concurrent questions share encoder calls and
each gets its own vector; errors reach every caller of the batch."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from service.batching import BatchingEmbedder
from tests.helpers import HashEmbedder


class SlowHash(HashEmbedder):
    """The hash embedder, taking 50 ms per call and recording the batch sizes."""

    def __init__(self) -> None:
        super().__init__()
        self.sizes: list[int] = []
        self.fail = False

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        self.sizes.append(len(texts))
        time.sleep(0.05)
        if self.fail:
            raise RuntimeError("encoder failed")
        return super().embed_queries(texts)


QUESTIONS = [f"问题{i}森林覆盖率" for i in range(12)]


def test_concurrent_questions_share_calls_and_get_their_own_vectors() -> None:
    inner = SlowHash()
    batching = BatchingEmbedder(inner, max_batch=8, max_wait=0.005, in_flight=lambda: len(QUESTIONS))
    with ThreadPoolExecutor(len(QUESTIONS)) as pool:
        got = list(pool.map(lambda q: batching.embed_queries([q])[0], QUESTIONS))
    want = HashEmbedder().embed_queries(QUESTIONS)
    assert np.array_equal(np.stack(got), want)
    assert sum(inner.sizes) == len(QUESTIONS) and max(inner.sizes) <= 8
    assert len(inner.sizes) < len(QUESTIONS) / 2  # batched, not one call per question
    assert batching.batched == len(QUESTIONS) and batching.batches == len(inner.sizes)


def test_a_lone_question_does_not_wait_for_company() -> None:
    inner = HashEmbedder()
    batching = BatchingEmbedder(inner, max_batch=8, max_wait=0.5, in_flight=lambda: 1)
    t0 = time.perf_counter()
    batching.embed_queries(["森林"])
    assert time.perf_counter() - t0 < 0.25
    assert batching.model_id == inner.model_id and batching.dimension == inner.dimension


def test_an_encoder_error_reaches_every_question_of_the_batch() -> None:
    inner = SlowHash()
    inner.fail = True
    batching = BatchingEmbedder(inner, max_batch=8, max_wait=0.01, in_flight=lambda: 4)
    errors: list[str] = []

    def ask(q: str) -> None:
        try:
            batching.embed_queries([q])
        except RuntimeError as e:
            errors.append(str(e))

    threads = [threading.Thread(target=ask, args=(q,)) for q in QUESTIONS[:4]]
    for t in threads:
        t.start()
    for t in threads:
        t.join(5)
    assert errors == ["encoder failed"] * 4
    inner.fail = False
    assert batching.embed_queries(["森林"]).shape == (1, inner.dimension)  # the next batch runs


def test_passages_pass_straight_through() -> None:
    inner = HashEmbedder()
    batching = BatchingEmbedder(inner)
    assert np.array_equal(batching.embed_passages(["森林", "湿地"]), inner.embed_passages(["森林", "湿地"]))


class Overlap(SlowHash):
    """Records how many calls ran at the same time."""

    def __init__(self) -> None:
        super().__init__()
        self.now = 0
        self.most = 0
        self._lock = threading.Lock()

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            self.now += 1
            self.most = max(self.most, self.now)
        try:
            return super().embed_queries(texts)
        finally:
            with self._lock:
                self.now -= 1


def test_lanes_bound_the_encoder_calls_running_at_once() -> None:
    """Two lanes (2 cores): two batches run side by side; one lane: never two calls at once. Every question
    still gets its own vector."""
    for lanes in (1, 2):
        inner = Overlap()
        batching = BatchingEmbedder(inner, max_batch=2, max_wait=0.0, in_flight=lambda: 8, lanes=lanes)
        with ThreadPoolExecutor(8) as pool:
            got = list(pool.map(lambda q, b=batching: b.embed_queries([q])[0], QUESTIONS))
        assert np.array_equal(np.stack(got), HashEmbedder().embed_queries(QUESTIONS))
        assert inner.most == lanes
        assert batching.batched == len(QUESTIONS) == sum(inner.sizes)


def test_lanes_follow_the_cores() -> None:
    from index.config import Settings
    from service.batching import encoder_lanes, per_search_threads

    two = Settings(threads=2)
    assert (per_search_threads(two), encoder_lanes(two)) == (1, 2)  # two calls of one thread
    eight = Settings(threads=8)
    assert (per_search_threads(eight), encoder_lanes(eight)) == (7, 1)  # one call of seven threads
    unbatched = Settings(threads=8, encoder_batch_size=1, max_concurrent_searches=4)
    assert per_search_threads(unbatched) == 2


def test_a_lone_question_may_take_every_core() -> None:
    from index.config import Settings
    from service.batching import idle_threads

    assert idle_threads(Settings(threads=2)) == 2  # batched calls get one core each; a lone one both
    assert idle_threads(Settings(threads=1)) == 0  # nothing more to give
    assert idle_threads(Settings(threads=8, encoder_batch_size=1)) == 0  # unbatched: no second session


def test_workers_share_the_cores() -> None:
    """``youju serve --workers``: each worker's encoder lanes get its share of the cores; a question alone in
    its worker may still take every core of the machine."""
    from unittest import mock

    from index.config import Settings
    from service.batching import encoder_lanes, idle_threads, per_search_threads

    with mock.patch("os.sched_getaffinity", return_value={0, 1}, create=True):  # the cores this process may run on
        two = Settings(workers=2)
        assert (per_search_threads(two), encoder_lanes(two), idle_threads(two)) == (1, 1, 2)
        assert (per_search_threads(Settings()), encoder_lanes(Settings()), idle_threads(Settings())) == (1, 2, 2)
    with mock.patch("os.sched_getaffinity", return_value=set(range(8)), create=True):
        four = Settings(workers=4)  # two cores each: two lanes of one thread, as one process on 2 cores
        assert (per_search_threads(four), encoder_lanes(four), idle_threads(four)) == (1, 2, 8)
    assert idle_threads(Settings(threads=1, workers=2)) == 2  # ``threads`` is per worker when set


class Idle(HashEmbedder):
    """Records which encoder call each question went to: the one-core ``embed_queries`` or the idle one."""

    def __init__(self) -> None:
        super().__init__()
        self.made: list[tuple[str, int]] = []
        self._lock = threading.Lock()

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            self.made.append(("shared", len(texts)))
        time.sleep(0.03)
        return super().embed_queries(texts)

    def embed_queries_idle(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            self.made.append(("idle", len(texts)))
        time.sleep(0.03)
        return super().embed_queries(texts)


def test_only_a_question_with_the_encoder_to_itself_goes_to_the_idle_session() -> None:
    inner = Idle()
    lone = BatchingEmbedder(inner, max_batch=8, max_wait=0.0, in_flight=lambda: 1, lanes=2)
    assert np.array_equal(lone.embed_queries(["森林"]), HashEmbedder().embed_queries(["森林"]))
    assert inner.made == [("idle", 1)]

    inner = Idle()
    busy = BatchingEmbedder(inner, max_batch=1, max_wait=0.0, in_flight=lambda: 8, lanes=2)
    with ThreadPoolExecutor(8) as pool:
        got = list(pool.map(lambda q: busy.embed_queries([q])[0], QUESTIONS))
    assert np.array_equal(np.stack(got), HashEmbedder().embed_queries(QUESTIONS))
    assert {kind for kind, _ in inner.made} == {"shared"}  # other searches in flight: one core each
