"""Chunking: paragraphs -> passages of whole sentences, at most ``max_chars`` characters each.

A paragraph up to ``max_chars`` is one passage. Longer ones are cut at sentence ends (。！？!?；;),
over-long sentences at commas (else hard); a tail shorter than ``min_chars`` joins the passage before
it rather than stand as a fragment. Every passage keeps character offsets into the document's canonical
text, such that ``document.text[p.start:p.end] == p.text``.
"""

from __future__ import annotations

from dataclasses import dataclass

from index.passage import Document, Paragraph, Passage
from index.sentences import sentence_spans


@dataclass(frozen=True)
class ChunkConfig:
    """Passage sizes in characters. A paragraph up to ``max_chars`` is one passage."""

    max_chars: int = 220
    min_chars: int = 40


DEFAULT_CHUNKING = ChunkConfig()


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


def passages(doc: Document, paras: list[Paragraph], cfg: ChunkConfig = DEFAULT_CHUNKING) -> list[Passage]:
    """The passages of a document's paragraphs."""
    out: list[Passage] = []
    for para in paras:
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
