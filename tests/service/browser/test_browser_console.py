"""The hotline staff console: instant search, keyboard selection, context, copy, filters, recent queries."""

from __future__ import annotations

import contextlib
import json
import re
from typing import TYPE_CHECKING, Any

import pytest

from index.normalize import to_simplified, to_traditional
from tests.service.browser.helpers import LiveServer, NewPage, contrast_failures, expected_copy

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

CLIPBOARD = ["clipboard-read", "clipboard-write"]


def open_console(page: Page, server: LiveServer) -> None:
    page.goto(server.url + "/console")
    page.locator("#q").wait_for()
    page.wait_for_function("() => document.querySelector('#doc').options.length > 1")  # documents loaded


def search(page: Page, query: str) -> Locator:
    """Type a query as a person does and wait until its results are listed."""
    page.locator("#q").fill("")
    page.keyboard.type(query, delay=20)
    shown(page, query)
    return page.locator("#list > li")


def shown(page: Page, query: str) -> None:
    """Wait until the results listed are those of ``query``."""
    page.wait_for_function(
        "q => document.querySelector('#status').dataset.q === q && "
        "document.querySelector('#status').textContent.includes('条结果')",
        arg=query,
    )


def api_search(page: Page, body: dict[str, Any]) -> Any:
    return page.evaluate(
        """b => fetch('/api/v1/search', {method: 'POST', headers: {'Content-Type': 'application/json'},
                     body: JSON.stringify(b)}).then(r => r.json())""",
        body,
    )


def citation_title(row: Locator) -> str:
    """The title attribute of a result row's citation."""
    title = row.locator(".ci").get_attribute("title")
    assert title is not None, "a citation without a title"
    return title


def selected(page: Page) -> int:
    return int(
        page.evaluate(
            "[...document.querySelectorAll('#list > li')].findIndex(li => li.getAttribute('aria-selected') === 'true')"
        )
    )


def test_keyboard_search_context_and_copy(fast_server: LiveServer, new_page: NewPage) -> None:
    page = new_page(permissions=CLIPBOARD)
    open_console(page, fast_server)
    assert page.evaluate("document.activeElement.id") == "q"  # focused on load
    rows = search(page, "森林覆盖率")
    assert rows.count() == 10
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.id") == "list" and selected(page) == 0
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    assert selected(page) == 1
    assert page.locator("#list").get_attribute("aria-activedescendant") == "r1"
    page.keyboard.press("Enter")
    cur = page.locator("#detail .pp.cur")
    cur.wait_for()
    data = api_search(page, {"query": "森林覆盖率", "top_k": 10})
    r = data["results"][1]
    assert cur.locator("h3").inner_text().startswith(f"本段 · 第{r['citation']['paragraph']}段")
    assert cur.locator(".hit").inner_text() == r["text"]  # the passage, located inside its paragraph
    assert r["context"] in cur.inner_text()
    passage = page.evaluate(f"fetch('/api/v1/passages/{r['passage_id']}').then(r => r.json())")
    if passage["previous"]:
        assert passage["previous"]["text"] in page.locator("#detail .pp.nb").first.inner_text()
    if passage["next"]:
        assert passage["next"]["text"] in page.locator("#detail .pp.nb").last.inner_text()
    page.keyboard.press("c")
    page.locator("#toast.on").wait_for()
    assert "已复制第 2 条" in page.locator("#toast").inner_text()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == expected_copy(r)
    assert re.fullmatch(r"「.+」\n——《.+》 .*第\d+段", copied, re.S)  # no character offsets
    # Esc goes back to the search box, `/` too from anywhere else.
    page.keyboard.press("Escape")
    assert page.evaluate("document.activeElement.id") == "q"
    page.locator("#detail h2").click()
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "q"
    # The copy buttons (mouse) copy the row they are on.
    page.locator("#list > li").nth(3).locator("button.cp").click()
    page.wait_for_function("t => document.querySelector('#toast').textContent.includes(t)", arg="第 4 条")
    assert page.evaluate("navigator.clipboard.readText()") == expected_copy(data["results"][3])
    assert page.js_errors == []


def test_copy_falls_back_to_a_textarea_without_the_clipboard_api(fast_server: LiveServer, new_page: NewPage) -> None:
    page = new_page()
    page.add_init_script(
        """Object.defineProperty(navigator, 'clipboard', {value: undefined, configurable: true});
           document.addEventListener('copy', e => { window.__copied = e.target.value; }, true);"""
    )
    open_console(page, fast_server)
    search(page, "法律援助")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("c")
    page.wait_for_function("() => window.__copied !== undefined")
    r = api_search(page, {"query": "法律援助", "top_k": 10})["results"][0]
    assert page.evaluate("window.__copied") == expected_copy(r)
    assert page.evaluate("document.activeElement.id") == "list"  # focus restored after the textarea
    assert page.locator("body > textarea").count() == 0  # the fallback textarea is removed again


def test_instant_search_debounces_and_cancels_stale_requests(fast_server: LiveServer, new_page: NewPage) -> None:
    page = new_page()
    open_console(page, fast_server)
    sent: list[str] = []
    failed: list[str] = []
    page.on(
        "request",
        lambda r: (
            sent.append(json.loads(r.post_data or "{}").get("query", "")) if r.url.endswith("/api/v1/search") else None
        ),
    )
    page.on("requestfailed", lambda r: failed.append(r.failure or "") if r.url.endswith("/api/v1/search") else None)
    page.keyboard.type("行政复议案件", delay=40)  # faster than the 250 ms debounce
    shown(page, "行政复议案件")
    assert sent[-1] == "行政复议案件" and len(sent) <= 2  # six keystrokes, one search (two if the CPU stalls)
    # A slow answer to an older query is cancelled, and never replaces the newer one.
    held: list[Any] = []
    page.route("**/api/v1/search", lambda route: held.append(route) if not held else route.continue_())
    page.keyboard.type("决定")
    for _ in range(40):
        if held:
            break
        page.wait_for_timeout(50)
    assert len(held) == 1
    page.keyboard.type("书")
    shown(page, "行政复议案件决定书")
    assert any("ABORTED" in f.upper() for f in failed), failed
    with contextlib.suppress(Exception):  # the browser already cancelled it
        held[0].continue_()
    page.wait_for_timeout(200)
    assert sent[-1] == "行政复议案件决定书"
    assert page.locator("#q").input_value() == "行政复议案件决定书"
    assert page.locator("#list > li").count() > 0


def test_filters_narrow_results(fast_server: LiveServer, new_page: NewPage) -> None:
    page = new_page()
    open_console(page, fast_server)
    options = page.locator("#doc option").all_inner_texts()
    assert options[0] == "全部文件" and any("测试文件" in o for o in options)
    rows = search(page, "热线")
    titles = {citation_title(rows.nth(i)).split("》")[0] for i in range(rows.count())}
    assert len(titles) == 2  # both documents answer
    page.locator("#doc").select_option(label="怀柔区2025年政务公开工作要点（测试文件）")
    page.wait_for_function("() => [...document.querySelectorAll('#list .ci')].every(e => e.title.includes('测试文件'))")
    narrowed = page.locator("#list > li").count()
    assert 0 < narrowed < rows.count() or narrowed < 10
    page.locator("#doc").select_option(value="")
    page.locator("#sec").fill("二、")
    page.wait_for_function(
        "[...document.querySelectorAll('#list .ci')].length > 0 && "
        "[...document.querySelectorAll('#list .ci')].every(e => e.textContent.startsWith('二、'))"
    )
    # The section box suggests the headings seen so far.
    assert page.locator("#secs option").count() >= 2


def test_recent_queries_persist_across_reload_and_can_be_cleared(fast_server: LiveServer, new_page: NewPage) -> None:
    page = new_page()
    open_console(page, fast_server)
    assert page.locator("#recent").is_hidden()
    search(page, "法律援助案件")
    page.keyboard.press("Enter")
    search(page, "公职律师")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")  # opening a result also remembers the query
    page.locator("#detail .pp.cur").wait_for()
    assert page.locator("#chips button").all_inner_texts() == ["公职律师", "法律援助案件"]
    page.reload()
    page.locator("#chips button").first.wait_for()
    assert page.locator("#chips button").all_inner_texts() == ["公职律师", "法律援助案件"]
    assert page.evaluate("JSON.parse(localStorage.getItem('youju.console.recent'))") == ["公职律师", "法律援助案件"]
    page.locator("#chips button", has_text="法律援助案件").click()
    shown(page, "法律援助案件")
    assert page.locator("#q").input_value() == "法律援助案件"
    page.get_by_role("button", name="清除记录").click()
    assert page.locator("#recent").is_hidden()
    page.reload()
    page.locator("#q").wait_for()
    assert page.locator("#recent").is_hidden()


def test_low_confidence_results_are_flagged(fast_server: LiveServer, new_page: NewPage) -> None:
    page = new_page()
    open_console(page, fast_server)

    def unanswered(route: Any) -> None:
        resp = route.fetch()
        body = resp.json()
        body["answered"] = False
        route.fulfill(response=resp, json=body)

    page.route("**/api/v1/search", unanswered)
    rows = search(page, "北京今天天气")
    assert page.locator("#warn").is_visible() and "低置信" in page.locator("#warn").inner_text()
    assert rows.count() > 0 and rows.locator(".low").count() == rows.count()
    assert "（低）" in page.locator("#status").inner_text()


def test_errors_are_plain_messages(fast_server: LiveServer, new_page: NewPage) -> None:
    page = new_page()
    open_console(page, fast_server)
    page.route(
        "**/api/v1/search",
        lambda route: route.fulfill(
            status=429,
            headers={"Retry-After": "12"},
            json={"error": {"code": "rate_limited", "message": "too many requests"}},
        ),
    )
    page.keyboard.type("森林")
    page.wait_for_function("() => document.querySelector('#status').classList.contains('err')")
    assert "12 秒后再试" in page.locator("#status").inner_text()
    assert "{" not in page.locator("body").inner_text()


@pytest.mark.slow
def test_real_model_answer_and_low_confidence(model_server: LiveServer, new_page: NewPage) -> None:
    page = new_page(permissions=CLIPBOARD)
    open_console(page, model_server)
    rows = search(page, "怀柔森林覆盖率多少")
    assert any("77.57%" in m for m in rows.first.locator("mark").all_inner_texts())
    assert page.locator("#warn").is_hidden() and rows.locator(".low").count() == 0
    page.keyboard.press("ArrowDown")
    page.keyboard.press("c")
    page.locator("#toast.on").wait_for()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("「") and "77.57%" in copied
    # The answering sentence, then title, nearest heading and paragraph: what is read out or pasted.
    assert "——《北京市懷柔區2024年法治政府建設年度情況報告》 (五)聚焦重點難點" in copied
    assert "字符" not in copied
    page.keyboard.press("Escape")
    rows = search(page, "北京今天天气怎么样")
    assert page.locator("#warn").is_visible()  # answered=false: weak matches shown, flagged
    assert rows.count() > 0 and rows.locator(".low").count() == rows.count()


def test_script_switch_shows_and_copies_simplified_characters_never_other_words(
    fast_server: LiveServer, new_page: NewPage
) -> None:
    page = new_page(permissions=CLIPBOARD)
    open_console(page, fast_server)
    rows = search(page, "森林覆盖率")
    original = rows.first.locator(".tx").inner_text()
    assert original != to_simplified(original)  # the shipped report is in Traditional script
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.locator("#detail .pp.cur").wait_for()
    page.keyboard.press("s")  # 原文 -> 简体
    page.wait_for_function("() => document.querySelector('#script').textContent.includes('简体')")
    page.wait_for_function(
        "t => document.querySelector('#list .tx').innerText === t", arg=to_simplified(original), timeout=5000
    )
    shown = rows.first.locator(".tx").inner_text()
    assert len(shown) == len(original)  # characters change, never words
    assert "怀柔" in page.locator("#detail").inner_text() or "区" in page.locator("#detail").inner_text()
    assert "懷" not in page.locator("#detail .pp.cur").inner_text()
    r = api_search(page, {"query": "森林覆盖率", "top_k": 10})["results"][0]
    page.keyboard.press("c")
    page.locator("#toast.on").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == expected_copy(r, convert=to_simplified)
    page.keyboard.press("s")  # -> 繁體
    page.wait_for_function("() => document.querySelector('#script').textContent.includes('繁體')")
    page.wait_for_function(
        "t => document.querySelector('#list .tx').innerText === t", arg=to_traditional(original), timeout=5000
    )
    # The choice is kept for the next call.
    page.reload()
    page.locator("#q").wait_for()
    assert "繁體" in page.locator("#script").inner_text()
    page.keyboard.press("Escape")
    page.locator("#detail").click()
    page.keyboard.press("s")  # -> 原文
    page.wait_for_function("() => document.querySelector('#script').textContent.includes('原文')")
    assert page.js_errors == []


def test_text_contrast_meets_wcag_aa(fast_server: LiveServer, new_page: NewPage) -> None:
    page = new_page()
    open_console(page, fast_server)
    search(page, "法律援助")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.locator("#detail .pp.cur").wait_for()
    page.keyboard.press("c")
    page.locator("#toast.on").wait_for()
    assert contrast_failures(page) == []
