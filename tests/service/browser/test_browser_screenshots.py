"""``python -m service.screenshots`` keeps working: five small PNGs of the widget and the console."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

from service import screenshots
from tests.service.browser.helpers import LiveServer

if TYPE_CHECKING:
    from playwright.sync_api import Browser


def test_a_chinese_font_is_installed_for_the_screenshots() -> None:
    # Without one, Chromium draws every Chinese character of the widget as a box (`make test` installs
    # Debian's fonts-noto-cjk).
    assert shutil.which("fc-list"), "fontconfig is missing"
    fonts = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True, check=False).stdout
    assert fonts.strip(), "no Chinese font: apt-get install fonts-noto-cjk"


def test_screenshot_script_writes_small_pngs(fast_server: LiveServer, browser: Browser, tmp_path: Path) -> None:
    out = tmp_path / "shots"
    ask = screenshots.SAMPLE_QUESTIONS[:3]
    written = screenshots.take(fast_server.url, out, ask=ask, browser=browser)  # main() minus argument parsing
    assert [p.parent for p in written] == [out] * 5
    sizes = {
        "widget-phone.png": (720, 1480),  # 360x740 at device scale 2
        "widget-no-answer.png": (720, 1480),
        "widget-desktop.png": (1280, 800),
        "console.png": (1280, 800),
        "console-analytics.png": (1280, 1000),
    }
    assert sorted(p.name for p in out.iterdir()) == sorted(sizes)
    for name, (w, h) in sizes.items():
        data = (out / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        assert int.from_bytes(data[16:20], "big") == w and int.from_bytes(data[20:24], "big") == h
        assert len(data) < 300 * 1024, (name, len(data))
