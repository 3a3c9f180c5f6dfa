"""Word (``.docx``): the body's paragraphs and tables in document order, Word's automatic numbering
rendered into the text, heading styles as headings, tables as statements.

The canonical text is what a reader of the document sees, one block per line: a paragraph's text with its
list label (一、 （一） 1. ① …, which Word keeps out of the text and numbers itself), line breaks inside a
paragraph joined, table rows as statements (``index/readers/tables.py``). Tracked deletions, hidden text,
field codes and the table of contents are left out; text boxes follow the paragraph they are anchored in.

Automatic numbering follows Word: a paragraph's numbering comes from its own ``w:numPr`` or from its style
(``w:basedOn`` followed); the list level's ``w:lvlText`` ("%1、", "（%1）", "%1.%2") is filled with the
counters of the list, formatted by each level's ``w:numFmt``. Lists that share an abstract numbering
share their counters, unless a ``w:num`` overrides a level (``w:lvlOverride``/``w:startOverride``, how
Word restarts a list), which makes it a list of its own. Using a level resets the levels below it, as
``w:lvlRestart`` allows.

The file is checked before it is parsed: a zip archive with a ``word/document.xml`` part, at most
10,000 entries and 200 MB uncompressed, no entry compressed more than 200 times (zip bombs).
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from index.errors import DocumentError
from index.readers.base import ReadResult, TextBuilder
from index.readers.tables import Cell, table_statements, unit_of

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W = "{" + W_NS + "}"
MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"

MAX_ENTRIES = 10_000
MAX_UNCOMPRESSED = 200 * 1024 * 1024
MAX_RATIO = 200

_CJK = r"\u2e80-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef"
_CJK_CHAR = re.compile(f"[{_CJK}]")
_SPACES = re.compile(r"[ \t\u00a0\u3000\u2002-\u200a]+")
_HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*([1-9])$", re.IGNORECASE)
_TITLE_STYLE = re.compile(r"^(?:title|标题)$", re.IGNORECASE)
_TOC_STYLE = re.compile(r"^(?:toc|目录)\s*\d$", re.IGNORECASE)
_CAPTION_STYLE = re.compile(r"^(?:caption|题注)$", re.IGNORECASE)
_UNIT_TAIL = re.compile(r"[（(]?\s*单位\s*[:：][^）)]*[）)]?\s*$")
_PUNCT_AFTER = re.compile(r"\s+(?=[、，。：；！？）】》”’,.;:!?)])")
_PUNCT_BEFORE = re.compile(r"(?<=[、，。：；！？（【《“‘(])\s+")
_SENTENCE_END = ("。", "；", ";", "！", "？", "：", ":")
_ORG = re.compile(
    r"(?:政府|办公厅|办公室|委员会|常委会|管委会|人民法院|人民检察院|局|厅|委|部|署|院|中心|所|站|办|队|处|科|"
    r"街道|公司|集团|大学|学院|协会|学会|联合会|银行)$"
)
_SYMBOL_FONTS = ("symbol", "wingdings", "webdings")


def _w(el: Any, name: str) -> Any:
    """The first ``w:name`` child of ``el`` (None when absent)."""
    return None if el is None else el.find(W + name)


def _val(el: Any, name: str | None = None) -> str | None:
    """``w:val`` of ``el`` (or of its ``w:name`` child)."""
    if name is not None:
        el = _w(el, name)
    if el is None:
        return None
    v = el.get(W + "val")
    return None if v is None else str(v)


def _int(value: str | None, default: int | None = None) -> int | None:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def _on(el: Any) -> bool:
    """A WordprocessingML toggle (``<w:b/>``, ``<w:vanish w:val="0"/>``) is on."""
    return el is not None and _val(el) not in ("0", "false", "off")


def _join_lines(lines: list[str]) -> str:
    """Lines of one paragraph joined: nothing between Chinese text, a space between Western words."""
    out = ""
    for line in lines:
        line = line.strip(" \t\u00a0\u3000")
        if not line:
            continue
        if out and not (_CJK_CHAR.match(out[-1]) or _CJK_CHAR.match(line[0])):
            out += " "
        out += line
    return out


def clean_text(text: str) -> str:
    """One line of readable text: line breaks joined, runs of spaces and tabs made one space."""
    text = text.replace("\u200b", "").replace("\ufeff", "").replace("\u00ad", "")
    text = _SPACES.sub(" ", _join_lines(re.split(r"[\r\n\v\f\u2028\u2029]+", text)))
    return _PUNCT_BEFORE.sub("", _PUNCT_AFTER.sub("", text)).strip()


# ---------------------------------------------------------------------------------------------------------
# Number formats


_CN_DIGITS = "〇一二三四五六七八九"
_CN_LEGAL = "零壹贰叁肆伍陆柒捌玖"
_CN_LEGAL_TRAD = "零壹貳參肆伍陸柒捌玖"
_TIANGAN = "甲乙丙丁戊己庚辛壬癸"
_DIZHI = "子丑寅卯辰巳午未申酉戌亥"


def _chinese(n: int, digits: str = "〇一二三四五六七八九", units: str = "十百千", zero: str = "零") -> str:
    """Chinese counting: 1 一, 10 十, 11 十一, 20 二十, 105 一百零五, 1010 一千零一十; up to 99,999."""
    if n <= 0 or n >= 100_000:
        return str(n)
    if n >= 10_000:
        high, low = divmod(n, 10_000)
        if low == 0:
            return digits[high] + "万"
        rest = _chinese(low, digits, units, zero)
        if low < 20:  # 一万零一十, not 一万零十
            rest = rest if low < 10 else digits[1] + rest
        return digits[high] + "万" + (zero if low < 1000 else "") + rest
    out = ""
    pending_zero = False
    for power, unit in ((1000, units[2]), (100, units[1]), (10, units[0]), (1, "")):
        d = (n // power) % 10
        if d == 0:
            pending_zero = bool(out)
            continue
        if pending_zero:
            out += zero
            pending_zero = False
        out += ("" if power == 10 and d == 1 and not out else digits[d]) + unit
    return out


def _letters(n: int, upper: bool) -> str:
    """Word's letter numbering: A … Z, AA … ZZ, AAA …"""
    if n <= 0:
        return str(n)
    letter = chr(ord("A" if upper else "a") + (n - 1) % 26)
    return letter * ((n - 1) // 26 + 1)


def _roman(n: int, upper: bool) -> str:
    if n <= 0 or n >= 4000:
        return str(n)
    out = ""
    for value, numeral in (
        (1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
        (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"),
    ):  # fmt: skip
        while n >= value:
            out += numeral
            n -= value
    return out if upper else out.lower()


def _enclosed_circle(n: int) -> str:
    if 1 <= n <= 20:
        return chr(0x2460 + n - 1)
    if 21 <= n <= 35:
        return chr(0x3251 + n - 21)
    if 36 <= n <= 50:
        return chr(0x32B1 + n - 36)
    return str(n)


def _cycle(chars: str, n: int) -> str:
    return chars[n - 1] if 1 <= n <= len(chars) else str(n)


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


_FORMATS: dict[str, Callable[[int], str]] = {
    "decimal": str,
    "decimalHalfWidth": str,
    "cardinalText": str,
    "ordinalText": _ordinal,
    "ordinal": _ordinal,
    "decimalZero": lambda n: f"{n:02d}",
    "decimalFullWidth": lambda n: "".join(chr(0xFF10 + int(d)) for d in str(n)),
    "decimalFullWidth2": lambda n: "".join(chr(0xFF10 + int(d)) for d in str(n)),
    "decimalEnclosedCircle": _enclosed_circle,
    "decimalEnclosedCircleChinese": _enclosed_circle,
    "decimalEnclosedParen": lambda n: chr(0x2474 + n - 1) if 1 <= n <= 20 else f"({n})",
    "decimalEnclosedFullstop": lambda n: chr(0x2488 + n - 1) if 1 <= n <= 20 else f"{n}.",
    "chineseCounting": _chinese,
    "chineseCountingThousand": _chinese,
    "japaneseCounting": _chinese,
    "taiwaneseCounting": _chinese,
    "taiwaneseCountingThousand": _chinese,
    "ideographDigital": lambda n: "".join(_CN_DIGITS[int(d)] for d in str(n)),
    "taiwaneseDigital": lambda n: "".join(_CN_DIGITS[int(d)] for d in str(n)),
    "chineseLegalSimplified": lambda n: _chinese(n, _CN_LEGAL, "拾佰仟"),
    "ideographLegalTraditional": lambda n: _chinese(n, _CN_LEGAL_TRAD, "拾佰仟"),
    "ideographTraditional": lambda n: _cycle(_TIANGAN, n),
    "ideographZodiac": lambda n: _cycle(_DIZHI, n),
    "upperLetter": lambda n: _letters(n, True),
    "lowerLetter": lambda n: _letters(n, False),
    "upperRoman": lambda n: _roman(n, True),
    "lowerRoman": lambda n: _roman(n, False),
    "none": lambda n: "",
}


def format_number(n: int, fmt: str) -> str:
    """``n`` in the Word number format ``fmt`` (w:numFmt); unknown formats fall back to decimal."""
    return _FORMATS.get(fmt, str)(n)


# ---------------------------------------------------------------------------------------------------------
# Styles and numbering definitions


@dataclass(frozen=True)
class _Style:
    style_id: str
    name: str
    based_on: str | None
    ppr: Any  # the style's w:pPr element, or None


class _Styles:
    def __init__(self, styles_el: Any) -> None:
        self.by_id: dict[str, _Style] = {}
        self.default_paragraph: str | None = None
        if styles_el is None:
            return
        for st in styles_el.iter(W + "style"):
            if st.get(W + "type") not in (None, "paragraph", "numbering"):
                continue
            sid = str(st.get(W + "styleId") or "")
            self.by_id[sid] = _Style(sid, _val(st, "name") or sid, _val(st, "basedOn"), _w(st, "pPr"))
            if _on_default(st) and st.get(W + "type") == "paragraph":
                self.default_paragraph = sid

    def chain(self, style_id: str | None) -> list[_Style]:
        """The style and those it is based on, nearest first."""
        out: list[_Style] = []
        seen: set[str] = set()
        sid = style_id if style_id is not None else self.default_paragraph
        while sid is not None and sid in self.by_id and sid not in seen and len(out) < 20:
            seen.add(sid)
            style = self.by_id[sid]
            out.append(style)
            sid = style.based_on
        return out


def _on_default(st: Any) -> bool:
    return st.get(W + "default") in ("1", "true", "on")


@dataclass(frozen=True)
class _Level:
    start: int = 1
    fmt: str = "decimal"
    text: str = ""
    restart: int | None = None  # w:lvlRestart: 0 never, n after level n (1-based); None after any higher
    suffix: str = "tab"
    legal: bool = False
    style: str | None = None  # w:pStyle: the paragraph style this level belongs to
    symbol_font: bool = False


def _level(lvl: Any) -> _Level:
    fonts = _w(_w(lvl, "rPr"), "rFonts")
    font = " ".join(str(v) for v in (fonts.values() if fonts is not None else ())).lower()
    text_el = _w(lvl, "lvlText")
    text = "" if text_el is None or _on_null(text_el) else str(text_el.get(W + "val") or "")
    return _Level(
        start=_int(_val(lvl, "start"), 1) or 0,
        fmt=_val(lvl, "numFmt") or "decimal",
        text=text,
        restart=_int(_val(lvl, "lvlRestart")),
        suffix=_val(lvl, "suff") or "tab",
        legal=_on(_w(lvl, "isLgl")),
        style=_val(lvl, "pStyle"),
        symbol_font=any(f in font for f in _SYMBOL_FONTS),
    )


def _on_null(el: Any) -> bool:
    return el.get(W + "null") in ("1", "true", "on")


@dataclass
class _Num:
    abstract_id: str
    start_overrides: dict[int, int] = field(default_factory=dict)
    level_overrides: dict[int, _Level] = field(default_factory=dict)


class Numbering:
    """The numbering definitions of a document and the counters of its lists as the body is read."""

    def __init__(self, numbering_el: Any, styles: _Styles) -> None:
        self.styles = styles
        self.abstract: dict[str, dict[int, _Level]] = {}
        self.style_link: dict[str, str] = {}  # abstractNumId -> numbering style it takes its levels from
        self.nums: dict[str, _Num] = {}
        self.counters: dict[str, dict[int, int]] = {}
        if numbering_el is None:
            return
        for an in numbering_el.iter(W + "abstractNum"):
            aid = str(an.get(W + "abstractNumId"))
            self.abstract[aid] = {_int(lv.get(W + "ilvl"), 0) or 0: _level(lv) for lv in an.findall(W + "lvl")}
            link = _val(an, "numStyleLink")
            if link:
                self.style_link[aid] = link
        for num in numbering_el.iter(W + "num"):
            n = _Num(str(_val(num, "abstractNumId")))
            for ov in num.findall(W + "lvlOverride"):
                ilvl = _int(ov.get(W + "ilvl"), 0) or 0
                start = _int(_val(ov, "startOverride"))
                if start is not None:
                    n.start_overrides[ilvl] = start
                lvl = _w(ov, "lvl")
                if lvl is not None:
                    n.level_overrides[ilvl] = _level(lvl)
            self.nums[str(num.get(W + "numId"))] = n

    def _abstract_levels(self, abstract_id: str) -> dict[int, _Level]:
        """The levels of an abstract numbering, following a numbering style link (w:numStyleLink)."""
        for _ in range(5):
            levels = self.abstract.get(abstract_id, {})
            link = self.style_link.get(abstract_id)
            if levels or not link:
                return levels
            style = self.styles.by_id.get(link)
            num_id = _val(_w(_w(style.ppr, "numPr"), "numId")) if style is not None else None
            num = self.nums.get(num_id or "")
            if num is None:
                return {}
            abstract_id = num.abstract_id
        return {}

    def level(self, num_id: str, ilvl: int) -> _Level | None:
        num = self.nums.get(num_id)
        if num is None:
            return None
        if ilvl in num.level_overrides:
            return num.level_overrides[ilvl]
        return self._abstract_levels(num.abstract_id).get(ilvl)

    def level_for_style(self, num_id: str, style_id: str) -> int | None:
        """The list level a numbering assigns to a paragraph style (w:lvl/w:pStyle), if any."""
        num = self.nums.get(num_id)
        if num is None:
            return None
        for ilvl, lvl in self._abstract_levels(num.abstract_id).items():
            if lvl.style == style_id:
                return ilvl
        return None

    def _start(self, num_id: str, ilvl: int) -> int:
        num = self.nums[num_id]
        if ilvl in num.start_overrides:
            return num.start_overrides[ilvl]
        lvl = self.level(num_id, ilvl)
        return lvl.start if lvl is not None else 1

    def next_label(self, num_id: str, ilvl: int) -> tuple[str, str] | None:
        """Advance the list ``num_id`` at level ``ilvl``; (label, suffix) of the paragraph, or None."""
        lvl = self.level(num_id, ilvl)
        if lvl is None:
            return None
        num = self.nums[num_id]
        key = f"num:{num_id}" if num.start_overrides or num.level_overrides else f"abstract:{num.abstract_id}"
        state = self.counters.setdefault(key, {})
        state[ilvl] = state[ilvl] + 1 if ilvl in state else self._start(num_id, ilvl)
        for deeper in [d for d in state if d > ilvl]:
            restart = (self.level(num_id, deeper) or _Level()).restart
            if restart is None or (restart != 0 and ilvl < restart):
                del state[deeper]
        if lvl.fmt == "bullet":
            text = lvl.text
            if lvl.symbol_font or any("\ue000" <= ch <= "\uf8ff" for ch in text):
                text = "•"
            return text, lvl.suffix

        def render(m: re.Match[str]) -> str:
            k = int(m.group(1)) - 1
            value = state.get(k, self._start(num_id, k))
            k_lvl = self.level(num_id, k) or _Level()
            return format_number(value, "decimal" if lvl.legal and k_lvl.fmt != "none" else k_lvl.fmt)

        return re.sub(r"%([1-9])", render, lvl.text), lvl.suffix


def with_label(label: str, suffix: str, text: str) -> str:
    """A paragraph's text after its list label: nothing between a Chinese label (一、 （一）) or before
    Chinese text, else the space Word's tab or space stands for."""
    label = label.strip()
    if not label:
        return text
    if not text:
        return label
    if suffix == "nothing" or _CJK_CHAR.match(label[-1]) or _CJK_CHAR.match(text[0]):
        return label + text
    return f"{label} {text}"


# ---------------------------------------------------------------------------------------------------------
# The zip container


def check_package(path: Path, display: str) -> None:
    """Refuse what is not a .docx, or is a zip bomb, before any part of it is parsed."""
    with path.open("rb") as f:
        head = f.read(8)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        data = path.read_bytes()
        if "EncryptedPackage".encode("utf-16-le") in data:
            raise DocumentError(
                f"{display}: the Word document is password-protected (encrypted); save it without a password"
            )
        raise DocumentError(f"{display}: a legacy Word 97-2003 file (.doc) saved under a .docx name; save it as .docx")
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError) as e:
        raise DocumentError(
            f"{display}: not a Word .docx file (not a valid zip archive: {e}); corrupt or truncated?"
        ) from e
    if len(infos) > MAX_ENTRIES:
        raise DocumentError(
            f"{display}: refused: the archive has {len(infos)} entries (at most {MAX_ENTRIES}); not a normal Word file"
        )
    total = sum(i.file_size for i in infos)
    if total > MAX_UNCOMPRESSED:
        raise DocumentError(
            f"{display}: refused: the archive unpacks to {total // 2**20} MB (at most {MAX_UNCOMPRESSED // 2**20} MB)"
        )
    for info in infos:
        if info.file_size and (info.compress_size == 0 or info.file_size / info.compress_size > MAX_RATIO):
            raise DocumentError(
                f"{display}: refused: archive entry {info.filename} is compressed more than {MAX_RATIO} times"
                " (a zip bomb?)"
            )
    if "word/document.xml" not in {i.filename for i in infos}:
        raise DocumentError(f"{display}: not a Word .docx file (the archive has no word/document.xml)")


def open_document(path: Path, display: str) -> Any:
    """python-docx's Document for a checked file; any parse failure is a DocumentError."""
    import docx
    from docx.opc.exceptions import OpcError
    from lxml import etree

    check_package(path, display)
    try:
        return docx.Document(str(path))
    except (OpcError, KeyError, ValueError, zipfile.BadZipFile, etree.XMLSyntaxError) as e:
        raise DocumentError(f"{display}: corrupt Word file ({type(e).__name__}: {e})") from e


# ---------------------------------------------------------------------------------------------------------
# The body


@dataclass
class _Para:
    text: str
    style_names: tuple[str, ...]
    centred: bool
    heading: int | None  # heading level, 0 for the Title style


class _BodyReader:
    def __init__(self, document: Any) -> None:
        styles_el = _part_element(document, "styles")
        self.styles = _Styles(styles_el)
        self.numbering = Numbering(_part_element(document, "numbering"), self.styles)
        self.out = TextBuilder()
        self.recent: list[_Para] = []  # the last two paragraphs since the last table: its caption, its unit
        self.title: str | None = None
        self.first_short: str | None = None
        self.paragraphs = 0

    # -- walking -------------------------------------------------------------------------------------

    def container(self, el: Any) -> None:
        for child in el:
            tag = child.tag
            if tag == W + "p":
                self.paragraph(child)
            elif tag == W + "tbl":
                self.table(child)
            elif tag == W + "sdt":
                if not _is_toc(child):
                    self.container(_w(child, "sdtContent") if _w(child, "sdtContent") is not None else [])
            elif tag in (W + "customXml", W + "smartTag", W + "ins", MC + "AlternateContent", MC + "Choice"):
                self.container(child)

    def paragraph(self, p: Any) -> None:
        ppr = _w(p, "pPr")
        style_id = _val(ppr, "pStyle")
        chain = self.styles.chain(style_id)
        names = tuple(s.name for s in chain)
        if any(_TOC_STYLE.match(n) for n in names):
            return
        boxes: list[Any] = []
        text = clean_text(paragraph_text(p, boxes))
        label = self.label(ppr, chain)
        if label is not None:
            text = with_label(label[0], label[1], text)
        level = self.heading_level(ppr, chain)
        centred = _alignment(ppr, chain) in ("center", "centre")
        if text:
            self.emit(_Para(text, names, centred, level))
        for box in boxes:
            self.container(box)

    def cell_paragraph(self, p: Any) -> str:
        """A paragraph in a table cell: its text with its automatic number (a 序号 column)."""
        ppr = _w(p, "pPr")
        text = clean_text(paragraph_text(p))
        label = self.label(ppr, self.styles.chain(_val(ppr, "pStyle")))
        return with_label(label[0], label[1], text) if label is not None else text

    def emit(self, para: _Para) -> None:
        self.paragraphs += 1
        if para.heading is not None:
            self.out.add(para.text, "heading", level=para.heading)
            if self.title is None and self.paragraphs <= 10:
                self.title = para.text
        else:
            self.out.add(para.text)
            if self.title is None and para.centred and len(para.text) <= 60 and self.paragraphs <= 10:
                self.title = para.text
        if self.paragraphs == 1 and len(para.text) <= 40 and not para.text.endswith(_SENTENCE_END):
            self.first_short = para.text
        self.recent = [*self.recent[-1:], para]

    # -- numbering and headings ----------------------------------------------------------------------

    def label(self, ppr: Any, chain: list[_Style]) -> tuple[str, str] | None:
        """The automatic number of a paragraph (advancing its list), or None."""
        num_id: str | None = None
        ilvl: int | None = None
        own = _w(ppr, "numPr")
        if own is not None:
            num_id = _val(own, "numId")
            ilvl = _int(_val(own, "ilvl"))
        from_style: str | None = None
        for style in chain:
            if num_id is not None and ilvl is not None:
                break
            num_pr = _w(style.ppr, "numPr")
            if num_pr is None:
                continue
            if num_id is None:
                num_id = _val(num_pr, "numId")
                from_style = style.style_id
            if ilvl is None:
                ilvl = _int(_val(num_pr, "ilvl"))
        if num_id is None or num_id == "0":
            return None
        if ilvl is None:
            by_style = self.numbering.level_for_style(num_id, from_style) if from_style else None
            ilvl = by_style if by_style is not None else 0
        return self.numbering.next_label(num_id, ilvl)

    def heading_level(self, ppr: Any, chain: list[_Style]) -> int | None:
        outline = _int(_val(ppr, "outlineLvl"))
        if outline is not None:
            return outline + 1 if outline < 9 else None
        for style in chain:
            m = _HEADING_STYLE.match(style.name.strip())
            if m:
                return int(m.group(1))
            if _TITLE_STYLE.match(style.name.strip()):
                return 0
            outline = _int(_val(style.ppr, "outlineLvl"))
            if outline is not None:
                return outline + 1 if outline < 9 else None
        return None

    # -- tables --------------------------------------------------------------------------------------

    def table(self, tbl: Any) -> None:
        rows = table_rows(tbl, self.cell_paragraph)
        before = [(p.text, p.style_names) for p in self.recent]
        for line in table_lines(rows, before):
            self.out.add(line, "table")
        if rows:
            self.recent = []

    def result(self, document: Any, display: str) -> ReadResult:
        meta, core_title = core_metadata(document)
        if not self.out.blocks:
            raise DocumentError(f"{display}: no text in the Word document (empty, or only images)")
        title = core_title or self.title or self.first_short
        return self.out.result(metadata=meta, title=title)


def table_lines(rows: list[list[Cell]], before: list[tuple[str, tuple[str, ...]]]) -> list[str]:
    """The statements of a table (one line each), its title and unit taken from the paragraphs just before
    it (``before``, nearest last: text and style names) or from a first row that is one merged cell."""
    if not rows:
        return []
    title, unit = caption(before)
    while len(rows) > 1 and rows[0][0] and len(rows[0]) > 1 and all(c is None for c in rows[0][1:]):
        only = rows[0][0]
        if unit_of(only) and len(only) <= 60:
            unit = unit or unit_of(only)
            title = title or _UNIT_TAIL.sub("", only).strip() or None
        elif title is None and len(only) <= 60 and not only.endswith(_SENTENCE_END):
            title = only
        else:
            break
        rows = rows[1:]
    if unit is None:
        unit = unit_of(" ".join(c for c in rows[0] if c))
    statements, _ = table_statements(rows, title=title, unit=unit)
    return [line for line in (clean_text(s) for s in statements) if line]


def caption(before: list[tuple[str, tuple[str, ...]]]) -> tuple[str | None, str | None]:
    """(title, unit) from the paragraphs just before a table (nearest last): a caption (…表, …情况, 表1 …),
    and a unit line ("单位：万元") between it and the table."""
    unit: str | None = None
    for text, styles in reversed(before[-2:]):
        found = unit_of(text)
        bare = _UNIT_TAIL.sub("", text).strip()
        if looks_like_caption(bare, styles):
            return bare, unit or found
        if found and unit is None and len(text) <= 40:
            unit = found
            continue
        break
    return None, unit


def looks_like_caption(text: str, styles: tuple[str, ...] = ()) -> bool:
    if not text or len(text) > 60 or text.endswith(_SENTENCE_END):
        return False
    if any(_CAPTION_STYLE.match(s) for s in styles):
        return True
    if re.match(r"^(?:附?表|table)\s*[\d一二三四五六七八九十]", text, re.IGNORECASE):
        return True
    return bool(re.search(r"(?:表|情况|统计|一览|明细|汇总|清单)$", text))


def _alignment(ppr: Any, chain: list[_Style]) -> str | None:
    for el in [ppr, *(s.ppr for s in chain)]:
        jc = _val(el, "jc")
        if jc is not None:
            return jc
    return None


def _is_toc(sdt: Any) -> bool:
    gallery = sdt.find(f"{W}sdtPr/{W}docPartObj/{W}docPartGallery")
    return gallery is not None and "table of contents" in str(gallery.get(W + "val") or "").lower()


def _part_element(document: Any, which: str) -> Any:
    """The root element of the styles or numbering part, or None when the document has none."""
    part = document.part
    try:
        rel_type = {
            "styles": "http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles",
            "numbering": "http://schemas.openxmlformats.org/officeDocument/2006/relationships/numbering",
        }[which]
        target = part.part_related_by(rel_type)
    except (KeyError, NotImplementedError):
        return None
    return getattr(target, "element", None)


def paragraph_text(p: Any, boxes: list[Any] | None = None) -> str:
    """The visible text of a paragraph element: runs, tabs and breaks, field results and hyperlinks;
    not deleted or hidden text, field codes or the fallback copy of a text box. Text boxes found inside
    are appended to ``boxes`` (read after the paragraph) when given, else left out."""
    parts: list[str] = []

    def walk(el: Any) -> None:
        for child in el:
            tag = child.tag
            if not isinstance(tag, str):
                continue
            if tag == W + "t":
                parts.append(child.text or "")
            elif tag in (W + "tab", W + "ptab"):
                parts.append("\t")
            elif tag in (W + "br", W + "cr"):
                parts.append("\n")
            elif tag == W + "noBreakHyphen":
                parts.append("-")
            elif tag == W + "sym":
                code = _int_hex(child.get(W + "char"))
                if code is not None and not 0xF000 <= code <= 0xF0FF:
                    parts.append(chr(code))
            elif tag == W + "txbxContent":
                if boxes is not None:
                    boxes.append(child)
            elif tag in (W + "pPr", W + "rPr", W + "del", W + "moveFrom", W + "instrText", MC + "Fallback"):
                continue
            elif tag == W + "r":
                rpr = _w(child, "rPr")
                if _on(_w(rpr, "vanish")) or _on(_w(rpr, "webHidden")):
                    continue
                walk(child)
            else:
                walk(child)

    walk(p)
    return "".join(parts)


def _int_hex(value: Any) -> int | None:
    try:
        return int(str(value), 16)
    except ValueError:
        return None


def table_rows(tbl: Any, text_of: Callable[[Any], str] | None = None) -> list[list[Cell]]:
    """The rows of a table as cell texts on its grid: a cell merged into the one on its left (w:gridSpan)
    or above (w:vMerge) is None. ``text_of`` gives a cell paragraph's text (default: its visible text)."""
    para_text = text_of or (lambda p: clean_text(paragraph_text(p)))
    rows: list[list[Cell]] = []
    for tr in _children(tbl, "tr"):
        row: list[Cell] = []
        before = _int(_val(_w(tr, "trPr"), "gridBefore"), 0) or 0
        row.extend([""] * before)
        for tc in _children(tr, "tc"):
            tcpr = _w(tc, "tcPr")
            span = max(1, _int(_val(tcpr, "gridSpan"), 1) or 1)
            vmerge = _w(tcpr, "vMerge")
            continued = vmerge is not None and _val(vmerge) in (None, "continue")
            if continued:
                row.append(None)
            else:
                texts = [para_text(p) for p in tc.iter(W + "p")]
                row.append(_join_lines(texts))
            row.extend([None] * (span - 1))
        if any(c for c in row):
            rows.append(row)
    return rows


def _children(el: Any, name: str) -> Iterator[Any]:
    """``w:name`` children, looking through content controls and custom XML wrapped around them."""
    for child in el:
        if child.tag == W + name:
            yield child
        elif child.tag in (W + "sdt", W + "customXml"):
            inner = _w(child, "sdtContent") if child.tag == W + "sdt" else child
            if inner is not None:
                yield from _children(inner, name)


def core_metadata(document: Any) -> tuple[dict[str, Any], str | None]:
    """(metadata, title) from the document's core properties."""
    meta: dict[str, Any] = {}
    try:
        props = document.core_properties
        title = str(props.title or "").strip()
        author = str(props.author or "").strip()
        created, modified = props.created, props.modified
    except (KeyError, ValueError, AttributeError):
        return meta, None
    title = re.sub(r"^Microsoft Word\s*-\s*", "", title)
    title = re.sub(r"\.docx?$", "", title, flags=re.IGNORECASE).strip()
    if author and _CJK_CHAR.search(author) and 3 <= len(author) <= 40 and _ORG.search(author):
        meta["issuer"] = author
    for key, value in (("created", created), ("modified", modified)):
        if value is not None and hasattr(value, "date"):
            meta[key] = value.date().isoformat()
    return meta, clean_text(title) or None


class DocxReader:
    name = "docx"
    version = "2"
    suffixes: tuple[str, ...] = (".docx",)

    def read(self, path: Path, display: str) -> ReadResult:
        document = open_document(path, display)
        body = _BodyReader(document)
        try:
            body.container(document.element.body)
        except RecursionError as e:
            raise DocumentError(f"{display}: the Word document is nested too deeply to read") from e
        return body.result(document, display)
