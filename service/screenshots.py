"""Screenshots of the citizen widget and the staff console, for the docs.

    python -m service.screenshots --base-url http://127.0.0.1:8000 --out docs/screenshots

Needs a running service (``youju serve``), the ``playwright`` package and Debian's Chromium
(``/usr/bin/chromium``; no browser download). Writes:

* ``widget-phone.png``      widget on a 360x740 phone, with a cited answer
* ``widget-desktop.png``    widget on a 1280x800 desktop page, answer with its paragraph expanded
* ``widget-no-answer.png``  widget on a phone, for a question the report does not answer
* ``console.png``           staff console (1280x800): results, selection and paragraph context
* ``console-analytics.png`` the console's analytics panel (1280x1000): counts, daily chart, frequent and
  refused questions, pins (``--ask`` first puts citizens' questions through the widget's API, for a
  fresh test server; never use it against a live service, whose query log it would change)

PNGs are reduced to a 256-colour palette when Pillow is installed (it comes with matplotlib), which keeps
each under 300 KB.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--font-render-hinting=none",
]
TIMEOUT_MS = 30_000
ANSWER = ".c, .n, .e"  # a cited answer, the no-answer note or an error, in the widget's shadow root


def _shrink(path: Path) -> None:
    """Palette PNG: a fraction of the size for screenshots of flat UI (no-op without Pillow)."""
    try:
        from PIL import Image
    except ImportError:
        return
    with Image.open(path) as im:
        small = im.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    small.save(path, optimize=True)


def widget_phone(page: Any, base: str, question: str) -> None:
    page.goto(f"{base}/?youju_q={quote(question)}")
    page.locator("youju-widget").locator(ANSWER).first.wait_for()


def widget_desktop(page: Any, base: str, question: str) -> None:
    page.goto(f"{base}/")
    w = page.locator("youju-widget")
    w.locator(".launch").wait_for()
    page.evaluate("q => window.youju.open(q)", question)
    w.locator(ANSWER).first.wait_for()
    toggle = w.locator("article.c .ac button[aria-expanded]").first
    if toggle.count():
        toggle.click()
        w.locator(".log").evaluate("e => { e.scrollTop = 0; }")
        w.locator("section.ex").first.evaluate("e => e.scrollIntoView()")
    page.mouse.move(0, 0)


def console(page: Any, base: str, query: str) -> None:
    page.goto(f"{base}/console")
    box = page.locator("#q")
    box.wait_for()
    page.keyboard.type(query, delay=30)
    page.wait_for_function("q => document.querySelector('#status').dataset.q === q", arg=query, timeout=TIMEOUT_MS)
    if page.locator("#list > li").count():
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Enter")
        page.locator("#detail .pp.cur").wait_for()


def analytics(page: Any, base: str, ask: Sequence[str]) -> None:
    page.goto(f"{base}/console")
    page.locator("#q").wait_for()
    for q in ask:
        page.evaluate(
            """q => fetch('/api/v1/search', {method: 'POST', body: JSON.stringify({query: q}),
                 headers: {'Content-Type': 'application/json', 'X-Youju-Channel': 'widget'}})""",
            q,
        )
    page.locator("#stats-btn").click()
    page.locator("#t-top tbody tr td").first.wait_for()
    page.wait_for_function("() => document.querySelector('#st-sum').textContent.includes('次提问')", timeout=TIMEOUT_MS)
    page.mouse.move(0, 0)


# Citizens' questions for the analytics screenshot of a fresh server (asked in this order; repeats count).
SAMPLE_QUESTIONS = (
    "怀柔森林覆盖率多少",
    "怀柔区森林覆盖率是多少？",
    "行政复议案件有多少件",
    "12345热线满意率",
    "怀柔森林覆盖率多少",
    "公积金怎么提取",
    "行政复议案件有多少件",
    "北京今天天气怎么样",
    "无事不扰清单是什么",
    "公积金怎么提取",
)

Shot = tuple[str, int, int, Callable[[Any], None], dict[str, Any]]


def take(
    base_url: str,
    out: Path,
    *,
    question: str = "怀柔森林覆盖率多少",
    unanswerable: str = "北京今天天气怎么样",
    console_query: str = "12345热线满意率",
    ask: Sequence[str] = (),
    chromium: str = CHROMIUM,
    browser: Any = None,
) -> list[Path]:
    """Write the screenshots; ``browser``: an already launched Playwright browser (else one is started)."""
    if browser is None:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as pw:
            launched = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            try:
                return take(
                    base_url,
                    out,
                    question=question,
                    unanswerable=unanswerable,
                    console_query=console_query,
                    ask=ask,
                    browser=launched,
                )
            finally:
                launched.close()
    base = base_url.rstrip("/")
    out.mkdir(parents=True, exist_ok=True)
    phone = {"is_mobile": True, "has_touch": True, "device_scale_factor": 2}
    shots: list[Shot] = [
        ("widget-phone.png", 360, 740, lambda p: widget_phone(p, base, question), phone),
        ("widget-no-answer.png", 360, 740, lambda p: widget_phone(p, base, unanswerable), phone),
        ("widget-desktop.png", 1280, 800, lambda p: widget_desktop(p, base, question), {}),
        ("console.png", 1280, 800, lambda p: console(p, base, console_query), {}),
        ("console-analytics.png", 1280, 1000, lambda p: analytics(p, base, ask), {}),
    ]
    written: list[Path] = []
    for name, width, height, setup, options in shots:
        ctx = browser.new_context(
            viewport={"width": width, "height": height},
            locale="zh-CN",
            reduced_motion="reduce",
            bypass_csp=True,  # Playwright's waits evaluate strings; the pages themselves need no eval
            **options,
        )
        ctx.set_default_timeout(TIMEOUT_MS)
        try:
            page = ctx.new_page()
            setup(page)
            page.wait_for_timeout(200)  # let the last paint settle
            path = out / name
            page.screenshot(path=str(path), animations="disabled", caret="hide")
            _shrink(path)
            written.append(path)
        finally:
            ctx.close()
    return written


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m service.screenshots", description=__doc__.split("\n\n")[0])
    ap.add_argument("--base-url", default="http://127.0.0.1:8000", help="the running service")
    ap.add_argument("--out", type=Path, default=Path("docs/screenshots"), help="folder for the PNGs")
    ap.add_argument("--question", default="怀柔森林覆盖率多少", help="question asked in the widget")
    ap.add_argument("--unanswerable", default="北京今天天气怎么样", help="question the report does not answer")
    ap.add_argument("--console-query", default="12345热线满意率", help="query typed in the console")
    ap.add_argument(
        "--ask",
        action="store_true",
        help="first ask sample citizens' questions (for the analytics shot of a fresh test server only)",
    )
    ap.add_argument("--chromium", default=CHROMIUM, help="Chromium executable")
    args = ap.parse_args(argv)
    if not Path(args.chromium).exists():
        print(f"screenshots: no Chromium at {args.chromium} (apt-get install chromium)", file=sys.stderr)
        return 2
    try:
        import playwright  # noqa: F401
    except ImportError:
        print("screenshots: the playwright package is missing (pip install playwright)", file=sys.stderr)
        return 2
    for path in take(
        args.base_url,
        args.out,
        question=args.question,
        unanswerable=args.unanswerable,
        console_query=args.console_query,
        ask=SAMPLE_QUESTIONS if args.ask else (),
        chromium=args.chromium,
    ):
        print(f"{path} ({path.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
