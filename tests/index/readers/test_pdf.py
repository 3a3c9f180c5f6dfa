"""The PDF reader on real published budgets and on the fictional fixtures: canonical text, pages, tables."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.errors import DocumentError
from index.ingest import read_document
from index.readers import configured
from index.readers.base import ReadResult
from index.readers.pdf import PdfReader

DOCS = Path(__file__).resolve().parents[3] / "eval" / "gold" / "documents"
WANLI = DOCS / "shanghai-putuo-wanli-subdistrict-2023-department-budget.pdf"
WELFARE = DOCS / "shanghai-putuo-social-welfare-institute-2024-unit-budget.pdf"
QINGHE = DOCS / "qinghe-2024-gov-info-disclosure-report.pdf"
SCAN = DOCS / "qinghe-2025-spring-festival-fireworks-notice-scan.pdf"
NO_OCR = configured(ocr="off")


@pytest.fixture(scope="module")
def wanli() -> ReadResult:
    return PdfReader(ocr="off").read(WANLI, WANLI.name)


@pytest.fixture(scope="module")
def qinghe() -> ReadResult:
    return PdfReader(ocr="off").read(QINGHE, QINGHE.name)


def blocks(r: ReadResult, kind: str | None = None) -> list[str]:
    return [r.text[b.start : b.end] for b in r.blocks if kind is None or b.kind == kind]


def page_text(r: ReadResult, number: int) -> str:
    p = r.pages[number - 1]
    return r.text[p.start : p.end]


def test_pages_partition_the_canonical_text(wanli: ReadResult) -> None:
    assert [p.number for p in wanli.pages] == list(range(1, 36))
    for a, b in zip(wanli.pages, wanli.pages[1:], strict=False):
        assert a.start <= a.end <= b.start <= b.end
    assert wanli.pages[-1].end == len(wanli.text)
    assert wanli.title == "上海市普陀区2023年区级部门预算"


def test_table_rows_read_as_statements_with_header_value_and_unit(wanli: ReadResult) -> None:
    three = next(s for s in blocks(wanli, "table") if "三公" in s and "22.91" in s)
    assert "2023年“三公”经费预算数·合计 22.91万元" in three and "786.09万元" in three
    assert three in page_text(wanli, 28)
    row = next(s for s in blocks(wanli, "table") if "公益性岗位补贴（208 07 05）" in s and "收入预算" in s)
    assert "收入预算·合计 6,351,000元" in row
    # the table continued on page 16 has no header of its own: it keeps page 15's
    continued = [s for s in blocks(wanli, "table") if s in page_text(wanli, 16)]
    assert continued and all("支出预算·合计" in s for s in continued)


def test_table_of_contents_left_out_and_wrapped_lines_joined(wanli: ReadResult) -> None:
    assert page_text(wanli, 2) == ""
    assert "比2022年预算执行数增加77.70%。" in wanli.text  # "77.70 %" in the text layer
    assert "下属5家预算单位" in wanli.text  # "下属 5 家"
    paragraph = next(s for s in blocks(wanli) if s.startswith("2023年，上海市普陀区人民政府万里街道办事处收入预算"))
    assert "\n" not in paragraph and paragraph.endswith("其他收入0万元。")


def test_running_headers_and_printed_page_numbers(qinghe: ReadResult) -> None:
    header = "青禾区人民政府2024年政府信息公开工作年度报告"
    assert qinghe.text.count(header) == 1  # the title; the header line of every page is gone
    assert [p.label for p in qinghe.pages] == ["1", "2", "3", "4", "5"]
    assert "—" not in qinghe.text


def test_a_paragraph_runs_on_across_the_page_break(qinghe: ReadResult) -> None:
    b = next(b for b in qinghe.blocks if qinghe.text[b.start : b.end].startswith("全年通过区政府门户网站主动公开"))
    first, second = qinghe.pages[0], qinghe.pages[1]
    assert b.start < first.end and b.end > second.start  # one block over two pages
    assert "183件" in qinghe.text and "183 件" not in qinghe.text


def test_passages_cite_the_pages_they_lie_on() -> None:
    from index.ingest import document_passages
    from index.search import _page_at

    doc = read_document(WELFARE, DOCS, NO_OCR)
    assert doc.format == "pdf" and len(doc.pages) == 16
    assert doc.metadata["issuer"] == "上海市普陀区社会福利院" and doc.metadata["year"] == 2024
    for p in document_passages(doc):
        assert doc.text[p.start : p.end] == p.text
        first, last = _page_at(doc.pages, p.start), _page_at(doc.pages, p.end - 1)
        assert first is not None and last is not None
        assert first.start <= p.start and p.end <= last.end


def test_a_scan_without_an_ocr_engine_is_reported() -> None:
    with pytest.raises(DocumentError, match="no OCR engine"):
        PdfReader(ocr="off").read(SCAN, SCAN.name)


@pytest.mark.parametrize("data", [b"", b"%PDF-1.7\nnot really", b"\x89PNG\r\n\x1a\n"])
def test_broken_files_are_document_errors(tmp_path: Path, data: bytes) -> None:
    (tmp_path / "x.pdf").write_bytes(data)
    with pytest.raises(DocumentError, match="x.pdf"):
        PdfReader(ocr="off").read(tmp_path / "x.pdf", "x.pdf")


@pytest.mark.slow
def test_scanned_pages_are_read_by_ocr_and_flagged() -> None:
    r = PdfReader(ocr="auto").read(SCAN, SCAN.name)
    assert [p.ocr for p in r.pages] == [True, True]
    assert "100元以上500元以下的罚款" in r.text
    assert any("OCR" in w for w in r.warnings)
