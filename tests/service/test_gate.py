"""The concurrency cap: at most ``limit`` jobs at once, a bounded short wait, then 503 busy."""

from __future__ import annotations

import threading

import anyio
import pytest

from service.errors import ApiError
from service.gate import SearchGate


def test_jobs_beyond_the_limit_wait_then_are_refused() -> None:
    gate = SearchGate(limit=1, timeout=0.2, max_waiting=1)
    release = threading.Event()
    outcomes: list[str] = []

    async def job(name: str) -> None:
        try:
            await gate.run(lambda: release.wait(5))
            outcomes.append(f"{name}: done")
        except ApiError as e:
            outcomes.append(f"{name}: {e.status} {e.code}")

    async def main() -> None:
        async with anyio.create_task_group() as tg:
            tg.start_soon(job, "first")
            await anyio.sleep(0.05)
            assert gate.running == 1
            tg.start_soon(job, "waits")  # waits up to 0.2 s, then busy
            await anyio.sleep(0.05)
            tg.start_soon(job, "third")  # the one waiting place is taken: busy at once
            await anyio.sleep(0.4)
            release.set()

    anyio.run(main)
    assert sorted(outcomes) == ["first: done", "third: 503 busy", "waits: 503 busy"]
    assert gate.running == 0 and gate.waiting == 0


def test_a_waiting_job_runs_when_a_slot_frees() -> None:
    gate = SearchGate(limit=1, timeout=2.0)

    async def main() -> list[int]:
        results: list[int] = []

        async def job(i: int) -> None:
            results.append(await gate.run(lambda: i))

        async with anyio.create_task_group() as tg:
            for i in range(3):
                tg.start_soon(job, i)
        return results

    assert sorted(anyio.run(main)) == [0, 1, 2]


def test_busy_error_says_when_to_retry() -> None:
    gate = SearchGate(limit=1, timeout=0, max_waiting=0)
    err = gate._busy()
    assert err.status == 503 and err.headers == {"Retry-After": "1"}
    with pytest.raises(ApiError):
        raise err


def test_a_job_is_queued_only_while_its_expected_wait_fits_the_budget() -> None:
    gate = SearchGate(limit=1, timeout=5.0, max_waiting=100, budget=0.25)
    for _ in range(3):
        gate.observe(0.1)  # searches take 0.1 s: the budget holds two waiting jobs (0.1 s, 0.2 s)
    release = threading.Event()
    outcomes: list[str] = []
    refused: list[ApiError] = []

    async def job(name: str) -> None:
        try:
            await gate.run(lambda: release.wait(5))
            outcomes.append(f"{name}: done")
        except ApiError as e:
            refused.append(e)
            outcomes.append(f"{name}: {e.status} {e.code}")

    async def main() -> None:
        async with anyio.create_task_group() as tg:
            tg.start_soon(job, "running")
            await anyio.sleep(0.05)
            for name in ("second", "third"):
                tg.start_soon(job, name)
                await anyio.sleep(0.02)
            assert gate.waiting == 2
            tg.start_soon(job, "fourth")  # expected wait 0.3 s > 0.25 s: refused at once
            await anyio.sleep(0.05)
            assert outcomes == ["fourth: 503 busy"]
            release.set()

    anyio.run(main)
    assert sorted(outcomes) == ["fourth: 503 busy", "running: done", "second: done", "third: done"]
    assert refused[0].headers == {"Retry-After": "1"}


def test_retry_after_is_the_expected_wait_in_whole_seconds() -> None:
    gate = SearchGate(limit=2, timeout=1.0, budget=1.0)
    assert gate.expected_wait(3) is None  # nothing measured yet: only the caps apply
    gate.observe(2.0)
    gate.observe(4.0)  # the running mean moves a tenth of the way: 2.2 s
    assert gate.mean_seconds == pytest.approx(2.2)
    assert gate.expected_wait(3) == pytest.approx(3.3)
    assert gate._busy(gate.expected_wait(3)).headers == {"Retry-After": "4"}


def test_finished_jobs_update_the_mean() -> None:
    gate = SearchGate(limit=2, timeout=1.0, budget=1.0)

    async def main() -> int:
        return await gate.run(lambda: 7)

    assert anyio.run(main) == 7
    assert gate.mean_seconds is not None and gate.mean_seconds < 1.0
