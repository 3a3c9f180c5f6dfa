"""Without Chromium or playwright the browser tests skip with a reason, except under CI=true, where they fail."""

from __future__ import annotations

import pytest

import tests.service.browser.conftest as bc


def test_missing_browser_skips_locally_and_fails_under_ci(monkeypatch):
    monkeypatch.setattr(bc, "CHROMIUM", "/nonexistent/chromium")
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception, match="browser tests need /nonexistent/chromium"):
        bc.require_browser()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        bc.require_browser()
