"""Pinned answers and analytics as staff and citizens use them: a hotline agent pins a passage in the console,
a citizen asking the same thing in other words sees it first in the widget, marked as confirmed by staff;
the analytics panel lists the question and the pin, and unpinning takes it away."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from index.normalize import to_simplified
from tests.service.browser.helpers import STAFF_LOGIN, LiveServer, NewPage, ask, host_page, open_widget, widget
from tests.service.browser.test_browser_console import api_search, open_console, search, selected
from tests.service.browser.test_browser_documents import open_staff_console, press_d

if TYPE_CHECKING:
    from playwright.sync_api import FilePayload, Page

QUESTION = "怀柔森林覆盖率多少"
PARAPHRASE = "怀柔区的森林覆盖率是多少？"


def _start(text: str) -> str:
    return to_simplified("".join(text.split()))[:16]


def _first_card(page: Page, question: str) -> tuple[str, bool]:
    block = ask(page, question)
    card = block.locator("article.c").first
    return card.locator("blockquote").inner_text(), card.locator(".nt.pin").count() == 1


@pytest.mark.slow
def test_pin_in_the_console_is_first_in_the_widget_for_a_paraphrase(
    model_server: LiveServer, new_page: NewPage
) -> None:
    console = new_page(width=1280, height=900)
    open_console(console, model_server)
    rows = search(console, QUESTION)
    assert rows.count() >= 4
    found = api_search(console, {"query": QUESTION, "top_k": 10})["results"]
    chosen = found[3]  # not what search puts first on its own
    citizen = new_page(width=390, height=844)
    host_page(citizen, model_server, "<main><h1>怀柔区政府</h1></main>")
    open_widget(citizen)
    before, pinned = _first_card(citizen, PARAPHRASE)
    assert not pinned and _start(before) != _start(chosen["text"])

    try:
        console.locator("#q").press("ArrowDown")
        for _ in range(3):
            console.keyboard.press("ArrowDown")
        assert selected(console) == 3
        console.keyboard.press("p")
        console.locator("#toast").filter(has_text="已置顶").wait_for()
        console.locator("#list > li").first.locator(".pinb").wait_for()  # re-searched: the pin is now first
        assert console.locator("#list > li .pinb").count() == 1

        after, pinned = _first_card(citizen, PARAPHRASE)
        assert pinned, "the widget does not mark the pinned answer"
        assert _start(after) == _start(chosen["text"])
        other, pinned_other = _first_card(citizen, "怀柔的空气质量怎么样")
        assert not pinned_other

        # The analytics panel: the citizen's questions are counted, the pin is listed and can be removed.
        console.locator("#q").evaluate("e => e.blur()")  # key a, as staff press it outside the search box
        console.keyboard.press("a")
        console.locator("#stats").wait_for(state="visible")
        console.locator("#t-pins tbody tr").filter(has_text=QUESTION).wait_for()
        console.locator("#t-top tbody tr").filter(has_text=to_simplified(PARAPHRASE).rstrip("？")).first.wait_for()
        assert "次提问" in console.locator("#st-sum").inner_text()
        console.locator("#t-pins tbody tr").filter(has_text=QUESTION).get_by_role("button", name="取消置顶").click()
        console.locator("#t-pins tbody").filter(has_text="没有").wait_for()
    finally:
        for pin in console.evaluate("fetch('/api/v1/staff/pins').then(r => r.json())")["pins"]:
            console.evaluate(f"fetch('/api/v1/staff/pins/{pin['id']}', {{method: 'DELETE'}})")

    again, pinned = _first_card(citizen, PARAPHRASE)
    assert not pinned
    assert widget(citizen).locator(".nt.pin").count() == 1  # only the earlier answer in the log carries it
    assert not console.js_errors and not citizen.js_errors


def test_dictionary_editor_saves_applies_and_refuses_bad_lines(upload_server: LiveServer, new_page: NewPage) -> None:
    page = new_page(http_credentials=STAFF_LOGIN)
    open_staff_console(page, upload_server)
    press_d(page)
    page.locator("#dict-ver").filter(has_text="已生效").wait_for()
    assert page.locator("#dw").input_value() == ""
    page.locator("#dw").fill("# 青禾区的名称\n禾兴街道\n青禾办\n")
    page.get_by_role("button", name="保存专有名词").click()
    page.locator("#dict-out").filter(has_text="索引已重建并生效").wait_for(timeout=60_000)
    page.locator("#dict-ver").filter(has_text="专有名词 2 个").wait_for()
    assert "已生效" in page.locator("#dict-ver").inner_text()
    state = page.evaluate("fetch('/api/v1/staff/dictionaries').then(r => r.json())")
    assert state["version"] == state["live_version"] and "禾兴街道" in state["files"][0]["text"]

    page.locator("#ds").fill("社保=社会保险\n孤单\n")
    page.get_by_role("button", name="保存同义词").click()
    page.locator("#dict-out").filter(has_text="未能保存").wait_for()
    assert "line 2" in page.locator("#dict-out").inner_text()
    again = page.evaluate("fetch('/api/v1/staff/dictionaries').then(r => r.json())")
    assert again["files"][1]["text"] == "" and again["version"] == state["version"]  # nothing changed
    assert page.js_errors == []


def test_pins_are_imported_from_a_spreadsheet_and_lists_exported(upload_server: LiveServer, new_page: NewPage) -> None:
    page = new_page(http_credentials=STAFF_LOGIN)
    open_staff_console(page, upload_server)
    page.locator("#stats-btn").click()
    page.locator("#t-pins tbody").filter(has_text="没有").wait_for()
    csv = "问题,原文\n热线满意率是多少,群众满意率93.6%\n星星什么时候开放,报告里没有这句话\n".encode()
    upload: list[FilePayload] = [{"name": "置顶答案.csv", "mimeType": "text/csv", "buffer": csv}]
    page.locator("#pin-file").set_input_files(files=upload)
    page.get_by_role("button", name="导入", exact=True).click()
    out = page.locator("#pin-out")
    out.filter(has_text="导入 1 个问题").wait_for()
    assert "第 3 行" in out.inner_text()
    row = page.locator("#t-pins tbody tr", has_text="热线满意率是多少")
    row.wait_for()
    assert "93.6%" in row.inner_text() and "有效" in row.inner_text()

    # A citizen's question now gets the imported passage first; the export links download JSON lines.
    body = {"query": "热线满意率是多少"}
    first = page.evaluate(
        """b => fetch('/api/v1/search', {method: 'POST', headers: {'Content-Type': 'application/json',
             'X-Youju-Channel': 'widget'}, body: JSON.stringify(b)}).then(r => r.json())""",
        body,
    )["results"][0]
    assert first["pinned"] and "93.6%" in first["text"]
    page.locator("#st-days").select_option("7")
    href = page.locator("#ex-top").get_attribute("href")
    assert href == "/api/v1/staff/analytics/export?kind=top&days=7"
    with page.expect_download() as dl:
        page.locator("#ex-top").click()
    lines = Path(dl.value.path()).read_text(encoding="utf-8").splitlines()
    assert json.loads(lines[0])["question"] == "热线满意率是多少" and json.loads(lines[0])["answers"] == []
    row.get_by_role("button", name="取消置顶").click()
    page.locator("#t-pins tbody").filter(has_text="没有").wait_for()
    assert page.js_errors == []
