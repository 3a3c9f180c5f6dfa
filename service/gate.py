"""Admission control: CPU-bound searches run in worker threads, a few at a time, behind a queue bounded by
time. A question waits while the wait it can expect (its place in the queue over the recent throughput) stays
within the latency budget; beyond it, or after waiting ``timeout`` seconds, the answer is ``503 busy`` with a
``Retry-After`` computed from the expected wait. There is never an unbounded queue: overload degrades into a
short wait, then a quick refusal that says when to come back."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

import anyio
import anyio.to_thread

from service.errors import ApiError

T = TypeVar("T")

# Weight of the newest search in the running mean of search times.
EWMA_WEIGHT = 0.1


class SearchGate:
    """At most ``limit`` CPU-bound jobs at once, each in a worker thread.

    A job that finds every slot taken queues while its expected wait, ``(waiting + 1) × mean job time ÷
    limit``, stays within ``budget`` seconds (the queue is also capped at ``max_waiting`` jobs), and waits at
    most ``timeout`` seconds; otherwise it is refused with 503 busy and a Retry-After of the expected wait,
    and ``on_busy`` is called. Until a job has finished there is no mean, and only the caps apply.
    """

    def __init__(
        self,
        limit: int,
        timeout: float,
        max_waiting: int | None = None,
        on_busy: Callable[[], None] | None = None,
        budget: float | None = None,
    ) -> None:
        self.limit = limit
        self.on_busy = on_busy
        self.timeout = timeout
        self.budget = budget
        self.max_waiting = max_waiting if max_waiting is not None else 4 * limit
        self._slots: anyio.Semaphore | None = None
        self._threads: anyio.CapacityLimiter | None = None
        self._lock = threading.Lock()
        self.mean_seconds: float | None = None  # running mean of job times (seconds)
        self.waiting = 0
        self.running = 0

    def observe(self, seconds: float) -> None:
        """Fold one job's time into the running mean (each finished job; warm-up searches too)."""
        with self._lock:
            m = self.mean_seconds
            self.mean_seconds = seconds if m is None else m + EWMA_WEIGHT * (seconds - m)

    def expected_wait(self, position: int) -> float | None:
        """Seconds until a job at ``position`` (1 = next) in the queue starts, from the recent throughput."""
        m = self.mean_seconds
        return None if m is None else position * m / self.limit

    def _busy(self, wait: float | None = None) -> ApiError:
        if self.on_busy is not None:
            self.on_busy()
        retry = max(1, math.ceil(wait)) if wait is not None else 1
        return ApiError(
            503,
            "busy",
            "the service is busy answering other questions; try again shortly",
            {"Retry-After": str(retry)},
        )

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        if self._slots is None:
            self._slots = anyio.Semaphore(self.limit)
        slots = self._slots
        try:
            slots.acquire_nowait()
        except anyio.WouldBlock:
            expected = self.expected_wait(self.waiting + 1)
            if self.waiting >= self.max_waiting:
                raise self._busy(expected) from None
            if expected is not None and self.budget is not None and expected > self.budget:
                raise self._busy(expected) from None
            self.waiting += 1
            try:
                with anyio.move_on_after(self.timeout) as scope:
                    await slots.acquire()
            finally:
                self.waiting -= 1
            if scope.cancelled_caught:
                raise self._busy(self.expected_wait(self.waiting + 1)) from None
        self.running += 1
        try:
            yield
        finally:
            self.running -= 1
            slots.release()

    async def run(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` in a worker thread once a slot is free (the event loop never runs it)."""
        if self._threads is None:
            self._threads = anyio.CapacityLimiter(self.limit)
        async with self.slot():
            t0 = time.perf_counter()
            try:
                return await anyio.to_thread.run_sync(fn, limiter=self._threads)
            finally:
                self.observe(time.perf_counter() - t0)
