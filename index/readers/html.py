"""Web pages (``.html``, ``.htm``, ``.shtml``) as saved from government websites: the article only.

The page is decoded (byte order mark; valid UTF-8; the charset the page declares; else GB18030), parsed
with lxml and stripped of what is never content (scripts, styles, forms, navigation, headers, footers,
hidden elements). The article is then found by site rules: the content containers of the CMSs Chinese
government sites run on (TRS ``div.TRS_Editor``, the State Council's ``#UCAP-CONTENT``, ``div#zoom``,
``div.xxgk_content`` …, then generic ``div.content`` and ``<article>``); the first rule that matches an
element with substantial text wins. Inside it, share bars, breadcrumbs, font-size and print links,
"related articles" lists and other link lists are dropped. A page no rule fits goes to trafilatura's
main-text extraction instead (never fetching anything), whose XML is read the same way.

Blocks: ``<h1>``–``<h6>`` and short bold or centred paragraphs are headings; paragraphs, lines split by
``<br>`` and list items (with their number when the list is an ``<ol>``) are text blocks; data tables
become statements (``index/readers/tables.py``), layout tables are read as text. Metadata: the article
title, the publication date (``published``, YYYY-MM-DD), the page's address (``source_url``) and the
issuing body (``issuer``) from the page's meta tags, its "saved from" comment and its byline.
"""

from __future__ import annotations

import codecs
import copy
import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from index.errors import DocumentError
from index.readers.base import ReadResult, TextBuilder
from index.readers.docx import clean_text, format_number, table_lines, with_label
from index.readers.tables import Cell

# Content containers of Chinese government CMSs, most specific first, as XPath.
_SPECIFIC = (
    ("id", "UCAP-CONTENT"),  # gov.cn (State Council) and the provincial portals on the same CMS
    ("class", "pages_content"),
    ("class", "TRS_Editor"),  # TRS WCM: most provincial and municipal sites
    ("class", "TRS_UEDITOR"),
    ("class", "trs_editor_view"),
    ("id", "zoom"),  # the font-size zoom box around an article's text
    ("id", "Zoom"),
    ("id", "fontzoom"),
    ("class", "xxgk_content"),  # 政府信息公开 pages
    ("class", "xxgk-content"),
    ("class", "zwgk_content"),
    ("id", "js_content"),  # WeChat official-account articles
    ("class", "article-content"),
    ("class", "article_content"),
    ("class", "articleContent"),
    ("id", "articleContent"),
    ("class", "news_content"),
    ("class", "news-content"),
    ("class", "detail-content"),
    ("class", "detail_content"),
    ("class", "con_text"),
    ("class", "conTxt"),
    ("class", "article-body"),
)
_GENERIC = (("class", "content"), ("id", "content"), ("tag", "article"), ("tag", "main"))


def _xpath(kind: str, name: str) -> str:
    if kind == "class":
        return f"//*[contains(concat(' ', normalize-space(@class), ' '), ' {name} ')]"
    return f"//*[@id='{name}']" if kind == "id" else f"//{name}"


# (XPath, the least text an element it finds must hold to be taken for the article)
SITE_RULES: tuple[tuple[str, int], ...] = tuple((_xpath(k, n), 10) for k, n in _SPECIFIC) + tuple(
    (_xpath(k, n), 40) for k, n in _GENERIC
)
MIN_TEXT_CHARS = 10  # a page whose main text is shorter has none
MAX_HEADING_CHARS = 40  # a bold or centred paragraph longer than this is body text
MAX_CHROME_CHARS = 1000  # an element classed as chrome that holds more text is a page wrapper

_DROP_TAGS = {
    "script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "canvas",
    "select", "button", "input", "textarea", "nav", "header", "footer", "aside", "link", "meta",
    "head", "title", "map", "audio", "video", "img", "picture",
}  # fmt: skip
_BLOCK_TAGS = {
    "address", "article", "blockquote", "center", "dd", "details", "dialog", "div", "dl", "dt",
    "fieldset", "figcaption", "figure", "hgroup", "hr", "li", "main", "ol", "p", "pre", "section",
    "summary", "ul", "body", "html", "caption", "tr", "td", "th", "tbody", "thead", "tfoot",
}  # fmt: skip
_CHROME_TOKEN = re.compile(
    r"(?:^|[-_])(?:nav|navbar|menu|breadcrumbs?|crumbs?|bread|position|location|curpos|share|bdshare|bshare|"
    r"social|footer|foot|sidebar|side|aside|related|relate|xgwz|xglj|recommend|pager|pagination|prev|next|"
    r"print|close|fontsize|zihao|toolbar|tools|qrcode|ewm|erweima|comments?|copyright|banner|search|login|"
    r"header|topbar|bottom|advert|ads?|gotop|backtop|jiucuo|rss|subscribe|wechat|weibo)(?:$|[-_])",
    re.IGNORECASE,
)
_CONTENT_TOKEN = re.compile(r"content|article|text|zoom|main|body|detail|editor|con_|_con", re.IGNORECASE)
_CHROME_LINE = re.compile(
    r"^(?:【?\s*字[体号]\s*[:：]?.*[大中小].*|[\[【]?\s*(?:打印(?:本页|此页|文章)?|关闭(?:窗口|本页)?|收藏|纠错)\s*[\]】]?"
    r"(?:\s*[\[【]?\s*(?:打印(?:本页|此页|文章)?|关闭(?:窗口|本页)?|收藏|纠错)\s*[\]】]?)*|"
    r"分享到\s*[:：]?.*|扫一扫.*|当前位置\s*[:：].*|您(?:现在)?的位置\s*[:：].*|首页\s*[>＞›»].*|"
    r"上一篇\s*[:：].*|下一篇\s*[:：].*|(?:责任)?编辑\s*[:：].*|(?:浏览|阅读|访问|点击)(?:次数|量|数)\s*[:：].*|"
    r"相关(?:链接|文章|新闻|阅读|稿件)\s*[:：]?|.*(?:网站标识码|ICP备|版权所有|Copyright|©|技术支持\s*[:：]).*)$"
)
_BYLINE_FIELD = re.compile(
    r"(?:信息来源|来源|发布(?:时间|日期|机构|单位)|作者|时间|日期|(?:浏览|阅读|访问|点击)(?:次数|量|数)?|字[号体])"
    r"\s*[:：]\s*(?:\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?|[^\s:：]*)"
)
# A byline names at least one of these (a line of only 时间：… or 作者：… may be the article's own).
_BYLINE_MARK = re.compile(r"来源|发布(?:时间|日期|机构|单位)|(?:浏览|阅读|访问|点击)(?:次数|量|数)|字[号体]")
_NOT_ISSUER = ("本站", "本网", "本网站", "原创", "网站", "综合", "其他")
_SENTENCE_END = ("。", "；", ";", "！", "？", "!", "?", "，", ",", "：", ":")
_DATE = re.compile(r"(\d{4})\s*[-/年.]\s*(\d{1,2})\s*[-/月.]\s*(\d{1,2})")
_DATE_LINE = re.compile(r"^[（(]?\s*\d{4}\s*年\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?.*$|^[（(].*[)）]$|^——")
_NUMBERED = re.compile(
    r"^(?:[(（]?[一二三四五六七八九十百\d]+[)）]|[一二三四五六七八九十百]+[、．.]|\d+[、．.]|[a-zA-Z][.)]|[①-⑳●•■◆▪·-])"
)
_META_DATES = (
    "articlepubdate", "pubdate", "publishdate", "publish_date", "publishtime", "firstpublishedtime",
    "article:published_time", "og:published_time", "dc.date.issued", "dcterms.issued", "dc.date", "date",
)  # fmt: skip
_SAVED_FROM = re.compile(r"<!--\s*saved from url=\(\d+\)\s*(\S+?)\s*-->", re.IGNORECASE)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([A-Za-z0-9_:.\-]+)", re.IGNORECASE)
_ISSUER_LABELS = ("发文机关", "发布机构", "发布单位", "发文单位")
_STOP_WORDS = re.compile(r"(?:发布|时间|日期|作者|浏览|阅读|访问|点击|字号|字体|【|\[|\||｜).*$")


def decode_html(data: bytes) -> str:
    """The page's text: a byte order mark, else valid UTF-8, else the charset the page declares (GB2312
    and GBK read as their superset GB18030), else GB18030."""
    for bom, codec in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if data.startswith(bom):
            return data[len(bom) :].decode(codec, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    declared = declared_charset(data[:4096])
    for codec in (declared or "gb18030", "gb18030"):
        if codec:
            try:
                return data.decode(codec)
            except (UnicodeDecodeError, LookupError):
                continue
    return data.decode(declared or "gb18030", errors="replace")


def declared_charset(head: bytes) -> str | None:
    m = _CHARSET.search(head)
    if not m:
        return None
    name = m.group(1).decode("ascii", "replace").lower()
    if name in ("gb2312", "gbk", "x-gbk", "gb_2312-80", "cp936", "euc-cn", "hz-gb-2312"):
        return "gb18030"
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _tag(el: Any) -> str:
    tag = el.tag
    return tag.lower() if isinstance(tag, str) else ""


def _style(el: Any) -> str:
    return str(el.get("style") or "").replace(" ", "").lower()


def _hidden(el: Any) -> bool:
    style = _style(el)
    return (
        "display:none" in style
        or "visibility:hidden" in style
        or el.get("hidden") is not None
        or el.get("aria-hidden") == "true"
    )


def _tokens(el: Any) -> list[str]:
    return f"{el.get('class') or ''} {el.get('id') or ''}".split()


def _is_chrome(el: Any) -> bool:
    return any(_CHROME_TOKEN.search(t) and not _CONTENT_TOKEN.search(t) for t in _tokens(el))


def text_of(el: Any) -> str:
    """The readable text of an element on one line (block boundaries and ``<br>`` joined)."""
    parts: list[str] = []

    def walk(e: Any) -> None:
        tag = _tag(e)
        if tag in _DROP_TAGS or (tag and _hidden(e)):
            return
        if tag == "br" or tag in _BLOCK_TAGS:
            parts.append("\n")
        if tag and e.text:
            parts.append(e.text)
        for child in e:
            walk(child)
            if child.tail:
                parts.append(child.tail)
        if tag in _BLOCK_TAGS:
            parts.append("\n")

    walk(el)
    return clean_text("".join(parts))


def _bold(el: Any) -> bool:
    if _tag(el) in ("b", "strong") or _tag(el) in ("h1", "h2", "h3", "h4", "h5", "h6"):
        return True
    style = _style(el)
    return bool(re.search(r"font-weight:(?:bold|bolder|[6-9]00)", style))


def _bold_chars(el: Any) -> int:
    if not _tag(el):
        return 0
    if _bold(el):
        return len(re.sub(r"\s", "", text_of(el)))
    return sum(_bold_chars(child) for child in el)


def _centred(el: Any) -> bool:
    if str(el.get("align") or "").lower() == "center" or "text-align:center" in _style(el):
        return True
    parent = el.getparent()
    return parent is not None and _tag(parent) == "center"


def _attached(el: Any, root: Any) -> bool:
    while el is not None:
        if el is root:
            return True
        el = el.getparent()
    return False


def _drop(el: Any) -> None:
    """Remove an element but keep the text that follows it."""
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail
    if tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(el)


def strip_page(root: Any) -> None:
    """Remove what is never content: scripts, styles, forms, navigation, page header and footer, hidden
    elements, comments."""
    for el in list(root.iter()):
        if not _attached(el, root):
            continue
        tag = el.tag
        if not isinstance(tag, str):
            _drop(el)  # a comment or processing instruction
        elif _tag(el) in _DROP_TAGS or _hidden(el):
            _drop(el)


def _link_list(el: Any) -> bool:
    """A block that is mostly links (three or more): a menu, a list of related articles."""
    if _tag(el) not in ("ul", "ol", "div", "table", "dl", "p", "span", "td"):
        return False
    links = list(el.iter("a"))
    if len(links) < 3:
        return False
    total = len(re.sub(r"\s", "", text_of(el)))
    linked = sum(len(re.sub(r"\s", "", text_of(a))) for a in links)
    return bool(total) and linked / total >= 0.7


def _chrome(el: Any) -> bool:
    """Navigation, a share bar, a footer … (by its class or id; not a wrapper so classed that holds the
    article: much text, or sentences), or a link list."""
    if not isinstance(el.tag, str):
        return False
    if _is_chrome(el) and len(re.sub(r"\s", "", text_of(el))) <= MAX_CHROME_CHARS and not _holds_prose(el):
        return True
    return _link_list(el)


def _holds_prose(el: Any) -> bool:
    """Whether an element holds a sentence of its own text (not a link's): then it is not chrome."""
    for e in el.iter():
        if not isinstance(e.tag, str) or _tag(e) == "a":
            continue
        own = (e.text or "") + "".join(c.tail or "" for c in e)
        if "。" in own and len(re.sub(r"\s", "", own)) >= 30:
            return True
    return False


def strip_chrome(container: Any) -> None:
    """Inside the article container: drop share bars, breadcrumbs, print/close links, link lists."""
    for el in list(container.iterdescendants()):
        if _attached(el, container) and _chrome(el):
            _drop(el)


def chrome_texts(root: Any) -> set[str]:
    """The texts (without spaces) of a page's chrome — elements classed as navigation, share bars,
    footers …, link lists, and each link and item in them — up to 300 characters each: a line of
    trafilatura's output that is one of them is not the article."""
    out: set[str] = set()
    for el in root.iter():
        if _chrome(el):
            for part in (el, *el.iter("a", "li", "dt", "dd", "p", "span")):
                text = re.sub(r"\s", "", text_of(part))
                if text and len(text) <= 300:
                    out.add(text)
    return out


def find_content(root: Any) -> Any:
    """The article container a site rule finds, or None."""
    for rule, least in SITE_RULES:
        found = [(el, len(text_of(el))) for el in root.xpath(rule)]
        found = [(el, n) for el, n in found if n >= least]
        if not found:
            continue
        most = max(n for _, n in found)
        # The smallest match that holds (nearly) all the text: the article, not a wrapper around it.
        return min((f for f in found if f[1] >= 0.8 * most), key=lambda f: f[1])[0]
    return None


# ---------------------------------------------------------------------------------------------------------
# Blocks


@dataclass
class _List:
    ordered: bool
    kind: str = "1"
    counter: int = 0
    show: bool = True


@dataclass
class _Walker:
    root: Any
    out: TextBuilder = field(default_factory=TextBuilder)
    buf: list[str] = field(default_factory=list)
    stack: list[Any] = field(default_factory=list)  # the block elements the walk is inside
    chrome: set[str] = field(default_factory=set)  # texts of the page's chrome (trafilatura's output)
    lists: list[_List] = field(default_factory=list)
    label: str | None = None  # the number of the list item whose first line is still to come
    recent: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)  # lines before a table

    def walk(self, el: Any) -> None:
        tag = _tag(el)
        if not tag or tag in _DROP_TAGS:
            return
        if tag == "br":
            self.flush()
            return
        if tag == "table" and not _layout_table(el):
            self.flush()
            self.table(el)
            return
        if re.fullmatch(r"h[1-6]", tag):
            self.flush()
            self.add(text_of(el), "heading", int(tag[1]))
            return
        block = tag in _BLOCK_TAGS or tag == "table"
        if block:
            self.flush()
            self.stack.append(el)
        if tag in ("ol", "ul"):
            self.lists.append(_list(el))
        elif tag == "li":
            self.label = self.item_label(el)
        if el.text:
            self.buf.append(el.text)
        for child in el:
            self.walk(child)
            if child.tail:
                self.buf.append(child.tail)
        if block:
            self.flush()
            self.stack.pop()
        if tag in ("ol", "ul"):
            self.lists.pop()
        elif tag == "li":
            self.label = None

    def item_label(self, li: Any) -> str | None:
        if not self.lists or not self.lists[-1].ordered:
            return None
        lst = self.lists[-1]
        value = _int(li.get("value"))
        lst.counter = value if value is not None else lst.counter + 1
        if not lst.show or "list-style:none" in _style(li) or "list-style-type:none" in _style(li):
            return None
        fmt = {"a": "lowerLetter", "A": "upperLetter", "i": "lowerRoman", "I": "upperRoman"}.get(lst.kind, "decimal")
        return format_number(lst.counter, fmt) + "."

    def flush(self) -> None:
        line = clean_text("".join(self.buf))
        self.buf = []
        if not line or _chrome_line(line):
            return
        if self.chrome and re.sub(r"\s", "", line) in self.chrome:
            return
        if self.label is not None:
            if not _NUMBERED.match(line):
                line = with_label(self.label, "tab", line)
            self.label = None
        el = self.stack[-1] if self.stack else None
        kind, level = "text", None
        if (
            el is not None
            and el is not self.root
            and _tag(el) in ("p", "div", "center", "td", "section")
            and len(line) <= MAX_HEADING_CHARS
            and not line.endswith(_SENTENCE_END)
            and text_of(el) == line
        ):
            if _centred(el) and not _DATE_LINE.match(line):
                kind, level = "heading", 1
            elif _bold_chars(el) >= len(re.sub(r"\s", "", line)):
                kind, level = "heading", 3
        self.add(line, kind, level)

    def add(self, line: str, kind: str, level: int | None) -> None:
        line = clean_text(line)
        if not line:
            return
        if kind == "heading":
            self.out.add(line, "heading", level=level)
        else:
            self.out.add(line)
        self.recent = [*self.recent[-1:], (line, ())]

    def table(self, el: Any) -> None:
        rows = table_rows(el)
        before = list(self.recent)
        cap = el.find("caption")
        if cap is not None and text_of(cap):
            before = [(text_of(cap), ("caption",))]
        lines = table_lines(rows, before)
        if not lines and rows:  # a table of text only: read its cells as text
            for row in rows:
                for cell in row:
                    if cell:
                        self.add(cell, "text", None)
            return
        for line in lines:
            self.out.add(line, "table")
        self.recent = []


def _int(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def _list(el: Any) -> _List:
    if _tag(el) == "ul":
        return _List(ordered=False)
    start = _int(el.get("start"))
    style = _style(el)
    return _List(
        ordered=True,
        kind=str(el.get("type") or "1"),
        counter=(start if start is not None else 1) - 1,
        show="list-style:none" not in style and "list-style-type:none" not in style,
    )


def _chrome_line(line: str) -> bool:
    if len(line) > 120:
        return False
    if _CHROME_LINE.match(line):
        return True
    # A byline: 来源：… 发布时间：… 作者：… and nothing else.
    fields = _BYLINE_FIELD.findall(line)
    if not any(_BYLINE_MARK.search(f.split("：")[0].split(":")[0]) for f in fields):
        return False
    rest = _BYLINE_FIELD.sub("", line)
    rest = re.sub(r"[【】\[\]()（）|｜:：\s]|字[体号]|[大中小]|打印|关闭|分享", "", rest)
    return not rest


def _rows(table: Any) -> Iterator[Any]:
    """The rows of a table, not those of tables nested in it."""
    for tr in table.iter("tr"):
        parent = tr.getparent()
        while parent is not None and _tag(parent) != "table":
            parent = parent.getparent()
        if parent is table:
            yield tr


def _layout_table(table: Any) -> bool:
    """A table used for page layout (one column, long cells, tables inside): read as text."""
    if table.find(".//table") is not None:
        return True
    widths = [len([c for c in tr if _tag(c) in ("td", "th")]) for tr in _rows(table)]
    if not widths or max(widths) <= 1:
        return True
    rows = list(_rows(table))
    return len(rows) <= 3 and any(len(text_of(c)) > 300 for tr in rows for c in tr if _tag(c) in ("td", "th"))


def table_rows(table: Any) -> list[list[Cell]]:
    """Cell texts on the table's grid; a cell covered by a colspan or rowspan, and an empty header cell
    right of a header cell, are None (merged)."""
    rows: list[list[Cell]] = []
    covered: set[tuple[int, int]] = set()
    for r, tr in enumerate(_rows(table)):
        row: list[Cell] = []
        c = 0
        prev_head = False
        for cell in tr:
            if _tag(cell) not in ("td", "th") or _hidden(cell):
                continue
            while (r, c) in covered:
                row.append(None)
                c += 1
            text = text_of(cell)
            head = _tag(cell) == "th"
            colspan = min(max(_int(cell.get("colspan")) or 1, 1), 100)
            rowspan = min(max(_int(cell.get("rowspan")) or 1, 1), 500)
            row.append(None if head and prev_head and not text and row and row[-1] else text)
            row.extend([None] * (colspan - 1))
            for rr in range(r + 1, r + rowspan):
                for cc in range(c, c + colspan):
                    covered.add((rr, cc))
            c += colspan
            prev_head = head
        while (r, c) in covered:
            row.append(None)
            c += 1
        rows.append(row)
    return [row for row in rows if any(row)]


# ---------------------------------------------------------------------------------------------------------
# trafilatura fallback


_TRAFILATURA_TAGS = {
    "p": "p", "list": "ul", "item": "li", "table": "table", "row": "tr", "cell": "td", "lb": "br",
    "quote": "blockquote", "code": "pre", "hi": "span", "ref": "span", "main": "div", "doc": "div",
}  # fmt: skip


def trafilatura_content(page: Any) -> Any:
    """trafilatura's main text of a page (an lxml tree, never a URL: nothing is fetched), as HTML elements
    (its XML renamed), or None."""
    import trafilatura
    from lxml import etree
    from lxml import html as lxml_html

    xml = trafilatura.extract(
        page, output_format="xml", include_tables=True, include_comments=False, favor_recall=True, url=None
    )
    if not xml:
        return None
    try:
        tree = etree.fromstring(xml.encode("utf-8"))
    except etree.XMLSyntaxError:
        return None
    for el in list(tree.iter()):
        if not isinstance(el.tag, str) or el.tag in ("comments", "graphic", "fw"):
            _drop(el)
            continue
        if el.tag == "head":
            rend = str(el.get("rend") or "h2")
            el.tag = rend if re.fullmatch(r"h[1-6]", rend) else "h2"
        elif el.tag == "list":
            el.tag = "ol" if el.get("rend") == "ol" else "ul"
        elif el.tag == "cell":
            el.tag = "th" if el.get("role") == "head" else "td"
        elif el.tag == "hi":
            el.tag = "b" if "#b" in str(el.get("rend") or "") else "span"
        else:
            el.tag = _TRAFILATURA_TAGS.get(el.tag, "span")
        for attr in [a for a in el.attrib if a not in ("colspan", "rowspan", "span")]:
            del el.attrib[attr]
        if el.get("span") is not None:
            el.set("colspan", el.attrib.pop("span"))
    return lxml_html.fromstring(etree.tostring(tree, encoding="unicode"))


# ---------------------------------------------------------------------------------------------------------
# Metadata


def _iso_date(text: str | None) -> str | None:
    m = _DATE.search(text or "")
    if not m:
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat()
    except ValueError:
        return None


def _metas(root: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    for meta in root.iter("meta"):
        key = meta.get("name") or meta.get("property") or meta.get("itemprop") or meta.get("http-equiv")
        content = meta.get("content")
        if key and content and str(key).lower() not in out:
            out[str(key).strip().lower()] = clean_text(str(content))
    return out


def page_title(title_tag: str) -> str:
    """A <title> without the site name after it ("关于…的报告_某某区人民政府" -> "关于…的报告")."""
    parts = [p for p in re.split(r"\s*(?:_|\||｜|\s[-–—]+\s|--+|——)\s*", title_tag) if p]
    return parts[0] if parts and len(parts[0]) >= 4 else title_tag


def page_metadata(root: Any, html: str) -> tuple[dict[str, Any], str | None]:
    """(metadata, title) of a page; ``root`` is the whole page before anything is removed."""
    metas = _metas(root)
    meta: dict[str, Any] = {}
    title = metas.get("articletitle") or metas.get("og:title")
    if not title:
        tag = root.find(".//title")
        raw = clean_text(str(tag.text_content())) if tag is not None else ""
        title = page_title(raw) if raw else None
    if not title:
        h1 = root.find(".//h1")
        title = text_of(h1) if h1 is not None else None

    body = root.find("body")
    body_text = _visible_text(body if body is not None else root)
    published = next((d for d in (_iso_date(metas.get(k)) for k in _META_DATES) if d), None)
    if published is None:
        m = re.search(
            r"(?:发布|发文|公开)(?:时间|日期)\s*[:：]\s*(\d{4}\s*[-/年.]\s*\d{1,2}\s*[-/月.]\s*\d{1,2})", body_text
        )
        published = _iso_date(m.group(1)) if m else None
    if published is None:
        published = _htmldate(root)
    if published:
        meta["published"] = published

    saved = _SAVED_FROM.search(html[:4096])
    canonical = next(
        (str(link.get("href")) for link in root.iter("link") if str(link.get("rel") or "").lower() == "canonical"),
        None,
    )
    url = (saved.group(1) if saved else None) or canonical or metas.get("og:url") or metas.get("url")
    if url and re.match(r"^https?://", url):
        meta["source_url"] = url

    issuer = metas.get("contentsource") or _labelled(root, _ISSUER_LABELS)
    if not issuer:
        m = re.search(r"(?:^|[\s【\[|｜])(?:信息)?来源\s*[:：]\s*([^\s:：]{2,40})", body_text)
        issuer = _STOP_WORDS.sub("", m.group(1)).strip("，,。;；") if m else None
    if issuer and issuer not in _NOT_ISSUER:
        meta["issuer"] = issuer
    return meta, clean_text(title) if title else None


def _visible_text(el: Any) -> str:
    """The text of a page part without scripts and styles, one line per block."""
    parts: list[str] = []
    for e in el.iter():
        if not isinstance(e.tag, str):
            if e.tail:
                parts.append(e.tail)
            continue
        if _tag(e) in ("script", "style", "noscript", "template"):
            if e.tail:
                parts.append(e.tail)
            continue
        if _tag(e) in _BLOCK_TAGS or _tag(e) == "br":
            parts.append("\n")
        if e.text and not any(_tag(a) in ("script", "style") for a in e.iterancestors()):
            parts.append(e.text)
        if e.tail and not any(_tag(a) in ("script", "style") for a in e.iterancestors()):
            parts.append(e.tail)
    return "".join(parts)


def _labelled(root: Any, labels: tuple[str, ...]) -> str | None:
    """The value after a label in an information-disclosure table: 发文机关：…, or the next cell."""
    for el in root.iter("td", "th", "span", "li", "div", "p", "dt", "b", "strong", "label"):
        if not any(label in str(el.text_content())[:80] for label in labels):
            continue
        text = text_of(el)
        for label in labels:
            if not text.startswith(label) or len(text) > len(label) + 40:
                continue
            value = text[len(label) :].lstrip(" :：")
            if not value:
                nxt = el.getnext()
                value = text_of(nxt) if nxt is not None else ""
            value = _STOP_WORDS.sub("", value).strip()
            if 2 <= len(value) <= 40:
                return value
    return None


def _htmldate(root: Any) -> str | None:
    """htmldate's publication date of a page (its markup, the address in it; never fetched), if any."""
    try:
        from htmldate import find_date

        found = find_date(copy.deepcopy(root), extensive_search=False, original_date=True)
    except Exception:  # a date is optional: htmldate's failures must not fail the read
        return None
    return _iso_date(found if isinstance(found, str) else None)


# ---------------------------------------------------------------------------------------------------------


class HtmlReader:
    name = "html"
    version = "2"
    suffixes: tuple[str, ...] = (".html", ".htm", ".shtml")

    def read(self, path: Path, display: str) -> ReadResult:
        from lxml import etree
        from lxml import html as lxml_html

        data = path.read_bytes()
        if b"\x00" in data[:8192] and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            raise DocumentError(f"{display}: not a web page (binary data); skipped")
        text = _XML_DECL.sub("", decode_html(data)).replace("\x00", "")
        if not text.strip():
            raise DocumentError(f"{display}: empty web page; skipped")
        try:
            root = lxml_html.document_fromstring(text)
        except (etree.ParserError, ValueError) as e:
            raise DocumentError(f"{display}: not a readable web page ({e})") from e
        meta, title = page_metadata(root, text)
        strip_page(root)
        walker = _Walker(root)
        content = find_content(root)
        if content is not None:
            strip_chrome(content)
            walker = _Walker(content)
            walker.walk(content)
            walker.flush()
        if not walker.out.blocks:
            # No site rule fits: trafilatura, without the lines that are the page's chrome.
            fallback = trafilatura_content(root)
            if fallback is not None:
                walker = _Walker(fallback, chrome=chrome_texts(root))
                walker.walk(fallback)
                walker.flush()
        if len(re.sub(r"\s", "", walker.out.text)) < MIN_TEXT_CHARS:
            raise DocumentError(
                f"{display}: no main text found in the web page (empty, only navigation, "
                "or its text is loaded by JavaScript); skipped"
            )
        return walker.out.result(metadata=meta, title=title)
