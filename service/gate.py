"""The concurrency cap: CPU-bound searches run in worker threads, a few at a time, with a short bounded
wait; beyond it the answer is 503 busy (there is never an unbounded queue)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

import anyio
import anyio.to_thread

from service.errors import ApiError

T = TypeVar("T")


class SearchGate:
    """At most ``limit`` CPU-bound jobs at once, each in a worker thread.

    A job waits for a slot at most ``timeout`` seconds, and at most ``max_waiting`` jobs wait at all;
    otherwise it is refused with 503 busy (there is never an unbounded queue), and ``on_busy`` is called.
    """

    def __init__(
        self,
        limit: int,
        timeout: float,
        max_waiting: int | None = None,
        on_busy: Callable[[], None] | None = None,
    ) -> None:
        self.limit = limit
        self.on_busy = on_busy
        self.timeout = timeout
        self.max_waiting = max_waiting if max_waiting is not None else 4 * limit
        self._slots: anyio.Semaphore | None = None
        self._threads: anyio.CapacityLimiter | None = None
        self.waiting = 0
        self.running = 0

    def _busy(self) -> ApiError:
        if self.on_busy is not None:
            self.on_busy()
        return ApiError(
            503,
            "busy",
            "the service is busy answering other questions; try again shortly",
            {"Retry-After": "1"},
        )

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        if self._slots is None:
            self._slots = anyio.Semaphore(self.limit)
        slots = self._slots
        try:
            slots.acquire_nowait()
        except anyio.WouldBlock:
            if self.waiting >= self.max_waiting:
                raise self._busy() from None
            self.waiting += 1
            try:
                with anyio.move_on_after(self.timeout) as scope:
                    await slots.acquire()
            finally:
                self.waiting -= 1
            if scope.cancelled_caught:
                raise self._busy() from None
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
            return await anyio.to_thread.run_sync(fn, limiter=self._threads)
