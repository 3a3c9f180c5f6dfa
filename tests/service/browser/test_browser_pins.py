"""Pinned answers and analytics as staff and citizens use them: a hotline agent pins a passage in the console,
a citizen asking the same thing in other words sees it first in the widget, marked as confirmed by staff;
the analytics panel lists the question and the pin, and unpinning takes it away."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from index.normalize import to_simplified
from tests.service.browser.helpers import LiveServer, NewPage, ask, host_page, open_widget, widget
from tests.service.browser.test_browser_console import api_search, open_console, search, selected

if TYPE_CHECKING:
    from playwright.sync_api import Page

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
