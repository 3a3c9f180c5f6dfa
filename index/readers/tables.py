"""Tables -> statements: each row of a table becomes one line that reads on its own, so that a citizen's
question ("万里街道2023年三公经费预算多少") finds the row and the figure can be highlighted:

    2023年部门"三公"经费和机关运行经费预算表（单位：万元）：2023年"三公"经费预算数·合计 22.91万元；…

A grid table (columns of figures under one or more header rows) gives, per data row: the table's title, the
row's label (its text cells, codes in brackets), then each figure with its column's header path and the
unit. A form (label/value cells, no columns of figures) gives its cells as "label：value" pairs. Header rows
are told apart from data rows by their content; merged header cells (``None`` in the rows a table
extractor returns) are resolved as spanning to the right when the cell above spans too, else downwards.
A table that continues on the next page without its header reuses the previous page's (``Header``).

Pure functions over rows of cell strings, shared by the PDF, Word and HTML readers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

Cell = str | None

_NUMBER = re.compile(r"^[-+−]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?\s*%?$")
_CODE = re.compile(r"^\d{1,4}$")
_UNIT = re.compile(r"单位\s*[:：]\s*(亿元|万元|千元|元|万人|人次|人|个|件|户|家|平方米|公顷|亩|吨|%)")
_SPACES = re.compile(r"\s+")
_CJK = r"\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef"
_CJK_GAP = re.compile(rf"(?<=[{_CJK}])\s+|\s+(?=[{_CJK}])")
# Header words of label columns: their path is not repeated before each figure.
_LABEL_HEADERS = ("项目", "科目", "名称", "编码", "代码", "类", "款", "项", "序号", "指标")


@dataclass(frozen=True)
class Header:
    """The resolved header of a grid table: one path of header texts per column."""

    paths: tuple[tuple[str, ...], ...]
    title: str | None
    unit: str | None


def clean_cell(cell: Cell) -> Cell:
    """Whitespace inside a cell removed where a line break or a PDF gap split Chinese text or a number."""
    if cell is None:
        return None
    text = _CJK_GAP.sub("", cell.strip())
    text = _SPACES.sub(" ", text)
    if _NUMBER.match(text.replace(" ", "")):
        text = text.replace(" ", "")
    return text


def is_number(cell: Cell) -> bool:
    return bool(cell) and bool(_NUMBER.match(cell or ""))


# A figure with a qualifier or unit after it; "2023年…" (a year, in a header) is not one.
_FIGURE_CELL = re.compile(r"^[≥≤><=约近]*\s*[-+−]?\d[\d,]*(?:\.\d+)?(?![\d,.]*\s*[年月日])\s*(?:%|‰)?\S{0,8}$")


def is_value(cell: Cell) -> bool:
    """A figure, possibly qualified: 1,420, 5.5%左右, ≥13459.00(平方米), 6%以内."""
    return is_number(cell) or (bool(cell) and len(cell or "") <= 24 and bool(_FIGURE_CELL.match(cell or "")))


def unit_of(text: str) -> str | None:
    """The unit a caption states ("编制单位：某区财政局 单位：万元" -> 万元)."""
    found = _UNIT.findall(text)
    return found[-1] if found else None


def _caption_rows(rows: list[list[Cell]]) -> tuple[str | None, str | None, list[list[Cell]]]:
    """Leading rows that hold one cell only (a title or "编制单位：… 单位：元" inside the table's frame):
    (title, unit, the remaining rows)."""
    title = unit = None
    i = 0
    while i < len(rows) - 1:
        cells = [c for c in rows[i] if c]
        if len(cells) == 2 and all(unit_of(c) or c.startswith(("编制", "单位", "填报")) for c in cells):
            cells = [" ".join(cells)]  # "编制单位：…" and "单位：元" in two cells
        if len(cells) != 1 or is_number(cells[0]):
            break
        text = cells[0]
        is_unit = bool(unit_of(text)) or text.startswith(("编制", "单位", "填报"))
        if not is_unit and not _CAPTION_TEXT.search(text):
            break  # a section row of the table (第二十条第（一）项), not its caption
        unit = unit_of(text) or unit
        if title is None and not is_unit:
            title = text
        i += 1
    return title, unit, rows[i:]


_TOTAL = re.compile(r"^(合计|总计|小计)$")
_CAPTION_TEXT = re.compile(r"表$|表[（(]|表\s*\d|^（?\d{4}年度?）?$")


def _fill_header(rows: list[list[Cell]]) -> list[list[str]]:
    """Resolve merged (None) header cells: to the right when the row above spans both columns, else down."""
    width = max(len(r) for r in rows)
    filled: list[list[str]] = []
    for r, row in enumerate(rows):
        row = list(row) + [None] * (width - len(row))
        out: list[str] = []
        for c, cell in enumerate(row):
            if cell is not None:
                out.append(cell)
                continue
            above_same = r == 0 or (c > 0 and filled[r - 1][c] == filled[r - 1][c - 1])
            out.append(out[c - 1] if c > 0 and above_same else "")
        filled.append(out)
    return filled


def _paths(filled: list[list[str]]) -> tuple[tuple[str, ...], ...]:
    width = len(filled[0]) if filled else 0
    paths = []
    for c in range(width):
        parts: list[str] = []
        for row in filled:
            if row[c] and (not parts or parts[-1] != row[c]):
                parts.append(row[c])
        paths.append(tuple(parts))
    return tuple(paths)


def _is_data_row(row: list[Cell]) -> bool:
    return any(is_value(c) and not _CODE.match(c or "") for c in row) or (sum(1 for c in row if is_number(c)) >= 2)


def split_header(rows: list[list[Cell]]) -> tuple[list[list[Cell]], list[list[Cell]]]:
    """(header rows, data rows): the header is every row before the first that holds figures."""
    for i, row in enumerate(rows):
        if _is_data_row(row):
            return rows[:i], rows[i:]
    return rows, []


def _is_label_header(path: tuple[str, ...]) -> bool:
    return bool(path) and path[-1].endswith(_LABEL_HEADERS)


def _column_kinds(data: list[list[Cell]], paths: tuple[tuple[str, ...], ...]) -> list[str]:
    """Per column: "value" (figures), "text" (names, codes) or "empty". A column of short digit strings is
    codes (类/款/项) when its header says so or, without a header, when it never holds anything else."""
    kinds = []
    for c, path in enumerate(paths):
        cells = [r[c] for r in data if r[c]]
        if not cells:
            kinds.append("empty")
            continue
        codes = not any(path) and len(cells) > 1 and all(_CODE.match(x or "") for x in cells)
        values = sum(is_value(x) for x in cells)
        names = values * 2 <= len(cells)  # a column of figures may hold a few words (与经济增长基本同步)
        kinds.append("text" if names or codes or _is_label_header(path) else "value")
    return kinds


def _groups(top: list[str], width: int) -> list[tuple[int, int]]:
    """Column spans of the top header row's cells (side-by-side sub-tables such as 收入 | 支出)."""
    spans: list[tuple[int, int]] = []
    start = 0
    for c in range(1, width + 1):
        if c == width or top[c] != top[start]:
            spans.append((start, c))
            start = c
    return spans


def _path_text(path: tuple[str, ...]) -> str:
    parts = [p for p in path if not p.endswith(_LABEL_HEADERS) or len(path) == 1]
    return "·".join(parts or path)


def _label(cells: list[Cell]) -> str:
    names = [c for c in cells if c and not _CODE.match(c)]
    codes = [c for c in cells if c and _CODE.match(c)]
    text = " ".join(names)
    if codes:
        text = f"{text}（{' '.join(codes)}）" if text else " ".join(codes)
    return text


def _caption(title: str | None, unit: str | None) -> str:
    if title and unit and unit not in title:
        return f"{title}（单位：{unit}）"
    return title or (f"（单位：{unit}）" if unit else "")


def _with_unit(value: str, unit: str | None) -> str:
    if not unit or value.endswith("%") or not is_number(value):
        return value
    return f"{value}{unit}"


def form_statements(rows: list[list[Cell]], title: str | None) -> list[str]:
    """A form (label and value cells in no fixed columns): one line per row, its cells in order, after the
    form's subject (its title and, when a row names it, what the form is about: 项目名称 …)."""
    lines: list[list[str]] = []
    for row in rows:
        cells: list[str] = []
        for c in row:
            if c and (not cells or cells[-1] != c):
                cells.append(c)
        if cells and not (title and cells == [title]):
            lines.append(cells)
    subject = title or ""
    for cells in lines:
        for i, c in enumerate(cells[:-1]):
            if c.endswith("名称") and i + 1 < len(cells):
                subject = f"{subject}（{cells[i + 1]}）" if subject else cells[i + 1]
                break
        else:
            continue
        break
    out = []
    for cells in lines:
        line = f"{cells[0]}：{cells[1]}" if len(cells) == 2 else "；".join(cells)
        out.append(f"{subject}：{line}" if subject else line)
    return out


def _single(row: list[Cell]) -> str | None:
    """The text of a row that is one cell merged across the table (the others None, not empty)."""
    cells = [c for c in row if c is not None]
    return cells[0] if len(cells) == 1 and cells[0] and not is_number(cells[0]) and len(row) > 1 else None


def _sections(rows: list[list[Cell]]) -> list[tuple[str | None, list[list[Cell]]]]:
    """A table made of sub-tables, each under a row with one cell (the 第二十条第（一）项 rows of a
    disclosure report's tables): [(that row's text, the sub-table's rows)]."""
    out: list[tuple[str | None, list[list[Cell]]]] = [(None, [])]
    for row in rows:
        label = _single(row)
        if label is not None and out[-1][1]:
            out.append((label, []))
        elif label is not None:
            out[-1] = (label if out[-1][0] is None else f"{out[-1][0]} {label}", [])
        else:
            out[-1][1].append(row)
    return [(label, rs) for label, rs in out if rs]


def table_statements(
    rows: list[list[Cell]], *, title: str | None = None, unit: str | None = None, previous: Header | None = None
) -> tuple[list[str], Header | None]:
    """Statements for a table's rows, and its resolved header (for a continuation on the next page).

    ``previous`` is the header of the table just before this one (the previous page's): a table that
    starts with data rows and has as many columns continues it.
    """
    rows = [[clean_cell(c) for c in r] for r in rows if any(c and c.strip() for c in r)]
    if not rows:
        return [], previous
    width = max(len(r) for r in rows)
    rows = [r + [None] * (width - len(r)) for r in rows]
    inner_title, inner_unit, rows = _caption_rows(rows)
    title, unit = title or inner_title, unit or inner_unit
    sections = _sections(rows)
    if len(sections) > 1 or (sections and sections[0][0] is not None):
        out: list[str] = []
        header = previous
        for label, part in sections:
            sub_title = " ".join(x for x in (title, label) if x) or None
            statements, header = _grid_or_form(part, sub_title, unit_of(label or "") or unit, None, width)
            out.extend(statements)
        return out, header
    return _grid_or_form(rows, title, unit, previous, width)


def _grid_or_form(
    rows: list[list[Cell]], title: str | None, unit: str | None, previous: Header | None, width: int
) -> tuple[list[str], Header | None]:
    head_rows, data = split_header(rows)
    if not data:
        if any(_TOTAL.match(next((c for c in r if c), "")) for r in rows):
            return [], None  # an empty grid: header and a 合计 row without figures
        return form_statements(rows, title), None
    if not head_rows and previous is not None and len(previous.paths) == width:
        header = Header(previous.paths, title or previous.title, unit or previous.unit)
    else:
        filled = _fill_header(head_rows) if head_rows else [[""] * width]
        header = Header(_paths(filled), title, unit)
    kinds = _column_kinds(data, header.paths)
    with_figures = sum(any(kinds[c] == "value" and row[c] for c in range(width)) for row in data)
    if "value" not in kinds or with_figures < 0.6 * len(data):
        return form_statements(rows, title), None
    # Side-by-side sub-tables (收入 | 支出) only where a top header row spans several columns.
    spanning = any(len(p) > 1 for p in header.paths)
    top = [p[0] if p and spanning else "" for p in header.paths]
    caption = _caption(header.title, header.unit)
    out: list[str] = []
    for row in data:
        parts: list[str] = []
        for g0, g1 in _groups(top, width):
            values = [c for c in range(g0, g1) if kinds[c] == "value" and row[c]]
            if not values:
                continue
            label_cols = [c for c in range(g0, values[0]) if kinds[c] != "value"]
            if not label_cols:  # the group holds only figures: its label columns are on the left
                label_cols = [c for c in range(0, g0) if kinds[c] == "text"]
            label = _label([row[c] for c in label_cols])
            figures = "，".join(
                f"{_path_text(header.paths[c])} {_with_unit(row[c] or '', header.unit)}".strip() for c in values
            )
            parts.append(f"{label}：{figures}" if label else figures)
        if parts:
            body = "；".join(parts)
            out.append(f"{caption}：{body}。" if caption else f"{body}。")
    return out, header
