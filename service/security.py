"""Limits and access control: rate limit, concurrency cap, body size, credentials, security headers."""

from __future__ import annotations

import base64
import binascii
import hmac
import ipaddress
import math
import re
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from typing import TypeVar

import anyio
import anyio.to_thread
from pydantic import SecretStr
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from index.config import Settings
from service.errors import ApiError, ConfigError, error_response

T = TypeVar("T")

# ------------------------------------------------------------------------------------------ settings

WEAK_SECRETS = frozenset(
    {
        "changeme",
        "change-me",
        "change_me",
        "admin",
        "administrator",
        "secret",
        "password",
        "passw0rd",
        "default",
        "youju",
        "staff",
        "test",
        "token",
        "key",
        "letmein",
        "123456",
        "12345678",
        "1234567890",
        "0123456789abcdef",
        "qwerty",
    }
)
MIN_SECRET_CHARS = 16
_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.\-]+(:\d{1,5})?$|^https?://\[[0-9A-Fa-f:.]+\](:\d{1,5})?$")


def _check_secret(name: str, value: SecretStr | None) -> None:
    if value is None:
        return
    raw = value.get_secret_value()
    env = f"YOUJU_{name.upper()}"
    if not raw.strip():
        raise ConfigError(f"{env} is set but empty; set a random value of {MIN_SECRET_CHARS}+ characters or unset it")
    if raw.strip().lower() in WEAK_SECRETS or len(set(raw)) < 4:
        raise ConfigError(f"{env} is a default or guessable value; use a random one (e.g. `openssl rand -hex 24`)")
    if len(raw) < MIN_SECRET_CHARS:
        raise ConfigError(f"{env} is {len(raw)} characters long; use at least {MIN_SECRET_CHARS} random characters")


def check_settings(settings: Settings) -> None:
    """Refuse to start on unsafe service settings (raises ConfigError with a message for the operator)."""
    _check_secret("admin_key", settings.admin_key)
    _check_secret("staff_key", settings.staff_key)
    _check_secret("client_hash_secret", settings.client_hash_secret)
    for origin in settings.cors_origins:
        if origin == "*" or not _ORIGIN.match(origin):
            raise ConfigError(
                f"YOUJU_CORS_ORIGINS entry {origin!r} is not an origin like https://www.example.gov.cn "
                "(scheme, host and optional port; no path, no trailing slash, no wildcard)"
            )


# --------------------------------------------------------------------------------------- client key


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


# --------------------------------------------------------------------------------------- rate limit


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
            tokens, last = self._buckets.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                if len(self._buckets) > self.max_clients:
                    self._prune(now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1.0 - tokens) / self.rate

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


# ---------------------------------------------------------------------------------- concurrency cap


class SearchGate:
    """At most ``limit`` CPU-bound jobs at once, each in a worker thread.

    A job waits for a slot at most ``timeout`` seconds, and at most ``max_waiting`` jobs wait at all;
    otherwise it is refused with 503 busy (there is never an unbounded queue).
    """

    def __init__(self, limit: int, timeout: float, max_waiting: int | None = None) -> None:
        self.limit = limit
        self.timeout = timeout
        self.max_waiting = max_waiting if max_waiting is not None else 4 * limit
        self._slots: anyio.Semaphore | None = None
        self._threads: anyio.CapacityLimiter | None = None
        self.waiting = 0
        self.running = 0

    def _busy(self) -> ApiError:
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


# ------------------------------------------------------------------------------------- credentials


def _same(given: str, expected: SecretStr) -> bool:
    return hmac.compare_digest(given.encode("utf-8"), expected.get_secret_value().encode("utf-8"))


def bearer_token(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def basic_password(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, sep, password = decoded.partition(":")
    return password if sep else None


def check_staff(authorization: str | None, staff_key: SecretStr | None) -> None:
    """Staff pages and APIs: HTTP Basic (any user name, password = staff key) or Bearer staff key."""
    if staff_key is None:
        return
    for given in (bearer_token(authorization), basic_password(authorization)):
        if given is not None and _same(given, staff_key):
            return
    raise ApiError(
        401,
        "unauthorized",
        "staff credentials required",
        {"WWW-Authenticate": 'Basic realm="youju staff", charset="UTF-8"'},
    )


def check_admin(authorization: str | None, admin_key: SecretStr | None) -> None:
    if admin_key is None:
        raise ApiError(404, "not_found", "admin endpoints are disabled (YOUJU_ADMIN_KEY is not set)")
    given = bearer_token(authorization)
    if given is None or not _same(given, admin_key):
        raise ApiError(401, "unauthorized", "admin token required", {"WWW-Authenticate": 'Bearer realm="youju admin"'})


# -------------------------------------------------------------------------------------- body limit


class BodyLimitMiddleware:
    """Refuses request bodies over the limit (413 body_too_large), by Content-Length and by the bytes
    actually received; the body is read here (it is small) and replayed to the application."""

    def __init__(self, app: ASGIApp, limit: int, overrides: dict[str, int] | None = None) -> None:
        self.app = app
        self.limit = limit
        self.overrides = overrides or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        limit = self.overrides.get(scope["path"], self.limit)
        too_large = error_response(
            413, "body_too_large", f"the request body is larger than {limit} bytes", {"Connection": "close"}
        )
        declared = Headers(scope=scope).get("content-length")
        if declared is not None:
            try:
                if int(declared) > limit:
                    await too_large(scope, receive, send)
                    return
            except ValueError:
                await error_response(400, "bad_request", "invalid Content-Length")(scope, receive, send)
                return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await too_large(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


# ---------------------------------------------------------------------------------------- headers


def frame_ancestors(origins: Iterable[str]) -> str:
    return " ".join(["frame-ancestors", "'self'", *origins])


class SecurityHeadersMiddleware:
    """``X-Content-Type-Options: nosniff`` everywhere; ``Content-Security-Policy: frame-ancestors`` on the
    pages that may be framed (the others get ``frame-ancestors 'none'``); API answers are not cached."""

    def __init__(self, app: ASGIApp, cors_origins: list[str], framed: Callable[[str], bool]) -> None:
        self.app = app
        self.csp_framed = frame_ancestors(cors_origins)
        self.framed = framed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
                if self.framed(path):
                    headers.setdefault("Content-Security-Policy", self.csp_framed)
                else:
                    headers.setdefault("Content-Security-Policy", "frame-ancestors 'none'")
                if path.startswith("/api/"):
                    headers.setdefault("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, with_headers)
