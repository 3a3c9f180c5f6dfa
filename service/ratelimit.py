"""Per-client rate limit of the public API: a token bucket per client address (IPv6: per /64)."""

from __future__ import annotations

import ipaddress
import math
import threading
import time
from collections.abc import Callable

from starlette.types import Scope

from service.errors import ApiError


def client_ip(scope: Scope) -> str:
    """The client address as uvicorn reports it (X-Forwarded-For only from trusted proxies)."""
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


def rate_key(ip: str) -> str:
    """IPv4 addresses count one by one; an IPv6 client is its /64 (one subscriber's whole prefix)."""
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if isinstance(addr, ipaddress.IPv6Address):
        if addr.ipv4_mapped is not None:
            return str(addr.ipv4_mapped)
        return str(ipaddress.IPv6Network((addr, 64), strict=False))
    return str(addr)


class RateLimiter:
    """Token bucket per client: ``burst`` requests at once, refilled at ``per_minute`` per minute.

    Memory is bounded: buckets that have refilled completely are the same as absent ones and are
    dropped when the table grows past ``max_clients``.
    """

    def __init__(
        self,
        per_minute: int,
        burst: int,
        *,
        max_clients: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.max_clients = max_clients
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, time)
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    def take(self, key: str) -> float:
        """0.0 when the request may go ahead, else the seconds until it would be allowed."""
        if not self.enabled:
            return 0.0
        now = self.clock()
        with self._lock:
            tokens = self._tokens(key, now)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                if len(self._buckets) > self.max_clients:
                    self._prune(now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1.0 - tokens) / self.rate

    def waiting(self, key: str) -> float:
        """Like ``take`` but consumes nothing: 0.0 while ``key`` has a token, else the seconds until it will."""
        if not self.enabled:
            return 0.0
        with self._lock:
            tokens = self._tokens(key, self.clock())
        return 0.0 if tokens >= 1.0 else (1.0 - tokens) / self.rate

    def _tokens(self, key: str, now: float) -> float:
        """Tokens of ``key`` at ``now``: what it had, refilled since, at most ``burst``."""
        tokens, last = self._buckets.get(key, (self.burst, now))
        return min(self.burst, tokens + (now - last) * self.rate)

    def _prune(self, now: float) -> None:
        full = self.burst / self.rate
        for k in [k for k, (_, t) in self._buckets.items() if now - t >= full]:
            del self._buckets[k]
        if len(self._buckets) > self.max_clients:  # still too many: forget the oldest half
            by_age = sorted(self._buckets, key=lambda k: self._buckets[k][1])
            for k in by_age[: len(by_age) // 2]:
                del self._buckets[k]

    def check(self, key: str) -> None:
        wait = self.take(key)
        if wait > 0:
            seconds = max(1, math.ceil(wait))
            raise ApiError(
                429,
                "rate_limited",
                f"too many requests from this address; try again in {seconds} s",
                {"Retry-After": str(seconds)},
            )
