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
    _check_secret("metrics_key", settings.metrics_key)
    for origin in settings.cors_origins:
        if origin == "*" or not _ORIGIN.match(origin):
            raise ConfigError(
                f"YOUJU_CORS_ORIGINS entry {origin!r} is not an origin like https://www.example.gov.cn "
                "(scheme, host and optional port; no path, no trailing slash, no wildcard)"
            )
