"""Browser tests: the real app (``service.app.create_app``) served by uvicorn on 127.0.0.1, driven by
Playwright with Debian's Chromium (/usr/bin/chromium; no browser download).

Two servers, started once per session and only when a test asks for them:

* ``fast_server``: the shipped report plus a small second document, indexed with the test
  ``HashEmbedder``. For everything that does not depend on ranking quality (keyboard, layout, errors,
  filters, copying, recent queries).
* ``model_server``: the shipped report indexed with the real model (``model_embedder``), for answers
  that must be right ("77.57%" highlighted, the no-answer message). Tests using it are marked slow.

Without /usr/bin/chromium or the playwright package the tests are skipped, except under CI=true,
where they fail.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from service.screenshots import CHROMIUM, CHROMIUM_ARGS  # one launch recipe for tests and screenshots
from tests.conftest import REPORT_DIR, HashEmbedder

EXTRA_DOC = """一、总体要求
坚持以人民为中心，推进政务公开标准化规范化建设，年内完成政务公开专区升级改造。
二、重点任务
（一）深化政务服务。推行“一窗通办”，企业开办时间压缩至1个工作日。
（二）完善便民热线。优化热线知识库，市民来电一次办结率力争达到90%。
"""
EXTRA_META = {"title": "怀柔区2025年政务公开工作要点（测试文件）", "issuer": "测试", "year": 2025}


def browser_missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    missing = []
    if not Path(CHROMIUM).exists():
        missing.append(f"{CHROMIUM} (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the playwright package (pip install playwright; no `playwright install` needed)")
    return "browser tests need " + " and ".join(missing) if missing else None


def require_browser() -> None:
    why = browser_missing()
    if why is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(why + " (CI=true: not skipping)")
    pytest.skip(why)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def new_page(browser: Any) -> Iterator[Callable[..., Any]]:
    """``new_page(width=1280, height=800, **context_options)``: a page in a fresh context (own storage)."""
    contexts: list[Any] = []

    def make(width: int = 1280, height: int = 800, **options: Any) -> Any:
        options.setdefault("locale", "zh-CN")
        ctx = browser.new_context(viewport={"width": width, "height": height}, **options)
        ctx.set_default_timeout(15_000)
        contexts.append(ctx)
        page = ctx.new_page()
        page.js_errors = []  # type: ignore[attr-defined]
        page.on("pageerror", lambda e: page.js_errors.append(str(e)))
        return page

    yield make
    for ctx in contexts:
        ctx.close()


# ------------------------------------------------------------------------------------------- servers


@dataclass
class LiveServer:
    url: str
    settings: Any

    def get(self, path: str) -> Any:
        with urllib.request.urlopen(self.url + path, timeout=10) as r:
            return json.loads(r.read())


def _serve(settings: Any, factory: Callable[[Any], Any]) -> Iterator[LiveServer]:
    import uvicorn

    from service.app import create_app

    app = create_app(settings, factory)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="youju-browser-server", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:  # /readyz answers 200 once the searcher is loaded and warm
        try:
            with urllib.request.urlopen(url + "/readyz", timeout=5) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if time.monotonic() > deadline or not thread.is_alive():
            server.should_exit = True
            raise RuntimeError(f"the test server at {url} did not become ready")
        time.sleep(0.1)
    try:
        yield LiveServer(url, settings)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def _settings(root: Path, corpus: Path, **over: Any) -> Any:
    from index.config import Settings

    values: dict[str, Any] = {
        "corpus_dir": corpus,
        "index_dir": root / "index",
        "feedback_db": root / "feedback.sqlite3",
        "rate_limit_per_minute": 0,  # the tests ask many questions from one address
        "max_concurrent_searches": 2,
        "busy_timeout_seconds": 10.0,
        "threads": 1,
        "staff_key": None,  # hermetic: a YOUJU_STAFF_KEY in the environment must not lock the console
        "admin_key": None,
        "cors_origins": [],
    }
    values.update(over)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture(scope="session")
def fast_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    require_browser()  # no point building a server the tests cannot drive
    from index import store
    from index.build import build_index
    from index.search import Searcher

    root = tmp_path_factory.mktemp("browser-fast")
    corpus = root / "corpus"
    shutil.copytree(REPORT_DIR, corpus)
    (corpus / "huairou-2025-open-government.txt").write_text(EXTRA_DOC, encoding="utf-8")
    (corpus / "huairou-2025-open-government.meta.json").write_text(
        json.dumps(EXTRA_META, ensure_ascii=False), encoding="utf-8"
    )
    settings = _settings(root, corpus)
    embedder = HashEmbedder()
    build_index(corpus, settings.index_dir, embedder, passage_prefix="", query_prefix="")
    yield from _serve(settings, lambda s: Searcher(store.load(s.index_dir), embedder))


@pytest.fixture(scope="session")
def model_server(tmp_path_factory: pytest.TempPathFactory, model_embedder: Any) -> Iterator[LiveServer]:
    require_browser()
    from index import store
    from index.build import build_index
    from index.search import Searcher

    root = tmp_path_factory.mktemp("browser-model")
    settings = _settings(root, REPORT_DIR)
    qp, pp = model_embedder.query_prefix, model_embedder.passage_prefix
    build_index(REPORT_DIR, settings.index_dir, model_embedder, passage_prefix=pp, query_prefix=qp)
    yield from _serve(settings, lambda s: Searcher(store.load(s.index_dir), model_embedder))


# ------------------------------------------------------------------------------------------- helpers


def widget(page: Any) -> Any:
    """The widget's shadow root content (Playwright CSS locators pierce open shadow roots)."""
    return page.locator("youju-widget")


def open_widget(page: Any) -> Any:
    w = widget(page)
    w.locator(".launch").click()
    w.locator("[role=dialog]").wait_for(state="visible")
    return w


def ask(page: Any, question: str) -> Any:
    """Type a question in the open widget, send it with Enter, and wait for its answer block."""
    w = widget(page)
    n = w.locator("section.ex").count()
    box = w.locator("input#q")
    box.fill(question)
    box.press("Enter")
    block = w.locator("section.ex").nth(n)
    block.locator(".c, .n, .e").first.wait_for()
    return block


def active_in_widget(page: Any) -> str:
    """A description of the focused element inside the widget's shadow root ('' if focus is elsewhere)."""
    return str(
        page.evaluate(
            """() => {
              const h = document.querySelector('youju-widget');
              const a = h && h.shadowRoot && document.activeElement === h ? h.shadowRoot.activeElement : null;
              return a ? (a.className || a.id || a.tagName) : '';
            }"""
        )
    )


CONTRAST_JS = "\n".join(
    line
    for line in (Path(__file__).parent / "contrast.js").read_text(encoding="utf-8").splitlines()
    if not line.startswith("//")
)


def contrast_failures(page: Any, root: str = "document") -> list[Any]:
    return list(page.evaluate(CONTRAST_JS, root))
