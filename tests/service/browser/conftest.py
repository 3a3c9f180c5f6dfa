"""Browser tests: the real app (``service.app.create_app``) served by uvicorn on 127.0.0.1, driven by
Playwright with Debian's Chromium (/usr/bin/chromium; no browser download). Helpers are in helpers.py.

Two servers, started once per session and only when a test asks for them:

* ``fast_server``: the shipped report plus a small second document, indexed with the test
  ``HashEmbedder``. For everything that does not depend on ranking quality (keyboard, layout, errors,
  filters, copying, recent queries).
* ``model_server``: the shipped report indexed with the real model (``model_embedder``), for answers
  that must be right ("77.57%" highlighted, the no-answer message). Tests using it are marked slow.
* ``docs_server``: several documents (a PDF with pages, two editions of a budget, a text report, a file the
  build skips; ``write_documents_corpus``) with the hash embedder and a staff key (the console logs in
  with ``STAFF_LOGIN``). For binding the widget, filters, pages, notes and the documents panel.
* ``upload_server`` (per test): the same corpus in a fresh directory, for uploads and removals.

Both build and search as the service does (``index.pipeline``: ``build_corpus``, ``searcher_for``).
Without /usr/bin/chromium or the playwright package the tests are skipped, except under CI=true,
where they fail.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import pytest

from service.screenshots import CHROMIUM, CHROMIUM_ARGS  # one launch recipe for tests and screenshots
from tests.helpers import REPORT_DIR, HashEmbedder
from tests.service.browser.helpers import (
    EXTRA_DOC,
    EXTRA_META,
    LiveServer,
    NewPage,
    browser_settings,
    require_browser,
    running,
    write_documents_corpus,
)
from tests.service.helpers import STAFF_KEY

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext

    from index.embed.base import Embedder
    from tests.service.browser.helpers import WatchedPage


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """Chromium, for the tests of this folder. Package scope: Playwright's sync API keeps an event loop
    running in the main thread, so it must stop before other tests that run one (``anyio.run``)."""
    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def new_page(browser: Browser) -> Iterator[NewPage]:
    """``new_page(width=1280, height=800, **context_options)``: a page in a fresh context (own storage)."""
    contexts: list[BrowserContext] = []

    def make(width: int = 1280, height: int = 800, **options: Any) -> WatchedPage:
        options.setdefault("locale", "zh-CN")
        # Playwright's polling helpers (wait_for_function) evaluate strings in the page, which the service's
        # CSP (no eval) forbids; test_browser_csp.py drives the pages with the CSP enforced.
        options.setdefault("bypass_csp", True)
        ctx = browser.new_context(viewport={"width": width, "height": height}, **options)
        ctx.set_default_timeout(15_000)
        contexts.append(ctx)
        page = cast("WatchedPage", ctx.new_page())  # the same object, given the attribute set next
        page.js_errors = []
        page.on("pageerror", lambda e: page.js_errors.append(str(e)))
        return page

    yield make
    for ctx in contexts:
        ctx.close()


@pytest.fixture(scope="session")
def fast_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    require_browser()  # no point building a server the tests cannot drive
    from index import store
    from index.pipeline import build_corpus, searcher_for

    root = tmp_path_factory.mktemp("browser-fast")
    corpus = root / "corpus"
    shutil.copytree(REPORT_DIR, corpus)
    (corpus / "huairou-2025-open-government.txt").write_text(EXTRA_DOC, encoding="utf-8")
    (corpus / "huairou-2025-open-government.meta.json").write_text(
        json.dumps(EXTRA_META, ensure_ascii=False), encoding="utf-8"
    )
    settings = browser_settings(root, corpus)
    embedder = HashEmbedder()
    build_corpus(settings, corpus, settings.index_dir, embedder)
    with running(settings, lambda s: searcher_for(s, store.load(s.index_dir), embedder)) as server:
        yield server


@pytest.fixture(scope="session")
def model_server(tmp_path_factory: pytest.TempPathFactory, model_embedder: Embedder) -> Iterator[LiveServer]:
    require_browser()
    from index import store
    from index.pipeline import build_corpus, searcher_for

    root = tmp_path_factory.mktemp("browser-model")
    settings = browser_settings(root, REPORT_DIR)
    build_corpus(settings, REPORT_DIR, settings.index_dir, model_embedder)
    with running(settings, lambda s: searcher_for(s, store.load(s.index_dir), model_embedder)) as server:
        yield server


@contextmanager
def documents_server(root: Path) -> Iterator[LiveServer]:
    """The multi-document corpus under ``root``, indexed with the hash embedder, served with a staff key."""
    from index import store
    from index.pipeline import build_corpus, searcher_for

    corpus = root / "corpus"
    write_documents_corpus(corpus)
    # The hash embedder's cosines mean nothing to the calibrated answer decision: these tests are about
    # filters, pages, notes and uploads, so every search that finds passages shows them.
    settings = browser_settings(root, corpus, staff_key=STAFF_KEY, no_answer_threshold=0.0)
    embedder = HashEmbedder()
    build_corpus(settings, corpus, settings.index_dir, embedder)
    with running(settings, lambda s: searcher_for(s, store.load(s.index_dir), embedder)) as server:
        yield server


@pytest.fixture(scope="session")
def docs_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    require_browser()
    with documents_server(tmp_path_factory.mktemp("browser-docs")) as server:
        yield server


@pytest.fixture
def upload_server(tmp_path: Path) -> Iterator[LiveServer]:
    """A server of its own: uploads and removals change its corpus and index."""
    require_browser()
    with documents_server(tmp_path) as server:
        yield server
