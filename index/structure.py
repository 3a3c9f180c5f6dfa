"""Structure: a document's blocks -> body paragraphs, each with the section path (headings) above it.

Understands Chinese report structure. Headings (``第X章`` > ``第X節/节`` > ``一、`` > ``(一)``/``（一）``
> ``1.`` > ``(1)`` > ``第X條/条``, in both scripts, and Markdown ``#`` above them all) open sections;
the text under them is split into paragraphs, and a heading is never a passage by itself. A "run-in"
heading — ``(一)聚焦…取得新成效。`` followed by the paragraph in the same block — gives its first
sentence to the section path and the rest of the block to the paragraph (for ``第X條`` only the number is
the heading). Blocks a reader marks as headings (a Word heading style, a large PDF font) are headings
whatever their text; table blocks are always paragraphs of their own.
"""

from __future__ import annotations

import re

from index.passage import Block, Document, Paragraph
from index.sentences import SENTENCE, STRIP

# Bump whenever the paragraphs or sections of the same blocks would change: builds are redone.
VERSION = "2"

_CN_NUM = "一二三四五六七八九十百千零〇两兩"
# (pattern, level): lower level = higher in the hierarchy.
HEADINGS: list[tuple[re.Pattern[str], int]] = [
    (re.compile(rf"^第[{_CN_NUM}\d]+[章]"), 0),
    (re.compile(rf"^第[{_CN_NUM}\d]+[節节]"), 1),
    (re.compile(rf"^[{_CN_NUM}]+[、､]"), 2),
    (re.compile(rf"^[(（][{_CN_NUM}]+[)）]"), 3),
    (re.compile(r"^\d{1,2}[.．、](?!\d)"), 4),
    (re.compile(r"^[(（]\d{1,2}[)）]"), 5),
    (re.compile(rf"^第[{_CN_NUM}\d]+[條条]"), 6),
]
_ARTICLE = HEADINGS[-1][0]
_MD_HEADING = re.compile(r"^(#{1,6})\s+\S")
# A heading line that is all heading: short and not a run of sentences.
_MAX_PURE_HEADING = 60
# A run-in heading's title is its first sentence, if that sentence is this short.
_MAX_RUNIN_TITLE = 60
# Consecutive short paragraphs of one section (list items, lines of a guide, a form's lines) are one
# paragraph: a passage of one short line matches a question's words but rarely answers it.
# A figure with its unit (60.13万元, 77.57%, 469件): a numbered line that states one is not a heading.
_FIGURE = re.compile(
    r"\d(?:[\d,.]*\d)?\s*(?:%|‰|万元|亿元|千元|元|万人|人次|人|件|个|项|户|家|辆|次|场|台|套|条|篇|部|平方米|公顷|亩|吨)"
)
# The level of a document's title line when its reader did not mark it: above everything.
TITLE_LEVEL = -20
SHORT_PARAGRAPH = 100
GROUP_MAX = 300


def heading_level(line: str) -> int | None:
    """The level of a numbered or Markdown heading at the start of ``line``, else None."""
    md = _MD_HEADING.match(line)
    if md:
        return -10 + len(md.group(1))  # Markdown headings sit above the numbered ones
    for pattern, level in HEADINGS:
        if pattern.match(line):
            return level
    return None


def split_runin(line: str) -> tuple[str, str] | None:
    """For a heading line, (title, rest). rest == '' for a pure heading; None if not a heading."""
    if heading_level(line) is None:
        return None
    if line.startswith("#"):
        return line.lstrip("#").strip(), ""
    article = _ARTICLE.match(line)
    if article:
        # 第X條: the number is the heading; the article's text is its body.
        return article.group(0), line[article.end() :]
    first = SENTENCE.match(line)
    title = first.group(0) if first else line
    if _FIGURE.search(title):
        # "2.“…专项普查活动（项）”60.13万元，主要用于统计管理。": an item that states a figure is content.
        return None
    if len(line) <= _MAX_PURE_HEADING and len(title) >= len(line.rstrip("。；;")):
        return line, ""
    if len(title) > _MAX_RUNIN_TITLE:
        # A numbered item whose first sentence is long: the number is the heading, the line is body.
        return None
    return title, line[len(title) :]


def _heading(block: Block, line: str) -> tuple[int, str, str] | None:
    """(level, title, rest of the block) when the block opens a section."""
    if block.kind == "table":
        return None
    if block.kind == "heading":
        # The format says so; a numbered heading keeps its place in the numbered hierarchy.
        level = heading_level(line)
        if level is None:
            level = block.level if block.level is not None else -1
        return level, line, ""
    level = heading_level(line)
    if level is None:
        return None
    split = split_runin(line)
    if split is None:
        return None
    return level, split[0], split[1]


def paragraphs(doc: Document) -> list[Paragraph]:
    """Body paragraphs of a document with their section paths, from its reader's blocks."""
    text = doc.text
    stack: list[tuple[int, str]] = []
    raw: list[tuple[int, int, tuple[str, ...], bool]] = []  # start, end, section, from a table
    pending: list[int] | None = None  # [start, end] of the open paragraph
    table = False

    def emit(start: int, end: int) -> None:
        while start < end and text[start] in STRIP:
            start += 1
        while end > start and text[end - 1] in STRIP:
            end -= 1
        if end > start:
            raw.append((start, end, tuple(title for _, title in stack), table))

    heads = [_heading(b, text[b.start : b.end]) for b in doc.blocks]
    if doc.blocks and heads[0] is None:
        first = text[doc.blocks[0].start : doc.blocks[0].end].strip(STRIP)
        if first and first == doc.title.strip(STRIP):
            heads[0] = (TITLE_LEVEL, first, "")  # the document's title line: context, not a passage
    levels = [heading_level(text[b.start : b.end]) if b.kind == "text" else None for b in doc.blocks]
    list_items = _list_items(doc.blocks, heads, levels)
    for i, block in enumerate(doc.blocks):
        table = block.kind == "table"
        head = None if i in list_items else heads[i]
        if head is not None:
            if pending:
                emit(*pending)
                pending = None
            level, title, rest = head
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, title.strip(STRIP).rstrip("。；;：:")))
            if rest.strip(STRIP):
                pending = [block.start + len(title), block.end]
            continue
        if pending and not block.new_paragraph and block.kind != "table":
            pending[1] = block.end
            continue
        if pending:
            emit(*pending)
        pending = [block.start, block.end]
        if block.kind == "table":
            emit(*pending)
            pending = None
    if pending:
        emit(*pending)
    return _numbered(doc, _group_short(raw))


def _list_items(
    blocks: tuple[Block, ...], heads: list[tuple[int, str, str] | None], levels: list[int | None]
) -> set[int]:
    """Numbered lines that look like headings but have nothing under them: list items (1.《申请书》, then
    2.户口簿 …), which are content. A numbered line with no text of its own that is followed directly by a
    heading of the same or a higher level (or by nothing) heads no section, so it is body text. Headings
    the format marks (Word styles, PDF fonts) and Markdown ``#`` headings stay headings."""
    items: set[int] = set()
    for i, head in enumerate(heads):
        if head is None or blocks[i].kind != "text" or head[0] < 0:
            continue
        nxt = heads[i + 1] if i + 1 < len(heads) else None
        childless = i + 1 == len(heads) or (nxt is not None and nxt[0] <= head[0])
        if childless and not head[2].strip(STRIP):
            items.add(i)
        elif i > 0 and (i - 1 in items or (heads[i - 1] is None and levels[i - 1] == head[0])):
            items.add(i)  # the next item of a list whose items before it are body text
    return items


def _group_short(raw: list[tuple[int, int, tuple[str, ...], bool]]) -> list[tuple[int, int, tuple[str, ...]]]:
    """Join runs of short paragraphs of one section (never table rows) into paragraphs of up to GROUP_MAX."""
    out: list[tuple[int, int, tuple[str, ...]]] = []
    open_short = False
    for start, end, section, table in raw:
        short = not table and end - start < SHORT_PARAGRAPH
        if out and open_short and short and out[-1][2] == section and end - out[-1][0] <= GROUP_MAX:
            out[-1] = (out[-1][0], end, section)
            continue
        out.append((start, end, section))
        open_short = short
    return out


def _numbered(doc: Document, spans: list[tuple[int, int, tuple[str, ...]]]) -> list[Paragraph]:
    return [
        Paragraph(doc.doc_id, i, start, end, doc.text[start:end], section)
        for i, (start, end, section) in enumerate(spans, 1)
    ]
