"""Start-up checks: unsafe secrets and malformed CORS origins refuse to start."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from index.config import Settings
from service.checks import check_settings
from service.errors import ConfigError


@pytest.mark.parametrize("weak", ["changeme", "admin", "", "   ", "short-but-ok", "aaaaaaaaaaaaaaaaaaaa", "Password"])
@pytest.mark.parametrize("field", ["admin_key", "staff_key", "client_hash_secret"])
def test_weak_secrets_are_refused(field: str, weak: str) -> None:
    weak_secret: dict[str, Any] = {field: weak}  # a field chosen by name: Settings' keywords differ in type
    with pytest.raises(ConfigError, match=f"YOUJU_{field.upper()}"):
        check_settings(Settings(**weak_secret))


@pytest.mark.parametrize("origin", ["*", "https://ok.example.gov.cn/", "ftp://x.y", "https://x.y/path", "x.y"])
def test_bad_cors_origins_are_refused(origin: str) -> None:
    with pytest.raises(ConfigError, match="CORS"):
        check_settings(Settings(cors_origins=[origin]))


def test_good_settings_pass() -> None:
    check_settings(
        Settings(
            admin_key="k3y-9b2e6d4a1c7f3e5b",
            staff_key="staff-3f7c9a1e5b2d4c8f",
            cors_origins=["https://www.example.gov.cn", "http://localhost:8080", "https://[::1]:8443"],
        )
    )
    check_settings(Settings())


def test_workers_need_a_qdrant_server_not_its_local_mode(tmp_path: Path) -> None:
    local = Settings(workers=2, backend="qdrant", backend_url=str(tmp_path / "qdrant"))
    with pytest.raises(ConfigError, match="YOUJU_WORKERS"):
        check_settings(local)  # one process per directory: every worker but one would answer 503
    check_settings(local.model_copy(update={"backend_url": "http://qdrant:6333"}))
    check_settings(local.model_copy(update={"workers": 1}))
