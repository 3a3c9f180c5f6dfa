"""Plain text (``.txt``): UTF-8, one paragraph per line, optional YAML front matter. The canonical
text is the file text, byte for byte."""

from __future__ import annotations

from pathlib import Path

from index.errors import DocumentError
from index.readers.base import ReadResult
from index.readers.textfile import decode, first_line, front_matter, line_blocks
from index.sentences import STRIP


class TextReader:
    name = "txt"
    version = "1"
    suffixes: tuple[str, ...] = (".txt",)
    blockwise = False  # every line is a paragraph

    def read(self, path: Path, display: str) -> ReadResult:
        text = decode(path, display)
        meta, body_start = front_matter(text, display)
        if not text[body_start:].strip(STRIP):
            raise DocumentError(f"{display}: empty document; skipped")
        return ReadResult(
            text=text,
            blocks=tuple(line_blocks(text, body_start, blockwise=self.blockwise)),
            metadata=meta,
            title=first_line(text[body_start:]) or None,
        )
