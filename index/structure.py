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

    for block in doc.blocks:
        table = block.kind == "table"
        line = text[block.start : block.end]
        head = _heading(block, line)
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
