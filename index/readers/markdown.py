"""Markdown (``.md``): UTF-8, paragraphs are blank-line separated blocks, ``#`` headings, optional YAML
front matter, pipe tables. The canonical text is the file text byte for byte, except that a pipe table
(``| a | b |`` rows under a ``|---|`` line) becomes one statement line per row (``index/readers/tables.py``),
as tables of every other format do; markup elsewhere is kept, so citations stay exact."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from index.passage import Block
from index.readers.base import ReadResult
from index.readers.tables import table_statements, unit_of
from index.readers.text import TextReader
from index.readers.textfile import front_matter, line_blocks

_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
_ROW = re.compile(r"^\s*\|.*\|\s*$")


def _cells(line: str) -> list[str | None]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


class MarkdownReader(TextReader):
    name = "md"
    version = "2"
    suffixes: tuple[str, ...] = (".md", ".markdown")
    blockwise = True  # lines of one block form one paragraph

    def read(self, path: Path, display: str) -> ReadResult:
        found = super().read(path, display)
        lines = found.text.splitlines(keepends=True)
        if not any(_SEPARATOR.match(ln) for ln in lines):
            return found
        out: list[str] = []
        tables: list[tuple[int, int]] = []  # spans of the new text that hold table statements
        i = 0
        length = 0
        while i < len(lines):
            line = lines[i]
            if _ROW.match(line) and i + 1 < len(lines) and _SEPARATOR.match(lines[i + 1]):
                rows = [_cells(line)]
                j = i + 2
                while j < len(lines) and _ROW.match(lines[j]):
                    rows.append(_cells(lines[j]))
                    j += 1
                caption = next((ln.strip() for ln in reversed(out[-2:]) if ln.strip()), None)
                statements, _ = table_statements(rows, unit=unit_of(caption or ""))
                body = "".join(s + "\n" for s in statements)
                tables.append((length, length + len(body)))
                out.append(body)
                length += len(body)
                i = j
                continue
            out.append(line)
            length += len(line)
            i += 1
        text = "".join(out)
        _, body_start = front_matter(text, display)
        blocks = [
            replace(b, kind="table", new_paragraph=True) if any(s <= b.start < e for s, e in tables) else b
            for b in line_blocks(text, body_start, blockwise=True)
        ]
        return replace(found, text=text, blocks=tuple(_as_blocks(blocks)))


def _as_blocks(blocks: list[Block]) -> list[Block]:
    """A table's statements do not continue the paragraph before them, nor does text after them."""
    out: list[Block] = []
    for b in blocks:
        if out and out[-1].kind == "table" and b.kind != "table":
            b = replace(b, new_paragraph=True)
        out.append(b)
    return out
