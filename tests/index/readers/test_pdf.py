"""The PDF reader on real published budgets and on the fictional fixtures: canonical text, pages, tables."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.errors import DocumentError
from index.ingest import read_document
from index.readers import configured
from index.readers.base import ReadResult
from index.readers.pdf import PdfReader
from index.structure import paragraphs

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


def _outlined_pdf() -> bytes:
    """Two pages of Helvetica text and an outline: "Overview" (page 1) holding "Budget and staff" (page 2).
    The headings are in the body's font size: only the outline tells them apart from text."""
    objs: list[str] = []

    def add(body: str) -> int:
        objs.append(body)
        return len(objs)

    def content(lines: list[tuple[str, int]]) -> str:
        ops = "BT /F1 11 Tf " + " ".join(f"1 0 0 1 72 {y} Tm ({t}) Tj" for t, y in lines) + " ET"
        return f"<< /Length {len(ops)} >>\nstream\n{ops}\nendstream"

    catalog, pages = add(""), add("")
    font = add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    body1 = [("Overview", 720), ("The district received 183 requests in 2024 and answered all of them.", 700)]
    body2 = [("Budget and staff", 760), ("Staff costs were 84 million yuan in 2023 for the department.", 740)]
    c1, c2 = add(content(body1)), add(content(body2))
    res = f"/MediaBox [0 0 595 842] /Resources << /Font << /F1 {font} 0 R >> >>"
    p1 = add(f"<< /Type /Page /Parent {pages} 0 R /Contents {c1} 0 R {res} >>")
    p2 = add(f"<< /Type /Page /Parent {pages} 0 R /Contents {c2} 0 R {res} >>")
    root, o1, o2 = add(""), add(""), add("")
    objs[root - 1] = f"<< /Type /Outlines /First {o1} 0 R /Last {o1} 0 R /Count 2 >>"
    objs[o1 - 1] = (
        f"<< /Title (Overview) /Parent {root} 0 R /Dest [{p1} 0 R /XYZ 0 720 0] /First {o2} 0 R /Last {o2} 0 R >>"
    )
    objs[o2 - 1] = f"<< /Title (Budget and staff) /Parent {o1} 0 R /Dest [{p2} 0 R /XYZ 0 760 0] >>"
    objs[catalog - 1] = f"<< /Type /Catalog /Pages {pages} 0 R /Outlines {root} 0 R >>"
    objs[pages - 1] = f"<< /Type /Pages /Kids [{p1} 0 R {p2} 0 R] /Count 2 >>"
    out, offsets = b"%PDF-1.4\n", []
    for i, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n{body}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objs) + 1} /Root {catalog} 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def test_the_outline_names_headings_that_look_like_text(tmp_path: Path) -> None:
    (tmp_path / "o.pdf").write_bytes(_outlined_pdf())
    doc = read_document(tmp_path / "o.pdf", tmp_path, configured(ocr="off"))
    paras = {p.text[:5]: p.section for p in paragraphs(doc)}
    assert paras == {"The d": ("Overview",), "Staff": ("Overview", "Budget and staff")}
