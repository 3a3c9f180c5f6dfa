"""Start-up checks of the service settings: weak or default secrets and malformed CORS origins are
refused (``ConfigError``) before any slow work, so an unsafe deployment never starts."""

from __future__ import annotations

import re

from pydantic import SecretStr

from index.config import Settings
from service.errors import ConfigError

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
    _check_raw_secret(f"YOUJU_{name.upper()}", value.get_secret_value())


def _check_raw_secret(env: str, raw: str) -> None:
    """``env`` names the secret in the message (never its value)."""
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
    _check_secret("metrics_key", settings.metrics_key)
    _check_dify(settings)
    url = settings.backend_url or ""
    if settings.workers > 1 and settings.backend == "qdrant" and not url.startswith(("http://", "https://")):
        raise ConfigError(
            "YOUJU_WORKERS > 1 needs a Qdrant server: the local mode (a directory in YOUJU_BACKEND_URL) allows "
            "one process per directory"
        )
    if settings.database_url is not None:
        from service.db.engine import url_problem

        problem = url_problem(settings.database_url.get_secret_value())
        if problem:
            raise ConfigError(f"YOUJU_DATABASE_URL {problem}")
    for variable, origins in (
        ("YOUJU_CORS_ORIGINS", settings.cors_origins),
        ("YOUJU_STAFF_ORIGINS", settings.staff_origins),
    ):
        for origin in origins:
            if origin == "*" or not _ORIGIN.match(origin):
                raise ConfigError(
                    f"{variable} entry {origin!r} is not an origin like https://www.example.gov.cn "
                    "(scheme, host and optional port; no path, no trailing slash, no wildcard)"
                )


def _check_dify(settings: Settings) -> None:
    """Dify keys (full and scoped) are strong, distinct from each other and from the staff and admin keys (a Dify
    key is stored in another system); knowledge sets have a usable name and at least one filter."""
    for name, ks in settings.knowledge_sets.items():
        if not name.strip() or name != name.strip() or name == "all":
            raise ConfigError(
                f"YOUJU_KNOWLEDGE_SETS: {name!r} is not a usable set name (`all` is reserved; no blank or padded names)"
            )
        if ks.empty:
            raise ConfigError(
                f"YOUJU_KNOWLEDGE_SETS: set {name!r} has no filter; use knowledge_id `all` for every document"
            )
    _check_secret("dify_api_key", settings.dify_api_key)
    try:
        scoped = settings.dify_scoped_keys()
    except ValueError as e:
        raise ConfigError(f"YOUJU_DIFY_KEYS {e}") from None
    for n, key in enumerate(scoped, start=1):
        _check_raw_secret(f"YOUJU_DIFY_KEYS key #{n}", key)
    dify = [k.get_secret_value() for k in (settings.dify_api_key,) if k is not None] + list(scoped)
    others = {k.get_secret_value() for k in (settings.admin_key, settings.staff_key) if k is not None}
    if len(set(dify)) != len(dify) or others & set(dify):
        raise ConfigError(
            "YOUJU_DIFY_API_KEY and YOUJU_DIFY_KEYS: every Dify key must be distinct, and differ from the staff "
            "and admin keys (a Dify key is stored in Dify's configuration)"
        )
