"""The full Content-Security-Policy (no inline script, this origin only) breaks none of the pages: the demo
page with the widget, the staff console with its panels, and the API docs (Swagger UI served locally)."""

from __future__ import annotations

from tests.service.browser.helpers import LiveServer, NewPage, ask, open_widget
from tests.service.browser.test_browser_console import open_console, search


def test_pages_work_under_the_csp_without_a_single_violation(fast_server: LiveServer, new_page: NewPage) -> None:
    page = new_page(bypass_csp=False)  # the policy as browsers apply it
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(fast_server.url) else None)

    page.goto(fast_server.url + "/")
    open_widget(page)
    ask(page, "森林覆盖率多少").locator(".c, .n").first.wait_for()

    open_console(page, fast_server)
    assert search(page, "森林覆盖率").count() > 0
    page.locator("#stats-btn").click()
    page.locator("#st-sum").filter(has_text="次提问").wait_for()
    page.locator("#docs-btn").click()
    page.locator("#dict-ver").filter(has_text="版本").wait_for()

    page.goto(fast_server.url + "/docs")
    page.locator(".opblock-summary-path", has_text="/api/v1/search").first.wait_for()
    assert page.locator(".opblock").count() > 10
    assert violations == [] and outside == [] and page.js_errors == []
