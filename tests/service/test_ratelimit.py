"""The per-client token bucket and the client key (IPv4 address, IPv6 /64)."""

from __future__ import annotations

import pytest

from service.errors import ApiError
from service.ratelimit import RateLimiter, client_ip, rate_key


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_burst_then_the_per_minute_rate() -> None:
    clock = Clock()
    rl = RateLimiter(per_minute=60, burst=3, clock=clock)
    assert [rl.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    wait = rl.take("a")
    assert 0.9 < wait <= 1.0  # one token a second
    assert rl.take("b") == 0.0  # another client has its own bucket
    clock.now += 1.0
    assert rl.take("a") == 0.0


def test_refusal_is_429_with_retry_after() -> None:
    rl = RateLimiter(per_minute=6, burst=1, clock=Clock())
    rl.check("a")
    with pytest.raises(ApiError) as e:
        rl.check("a")
    assert e.value.status == 429 and e.value.code == "rate_limited"
    assert int(e.value.headers["Retry-After"]) == 10


def test_zero_rate_disables_the_limit_and_memory_is_bounded() -> None:
    off = RateLimiter(per_minute=0, burst=1)
    assert not off.enabled and all(off.take("a") == 0.0 for _ in range(100))
    clock = Clock()
    rl = RateLimiter(per_minute=60, burst=2, max_clients=10, clock=clock)
    for i in range(100):
        rl.take(f"10.0.0.{i}")
        clock.now += 0.001
    assert len(rl._buckets) <= 11


def test_client_keys() -> None:
    assert rate_key("203.0.113.7") == "203.0.113.7"
    assert rate_key("2001:db8:1:2:3:4:5:6") == rate_key("2001:db8:1:2:ffff::1") == "2001:db8:1:2::/64"
    assert rate_key("::ffff:203.0.113.7") == "203.0.113.7"
    assert rate_key("not-an-ip") == "not-an-ip"
    assert client_ip({"client": ("198.51.100.1", 5555)}) == "198.51.100.1"
    assert client_ip({}) == "unknown"
