"""PDF with a text layer (and scanned pages, by OCR): canonical text with exact page spans.

Text comes from PDFium (``pypdfium2``, BSD/Apache): per-character text, boxes and the line order PDFium
reads; tables from ``pdfplumber`` (MIT), whose ruling-line analysis finds the cells of budget and
disclosure tables. The canonical text is rebuilt from them so that it reads as the document does:

* running headers and footers (a line at the top or bottom of most pages, digits aside) and printed page
  numbers ("— 3 —", "第 3 页", "3/35") are removed; a printed page number becomes the page's label;
* lines broken inside a paragraph are joined (a paragraph ends at a short line, an indented or numbered
  line, a larger gap, a heading), also across a page break; a line holding only closing punctuation
  ("。") is joined to the one before it;
* spaces the PDF puts between Chinese characters and around numbers ("3119 件", "77.70 %") are removed;
* a line that the PDF's outline (bookmarks) names on its page is a heading at the outline's depth, above
  all others; a line in a larger font than the body is a heading (levels by size); the numbered headings
  (一、/（一）/1.) are recognised by ``index/structure.py``; a table of contents page is left out;
* a table becomes one statement per row (``index/readers/tables.py``) in its place in the reading order,
  with the caption and unit written above it; a table continued on the next page keeps its header;
* a page without a text layer is read by OCR when an engine is installed (``index/readers/ocr.py``),
  and flagged so in its ``Page``; otherwise the file's warnings say so.

Every page keeps its span of the canonical text (``Page.start/end``), so any passage maps back to the
physical pages it lies on and to the page numbers printed on them.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from index.errors import DocumentError
from index.passage import Block, BlockKind, Page
from index.readers.base import ReadResult
from index.readers.ocr import OcrEngine, default_engine
from index.readers.tables import Header, table_statements, unit_of

log = logging.getLogger("youju.readers.pdf")

MAX_PAGES = 2000
_CJK = r"\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef\u2018-\u201f"
_CJK_GAP = re.compile(rf"(?<=[{_CJK}])[ \t\u00a0]+|[ \t\u00a0]+(?=[{_CJK}])")
_NUMBER_UNIT_GAP = re.compile(r"(?<=\d)[ \t]+(?=[%‰])")
_PAGE_NUMBER = re.compile(
    r"^[-—–－_~·\s]*(?:第\s*)?(\d{1,4})(?:\s*页)?(?:\s*[/／]\s*\d{1,4})?(?:\s*共\s*\d+\s*页)?[-—–－_~·\s]*$"
)
_CLOSING = "。，、；：？！）」』”’》〉】,.;:!?)"
_NUMBERED = re.compile(
    r"^(?:[一二三四五六七八九十]+[、､]|[(（][一二三四五六七八九十\d]+[)）]|\d{1,2}[.．、](?!\d)|第[一二三四五六七八九十\d]+[章节節条條])"
)
_TOC = re.compile(r"^目\s*录$")
_CAPTION = re.compile(r"表\s*[\d一二三四五六七八九十]*\s*$|表[（(]")
# Parts of the page that hold running headers and footers.
_MARGIN = 0.09
# A line this much larger than the body text is a heading.
_HEADING_SIZE = 1.18
_MAX_HEADING_CHARS = 50


@dataclass
class _Line:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    page: int  # 0-based


@dataclass
class _Table:
    top: float
    bottom: float
    rows: list[list[str | None]]


@dataclass
class _PageContent:
    number: int  # 1-based
    width: float
    height: float
    lines: list[_Line] = field(default_factory=list)
    tables: list[_Table] = field(default_factory=list)
    label: str | None = None
    ocr: bool = False
    toc: bool = False
    outline: dict[str, int] = field(default_factory=dict)  # titles the outline points here -> depth


# Outline (bookmark) headings sit above font-size headings (-6 … -3): depth 0, 1, 2+ -> -9, -8, -7.
_OUTLINE_LEVEL = -9


def _clean(text: str) -> str:
    text = text.replace("\u00ad", "").replace("\ufffe", "").replace("\x02", "")
    text = _CJK_GAP.sub("", text)
    text = _NUMBER_UNIT_GAP.sub("", text)
    return re.sub(r"[ \t\u00a0]{2,}", " ", text).strip()


class _Assembler:
    """Canonical text with blocks separated by newlines; page marks at any offset (paragraphs may run on)."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0
        self.blocks: list[Block] = []
        self._open: tuple[int, BlockKind, int | None] | None = None
        self._last = ""

    def _write(self, s: str) -> None:
        self.parts.append(s)
        self.length += len(s)
        self._last = s[-1]

    def close(self) -> None:
        if self._open is not None:
            start, kind, level = self._open
            self.blocks.append(Block(start, self.length, kind, level))
            self._open = None

    def line(self, text: str, *, new: bool, kind: BlockKind = "text", level: int | None = None, sep: str = "") -> None:
        if not text:
            return
        if new or self._open is None:
            self.close()
            if self.parts:
                self._write("\n")
            self._open = (self.length, kind, level)
        elif sep:
            self._write(sep)
        elif self._last.isascii() and self._last.isalpha() and text[0].isascii() and text[0].isalnum():
            self._write(" ")
        self._write(text)

    @property
    def text(self) -> str:
        return "".join(self.parts)

    def next_start(self) -> int:
        """Where the next text will begin (after a separator when a new block would be opened)."""
        return self.length


class PdfReader:
    name = "pdf"
    version = "5"  # bump whenever the canonical text of the same file would change
    suffixes: tuple[str, ...] = (".pdf",)

    def __init__(self, *, ocr: OcrEngine | None | str = "auto", max_pages: int = MAX_PAGES) -> None:
        self._ocr = ocr
        self.max_pages = max_pages

    def _engine(self) -> OcrEngine | None:
        if self._ocr == "auto":
            return default_engine()
        if isinstance(self._ocr, str):
            return None
        return self._ocr

    # ------------------------------------------------------------------------------------------ read
    def read(self, path: Path, display: str) -> ReadResult:
        import pypdfium2 as pdfium

        try:
            pdf = pdfium.PdfDocument(str(path))
        except pdfium.PdfiumError as e:
            msg = str(e)
            if "password" in msg.lower():
                raise DocumentError(f"{display}: the PDF is password-protected; publish an unprotected copy") from e
            raise DocumentError(f"{display}: not a readable PDF ({msg})") from e
        try:
            n = len(pdf)
            if n == 0:
                raise DocumentError(f"{display}: the PDF has no pages")
            if n > self.max_pages:
                raise DocumentError(f"{display}: {n} pages; the limit is {self.max_pages}")
            warnings: list[str] = []
            pages = [self._page_text(pdf, i) for i in range(n)]
            self._add_tables(path, pages, warnings, display)
            self._ocr_pages(pdf, pages, warnings, display)
            meta = self._metadata(pdf)
            self._add_outline(pdf, pages)
        finally:
            pdf.close()
        if not any(p.lines or p.tables for p in pages):
            raise DocumentError(f"{display}: no text could be read ({'; '.join(warnings) or 'empty pages'})")
        self._strip_running_lines(pages)
        for p in pages:
            p.toc = bool(p.lines) and any(_TOC.match(ln.text) for ln in p.lines[:3])
        title = meta.pop("title", None) or self._cover_title(pages)
        return self._assemble(pages, warnings, title, meta)

    # ----------------------------------------------------------------------------------- text layer
    def _page_text(self, pdf: Any, index: int) -> _PageContent:
        import pypdfium2.raw as raw

        page = pdf[index]
        width, height = page.get_size()
        content = _PageContent(index + 1, width, height)
        textpage = page.get_textpage()
        try:
            count = textpage.count_chars()
            if count <= 0:
                return content
            Box = tuple[float, float, float, float]
            lines: list[list[tuple[str, Box, Box]]] = [[]]
            for i in range(count):
                code = raw.FPDFText_GetUnicode(textpage.raw, i)
                ch = chr(code) if 0 < code < 0x110000 and not 0xD800 <= code <= 0xDFFF else ""
                if ch == "\n":
                    lines.append([])
                    continue
                if ch in ("\r", "") or raw.FPDFText_IsGenerated(textpage.raw, i) == 1 and ch != " ":
                    continue
                lines[-1].append((ch, textpage.get_charbox(i), textpage.get_charbox(i, loose=True)))
        finally:
            textpage.close()
            page.close()
        for chars in lines:
            boxes = [b for c, b, _ in chars if not c.isspace() and b[2] > b[0]]
            text = _clean("".join(c for c, _, _ in chars))
            if not text or not boxes:
                continue
            # Loose boxes (the font's ascent to descent) measure the font size, whatever the glyphs.
            heights = sorted(round((lb[3] - lb[1]) * 2) / 2 for c, _, lb in chars if not c.isspace())
            content.lines.append(
                _Line(
                    text=text,
                    x0=min(b[0] for b in boxes),
                    x1=max(b[2] for b in boxes),
                    top=height - max(b[3] for b in boxes),
                    bottom=height - min(b[1] for b in boxes),
                    size=heights[len(heights) // 2],
                    page=index,
                )
            )
        content.lines.sort(key=lambda ln: (round(ln.top), ln.x0))
        return content

    # ---------------------------------------------------------------------------------------- tables
    def _add_tables(self, path: Path, pages: list[_PageContent], warnings: list[str], display: str) -> None:
        """Cells of ruled tables (pdfplumber); the text lines inside a table are dropped from the flow."""
        try:
            import pdfplumber
        except ImportError:  # pragma: no cover - a dependency of the PDF reader
            warnings.append("pdfplumber is not installed: tables are read as plain lines")
            return
        try:
            with pdfplumber.open(str(path)) as doc:
                for content, page in zip(pages, doc.pages, strict=False):
                    if not content.lines or not (page.rects or page.lines):
                        continue
                    for table in page.find_tables():
                        x0, top, x1, bottom = table.bbox
                        rows = table.extract()
                        if len(rows) < 2 and all(len([c for c in r if c]) <= 1 for r in rows):
                            continue  # a frame around text, not a table
                        content.tables.append(_Table(top, bottom, rows))
                        content.lines = [
                            ln for ln in content.lines if not _inside(ln, (x0 - 2, top - 2, x1 + 2, bottom + 2))
                        ]
        except Exception as e:  # noqa: BLE001 - a table the analyser cannot read must not lose the text
            warnings.append(f"tables could not be analysed ({type(e).__name__}: {e}); read as plain lines")
            log.warning("%s: table analysis failed: %s", display, e)

    # ------------------------------------------------------------------------------------------- OCR
    def _ocr_pages(self, pdf: Any, pages: list[_PageContent], warnings: list[str], display: str) -> None:
        blank = [p for p in pages if not p.lines and not p.tables]
        if not blank:
            return
        engine = self._engine()
        if engine is None:
            numbers = ", ".join(str(p.number) for p in blank)
            warnings.append(
                f"page(s) {numbers} have no text layer and no OCR engine is installed "
                "(pip install rapidocr_onnxruntime); they are not indexed"
            )
            return
        scale = 2.0
        for p in blank:
            page = pdf[p.number - 1]
            try:
                image = page.render(scale=scale).to_pil()
            finally:
                page.close()
            found = engine.read_lines(image)
            if not found:
                warnings.append(f"page {p.number}: no text found by OCR")
                continue
            p.ocr = True
            heights = sorted(ln.bottom - ln.top for ln in found)
            body = heights[len(heights) // 2] / scale
            for ln in found:
                text = _clean(ln.text)
                if text:
                    size = (ln.bottom - ln.top) / scale
                    # OCR boxes include line spacing; keep sizes relative to the page's body text.
                    p.lines.append(
                        _Line(
                            text,
                            ln.x0 / scale,
                            ln.x1 / scale,
                            ln.top / scale,
                            ln.bottom / scale,
                            size if abs(size - body) > 0.15 * body else body,
                            p.number - 1,
                        )
                    )
        ocred = [p.number for p in blank if p.ocr]
        if ocred:
            warnings.append(f"page(s) {', '.join(map(str, ocred))} read by OCR ({engine.name})")

    # ------------------------------------------------------------------------------ headers, footers
    def _strip_running_lines(self, pages: list[_PageContent]) -> None:
        def key(text: str) -> str:
            return re.sub(r"\d+", "#", text)

        def in_margin(ln: _Line, p: _PageContent) -> bool:
            return ln.bottom <= p.height * _MARGIN + 8 or ln.top >= p.height * (1 - _MARGIN) - 8

        seen: Counter[str] = Counter()
        for p in pages:
            seen.update({key(ln.text) for ln in p.lines if in_margin(ln, p)})
        need = max(2, int(0.4 * len(pages) + 0.5)) if len(pages) > 2 else 2
        running = {k for k, c in seen.items() if c >= need}
        for p in pages:
            kept = []
            for ln in p.lines:
                if in_margin(ln, p):
                    number = _PAGE_NUMBER.match(ln.text)
                    if number and (ln.top >= p.height / 2 or len(ln.text) <= 12):
                        p.label = number.group(1)
                        continue
                    if key(ln.text) in running:
                        continue
                kept.append(ln)
            p.lines = kept

    # -------------------------------------------------------------------------------------- metadata
    @staticmethod
    def _add_outline(pdf: Any, pages: list[_PageContent]) -> None:
        """Record on each page the outline titles that point to it (whitespace removed) and their depth."""
        import pypdfium2 as pdfium

        try:
            for mark in pdf.get_toc(max_depth=8):
                dest = mark.get_dest()
                index = dest.get_index() if dest is not None else None
                title = re.sub(r"\s+", "", mark.get_title() or "")
                if title and index is not None and 0 <= index < len(pages):
                    pages[index].outline.setdefault(title, int(mark.level))
        except pdfium.PdfiumError:  # a broken outline is no reason to lose the text
            return

    def _metadata(self, pdf: Any) -> dict[str, Any]:
        meta: dict[str, Any] = {}
        try:
            info = pdf.get_metadata_dict()
        except Exception:  # noqa: BLE001 - metadata is optional
            return meta
        title = (info.get("Title") or "").strip()
        if title and not re.match(r"(?i)^(microsoft word|untitled|无标题|document\d*)\b", title) and len(title) > 3:
            meta["title"] = title
        created = info.get("CreationDate") or ""
        m = re.match(r"D:(\d{4})(\d{2})(\d{2})", created)
        if m:
            meta["file_created"] = f"{m.group(1)}-{m.group(2)}-{m.group(3)}"
        return meta

    def _cover_title(self, pages: list[_PageContent]) -> str | None:
        first = next((p for p in pages if p.lines), None)
        if first is None:
            return None
        body = self._body_size(pages)
        big = [ln for ln in first.lines[:6] if ln.size >= body * 1.3 and len(ln.text) <= 60]
        if big:
            top = max(ln.size for ln in big)
            return "".join(ln.text for ln in big if ln.size >= top * 0.95)
        return first.lines[0].text[:80]

    # -------------------------------------------------------------------------------------- assemble
    @staticmethod
    def _body_size(pages: list[_PageContent]) -> float:
        sizes: Counter[float] = Counter()
        for p in pages:
            for ln in p.lines:
                sizes[round(ln.size, 1)] += len(ln.text)
        return sizes.most_common(1)[0][0] if sizes else 10.0

    def _assemble(
        self, pages: list[_PageContent], warnings: list[str], title: str | None, meta: dict[str, Any]
    ) -> ReadResult:
        body = self._body_size(pages)
        heading_sizes = sorted(
            {round(ln.size, 1) for p in pages for ln in p.lines if ln.size >= body * _HEADING_SIZE},
            reverse=True,
        )
        # Larger fonts are higher headings; all of them sit above the numbered headings (一、 …).
        levels = {s: -6 + min(i, 3) for i, s in enumerate(heading_sizes)}
        out = _Assembler()
        page_spans: list[Page] = []
        prev: _Line | None = None
        prev_metrics: tuple[float, float] | None = None
        header: Header | None = None
        for p in pages:
            start = out.length + (1 if out.parts else 0)
            body_lines = [ln for ln in p.lines if abs(ln.size - body) <= 0.15 * body] or p.lines
            left = _percentile([ln.x0 for ln in body_lines], 0.1) if body_lines else 0.0
            right = _percentile([ln.x1 for ln in body_lines], 0.9) if body_lines else p.width
            items: list[tuple[float, _Line | _Table]] = [(ln.top, ln) for ln in p.lines if not p.toc]
            items += [(t.top, t) for t in p.tables]
            items.sort(key=lambda x: x[0])
            captions = _caption_lines(items)
            above: list[_Line] = []
            heading_line: _Line | None = None
            first_item = True
            for _, item in items:
                if isinstance(item, _Table):
                    caption = next((ln.text for ln in reversed(above[-3:]) if _CAPTION.search(ln.text)), None)
                    unit = next((u for ln in reversed(above[-3:]) if (u := unit_of(ln.text))), None)
                    statements, header = table_statements(
                        item.rows, title=caption, unit=unit, previous=header if first_item else None
                    )
                    for s in statements:
                        out.line(s, new=True, kind="table")
                    prev = None
                    first_item = False
                    continue
                ln = item
                first_item = False
                if id(ln) in captions:
                    # A table's title or "编制单位：… 单位：元": the heading of the rows below, not a passage.
                    out.line(ln.text, new=True, kind="heading", level=captions[id(ln)])
                    prev, heading_line = None, None
                    above.append(ln)
                    continue
                depth = p.outline.get(re.sub(r"\s+", "", ln.text))
                if depth is not None:
                    out.line(ln.text, new=True, kind="heading", level=_OUTLINE_LEVEL + min(depth, 2))
                    prev, heading_line = None, None
                    above.append(ln)
                    continue
                size_key = round(ln.size, 1)
                if size_key in levels and len(ln.text) <= _MAX_HEADING_CHARS:
                    # A heading wrapped over two lines (a long title) stays one heading.
                    wrapped = (
                        heading_line is not None
                        and heading_line.page == ln.page
                        and ln.top - heading_line.bottom < 0.8 * ln.size
                        and abs(heading_line.size - ln.size) <= 0.2 * ln.size
                    )
                    out.line(ln.text, new=not wrapped, kind="heading", level=levels[size_key])
                    prev, heading_line = None, ln
                    above.append(ln)
                    continue
                heading_line = None
                new = self._starts_paragraph(prev, ln, prev_metrics, (left, right))
                out.line(ln.text, new=new)
                prev, prev_metrics = ln, (left, right)
                above.append(ln)
            end = out.length
            page_spans.append(Page(p.number, min(start, end), end, p.label, p.ocr))
        out.close()
        text = out.text
        if not text.strip():
            raise DocumentError("no text could be read")
        return ReadResult(
            text=text,
            blocks=tuple(out.blocks),
            metadata=meta,
            title=title,
            pages=tuple(page_spans),
            warnings=tuple(warnings),
        )

    @staticmethod
    def _starts_paragraph(
        prev: _Line | None, ln: _Line, prev_metrics: tuple[float, float] | None, metrics: tuple[float, float]
    ) -> bool:
        if prev is None or prev_metrics is None:
            return True
        if ln.text[0] in _CLOSING and len(ln.text) <= 3:
            return False  # a wrapped "。"
        if _NUMBERED.match(ln.text):
            return True
        left, _ = metrics
        _, p_right = prev_metrics
        unit = max(ln.size, 1.0)
        if ln.x0 > left + 1.2 * unit:
            return True  # indented: a new paragraph
        if ln.page == prev.page and ln.top - prev.bottom > 1.2 * max(prev.bottom - prev.top, unit):
            return True  # a gap
        if prev.text[-1] not in "。！？!?；;":
            return False  # the sentence goes on (a line is often wrapped early before a long number)
        return prev.x1 < p_right - 1.5 * unit  # a finished sentence on a short line ends the paragraph


# Levels of a table's caption headings: below every numbered heading, so they only nest.
CAPTION_LEVEL = 7
UNIT_LEVEL = 8


def _caption_lines(items: list[tuple[float, _Line | _Table]]) -> dict[int, int]:
    """The lines just above each table that are its caption or unit line: id(line) -> heading level."""
    out: dict[int, int] = {}
    for i, (_, item) in enumerate(items):
        if not isinstance(item, _Table):
            continue
        for _, prev in reversed(items[max(0, i - 3) : i]):
            if not isinstance(prev, _Line) or item.top - prev.bottom > 90:
                break
            if unit_of(prev.text) or prev.text.startswith(("编制单位", "编制部门", "填报单位")):
                out[id(prev)] = UNIT_LEVEL
            elif _CAPTION.search(prev.text) and len(prev.text) <= 60:
                out[id(prev)] = CAPTION_LEVEL
            else:
                break
    return out


def _inside(ln: _Line, box: tuple[float, float, float, float]) -> bool:
    """Is the line's centre inside ``box`` (x0, top, x1, bottom)?"""
    x, y = (ln.x0 + ln.x1) / 2, (ln.top + ln.bottom) / 2
    return box[0] <= x <= box[2] and box[1] <= y <= box[3]


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    s = sorted(values)
    return s[min(len(s) - 1, int(q * (len(s) - 1) + 0.5))]


def page_of(pages: tuple[Page, ...], offset: int) -> Page | None:
    """The page holding a canonical-text offset (None for unpaged documents)."""
    found = None
    for p in pages:
        if p.start <= offset:
            found = p
        else:
            break
    return found
