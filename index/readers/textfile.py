"""What the plain-text readers share: strict UTF-8 decoding and YAML front matter."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from index.errors import DocumentError
from index.passage import Block
from index.sentences import STRIP


def decode(path: Path, display: str) -> str:
    """The file's text. Raises DocumentError for binary, non-UTF-8 or empty files."""
    data = path.read_bytes()
    if b"\x00" in data[:8192]:
        raise DocumentError(f"{display}: looks like a binary file (NUL bytes); skipped")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise DocumentError(f"{display}: not valid UTF-8 (byte {e.start}); convert it to UTF-8") from e


def front_matter(text: str, display: str) -> tuple[dict[str, Any], int]:
    """(metadata, offset where the body starts) for a text that may open with ``---`` YAML front matter."""
    stripped = text.lstrip("\ufeff")
    offset = len(text) - len(stripped)
    if not stripped.startswith("---\n"):
        return {}, 0
    end = stripped.find("\n---", 4)
    if end < 0:
        return {}, 0
    try:
        meta = yaml.safe_load(stripped[4:end]) or {}
    except yaml.YAMLError as e:
        raise DocumentError(f"{display}: front matter is not valid YAML ({e})") from e
    if not isinstance(meta, dict):
        raise DocumentError(f"{display}: front matter must be key: value pairs")
    close = stripped.find("\n", end + 4)
    body = len(stripped) if close < 0 else close + 1
    return {str(k): v for k, v in meta.items()}, offset + body


def first_line(text: str) -> str:
    """The first non-empty line, without Markdown heading marks, at most 80 characters."""
    for line in text.splitlines():
        line = line.strip(STRIP).lstrip("#").strip()
        if line:
            return line[:80]
    return ""


def line_blocks(text: str, body_start: int, *, blockwise: bool) -> list[Block]:
    """Blocks for the non-empty lines of the body, trimmed of outer
    whitespace. With ``blockwise`` (Markdown) a line continues the paragraph of the line before it
    unless a blank line separates them; otherwise (plain text) every line is a paragraph."""
    out: list[Block] = []
    pos = body_start
    after_blank = True
    for raw in text[body_start:].splitlines(keepends=True):
        line_start, pos = pos, pos + len(raw)
        lead = len(raw) - len(raw.lstrip(STRIP))
        line = raw.strip(STRIP)
        if not line:
            after_blank = True
            continue
        start = line_start + lead
        out.append(Block(start, start + len(line), new_paragraph=after_blank or not blockwise))
        after_blank = False
    return out
