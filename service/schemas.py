"""Request and response models that exist only on the web. Answers, passages, documents and the index
summary are the core's own records (``index/records.py``), used here as they are."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from index.records import DocumentInfo, FileReport, IndexInfo


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable machine-readable code, e.g. invalid_query, rate_limited.")
    message: str = Field(description="Human-readable explanation.")


class ErrorResponse(BaseModel):
    error: ErrorDetail

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"error": {"code": "invalid_query", "message": "the question is empty"}}]}
    )


class SearchRequest(BaseModel):
    model_config = ConfigDict(
        strict=True,
        json_schema_extra={
            "examples": [
                {"query": "怀柔森林覆盖率多少", "top_k": 5},
                {"query": "行政复议案件有多少件", "top_k": 3, "section": "一、"},
                {"query": "那2025年呢", "previous": "2024年行政执法有哪些举措"},
            ]
        },
    )

    query: str = Field(
        description="The citizen's question, in Simplified or Traditional Chinese (at most max_query_chars "
        "characters after trimming; no control characters).",
        examples=["怀柔森林覆盖率多少"],
    )
    previous: str | None = Field(
        None,
        max_length=2000,
        description="The question asked just before in the same conversation. An elliptical follow-up "
        "(那2025年呢, 还有怀柔镇呢) is read against it and the answer's `query` says what was searched; a "
        "complete question ignores it.",
        examples=["2024年行政执法有哪些举措"],
    )
    top_k: int | None = Field(
        None,
        ge=1,
        description="Results wanted (1 to the server's max_top_k, 20 by default; default: default_top_k).",
        examples=[5],
    )
    document_id: str | None = Field(
        None, max_length=200, description="Search only this document (see /api/v1/documents)."
    )
    document_ids: list[str] | None = Field(
        None, max_length=100, description="Search only these documents (a widget bound to a set of documents)."
    )
    doc_type: str | None = Field(None, max_length=50, description="Only documents of this type, e.g. 预算.")
    year: int | None = Field(None, ge=1900, le=2100, description="Only documents about this year.")
    issuer: str | None = Field(
        None, max_length=100, description="Only documents whose issuer or region contains this text, e.g. 万里街道."
    )
    section: str | None = Field(
        None,
        max_length=200,
        description="Search only under headings that contain this text (in either script), e.g. 一、主要舉措.",
        examples=["一、主要舉措和成效"],
    )


class ConvertRequest(BaseModel):
    model_config = ConfigDict(
        strict=True,
        json_schema_extra={"examples": [{"texts": ["懷柔區森林覆蓋率", "達到77.57%"], "to": "hans"}]},
    )

    texts: list[str] = Field(
        max_length=50,
        description="Texts to convert (at most 50, at most max_convert_chars characters together); each is "
        "converted on its own, so callers can convert the pieces between highlights separately.",
        examples=[["懷柔區森林覆蓋率", "達到77.57%"]],
    )
    to: Literal["hans", "hant"] = Field(
        description="hans: Simplified Chinese (mainland terms); hant: Traditional Chinese (Taiwan terms).",
        examples=["hans"],
    )


class ConvertResponse(BaseModel):
    texts: list[str] = Field(examples=[["怀柔区森林覆盖率", "达到77.57%"]])


class FeedbackRequest(BaseModel):
    model_config = ConfigDict(
        strict=True,
        json_schema_extra={
            "examples": [
                {"query": "怀柔森林覆盖率多少", "passage_id": "3f9c2a1b7d4e5f60", "helpful": True},
                {
                    "query": "怀柔森林覆盖率多少",
                    "passage_id": "3f9c2a1b7d4e5f60",
                    "helpful": False,
                    "comment": "没有说明是哪一年的数据",
                },
            ]
        },
    )

    query: str = Field(description="The question the citizen asked.", examples=["怀柔森林覆盖率多少"])
    passage_id: str = Field(min_length=1, max_length=64, description="The result the feedback is about.")
    helpful: bool = Field(description="Did the passage answer the question?")
    comment: str | None = Field(None, max_length=500, description="Optional free text (at most 500 characters).")


class OkResponse(BaseModel):
    ok: bool = True


class DocumentsResponse(BaseModel):
    documents: list[DocumentInfo]


class FeedbackItem(BaseModel):
    id: int
    created_at: str
    query: str
    passage_id: str
    helpful: bool
    comment: str | None
    index_build: str | None


class FeedbackPage(BaseModel):
    total: int
    limit: int
    offset: int
    feedback: list[FeedbackItem]


class FeedbackSummary(BaseModel):
    total: int
    helpful: int
    not_helpful: int


class SearchLoad(BaseModel):
    running: int
    waiting: int


class DatabaseStatus(BaseModel):
    kind: str = Field(description="sqlite (the files feedback_db and state_db) or postgresql (YOUJU_DATABASE_URL).")
    where: list[str] = Field(description="The files, or the database's URL without its password.")
    ok: bool = Field(description="The database answered its last check (repeated at most every 5 s).")
    error: str | None = Field(None, description="Why it did not, when it did not.")


class StaffStatus(BaseModel):
    ready: bool
    error: str | None
    index: IndexInfo | None
    feedback: FeedbackSummary | None
    feedback_error: str | None = Field(None, description="Why the feedback counts are missing, when they are.")
    searches: SearchLoad
    limits: dict[str, Any]
    database: DatabaseStatus | None = Field(None, description="The service's database (feedback, pins, query log).")


class ReadinessResponse(BaseModel):
    status: Literal["ready"] = "ready"
    index: IndexInfo
    database: Literal["ok", "unavailable"] | None = Field(
        None,
        description="The service's database (SQLite files or YOUJU_DATABASE_URL): searches do not need it, so the "
        "service stays ready while it is unavailable (feedback, pins and the query log answer 503 meanwhile).",
    )


class ReloadResponse(BaseModel):
    index: IndexInfo = Field(description="The index now serving.")
    previous: IndexInfo | None = Field(description="The index served before the reload.")
    seconds: float


class PageInfo(BaseModel):
    number: int = Field(description="1-based physical page.")
    label: str | None = Field(description="The page number printed on the page, if any.")
    start: int = Field(description="The page's span of the document's canonical text.")
    end: int
    ocr: bool = Field(description="The page's text was read by OCR.")


class DocumentDetail(BaseModel):
    document: DocumentInfo
    pages: list[PageInfo]


class DocumentText(BaseModel):
    document_id: str
    page: int | None = Field(description="The page asked for, or null for the whole document.")
    start: int = Field(description="Where `text` starts in the canonical text (citations index into it).")
    end: int
    text: str


class JobInfo(BaseModel):
    id: str
    action: str = Field(description="upload or delete")
    file: str = Field(description="The file, relative to the corpus directory.")
    status: str = Field(description="queued, running, done or failed")
    message: str | None
    build_id: str | None = Field(description="The build that went live (or that was checked), when finished.")
    report: FileReport | None = Field(description="What the build did with the file.")


class BuildReportResponse(BaseModel):
    index: IndexInfo
    files: list[FileReport]


class BuildHistoryEntry(BaseModel):
    build_id: str
    built_at: str = Field(description="When the build was made (ISO 8601, UTC).")
    first_seen_at: str = Field(description="When a replica of this service first served it (ISO 8601, UTC).")
    backend: str = Field(description="Where its passages were searched: `embedded` or the search engine.")
    model: str
    documents: int
    passages: int
    live: bool = Field(description="Whether this replica serves it now.")
    titles: list[str] = Field(description="Titles of its documents (the document registry), by document id.")


class BuildHistory(BaseModel):
    builds: list[BuildHistoryEntry] = Field(description="The builds served, newest first.")


# ------------------------------------------------------------------------------ analytics and pins


class QuestionStat(BaseModel):
    query: str = Field(description="The question as last asked (redacted).")
    count: int = Field(description="Times asked in the period (any wording that folds to the same question).")
    previous: int = Field(description="Times asked in the period of the same length just before (the trend).")
    answered: int = Field(description="Of `count`, how many were answered.")
    last_seen: str
    confidence: float = Field(description="Median confidence of the answers given.")
    top_passage_id: str | None = Field(None, description="The passage shown first the last time.")


class DayStat(BaseModel):
    date: str
    total: int
    answered: int
    refused: int


class NotHelpfulStat(BaseModel):
    query: str
    passage_id: str
    count: int
    last_seen: str
    comment: str | None = Field(None, description="The latest comment left with it, if any (redacted).")


class AnalyticsReport(BaseModel):
    days: int
    since: str
    total: int
    answered: int
    refused: int = Field(description="Questions the reports do not answer (no_answer).")
    not_a_question: int
    pinned: int = Field(description="Searches whose first result was a pinned answer.")
    channels: dict[str, int] = Field(description="Searches by where they came from (widget, api, dify, mcp).")
    daily: list[DayStat]
    top: list[QuestionStat] = Field(description="Most frequent questions.")
    refused_questions: list[QuestionStat] = Field(description="Most frequent questions that were refused.")
    low_confidence: list[QuestionStat] = Field(
        description="Answered questions whose median confidence is low: the answer is worth checking."
    )
    not_helpful: list[NotHelpfulStat] = Field(description="Answers citizens marked as not helpful, most often first.")
    feedback_error: str | None = None


class PinRequest(BaseModel):
    model_config = ConfigDict(
        strict=True,
        json_schema_extra={"examples": [{"question": "怀柔森林覆盖率多少", "passage_ids": ["3f9c2a1b7d4e5f60"]}]},
    )
    question: str = Field(min_length=1, max_length=500, description="The question the passages answer.")
    passage_ids: list[str] = Field(min_length=1, max_length=5, description="The passages to show first, in order.")
    note: str | None = Field(None, max_length=500, description="Why (for other staff).")


class PinnedPassage(BaseModel):
    passage_id: str
    text: str = Field(description="The quoted passage as pinned (kept to find it again after a rebuild).")
    document_id: str
    found: bool = Field(description="False when the live index no longer holds this passage.")


class Pin(BaseModel):
    id: int
    question: str
    passages: list[PinnedPassage]
    note: str | None
    created_at: str
    updated_at: str
    status: Literal["active", "missing"] = Field(
        description="`missing`: none of its passages is in the live index any more (reported, not shown)."
    )


class PinList(BaseModel):
    pins: list[Pin]
    missing: int = Field(description="Pins none of whose passages is in the live index.")


class PinImportError(BaseModel):
    row: int
    message: str


class PinImportReport(BaseModel):
    added: int
    rows: int
    errors: list[PinImportError]


class DictionaryFile(BaseModel):
    name: Literal["words", "synonyms"]
    text: str = Field(description="The file as staff wrote it (comments included).")
    entries: int = Field(description="Words, or synonym groups, it holds.")


class DictionaryState(BaseModel):
    files: list[DictionaryFile]
    version: str = Field(description="Version of the dictionary on disk (a hash of its entries).")
    live_version: str | None = Field(
        description="Version the live index was built with; differs from `version` until the rebuild is live."
    )
