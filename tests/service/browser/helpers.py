"""Browser test helpers (the fixtures are in conftest.py): whether Chromium and Playwright are here, the
live uvicorn server the pages talk to, and page helpers for the widget and the contrast check."""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import socket
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import pytest

from service.screenshots import CHROMIUM  # one launch recipe for tests and screenshots
from service.server import uvicorn_options
from tests.service.helpers import STAFF_KEY

if TYPE_CHECKING:  # playwright is optional at run time (the tests skip without it)
    from playwright.sync_api import Locator, Page

    class WatchedPage(Page):
        """A page as ``new_page`` makes it: a Playwright ``Page`` that also keeps the JavaScript errors it
        raised (``pageerror``) in ``js_errors``. Only a type: at run time it is the ``Page`` itself."""

        js_errors: list[str]


EXTRA_DOC = """一、总体要求
坚持以人民为中心，推进政务公开标准化规范化建设，年内完成政务公开专区升级改造。
二、重点任务
（一）深化政务服务。推行“一窗通办”，企业开办时间压缩至1个工作日。
（二）完善便民热线。优化热线知识库，市民来电一次办结率力争达到90%。
"""
EXTRA_META = {"title": "怀柔区2025年政务公开工作要点（测试文件）", "issuer": "测试", "year": 2025}

# The multi-document corpus of ``docs_server``: a text-layer PDF (results with pages), two editions of one
# budget series (2023 superseded by 2024; the 2024 one written in Traditional script), a text report of
# another type and issuer, and a file the build skips.
GOLD_DIR = Path(__file__).resolve().parents[3] / "eval" / "gold" / "documents"
PDF_ID = "qinghe-2024-gov-info-disclosure-report"
HOTLINE_ID = "qinghe-12345-hotline-2024-annual-data"
BUDGET_2023_ID = "wanli-2023-budget"
BUDGET_2024_ID = "wanli-2024-budget"
BROKEN_FILE = "broken-scan.pdf"
BUDGETS = {
    BUDGET_2023_ID: (
        {"title": "万里街道2023年部门预算（测试文件）", "issuer": "万里街道办事处", "year": 2023, "doc_type": "预算"},
        "一、部门主要职能\n万里街道办事处负责辖区社区建设、公共服务和城市管理等工作（测试文件，数据为虚构）。\n"
        "二、收支预算总体情况\n2023年收入预算总额8,000万元，支出预算总额8,000万元，其中社区服务支出2,100万元。\n"
        "三、“三公”经费预算\n2023年“三公”经费预算45万元，其中公务接待费5万元，公务用车运行维护费40万元。\n",
    ),
    BUDGET_2024_ID: (
        {"title": "萬里街道2024年部門預算（測試用）", "issuer": "萬里街道辦事處", "year": 2024, "doc_type": "预算"},
        "一、部門主要職能\n萬里街道辦事處負責轄區社區建設、公共服務和城市管理等工作（測試文件，數據為虛構）。\n"
        "二、收支預算總體情況\n2024年收入預算總額8,600萬元，支出預算總額8,600萬元，其中社區服務支出2,300萬元。\n"
        "三、“三公”經費預算\n2024年“三公”經費預算42萬元，其中公務接待費4萬元，公務用車運行維護費38萬元。\n",
    ),
}


STAFF_LOGIN = {"username": "hotline", "password": STAFF_KEY}  # new_page(http_credentials=STAFF_LOGIN)


def write_documents_corpus(corpus: Path) -> None:
    """The files of the multi-document corpus (see above) in ``corpus``."""
    corpus.mkdir(parents=True, exist_ok=True)
    shutil.copy(GOLD_DIR / f"{PDF_ID}.pdf", corpus)
    for suffix in (".txt", ".meta.json"):
        shutil.copy(GOLD_DIR / f"{HOTLINE_ID}{suffix}", corpus)
    for doc_id, (meta, text) in BUDGETS.items():
        (corpus / f"{doc_id}.txt").write_text(text, encoding="utf-8")
        (corpus / f"{doc_id}.meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    (corpus / BROKEN_FILE).write_bytes(b"%PDF-1.7\n this is not a PDF document\n")


# ------------------------------------------------------------------------------------------- browser


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
    """Skip without a browser, except under CI=true, where that fails."""
    why = browser_missing()
    if why is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(why + " (CI=true: not skipping)")
    pytest.skip(why)


class NewPage(Protocol):
    """The ``new_page`` fixture: a page in a fresh browser context; ``options`` go to ``new_context``."""

    def __call__(self, width: int = 1280, height: int = 800, **options: Any) -> WatchedPage: ...


# ------------------------------------------------------------------------------------------- servers


@dataclass
class LiveServer:
    url: str
    settings: Any

    def get(self, path: str) -> Any:
        with urllib.request.urlopen(self.url + path, timeout=10) as r:
            return json.loads(r.read())


def browser_settings(root: Path, corpus: Path, **over: Any) -> Any:
    """Settings for a test server: files under ``root``, no keys, no rate limit."""
    from index.config import Settings

    values: dict[str, Any] = {
        "corpus_dir": corpus,
        "index_dir": root / "index",
        "feedback_db": root / "feedback.sqlite3",
        "state_db": root / "youju.sqlite3",
        "dictionary_dir": root / "dictionaries",
        "rate_limit_per_minute": 0,  # the tests ask many questions from one address
        "staff_rate_limit_per_minute": 0,
        "max_concurrent_searches": 2,
        "busy_timeout_seconds": 10.0,
        "threads": 1,
        "staff_key": None,  # hermetic: a YOUJU_STAFF_KEY in the environment must not lock the console
        "admin_key": None,
        "cors_origins": [],
    }
    values.update(over)
    return Settings(_env_file=None, **values)


@contextmanager
def running(settings: Any, factory: Callable[[Any], Any]) -> Iterator[LiveServer]:
    """The real app (``service.app.create_app``) served by uvicorn on 127.0.0.1, once /readyz answers 200."""
    import uvicorn

    from service.app import create_app

    app = create_app(settings, factory)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", lifespan="on", **uvicorn_options(app.state.runtime.settings))
    )
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


# ------------------------------------------------------------------------------------------- pages


def widget(page: Page) -> Locator:
    """The widget's shadow root content (Playwright CSS locators pierce open shadow roots)."""
    return page.locator("youju-widget")


def host_page(page: Page, server: LiveServer, body: str, script_attrs: str = "", query: str = "") -> None:
    """Serve a foreign page (own CSS, own markup) at the server's origin and load it."""
    html = (
        "<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        "<style>* { font-size: 40px !important; color: lime !important; box-sizing: content-box !important; }"
        " button, input { display: none !important; } div { border: 9px solid red !important; }"
        " mark { background: black !important; }</style></head>"
        f"<body>{body}<script src='{server.url}/widget.js' {script_attrs} async></script></body></html>"
    )
    page.route(f"{server.url}/host.html*", lambda route: route.fulfill(body=html, content_type="text/html"))
    page.goto(f"{server.url}/host.html{query}")
    widget(page).locator(".launch").wait_for()


def open_widget(page: Page) -> Locator:
    w = widget(page)
    w.locator(".launch").click()
    w.locator("[role=dialog]").wait_for(state="visible")
    return w


_ASKED = itertools.count()


def ask(page: Page, question: str) -> Locator:
    """Type a question in the open widget, send it with Enter, and wait for its answer block."""
    w = widget(page)
    # The widget keeps its last 8 exchanges (widget.js), so the new block's position is not the count of
    # blocks before it: mark those, and the new block is the one without the mark.
    w.locator("section.ex").evaluate_all("els => els.forEach(e => e.setAttribute('data-asked', ''))")
    box = w.locator("input#q")
    box.fill(question)
    box.press("Enter")
    new = w.locator("section.ex:not([data-asked])").first
    new.locator(".c, .n, .e").first.wait_for()
    # A locator that stays on this block when later questions are asked.
    name = f"a{next(_ASKED)}"
    new.evaluate("(e, name) => e.setAttribute('data-asked', name)", name)
    return w.locator(f"section.ex[data-asked='{name}']")


def active_in_widget(page: Page) -> str:
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


def contrast_failures(page: Page, root: str = "document") -> list[Any]:
    return list(page.evaluate(CONTRAST_JS, root))


# A sentence: up to and including its closing marks (。！？；, line breaks) and closing quotes/brackets.
_SENTENCE = re.compile(r"[^。！？；!?;\n]*[。！？；!?;\n]+[”」』）)]*|[^。！？；!?;\n]+$")


def answering_sentences(r: dict[str, Any]) -> str:
    """The sentences of a result that hold a highlight (the whole passage when none does)."""
    out, at = "", 0
    for m in _SENTENCE.finditer(r["text"]):
        a, b = at, at + len(m.group(0))
        at = b
        if any(h["start"] < b and a < h["end"] for h in r["highlights"]):
            out += m.group(0)
    return (out or r["text"]).strip()


def expected_copy(r: dict[str, Any], notes: list[str] | None = None, convert: Callable[[str], str] = str) -> str:
    """What the console's copy gives for a result: the answering sentence(s), then 《title》, the nearest
    heading and the page or paragraph (in the script shown: ``convert``)."""
    c = r["citation"]
    heads = [s for i, s in enumerate(c["section"]) if i or s != c["title"]]
    sec = convert(heads[-1]) + " " if heads else ""
    if c["page"] is None:
        at = f"第{c['paragraph']}段"
    else:
        at = f"第{c['page']}页" if c["page_end"] == c["page"] else f"第{c['page']}–{c['page_end']}页"
        if c.get("printed_page") is not None and str(c["printed_page"]) != str(c["page"]):
            at += f"（页码{c['printed_page']}{'起' if c['page_end'] != c['page'] else ''}）"
    text = f"「{convert(answering_sentences(r))}」\n——《{convert(c['title'])}》 {sec}{at}"
    return text + (f"\n注：{'；'.join(notes)}。" if notes else "")
