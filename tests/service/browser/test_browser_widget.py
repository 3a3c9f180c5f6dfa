"""The citizen widget, used the way a citizen does: on the demo page and on foreign host pages."""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING, Any

import pytest

from tests.service.browser.helpers import (
    LiveServer,
    NewPage,
    active_in_widget,
    ask,
    contrast_failures,
    host_page,
    open_widget,
    widget,
)

if TYPE_CHECKING:
    from playwright.sync_api import Route

FOREST_Q = "怀柔森林覆盖率多少"


# ------------------------------------------------------------------------------ real model (slow)


FOCUSED_TEXT = "() => document.querySelector('youju-widget').shadowRoot.activeElement.textContent"


@pytest.mark.slow
def test_cited_answer_highlights_the_figure_and_switches_script(model_server: LiveServer, new_page: NewPage) -> None:
    page = new_page()
    page.goto(model_server.url + "/")
    w = open_widget(page)
    assert w.locator(".sg button").count() >= 3  # suggested questions at first open
    block = ask(page, FOREST_Q)
    cards = block.locator("article.c")
    assert 1 <= cards.count() <= 3
    # Keyboard: from the send button, Tab moves forward into the answer's controls, in order.
    w.locator("#q").focus()
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUSED_TEXT) == "查看整段"
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUSED_TEXT) == "有帮助"
    first = cards.first
    marks = first.locator("mark").all_inner_texts()
    assert any("77.57%" in m for m in marks), marks
    # Simplified by default (converted on the server, segment by segment), with the citation line.
    text = first.locator("blockquote").inner_text()
    assert "森林覆盖率达到77.57%" in text
    cite = first.locator(".ci").inner_text()
    assert cite.startswith("《北京市怀柔区2024年法治政府建设年度情况报告》")
    assert " › " in cite and re.search(r"第\d+段$", cite), cite
    # 繁體 shows the report's own text; the highlight stays on the same words.
    w.get_by_role("button", name="繁體").click()
    first = block.locator("article.c").first
    assert "森林覆蓋率達到77.57%" in first.locator("blockquote").inner_text()
    assert any("77.57%" in m for m in first.locator("mark").all_inner_texts())
    assert "懷柔區" in first.locator(".ci").inner_text()
    w.get_by_role("button", name="简体").click()
    assert "森林覆盖率达到77.57%" in block.locator("article.c").first.locator("blockquote").inner_text()
    # The whole paragraph, with the passage inside it.
    toggle = first.locator(".ac button[aria-expanded]")
    assert toggle.inner_text() == "查看整段" and toggle.get_attribute("aria-expanded") == "false"
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true" and toggle.inner_text() == "收起整段"
    ctx = first.locator(".ctx")
    assert ctx.is_visible() and "77.57%" in ctx.locator("b").inner_text()
    assert len(ctx.inner_text()) > len(first.locator("blockquote").inner_text())
    # Feedback reaches the server.
    first.get_by_role("button", name="有帮助").click()
    first.get_by_text("谢谢您的反馈").wait_for()
    # The thanks is shown at once and the POST goes on in the background: wait for it to land.
    deadline = time.monotonic() + 10
    while True:
        fb = model_server.get("/api/v1/staff/feedback")
        items = fb.get("items", fb.get("feedback", []))
        if any(i.get("query") == FOREST_Q and i.get("helpful") is True for i in items) or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert any(i.get("query") == FOREST_Q and i.get("helpful") is True for i in items), fb
    assert "{" not in block.inner_text()
    assert page.js_errors == []


@pytest.mark.slow
def test_unanswerable_question_points_to_the_hotline(model_server: LiveServer, new_page: NewPage) -> None:
    page = new_page()
    page.goto(model_server.url + "/")
    open_widget(page)
    block = ask(page, "北京今天天气怎么样")
    assert block.locator("article.c").count() == 0  # weak matches are never shown to citizens
    note = block.locator(".n")
    assert "这份报告没有回答这个问题" in note.inner_text()
    assert note.locator("a[href='tel:12345']").inner_text() == "12345"


# Off-topic questions (the report does not say) and inputs that are not questions at all.
OFF_TOPIC = [
    "怀柔区长是谁",
    "怀柔区明年GDP目标是多少",
    "What is the capital of France?",
    # The report counts these cases; it never says how or where to apply (index/answertype.py).
    "怎么申请行政复议",
    "法律援助去哪申请",
]
NOT_QUESTIONS = ["在吗", "？？？", "asdfgh", "😀😀😀", "👍"]


@pytest.mark.slow
def test_off_topic_and_non_questions_are_refused_with_the_hotline(model_server: LiveServer, new_page: NewPage) -> None:
    page = new_page()
    page.goto(model_server.url + "/")
    open_widget(page)
    for q in OFF_TOPIC + NOT_QUESTIONS:
        block = ask(page, q)
        assert block.locator("article.c").count() == 0, q  # no passage shown
        note = block.locator(".n")
        expected = "这份报告没有回答这个问题" if q in OFF_TOPIC else "我只能用报告原文回答"
        assert expected in note.inner_text(), (q, note.inner_text())
        assert note.locator("a[href='tel:12345']").inner_text() == "12345"
    assert page.js_errors == []


@pytest.mark.slow
def test_url_parameter_opens_and_asks(model_server: LiveServer, new_page: NewPage) -> None:
    page = new_page(width=360, height=740)
    page.goto(model_server.url + "/?youju_q=" + FOREST_Q)
    w = widget(page)
    w.locator("[role=dialog]").wait_for(state="visible")
    w.locator("article.c mark").first.wait_for()
    assert any("77.57%" in m for m in w.locator("article.c").first.locator("mark").all_inner_texts())
    assert w.locator(".q").first.inner_text().endswith(FOREST_Q)


# ------------------------------------------------------------------------------ hash embedder (fast)


def test_keyboard_only_flow(fast_server: LiveServer, new_page: NewPage) -> None:
    page = new_page()
    page.goto(fast_server.url + "/")
    for _ in range(40):  # Tab through the page until the launcher has focus
        page.keyboard.press("Tab")
        if active_in_widget(page) == "launch":
            break
    else:
        pytest.fail("the launcher is not reachable with Tab")
    page.keyboard.press("Enter")
    w = widget(page)
    dialog = w.locator("[role=dialog]")
    dialog.wait_for(state="visible")
    assert active_in_widget(page) == "q"  # focus moves to the question box
    assert w.locator(".launch").get_attribute("aria-expanded") == "true"
    page.keyboard.type("12345热线满意率")
    page.keyboard.press("Enter")
    w.locator("section.ex .c, section.ex .n").first.wait_for()
    assert active_in_widget(page) == "q"  # still typing-ready
    page.keyboard.press("Tab")
    assert active_in_widget(page) == "s"  # the send button follows the input
    # After an answer, Tab moves forward through the newest answer's controls, then back to the question box.
    in_newest = """() => { const r = document.querySelector('youju-widget').shadowRoot;
                          const items = r.querySelectorAll('section.ex');
                          return !!r.activeElement && items[items.length - 1].contains(r.activeElement); }"""
    visited = []
    for _ in range(15):
        page.keyboard.press("Tab")
        if active_in_widget(page) == "q":
            break
        assert page.evaluate(in_newest), active_in_widget(page)
        visited.append(page.evaluate(FOCUSED_TEXT))
    else:
        pytest.fail("Tab never came back to the question box")
    assert visited == ["12345"], visited  # not answered here: the hotline is the one control
    page.keyboard.press("Shift+Tab")
    assert page.evaluate(in_newest)  # and back into the answer
    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden")
    assert active_in_widget(page) == "launch"  # focus returns to the launcher
    assert w.locator(".launch").get_attribute("aria-expanded") == "false"


def test_accessibility_attributes(fast_server: LiveServer, new_page: NewPage) -> None:
    page = new_page()
    page.goto(fast_server.url + "/")
    w = open_widget(page)
    assert w.locator(".launch").get_attribute("aria-label")
    dialog = w.locator("[role=dialog]")
    assert dialog.get_attribute("aria-labelledby") == "t"
    assert w.locator("#t").inner_text()
    assert w.locator("[aria-live=polite]").count() >= 1
    assert w.get_by_label("关闭", exact=True).count() == 1
    assert w.get_by_label("您的问题", exact=True).count() == 1
    assert w.get_by_role("button", name="简体").get_attribute("aria-pressed") == "true"


def test_phone_width_has_no_horizontal_overflow(fast_server: LiveServer, new_page: NewPage) -> None:
    page = new_page(width=360, height=740, is_mobile=True, has_touch=True, device_scale_factor=2)
    page.goto(fast_server.url + "/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    w = open_widget(page)
    ask(page, "怀柔区森林覆盖率达到了多少")
    box = w.locator("[role=dialog]").bounding_box()
    assert box is not None and box["x"] == 0 and box["width"] == 360  # full width on a phone
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    overflow = page.evaluate(
        """() => { const r = document.querySelector('youju-widget').shadowRoot;
                   return [...r.querySelectorAll('*')].filter(e => e.getBoundingClientRect().right > 361)
                          .map(e => e.className || e.tagName); }"""
    )
    assert overflow == []
    w.get_by_role("button", name="关闭").click()
    assert w.locator(".launch").is_visible()


def test_host_css_cannot_break_it_and_data_attributes(fast_server: LiveServer, new_page: NewPage) -> None:
    page = new_page()
    host_page(
        page,
        fast_server,
        "<p>主机页面</p><div>x</div>",
        "data-lang='en' data-question='怀柔森林覆盖率多少' data-open='true' data-title='Ask the 2024 report'",
    )
    w = widget(page)
    dialog = w.locator("[role=dialog]")
    dialog.wait_for(state="visible")  # data-open
    assert active_in_widget(page) == ""  # opened at load without stealing focus
    assert w.locator("#t").inner_text() == "Ask the 2024 report"  # data-title
    assert w.locator("input#q").input_value() == "怀柔森林覆盖率多少"  # data-question
    assert w.locator("button.s").inner_text() == "Send"  # data-lang=en
    launch = w.locator(".launch")
    assert launch.is_visible()  # host `button {display:none !important}` does not reach inside
    size = launch.evaluate("e => getComputedStyle(e).fontSize")
    assert size == "15px"  # host `* {font-size: 40px !important}` does not either
    w.locator("button.lg").click()  # switch to Chinese
    assert w.locator("button.s").inner_text() == "发送"
    # The widget's styles do not leak out to the host page.
    assert page.locator("body > p").evaluate("e => getComputedStyle(e).fontSize") == "40px"


def test_prefilled_question_without_opening(fast_server: LiveServer, new_page: NewPage) -> None:
    page = new_page()
    host_page(page, fast_server, "<p>页面</p>", "data-question='12345热线满意率怎么样'")
    w = widget(page)
    assert w.locator("[role=dialog]").is_hidden()
    w.locator(".launch").click()
    assert w.locator("input#q").input_value() == "12345热线满意率怎么样"
    assert active_in_widget(page) == "q"


def test_ask_link_and_js_api_open_with_a_question(fast_server: LiveServer, new_page: NewPage) -> None:
    page = new_page()
    page.goto(fast_server.url + "/")
    w = widget(page)
    w.locator(".launch").wait_for()
    page.locator("a.ask").first.click()  # "问问这份报告" next to a paragraph
    w.locator("[role=dialog]").wait_for(state="visible")
    w.locator("section.ex .c, section.ex .n").first.wait_for()
    assert w.locator(".q").first.inner_text().endswith("精简了多少个议事协调机构")
    assert "youju_q" not in page.url  # handled in place, no navigation
    page.keyboard.press("Escape")
    page.evaluate("window.youju.open('2025年有哪些安排')")
    w.locator("section.ex").nth(1).locator(".c, .n").first.wait_for()
    assert w.locator(".q").nth(1).inner_text().endswith("2025年有哪些安排")


def test_rate_limit_and_network_errors_are_plain_messages(fast_server: LiveServer, new_page: NewPage) -> None:
    page = new_page()
    page.goto(fast_server.url + "/")
    w = open_widget(page)
    page.route(
        "**/api/v1/search",
        lambda route: route.fulfill(
            status=429,
            headers={"Retry-After": "7"},
            content_type="application/json",
            body='{"error": {"code": "rate_limited", "message": "too many requests"}}',
        ),
    )
    block = ask(page, "怀柔森林覆盖率多少")
    err = block.locator(".e")
    assert "7 秒" in err.inner_text() and err.get_attribute("role") == "alert"
    assert "rate_limited" not in block.inner_text() and "{" not in block.inner_text()
    assert w.locator("input#q").input_value() == "怀柔森林覆盖率多少"  # an error never loses the question
    page.unroute("**/api/v1/search")
    page.route("**/api/v1/search", lambda route: route.abort())
    block = ask(page, "怀柔森林覆盖率多少")
    assert "无法连接" in block.locator(".e").inner_text()
    assert block.locator("a[href='tel:12345']").count() == 1  # unreachable: the hotline instead
    assert w.locator("input#q").input_value() == "怀柔森林覆盖率多少"
    page.unroute("**/api/v1/search")
    page.route(
        "**/api/v1/search",
        lambda route: route.fulfill(
            status=503, content_type="application/json", body='{"error": {"code": "busy", "message": "busy"}}'
        ),
    )
    block = ask(page, "怀柔森林覆盖率多少")
    assert "稍后" in block.locator(".e").inner_text() and "busy" not in block.inner_text()
    assert w.locator("button.s").is_enabled()  # ready for another try


def test_rate_limited_question_is_asked_again_when_the_service_allows(
    fast_server: LiveServer, new_page: NewPage
) -> None:
    page = new_page()
    page.goto(fast_server.url + "/")
    w = open_widget(page)
    refused: list[int] = []

    def once_limited(route: Route) -> None:
        if refused:
            route.continue_()
            return
        refused.append(1)
        route.fulfill(
            status=429,
            headers={"Retry-After": "1"},
            content_type="application/json",
            body='{"error": {"code": "rate_limited", "message": "too many requests"}}',
        )

    page.route("**/api/v1/search", once_limited)
    ask(page, "怀柔森林覆盖率多少")
    again = w.locator("section.ex").nth(1)
    again.locator(".c, .n").first.wait_for(timeout=5000)  # asked again by itself, and answered
    assert again.locator(".e").count() == 0
    assert w.locator("input#q").input_value() == ""
    assert page.js_errors == []


def test_failed_conversion_shows_the_original_script_and_says_so(fast_server: LiveServer, new_page: NewPage) -> None:
    page = new_page(locale="zh-CN")  # 简体 is the default for mainland browsers
    page.route("**/api/v1/convert", lambda route: route.abort())

    def answered(route: Route) -> None:  # the real passages, shown whatever the test model decides
        resp = route.fetch()
        route.fulfill(response=resp, json={**resp.json(), "answered": True})

    page.route("**/api/v1/search", answered)
    page.goto(fast_server.url + "/")
    w = open_widget(page)
    assert w.locator("button.tb[data-s=hans]").get_attribute("aria-pressed") == "true"
    block = ask(page, "森林覆盖率")
    block.locator("article.c").first.wait_for()
    assert "简体转换暂时不可用" in block.inner_text()
    # Traditional text is on screen, so 繁體 is what the switch says: never Traditional under 简体.
    assert w.locator("button.tb[data-s=hant]").get_attribute("aria-pressed") == "true"
    assert page.js_errors == []


def test_a_question_over_500_characters_is_cut_visibly(fast_server: LiveServer, new_page: NewPage) -> None:
    page = new_page()
    page.goto(fast_server.url + "/")
    open_widget(page)
    block = ask(page, "森林覆盖率" * 120)  # 600 characters, pasted
    assert "只按前 500 字查找" in block.inner_text()
    assert block.locator(".e").count() == 0  # searched, not refused as too long
    assert page.js_errors == []


def test_loading_state_is_shown_while_waiting(fast_server: LiveServer, new_page: NewPage) -> None:
    page = new_page()
    page.goto(fast_server.url + "/")
    w = open_widget(page)
    held: list[Any] = []
    page.route("**/api/v1/search", lambda route: held.append(route))
    w.locator("input#q").fill("怀柔森林覆盖率多少")
    w.locator("input#q").press("Enter")
    w.locator(".ld").wait_for()
    assert w.locator("button.s").is_disabled()
    assert w.locator(".log").get_attribute("aria-busy") == "true"
    for _ in range(50):
        if held:
            break
        page.wait_for_timeout(50)
    held[0].continue_()
    w.locator("section.ex .c, section.ex .n").first.wait_for()
    assert w.locator(".ld").count() == 0


def test_text_contrast_meets_wcag_aa(fast_server: LiveServer, new_page: NewPage) -> None:
    page = new_page()
    page.goto(fast_server.url + "/")
    w = open_widget(page)
    ask(page, "怀柔区森林覆盖率")
    for toggle in w.locator("article.c .ac button[aria-expanded]").all():
        toggle.click()
    page.route("**/api/v1/search", lambda route: route.fulfill(status=429, headers={"Retry-After": "3"}, json={}))
    ask(page, "再问一次")
    page.unroute("**/api/v1/search")
    assert contrast_failures(page, "youju-widget") == []
    assert contrast_failures(page) == []  # the demo page too
    w.locator("button.lg").click()
    assert contrast_failures(page, "youju-widget") == []
