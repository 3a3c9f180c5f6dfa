"""Markdown (``.md``): UTF-8, paragraphs are blank-line separated blocks, ``#`` headings, optional YAML
front matter. The canonical text is the file text, byte for byte (markup is not removed, so citations
stay exact)."""

from __future__ import annotations

from index.readers.text import TextReader


class MarkdownReader(TextReader):
    name = "md"
    suffixes: tuple[str, ...] = (".md", ".markdown")
    blockwise = True  # lines of one block form one paragraph
