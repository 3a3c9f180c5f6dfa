"""Many documents: the widget bound to some of them, pages and notes in citations, the console's type and year
filters, and its documents panel (build report, uploads, removals). ``docs_server``: a PDF with pages, two
editions of a budget (2023 superseded by 2024, the 2024 one in Traditional script), a text report, and a
file the build skips."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from tests.service.browser.helpers import (
    BROKEN_FILE,
    BUDGET_2023_ID,
    BUDGET_2024_ID,
    HOTLINE_ID,
    PDF_ID,
    STAFF_LOGIN,
    LiveServer,
    NewPage,
    ask,
    contrast_failures,
    expected_copy,
    host_page,
    open_widget,
)
from tests.service.browser.test_browser_console import CLIPBOARD, api_search, search, shown

if TYPE_CHECKING:
    from playwright.sync_api import FilePayload, Locator, Page

PDF_TITLE = "青禾区人民政府2024年政府信息公开工作年度报告"
BUDGET_2023_TITLE = "万里街道2023年部门预算（测试文件）"
BUDGET_2024_TITLE = "萬里街道2024年部門預算（測試用）"  # as the sidecar gives it
OCR_NOTE = "扫描件识别文字，请以原件为准"
NEWER_NOTE = "该文件已有更新版本"


def searches(page: Page) -> list[dict[str, Any]]:
    """Collects the bodies of the page's POST /api/v1/search requests."""
    bodies: list[dict[str, Any]] = []
    page.on("request", lambda r: bodies.append(json.loads(r.post_data or "{}")) if r.url.endswith("/search") else None)
    return bodies


def title_in(citation: str) -> str:
    """The document title a citation starts with, inside 《》."""
    m = re.match(r"《(.+?)》", citation)
    assert m is not None, citation
    return m.group(1)


def answer_of(page: Page, question: str) -> tuple[Locator, dict[str, Any]]:
    """Ask in the open widget; the answer block and the API's answer."""
    with page.expect_response(lambda r: r.url.endswith("/api/v1/search")) as resp:
        block = ask(page, question)
    return block, resp.value.json()


# ------------------------------------------------------------------------------------------ widget


def test_widget_bound_to_a_set_of_documents_searches_only_those(docs_server: LiveServer, new_page: NewPage) -> None:
    page = new_page()
    sent = searches(page)
    bound = f"{BUDGET_2023_ID},{HOTLINE_ID}"
    host_page(page, docs_server, "<p>预算公开</p>", f"data-documents='{bound}'")
    w = open_widget(page)
    # Bound to other documents than the shipped report: none of its suggested questions.
    assert w.locator(".sg button").count() == 0 and "可以试试" not in w.locator(".it").inner_text()
    block, data = answer_of(page, "收入预算总额是多少")
    assert sent[-1] == {"query": "收入预算总额是多少", "top_k": 3, "document_ids": [BUDGET_2023_ID, HOTLINE_ID]}
    assert data["answered"] and data["results"]
    assert {r["citation"]["document_id"] for r in data["results"]} <= {BUDGET_2023_ID, HOTLINE_ID}
    # Unbound, the same question also finds the 2024 budget and the PDF.
    everywhere = api_search(page, {"query": "收入预算总额是多少", "top_k": 10})
    assert {r["citation"]["document_id"] for r in everywhere["results"]} - {BUDGET_2023_ID, HOTLINE_ID}
    titles = {title_in(t) for t in block.locator(".ci").all_inner_texts()}
    assert titles <= {BUDGET_2023_TITLE, "青禾区12345市民服务热线2024年度运行情况"}, titles
    assert page.js_errors == []


def test_widget_bound_by_year_type_and_issuer(docs_server: LiveServer, new_page: NewPage) -> None:
    page = new_page(width=360, height=740, is_mobile=True, has_touch=True)
    sent = searches(page)
    attrs = "data-year='2023' data-type='预算' data-issuer='万里街道' data-suggestions='三公经费预算多少|收入预算总额'"
    host_page(page, docs_server, "<p>预算</p>", attrs)
    w = open_widget(page)
    assert w.locator(".sg button").all_inner_texts() == ["三公经费预算多少", "收入预算总额"]  # the page's own
    assert w.locator(".it").inner_text().endswith("可以试试：")
    block, data = answer_of(page, "三公经费预算多少")
    assert sent[-1] == {"query": "三公经费预算多少", "top_k": 3, "year": 2023, "doc_type": "预算", "issuer": "万里街道"}
    assert data["results"] and all(r["citation"]["document_id"] == BUDGET_2023_ID for r in data["results"])
    cards = block.locator("article.c")
    assert cards.count() == len(data["results"][:3])
    # The 2024 budget supersedes it: every card says so, briefly.
    for i in range(cards.count()):
        assert cards.nth(i).locator(".nt").all_inner_texts() == [NEWER_NOTE]
        assert re.search(r"第\d+段$", cards.nth(i).locator(".ci").inner_text())  # a text file: paragraphs
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert contrast_failures(page, "youju-widget") == []


def test_widget_shows_the_page_of_a_pdf_passage(docs_server: LiveServer, new_page: NewPage) -> None:
    page = new_page()
    sent = searches(page)
    host_page(page, docs_server, "<p>政府信息公开</p>", f"data-document='{PDF_ID}' data-lang='zh'")
    open_widget(page)
    block, data = answer_of(page, "政府信息公开申请有多少件")
    assert sent[-1]["document_id"] == PDF_ID
    assert data["answered"] and all(r["citation"]["document_id"] == PDF_ID for r in data["results"])
    cards = block.locator("article.c")
    for i in range(cards.count()):
        c = data["results"][i]["citation"]
        cite = cards.nth(i).locator(".ci").inner_text()
        assert cite.startswith(f"《{PDF_TITLE}》"), cite
        assert f"{PDF_TITLE} ›" not in cite  # the first heading repeating the title is left out
        page_text = f"第{c['page']}页" if c["page_end"] == c["page"] else f"第{c['page']}–{c['page_end']}页"
        assert cite.endswith(" · " + page_text), (cite, c)  # printed page numbers are the same here
        assert cards.nth(i).locator(".nt").count() == 0  # a text layer, the current edition
    assert page.js_errors == []


def citation(**over: Any) -> dict[str, Any]:
    c = {
        "document_id": BUDGET_2024_ID,
        "title": BUDGET_2024_TITLE,
        "section": ["三、“三公”經費預算"],
        "paragraph": 3,
        "start": 100,
        "end": 120,
        "page": None,
        "page_end": None,
        "printed_page": None,
        "ocr": False,
        "year": 2024,
        "superseded_by": None,
    }
    c.update(over)
    return c


def result(n: int, text: str, **over: Any) -> dict[str, Any]:
    return {
        "passage_id": f"p{n}",
        "text": text,
        "context": text,
        "context_start": 0,
        "score": 0.9 - n / 10,
        "highlights": [],
        "citation": citation(**over),
    }


# Pages: printed number different from the physical one, a page range, a scan read by OCR, an old edition.
NOTES = {
    "query": "三公经费",
    "answered": True,
    "confidence": 0.9,
    "results": [
        result(1, "“三公”經費預算42萬元。", page=5, page_end=5, printed_page="3"),
        result(2, "公務接待費4萬元。", page=3, page_end=4, printed_page="3", ocr=True),
        result(3, "公務用車運行維護費38萬元。", superseded_by="wanli-2025-budget"),
    ],
}


def test_widget_pages_and_notes_in_both_languages_and_scripts(docs_server: LiveServer, new_page: NewPage) -> None:
    page = new_page()
    page.route("**/api/v1/search", lambda route: route.fulfill(json=NOTES))
    host_page(page, docs_server, "<p>预算</p>")
    w = open_widget(page)
    cards = ask(page, "三公经费").locator("article.c")
    cites = cards.locator(".ci").all_inner_texts()
    # Simplified by default: the title and headings are converted (by the server); UI strings are not.
    assert cites == [
        "《万里街道2024年部门预算（测试用）》 三、“三公”经费预算 · 第5页（页码3）",
        "《万里街道2024年部门预算（测试用）》 三、“三公”经费预算 · 第3–4页",
        "《万里街道2024年部门预算（测试用）》 三、“三公”经费预算 · 第3段",
    ]
    assert [cards.nth(i).locator(".nt").all_inner_texts() for i in range(3)] == [[], [OCR_NOTE], [NEWER_NOTE]]
    w.get_by_role("button", name="繁體").click()
    cards = w.locator("article.c")
    # 繁體: the document's own text; the page is a UI string and stays as it is.
    assert cards.first.locator(".ci").inner_text() == f"《{BUDGET_2024_TITLE}》 三、“三公”經費預算 · 第5页（页码3）"
    assert cards.nth(1).locator(".nt").inner_text() == OCR_NOTE  # UI strings stay as they are
    assert cards.nth(2).locator(".nt").inner_text() == NEWER_NOTE
    w.locator("button.lg").click()  # English
    cards = w.locator("article.c")
    assert [c.split(" · ")[-1] for c in cards.locator(".ci").all_inner_texts()] == [
        "p. 5 (printed 3)",
        "pp. 3–4",
        "paragraph 3",
    ]
    assert cards.nth(1).locator(".nt").inner_text() == "Read from a scan: check the original"
    assert cards.nth(2).locator(".nt").inner_text() == "A newer edition of this document exists"
    assert contrast_failures(page, "youju-widget") == []
    assert page.js_errors == []


# ----------------------------------------------------------------------------------------- console


def open_staff_console(page: Page, server: LiveServer) -> None:
    page.goto(server.url + "/console")
    page.locator("#q").wait_for()
    page.wait_for_function("() => document.querySelector('#year').options.length > 1")  # documents loaded


def press_d(page: Page) -> None:
    """The documents panel's key, pressed with the focus outside any text box."""
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("d")


def listed(page: Page) -> list[dict[str, str]]:
    """The result rows: document title and citation text."""
    return list(
        page.evaluate(
            """() => [...document.querySelectorAll('#list > li')].map(li => ({
                 title: li.querySelector('.ci').title.split('》')[0].slice(1),
                 where: li.querySelector('.ci').textContent}))"""
        )
    )


def test_console_filters_by_type_and_year(docs_server: LiveServer, new_page: NewPage) -> None:
    page = new_page(http_credentials=STAFF_LOGIN)
    sent = searches(page)
    open_staff_console(page, docs_server)
    # Only the values the documents have.
    assert page.locator("#type option").all_inner_texts() == ["全部类型", "工作报告", "预算", "政府信息公开年度报告"]
    assert page.locator("#year option").all_inner_texts() == ["全部年份", "2024年", "2023年"]
    search(page, "预算总额")
    assert len({r["title"] for r in listed(page)}) >= 3
    page.locator("#type").select_option("预算")
    page.wait_for_function("() => [...document.querySelectorAll('#list .ci')].every(e => /[预預]算/.test(e.title))")
    assert sent[-1] == {"query": "预算总额", "top_k": 10, "doc_type": "预算"}
    assert {r["title"] for r in listed(page)} == {BUDGET_2023_TITLE, BUDGET_2024_TITLE}
    # Keyboard: the year select is reached with Tab and changed with the arrow keys.
    page.locator("#type").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "year"
    page.keyboard.press("ArrowDown")
    assert page.locator("#year").input_value() == "2024"
    page.keyboard.press("ArrowDown")
    assert page.locator("#year").input_value() == "2023"
    page.wait_for_function("() => [...document.querySelectorAll('#list .ci')].every(e => e.title.includes('2023'))")
    assert sent[-1] == {"query": "预算总额", "top_k": 10, "doc_type": "预算", "year": 2023}
    assert {r["title"] for r in listed(page)} == {BUDGET_2023_TITLE}
    # Back to every type: the year still holds.
    with page.expect_response(lambda r: r.url.endswith("/api/v1/search")):
        page.locator("#type").select_option("")
    assert sent[-1] == {"query": "预算总额", "top_k": 10, "year": 2023}
    assert page.js_errors == []


def test_console_citations_and_copy_have_pages_and_notes(docs_server: LiveServer, new_page: NewPage) -> None:
    page = new_page(permissions=CLIPBOARD, http_credentials=STAFF_LOGIN)
    open_staff_console(page, docs_server)
    page.locator("#doc").select_option(PDF_ID)
    rows = search(page, "政府信息公开申请")
    data = api_search(page, {"query": "政府信息公开申请", "top_k": 10, "document_id": PDF_ID})
    assert rows.count() == len(data["results"]) > 0
    for i, r in enumerate(data["results"]):
        assert re.search(rf"第{r['citation']['page']}(–\d+)?页$", rows.nth(i).locator(".ci").inner_text())
        assert rows.nth(i).locator(".dt").inner_text() == f"《{PDF_TITLE}》"
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.locator("#detail .pp.cur").wait_for()
    assert re.search(r"第\d+(–\d+)?页（字符 \d+–\d+）$", page.locator("#detail .path").inner_text())
    page.keyboard.press("c")
    page.locator("#toast.on").wait_for()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == expected_copy(data["results"][0])
    assert re.fullmatch(r"「.+」\n——《.+》 .*第\d+(–\d+)?页(（页码.+）)?", copied, re.S)
    # An old edition: flagged in the row, the note (with the newer edition's title) in the detail and the copy.
    page.locator("#doc").select_option(BUDGET_2023_ID)
    page.keyboard.press("/")
    rows = search(page, "三公经费预算")
    assert rows.first.locator(".bdg").inner_text().startswith("有新版")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.locator("#detail .pp.cur").wait_for()
    note = f"{NEWER_NOTE}《{BUDGET_2024_TITLE}》"
    assert page.locator("#detail .note").all_inner_texts() == [note]
    page.keyboard.press("c")
    page.wait_for_function("() => navigator.clipboard.readText().then(t => t.includes('注：'))")
    r = api_search(page, {"query": "三公经费预算", "top_k": 10, "document_id": BUDGET_2023_ID})["results"][0]
    assert page.evaluate("navigator.clipboard.readText()") == expected_copy(r, [note])
    assert page.js_errors == []


def test_console_shows_ocr_and_page_ranges(docs_server: LiveServer, new_page: NewPage) -> None:
    page = new_page(permissions=CLIPBOARD, http_credentials=STAFF_LOGIN)
    page.route("**/api/v1/search", lambda route: route.fulfill(json=NOTES))
    paragraph = {
        "paragraph": 3,
        "section": ["三、“三公”經費預算"],
        "start": 100,
        "end": 120,
        "text": "公務用車運行維護費38萬元。",
    }
    page.route("**/api/v1/passages/*", lambda route: route.fulfill(json={"paragraph": paragraph}))
    open_staff_console(page, docs_server)
    page.locator("#q").fill("三公经费")
    page.locator("#list > li").nth(2).wait_for()
    rows = page.locator("#list > li")
    assert [rows.nth(i).locator(".ci").inner_text() for i in range(3)] == [
        "三、“三公”經費預算 第5页（页码3）",
        "三、“三公”經費預算 第3–4页",
        "三、“三公”經費預算 第3段",
    ]
    assert rows.nth(1).locator(".bdg").inner_text().startswith("扫描件")
    assert rows.nth(2).locator(".bdg").inner_text().startswith("有新版")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("c")
    page.locator("#toast.on").wait_for()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == (f"「公務接待費4萬元。」\n——《{BUDGET_2024_TITLE}》 三、“三公”經費預算 第3–4页\n注：{OCR_NOTE}。")
    # An unknown newer edition: the note without a title.
    page.keyboard.press("ArrowDown")
    page.keyboard.press("c")
    page.wait_for_function("() => navigator.clipboard.readText().then(t => t.includes('更新版本'))")
    assert page.evaluate("navigator.clipboard.readText()").endswith("第3段\n注：该文件已有更新版本。")
    page.keyboard.press("Enter")  # the paragraph view says it too
    page.locator("#detail .note").first.wait_for()
    assert page.locator("#detail .note").all_inner_texts() == [NEWER_NOTE]
    assert contrast_failures(page) == []
    assert page.js_errors == []


def test_documents_panel_lists_documents_and_the_build_report(docs_server: LiveServer, new_page: NewPage) -> None:
    page = new_page(http_credentials=STAFF_LOGIN)
    open_staff_console(page, docs_server)
    panel = page.locator("#docs")
    assert panel.is_hidden()
    page.keyboard.press("d")  # the search box has focus: a letter typed, not the key
    assert panel.is_hidden() and page.locator("#q").input_value() == "d"
    page.keyboard.press("Escape")  # clears the box
    press_d(page)
    panel.wait_for(state="visible")
    assert page.evaluate("document.activeElement.id") == "docs-h"
    assert page.locator("#docs-btn").get_attribute("aria-expanded") == "true"
    assert page.locator("#main").is_hidden()
    page.locator("#build-table tbody tr").nth(4).wait_for()
    docs = page.locator("#doc-table tbody tr")
    assert docs.count() == 4
    rows = {
        docs.nth(i).locator("td").first.locator("span").first.inner_text(): docs.nth(i).locator("td").all_inner_texts()
        for i in range(4)
    }
    assert rows[PDF_TITLE][1:5] == ["pdf", "5", "2024", "政府信息公开年度报告"] and rows[PDF_TITLE][5] == "现行"
    assert rows[BUDGET_2023_TITLE][1:5] == ["txt", "—", "2023", "预算"]
    assert rows[BUDGET_2023_TITLE][5] == f"已有更新版本《{BUDGET_2024_TITLE}》"
    assert page.locator("#doc-table button").count() == 0  # no uploaded files: nothing to delete
    build = docs_server.get("/readyz")["index"]["build_id"]
    assert build in page.locator("#build-table caption").inner_text()
    assert "跳过 1 个" in page.locator("#build-table caption").inner_text()
    files = page.locator("#build-table tbody tr")
    assert files.count() == 5
    skipped = page.locator("#build-table tbody tr.skipped")
    assert skipped.count() == 1
    cells = skipped.locator("td").all_inner_texts()
    assert cells[0] == BROKEN_FILE and cells[1] == "已跳过"
    assert cells[-1].startswith("跳过原因：") and "not a readable PDF" in cells[-1]
    pdf = page.locator("#build-table tbody tr", has_text=f"{PDF_ID}.pdf").locator("td").all_inner_texts()
    assert pdf[1:5] == ["已读取", "pdf", "5", "—"] and int(pdf[5]) > 0 and pdf[6].endswith(" 秒")
    assert contrast_failures(page) == []
    # Esc (or d) closes it; the results come back and the search box has focus.
    page.keyboard.press("Escape")
    panel.wait_for(state="hidden")
    assert page.locator("#main").is_visible() and page.evaluate("document.activeElement.id") == "q"
    page.locator("#docs-btn").click()
    panel.wait_for(state="visible")
    page.locator("#docs-close").click()
    panel.wait_for(state="hidden")
    assert page.js_errors == []


NEW_DOC = "一、新设施\n青禾区新建星空观测站，向市民免费开放，每周六晚上开放观测。\n"


def test_upload_goes_live_then_removal_with_a_confirm_step(upload_server: LiveServer, new_page: NewPage) -> None:
    page = new_page(http_credentials=STAFF_LOGIN)
    puts: list[Any] = []
    page.on("request", lambda r: puts.append(r) if r.method in ("PUT", "DELETE") else None)
    open_staff_console(page, upload_server)
    search(page, "星空观测站什么时候开放")
    assert "星空观测站" not in page.locator("#list").inner_text()
    page.locator("#docs-btn").click()
    upload: list[FilePayload] = [{"name": "星空 观测站.txt", "mimeType": "text/plain", "buffer": NEW_DOC.encode()}]
    page.locator("#file").set_input_files(files=upload)
    page.get_by_role("button", name="上传并收录").click()
    out = page.locator("#up-out")
    page.locator("#up-out.ok").wait_for(timeout=60_000)
    assert "星空 观测站.txt 已收录" in out.inner_text() and "1 段" in out.inner_text()
    put = puts[0]
    assert put.method == "PUT" and put.url.endswith("/api/v1/staff/documents/" + quote("星空 观测站.txt"))
    assert put.headers["content-type"] == "text/plain" and put.post_data_buffer == NEW_DOC.encode()
    # Listed, with a delete button; the build report read it and reused the others.
    new_row = page.locator("#doc-table tbody tr", has_text="uploads/星空 观测站.txt")
    new_row.wait_for()
    assert page.locator("#doc-table tbody tr").count() == 5
    read = page.locator("#build-table tbody tr", has_text="uploads/星空 观测站.txt").locator("td").all_inner_texts()
    assert read[1] == "已读取"
    assert "uploads/星空 观测站" in page.locator("#doc option").evaluate_all("os => os.map(o => o.value)")
    # Searchable now: the query typed before the upload is searched again.
    page.locator("#q").fill("星空观测站什么时候开放")
    shown(page, "星空观测站什么时候开放")
    assert "星空观测站" in page.locator("#list > li").first.inner_text()
    # Removal: a confirm step (cancel keeps it), then the job, then it is gone.
    page.locator("#docs-btn").click()
    new_row.get_by_role("button", name="删除").click()
    assert new_row.get_by_role("button", name="确认删除").is_visible()
    assert page.evaluate("document.activeElement.textContent") == "取消"
    page.keyboard.press("Enter")
    assert new_row.get_by_role("button", name="确认删除").count() == 0 and not puts[1:]
    new_row.get_by_role("button", name="删除").click()
    new_row.get_by_role("button", name="确认删除").click()
    page.wait_for_function("() => document.querySelector('#up-out').textContent.includes('已删除')", timeout=60_000)
    assert puts[1].method == "DELETE" and puts[1].url.endswith("/api/v1/staff/documents/" + quote("星空 观测站.txt"))
    page.wait_for_function("() => document.querySelectorAll('#doc-table tbody tr').length === 4")
    assert upload_server.get("/readyz")["index"]["documents"] == 4
    assert page.js_errors == []


def test_refused_uploads_show_why(docs_server: LiveServer, new_page: NewPage) -> None:
    page = new_page(http_credentials=STAFF_LOGIN)
    open_staff_console(page, docs_server)
    press_d(page)
    page.locator("#docs").wait_for(state="visible")
    out = page.locator("#up-out")
    page.get_by_role("button", name="上传并收录").click()  # nothing chosen
    assert out.inner_text() == "请先选择要上传的文件。"
    assert page.evaluate("document.activeElement.id") == "file"
    html_as_pdf: list[FilePayload] = [
        {"name": "x.pdf", "mimeType": "application/pdf", "buffer": b"<!doctype html><html><body>x</body></html>"}
    ]
    page.locator("#file").set_input_files(files=html_as_pdf)
    page.get_by_role("button", name="上传并收录").click()
    page.locator("#up-out.err").wait_for()
    text = out.inner_text()
    assert text.startswith("x.pdf 未能上传：文件内容与扩展名不符"), text
    assert "{" not in text and page.get_by_role("button", name="上传并收录").is_enabled()
    jobs = page.evaluate("fetch('/api/v1/staff/jobs').then(r => r.json())")
    assert jobs == []  # refused before anything was stored or built
    program: list[FilePayload] = [{"name": "setup.exe", "mimeType": "", "buffer": b"MZ"}]
    page.locator("#file").set_input_files(files=program)
    page.get_by_role("button", name="上传并收录").click()
    page.wait_for_function("() => document.querySelector('#up-out').textContent.includes('setup.exe 未能上传')")
    assert "不支持这种文件格式" in out.inner_text()
    assert contrast_failures(page) == []
    assert page.js_errors == []
