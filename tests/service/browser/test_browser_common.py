"""common.js: the helpers the widget and the console share (highlights, element builder, API errors).

The widget gets them inside /widget.js (one script tag, nothing global but ``window.youju``); the console
loads /static/common.js (one global, ``youjuCommon``). Both render the same highlights the same way."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tests.service.browser.helpers import LiveServer, NewPage, ask, host_page, open_widget, widget

if TYPE_CHECKING:
    from playwright.sync_api import Page

# A passage with a character outside the BMP before the highlight: the API counts code points, JS strings
# UTF-16 units, so an off-by-one here would shift the mark by one unit.
TEXT = "𠀀森林覆盖率达到77.57%"
CONTEXT = "前文。" + TEXT + "。后文"
RESULT = {
    "passage_id": "p-astral",
    "document_id": "d",
    "text": TEXT,
    "highlights": [{"start": 8, "end": 14}],  # "77.57%" in code points
    "score": 0.93,
    "context": CONTEXT,
    "context_start": 3,
    "citation": {"title": "测试报告", "section": ["一、总体"], "paragraph": 2, "start": 13, "end": 27},
}
SEARCH = {"query": "森林覆盖率", "answered": True, "confidence": 0.93, "results": [RESULT]}
PASSAGE = {
    "passage_id": "p-astral",
    "paragraph": {"text": CONTEXT, "start": 10, "paragraph": 2, "section": ["一、总体"]},
    "previous": None,
    "next": None,
}
NEW_GLOBALS = """() => Object.getOwnPropertyNames(window)
    .filter(k => !window.__globals.includes(k) && k !== '__globals').sort()"""


def record_globals(page: Page) -> None:
    page.add_init_script("window.__globals = Object.getOwnPropertyNames(window);")


def test_widget_is_one_script_with_no_global_but_youju(fast_server: LiveServer, new_page: NewPage) -> None:
    page = new_page()
    record_globals(page)
    host_page(page, fast_server, "<p>主机页面</p>")
    assert page.evaluate(NEW_GLOBALS) == ["youju"]  # common.js's helpers stay inside the widget's function
    assert page.evaluate("typeof youjuCommon") == "undefined"
    scripts = page.evaluate("[...document.scripts].map(s => new URL(s.src).pathname)")
    assert scripts == ["/widget.js"]
    open_widget(page)
    ask(page, "怀柔区森林覆盖率")
    assert page.js_errors == []


def test_console_loads_common_js_as_its_one_global(fast_server: LiveServer, new_page: NewPage) -> None:
    page = new_page()
    record_globals(page)
    page.goto(fast_server.url + "/console")
    page.wait_for_function("() => document.querySelector('#doc').options.length > 1")
    assert page.evaluate(NEW_GLOBALS) == ["youjuCommon"]
    helpers = page.evaluate("Object.keys(youjuCommon).sort()")
    assert helpers == [
        "appendSegments",
        "around",
        "defaults",
        "el",
        "errText",
        "pageText",
        "request",
        "segments",
        "units",
    ]
    got = page.evaluate(
        """([text, context]) => {
          const C = youjuCommon;
          const texts = {net: 'N', wait: s => 'W' + s, long: 'L', bad: c => 'B' + c, busy: 'U', err: c => 'E' + c};
          const err = (status, extra) => Object.assign(new Error('x'), {status: status}, extra || {});
          return {
            segments: C.segments(text, [{start: 8, end: 14}, {start: 0, end: 1}]),
            around: C.around(context, text, 3),
            missing: C.around(context, text, 4),
            marked: C.appendSegments(C.el('p', 'tx'), C.segments(text, [{start: 1, end: 3}])).innerHTML,
            pages: [
              {page: null, page_end: null, printed_page: null}, {page: 3, page_end: 3, printed_page: '3'},
              {page: 3, page_end: 4, printed_page: '3'}, {page: 5, page_end: 5, printed_page: '3'},
              {page: 5, page_end: 6, printed_page: 'iii'}, {page: 2, page_end: null, printed_page: null},
            ].map(c => [C.pageText(c), C.pageText(c, true)]),
            errors: [
              C.errText(new TypeError('Failed to fetch'), texts),
              C.errText(err(429, {retry: 12}), texts), C.errText(err(429, {retry: NaN}), texts),
              C.errText(err(413), texts), C.errText(err(422, {code: 'invalid_query'}), texts),
              C.errText(err(400), texts), C.errText(err(503), texts), C.errText(err(401), texts),
              C.errText(err(500, {code: 'internal'}), texts),
            ],
          };
        }""",
        [TEXT, CONTEXT],
    )
    assert got["segments"] == [["𠀀", 1], ["森林覆盖率达到", 0], ["77.57%", 1]]
    assert got["around"] == {"before": "前文。", "after": "。后文"}
    assert got["missing"] is None
    assert got["marked"] == "𠀀<mark>森林</mark>覆盖率达到77.57%"
    assert got["pages"] == [
        ["", ""],
        ["第3页", "p. 3"],
        ["第3–4页", "pp. 3–4"],
        ["第5页（页码3）", "p. 5 (printed 3)"],
        ["第5–6页（页码iii起）", "pp. 5–6 (printed from iii)"],
        ["第2页", "p. 2"],
    ]
    # No `auth` text: falls back to `err`, which gets the error code, else the status.
    assert got["errors"] == ["N", "W12", "W30", "L", "Binvalid_query", "B400", "U", "E401", "Einternal"]
    assert page.js_errors == []


def test_the_same_highlight_in_the_widget_and_the_console(fast_server: LiveServer, new_page: NewPage) -> None:
    page = new_page()
    page.route("**/api/v1/search", lambda route: route.fulfill(json=SEARCH))
    page.goto(fast_server.url + "/")
    w = open_widget(page)
    card = ask(page, "森林覆盖率").locator("article.c")
    assert card.locator("blockquote mark").all_inner_texts() == ["77.57%"]
    assert card.locator("blockquote").inner_text() == TEXT
    card.locator(".ac button[aria-expanded]").click()  # the paragraph around it, located by code points
    assert card.locator(".ctx").inner_text() == CONTEXT
    assert card.locator(".ctx b mark").inner_text() == "77.57%"
    assert w.locator(".e").count() == 0 and page.js_errors == []

    console = new_page()
    console.route("**/api/v1/search", lambda route: route.fulfill(json=SEARCH))
    console.route("**/api/v1/passages/*", lambda route: route.fulfill(json=PASSAGE))
    console.goto(fast_server.url + "/console")
    console.locator("#q").fill("森林覆盖率")
    console.locator("#list > li").first.wait_for()
    row = console.locator("#list > li").first
    assert row.locator(".tx mark").all_inner_texts() == ["77.57%"]
    assert row.locator(".tx").inner_text() == TEXT
    console.keyboard.press("ArrowDown")
    console.keyboard.press("Enter")
    hit = console.locator("#detail .pp.cur .hit")
    hit.wait_for()
    assert hit.inner_text() == TEXT and hit.locator("mark").inner_text() == "77.57%"
    assert console.locator("#detail .pp.cur p").inner_text() == CONTEXT
    assert console.js_errors == []


def test_api_errors_read_the_same_way_in_both(fast_server: LiveServer, new_page: NewPage) -> None:
    """413 from the API: the widget's and the console's own words, never the raw error."""
    body = {"error": {"code": "query_too_long", "message": "the query is longer than 500 characters"}}
    page = new_page()
    page.route("**/api/v1/search", lambda route: route.fulfill(status=413, json=body))
    page.goto(fast_server.url + "/")
    open_widget(page)
    assert ask(page, "太长的问题").locator(".e").inner_text() == "问题太长了，请精简后再试。"
    console = new_page()
    console.route("**/api/v1/search", lambda route: route.fulfill(status=413, json=body))
    console.goto(fast_server.url + "/console")
    console.locator("#q").fill("太长的问题")
    console.wait_for_function("() => document.querySelector('#status').classList.contains('err')")
    assert console.locator("#status").inner_text() == "问题太长，请精简后再试。"
    assert widget(page).locator(".e").count() == 1 and page.js_errors == [] and console.js_errors == []


def test_request_sends_files_raw_and_other_verbs(fast_server: LiveServer, new_page: NewPage) -> None:
    """The console's uploads: a Blob goes as its bytes with its type; PUT and DELETE; errors as for searches."""
    page = new_page()
    seen: list[Any] = []

    def answer(route: Any) -> None:
        seen.append((route.request.method, route.request.headers.get("content-type"), route.request.post_data_buffer))
        if route.request.method == "DELETE":
            route.fulfill(status=404, json={"error": {"code": "document_not_found", "message": "no such file"}})
        else:
            route.fulfill(status=202, json={"id": "j1", "status": "queued"})

    page.route("**/api/v1/staff/documents/*", answer)
    page.goto(fast_server.url + "/console")
    page.wait_for_function("() => window.youjuCommon !== undefined")
    got = page.evaluate(
        """async () => {
          const C = youjuCommon, blob = new Blob(['一、标题\\n正文'], {type: 'text/plain'});
          const job = await C.request('/api/v1/staff/documents/' + encodeURIComponent('a b.txt'), blob, null,
                                      undefined, 'PUT');
          const err = await C.request('/api/v1/staff/documents/a.txt', null, null, undefined, 'DELETE')
            .catch(e => [e.status, e.code]);
          return [job, err];
        }"""
    )
    assert got == [{"id": "j1", "status": "queued"}, [404, "document_not_found"]]
    assert seen == [("PUT", "text/plain", "一、标题\n正文".encode()), ("DELETE", None, None)]
