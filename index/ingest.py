"""Ingest: corpus directory -> documents -> paragraphs (with section paths) -> passages.

Understands Chinese report structure. Headings (``一、`` / ``(一)`` / ``1.`` / ``(1)`` / ``第X章``
/ ``第X節`` / ``第X條`` in both scripts, Markdown ``#``) open sections; the text under them is split
into paragraphs, and a heading is never a passage by itself. A "run-in" heading — ``(一)聚焦…取得新成效。``
followed by the paragraph on the same line — gives its first sentence to the section path and the rest
of the line to the paragraph.

Every passage keeps character offsets into the original file text, such that
``document.text[p.start:p.end] == p.text``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from index.errors import CorpusError, DocumentError
from index.passage import Document, Paragraph, Passage

SUFFIXES = (".txt", ".md")
META_SUFFIX = ".meta.json"

_CN_NUM = "一二三四五六七八九十百千零〇两兩"
# (pattern, level): lower level = higher in the hierarchy.
_HEADINGS: list[tuple[re.Pattern[str], int]] = [
    (re.compile(rf"^第[{_CN_NUM}\d]+[章]"), 0),
    (re.compile(rf"^第[{_CN_NUM}\d]+[節节]"), 1),
    (re.compile(rf"^[{_CN_NUM}]+[、､]"), 2),
    (re.compile(rf"^[(（][{_CN_NUM}]+[)）]"), 3),
    (re.compile(r"^\d{1,2}[.．、](?!\d)"), 4),
    (re.compile(r"^[(（]\d{1,2}[)）]"), 5),
    (re.compile(rf"^第[{_CN_NUM}\d]+[條条]"), 6),
]
_MD_HEADING = re.compile(r"^(#{1,6})\s+\S")
# A heading line that is all heading: short and not a run of sentences.
_MAX_PURE_HEADING = 60
# A run-in heading's title is its first sentence, if that sentence is this short.
_MAX_RUNIN_TITLE = 60

SENTENCE_END = "。！？!?；;"
_CLOSERS = "”’」』）)\"'"
_SENTENCE = re.compile(rf"[^{SENTENCE_END}\n]*(?:[{SENTENCE_END}]+[{_CLOSERS}]*|\n|$)")
_STRIP = " \t\r\n\u3000\ufeff"


@dataclass(frozen=True)
class ChunkConfig:
    """Passage sizes in characters. A paragraph up to ``max_chars`` is one passage."""

    max_chars: int = 220
    min_chars: int = 40


@dataclass(frozen=True)
class Skipped:
    path: str
    reason: str


# --------------------------------------------------------------------------------------------- reading


def read_document(path: Path, root: Path) -> Document:
    """Read one file verbatim. Raises DocumentError for binary, non-UTF-8 or empty files."""
    rel = path.relative_to(root)
    data = path.read_bytes()
    if b"\x00" in data[:8192]:
        raise DocumentError(f"{rel}: looks like a binary file (NUL bytes); skipped")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise DocumentError(f"{rel}: not valid UTF-8 (byte {e.start}); convert it to UTF-8") from e
    meta, body_start = _front_matter(text, rel)
    if not text[body_start:].strip(_STRIP):
        raise DocumentError(f"{rel}: empty document; skipped")
    sidecar = path.with_name(path.stem + META_SUFFIX)
    if sidecar.exists():
        try:
            side = json.loads(sidecar.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise DocumentError(f"{sidecar.relative_to(root)}: unreadable metadata ({e})") from e
        if not isinstance(side, dict):
            raise DocumentError(f"{sidecar.relative_to(root)}: metadata must be a JSON object")
        meta = {**meta, **side}
    doc_id = rel.with_suffix("").as_posix()
    title = str(meta.get("title") or _first_line(text[body_start:]) or doc_id)
    meta = {k: v for k, v in meta.items() if k != "title"}
    return Document(doc_id=doc_id, path=rel.as_posix(), text=text, title=title, metadata=meta)


def _front_matter(text: str, rel: Path) -> tuple[dict[str, Any], int]:
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
        raise DocumentError(f"{rel}: front matter is not valid YAML ({e})") from e
    if not isinstance(meta, dict):
        raise DocumentError(f"{rel}: front matter must be key: value pairs")
    close = stripped.find("\n", end + 4)
    body = len(stripped) if close < 0 else close + 1
    return {str(k): v for k, v in meta.items()}, offset + body


def _first_line(text: str) -> str:
    for line in text.splitlines():
        line = line.strip(_STRIP).lstrip("#").strip()
        if line:
            return line[:80]
    return ""


def read_corpus(corpus_dir: Path) -> tuple[list[Document], list[Skipped]]:
    """All readable documents under ``corpus_dir`` (recursively, sorted), and the files skipped."""
    if not corpus_dir.is_dir():
        raise CorpusError(f"corpus directory not found: {corpus_dir}")
    docs: list[Document] = []
    skipped: list[Skipped] = []
    for path in sorted(p for p in corpus_dir.rglob("*") if p.is_file()):
        rel_parts = path.relative_to(corpus_dir).parts
        if path.suffix.lower() not in SUFFIXES or any(part.startswith(".") for part in rel_parts):
            continue
        try:
            docs.append(read_document(path, corpus_dir))
        except DocumentError as e:
            skipped.append(Skipped(path=str(path.relative_to(corpus_dir)), reason=e.message))
        except OSError as e:
            skipped.append(Skipped(path=str(path.relative_to(corpus_dir)), reason=f"unreadable: {e}"))
    return docs, skipped


# ------------------------------------------------------------------------------------------- structure


def heading_level(line: str) -> int | None:
    md = _MD_HEADING.match(line)
    if md:
        return -10 + len(md.group(1))  # Markdown headings sit above the numbered ones
    for pattern, level in _HEADINGS:
        if pattern.match(line):
            return level
    return None


def _split_runin(line: str) -> tuple[str, str] | None:
    """For a heading line, (title, rest). rest == '' for a pure heading; None if not a heading."""
    if heading_level(line) is None:
        return None
    if line.startswith("#"):
        return line.lstrip("#").strip(), ""
    article = _HEADINGS[-1][0].match(line)
    if article:
        # 第X條: the number is the heading; the article's text is its body.
        return article.group(0), line[article.end() :]
    first = _SENTENCE.match(line)
    title = first.group(0) if first else line
    if len(line) <= _MAX_PURE_HEADING and len(title) >= len(line.rstrip("。；;")):
        return line, ""
    if len(title) > _MAX_RUNIN_TITLE:
        # A numbered item whose first sentence is long: the number is the heading, the line is body.
        return None
    return title, line[len(title) :]


def paragraphs(doc: Document) -> list[Paragraph]:
    """Body paragraphs with their section paths. ``.md`` paragraphs are blank-line separated blocks;
    ``.txt`` files hold one paragraph per line."""
    text = doc.text
    _, body_start = _front_matter(text, Path(doc.path))
    blockwise = doc.path.lower().endswith(".md")
    stack: list[tuple[int, str]] = []
    out: list[Paragraph] = []
    pending: tuple[int, int] | None = None  # an open .md block

    def emit(start: int, end: int) -> None:
        while start < end and text[start] in _STRIP:
            start += 1
        while end > start and text[end - 1] in _STRIP:
            end -= 1
        if end > start:
            section = tuple(title for _, title in stack)
            out.append(Paragraph(doc.doc_id, len(out) + 1, start, end, text[start:end], section))

    pos = body_start
    for raw in text[body_start:].splitlines(keepends=True):
        line_start, pos = pos, pos + len(raw)
        lead = len(raw) - len(raw.lstrip(_STRIP))
        line = raw.strip(_STRIP)
        if not line:
            if pending:
                emit(*pending)
                pending = None
            continue
        level = heading_level(line)
        split = _split_runin(line) if level is not None else None
        if level is not None and split is not None:
            if pending:
                emit(*pending)
                pending = None
            title, rest = split
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, title.strip(_STRIP).rstrip("。；;：:")))
            if rest.strip(_STRIP):
                body = line_start + lead + len(title)
                if blockwise:
                    pending = (body, pos)  # the block may go on in the next lines
                else:
                    emit(body, pos)
            continue
        if blockwise:
            pending = (pending[0], pos) if pending else (line_start, pos)
        else:
            emit(line_start, pos)
    if pending:
        emit(*pending)
    return out


# ----------------------------------------------------------------------------------------------- chunks


def sentence_spans(text: str, offset: int = 0) -> list[tuple[int, int]]:
    """Sentence spans (absolute when ``offset`` is the text's start), trimmed of outer whitespace."""
    spans: list[tuple[int, int]] = []
    for m in _SENTENCE.finditer(text):
        s, e = m.start(), m.end()
        while s < e and text[s] in _STRIP:
            s += 1
        while e > s and text[e - 1] in _STRIP:
            e -= 1
        if e > s:
            spans.append((offset + s, offset + e))
    return spans


def _split_long(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    """Split one over-long sentence at commas, else hard, so no piece exceeds max_chars."""
    pieces: list[tuple[int, int]] = []
    s = start
    while end - s > max_chars:
        window = text[s : s + max_chars]
        cut = max(window.rfind(c) for c in "，,、：:")
        cut = cut + 1 if cut > max_chars // 3 else max_chars
        pieces.append((s, s + cut))
        s += cut
    pieces.append((s, end))
    return pieces


def chunk_paragraph(doc_text: str, para: Paragraph, cfg: ChunkConfig) -> list[tuple[int, int]]:
    """Spans of the passages of one paragraph: whole sentences packed up to ``cfg.max_chars``."""
    if para.end - para.start <= cfg.max_chars:
        return [(para.start, para.end)]
    units: list[tuple[int, int]] = []
    for s, e in sentence_spans(para.text, para.start):
        units.extend(_split_long(doc_text, s, e, cfg.max_chars) if e - s > cfg.max_chars else [(s, e)])
    chunks: list[tuple[int, int]] = []
    for s, e in units:
        if chunks and e - chunks[-1][0] <= cfg.max_chars:
            chunks[-1] = (chunks[-1][0], e)
        else:
            chunks.append((s, e))
    # Fold a too-short tail into its predecessor rather than leave a fragment.
    if len(chunks) > 1 and chunks[-1][1] - chunks[-1][0] < cfg.min_chars:
        tail = chunks.pop()
        chunks[-1] = (chunks[-1][0], tail[1])
    return chunks


def passages(doc: Document, cfg: ChunkConfig = ChunkConfig()) -> list[Passage]:
    out: list[Passage] = []
    for para in paragraphs(doc):
        for s, e in chunk_paragraph(doc.text, para, cfg):
            out.append(
                Passage(
                    doc_id=doc.doc_id,
                    title=doc.title,
                    section=para.section,
                    paragraph=para.number,
                    start=s,
                    end=e,
                    text=doc.text[s:e],
                    paragraph_start=para.start,
                    paragraph_end=para.end,
                )
            )
    return out


def iter_passages(docs: list[Document], cfg: ChunkConfig = ChunkConfig()) -> Iterator[Passage]:
    for doc in docs:
        yield from passages(doc, cfg)
