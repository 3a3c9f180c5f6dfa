"""Without Chromium or playwright the browser tests skip with a reason, except under CI=true, where they fail."""

from __future__ import annotations

import pytest

from tests.service.browser import helpers


def test_missing_browser_skips_locally_and_fails_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(helpers, "CHROMIUM", "/nonexistent/chromium")
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception, match="browser tests need /nonexistent/chromium"):
        helpers.require_browser()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        helpers.require_browser()
