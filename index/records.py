"""What youju answers with: one set of typed records and their JSON form, used by the CLI
(``youju ask --json``), the HTTP API (as its ``response_model``s) and the evaluation.

The pipeline's internal records (``Document``, ``Passage``, ...) are in ``index/passage.py``; these are
the views of them that leave the core. Field descriptions here are the API documentation.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_serializer

EXAMPLE_CITATION: dict[str, Any] = {
    "document_id": "huairou-2024-law-based-government-report",
    "title": "北京市懷柔區2024年法治政府建設年度情況報告",
    "section": ["一、主要舉措和成效"],
    "paragraph": 12,
    "start": 3120,
    "end": 3135,
}


class Record(BaseModel):
    """Base of the output records: immutable, and no field beyond those declared."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class Highlight(Record):
    start: int = Field(description="Offset into `text` (Python string indices, code points).")
    end: int


class Citation(Record):
    document_id: str
    title: str
    section: list[str] = Field(description="Headings above the passage, outermost first.")
    paragraph: int = Field(description="1-based body paragraph number in the document.")
    start: int = Field(
        description="Offset of `text` in the document's canonical text (GET /api/v1/documents/{id}/text): "
        "text[start:end] == the cited text."
    )
    end: int
    page: int | None = Field(None, description="Paged documents: the 1-based physical page the passage starts on.")
    page_end: int | None = Field(None, description="Paged documents: the physical page it ends on.")
    printed_page: str | None = Field(None, description="The page number printed on that page, when it has one.")
    ocr: bool = Field(False, description="The passage was read from a scanned page by OCR: check the original.")
    year: int | None = Field(None, description="The year the document is about.")
    superseded_by: str | None = Field(
        None, description="Set when a newer edition of the same series exists: that document's id."
    )


class Result(Record):
    passage_id: str
    text: str = Field(description="The cited passage, verbatim from the document.")
    context: str = Field(description="The whole paragraph holding the passage.")
    context_start: int = Field(description="Offset of `text` inside `context`.")
    score: float
    highlights: list[Highlight] = Field(description="Spans of `text` that answer the question.")
    citation: Citation
    pinned: bool = Field(
        False, description="Chosen by staff for this question (a pinned answer): shown first, still a quotation."
    )

    @field_serializer("score")
    def _round_score(self, v: float) -> float:
        return round(v, 6)


class Answer(Record):
    query: str = Field(description="The question as searched (trimmed, NFC).")
    answered: bool = Field(description="False when the reports hold no passage that answers the question.")
    confidence: float
    reason: Literal["answered", "no_answer", "not_a_question"] = Field(
        "answered",
        description="`answered`; `no_answer`: the documents hold nothing that answers it (refer to 12345); "
        "`not_a_question`: greetings, punctuation, emoji or keyboard noise, nothing was searched.",
    )
    results: list[Result] = Field(default_factory=list)

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "query": "怀柔森林覆盖率多少",
                    "answered": True,
                    "confidence": 0.83,
                    "reason": "answered",
                    "results": [
                        {
                            "passage_id": "3f9c2a1b7d4e5f60",
                            "text": "全區森林覆蓋率達到77.57%。",
                            "context": "……全區森林覆蓋率達到77.57%。……",
                            "context_start": 2,
                            "score": 0.91,
                            "highlights": [{"start": 2, "end": 7}, {"start": 9, "end": 15}],
                            "citation": EXAMPLE_CITATION,
                        }
                    ],
                }
            ]
        }
    )

    @field_serializer("confidence")
    def _round_confidence(self, v: float) -> float:
        return round(v, 4)


class ParagraphView(Record):
    paragraph: int = Field(description="1-based body paragraph number in the document.")
    section: list[str]
    start: int = Field(description="Offset of the paragraph in the document.")
    end: int
    text: str


class PassageView(Record):
    """One passage with its paragraph and the paragraphs before and after it (for display)."""

    passage_id: str
    text: str
    citation: Citation
    paragraph: ParagraphView | None
    previous: ParagraphView | None
    next: ParagraphView | None


class DocumentInfo(Record):
    document_id: str
    title: str
    path: str = Field(description="The file, relative to the corpus directory.")
    format: str = Field(description="The reader that read it: txt, md, pdf, docx, html.")
    pages: int = Field(description="Physical pages (0 for formats without pages).")
    metadata: dict[str, Any] = Field(
        description="issuer, region, year, doc_type, published, source_url, series, status (current or "
        "superseded), superseded_by: read from the file, inferred from its title, or given by a sidecar."
    )
    passages: int
    characters: int


class SkippedFile(Record):
    path: str
    reason: str


class FileReport(Record):
    """What the build did with one file of the corpus."""

    path: str = Field(description="The file, relative to the corpus directory.")
    status: str = Field(description="read, reused (unchanged since the last build: not read again) or skipped.")
    format: str | None = Field(None, description="The reader that read it (txt, md, pdf, docx, html).")
    document_id: str | None = None
    pages: int = 0
    ocr_pages: int = Field(0, description="Pages whose text was read by OCR.")
    passages: int = 0
    seconds: float = Field(0.0, description="Time spent reading the file (0 when reused).")
    warnings: list[str] = Field(default_factory=list)
    error: str | None = Field(None, description="Why the file was skipped.")


class IndexInfo(Record):
    """The live index, summarised from its manifest."""

    build_id: str
    built_at: str
    model: str
    documents: int
    passages: int
    ann: str
    backend: str
    skipped: list[SkippedFile] = Field(description="Files of the corpus that could not be read, and why.")
