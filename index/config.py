"""All settings, in one class, read from ``YOUJU_*`` environment variables (and a ``.env`` file).

Every field is documented in ``docs/configuration.md``; a test checks that the two agree.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from index.embed.models import DEFAULT_MODEL_ID


def _default_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "youju"


class KnowledgeSet(BaseModel):
    """A named collection of documents (``YOUJU_KNOWLEDGE_SETS``): the search filters that select it, all of
    which must hold (the same filters as ``POST /api/v1/search``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    document_ids: list[str] | None = Field(None, description="Any of these documents.")
    doc_type: str | None = Field(None, description="Documents whose metadata doc_type is this type.")
    year: int | None = Field(None, ge=1900, le=2100, description="Documents about this year.")
    issuer: str | None = Field(None, description="Documents whose issuer or region contains this text.")
    section: str | None = Field(None, description="Passages under a heading that contains this text.")

    @property
    def empty(self) -> bool:
        return self == KnowledgeSet()


def parse_dify_keys(raw: str) -> dict[str, frozenset[str]]:
    """``YOUJU_DIFY_KEYS``: a JSON object from each key to the knowledge ids it may read. ValueError says what is
    wrong without repeating any key (keys are named by their position)."""
    try:
        data = json.loads(raw)
    except ValueError:
        raise ValueError('is not JSON; expected {"<key>": ["<knowledge id>", ...], ...}') from None
    if not isinstance(data, dict):
        raise ValueError('must be a JSON object {"<key>": ["<knowledge id>", ...], ...}')
    out: dict[str, frozenset[str]] = {}
    for n, (key, ids) in enumerate(data.items(), start=1):
        if not isinstance(ids, list) or not ids or not all(isinstance(i, str) and i.strip() for i in ids):
            raise ValueError(f"key #{n}: its value must be a non-empty list of knowledge ids (text)")
        out[key] = frozenset(i.strip() for i in ids)
    return out


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="YOUJU_", env_file=".env", extra="ignore")

    # --- corpus and index
    corpus_dir: Path = Field(
        Path("docs/corpus"),
        description="Directory of documents to index (.pdf, .docx, .html, .txt, .md; subdirectories too).",
    )
    index_dir: Path = Field(Path("var/index"), description="Index root: builds/ and the `current` link.")
    cache_dir: Path = Field(
        default_factory=_default_cache,
        description="Materialised models and evaluation caches (default ~/.cache/youju).",
    )
    dictionary_dir: Path = Field(
        Path("docs/dictionaries"),
        description="The deployment's dictionary (index/dictionary.py): words.txt (words kept whole by the "
        "segmenter) and synonyms.txt (groups such as 社保=社会保险); edited by staff in the console.",
    )
    keep_builds: int = Field(2, ge=1, description="Finished builds kept under index_dir/builds.")
    ocr: Literal["auto", "off"] = Field(
        "auto",
        description="Scanned PDF pages: `auto` reads them by OCR when an engine is installed (the `ocr` extra); "
        "`off` skips them (reported per file).",
    )
    max_pdf_pages: int = Field(2000, ge=1, description="PDFs with more pages are refused (reported per file).")

    # --- embedding model
    model: str = Field(
        DEFAULT_MODEL_ID,
        description="sentence-transformers model: hub id already in the local cache, or a local directory.",
    )
    encoder: Literal["torch", "onnx", "onnx-int8"] = Field(
        "torch",
        description="How the embedding model runs for passages (and for questions when `query_encoder` is "
        "`same`): `torch` (sentence-transformers), `onnx` (exported to ONNX once, offline, fp32) or `onnx-int8` "
        "(ONNX quantised to int8, vectors within cosine 0.99 of torch's). Indexes built with one are searched "
        "with any (docs/performance-encoder.md).",
    )
    query_encoder: Literal["same", "torch", "onnx", "onnx-int8"] = Field(
        "onnx-int8",
        description="How the embedding model runs for questions: `onnx-int8` (about 4x faster than torch for one "
        "question, no torch import when serving; made offline at first use), `torch`, `onnx`, or `same` as "
        "`encoder`. A server that never rebuilds never loads the passage encoder (docs/performance-encoder.md).",
    )
    embed_precision: Literal["auto", "fp32", "bf16"] = Field(
        "auto",
        description="Arithmetic of the torch encoder for passages: `bf16` runs a build's batches in bfloat16 "
        "autocast (vectors within cosine 0.9999 of fp32), `fp32`, or `auto`: bf16 where the CPU has AMX or "
        "AVX-512 BF16, else fp32. Questions always run in fp32.",
    )
    query_prefix: str | None = Field(None, description="Text put before queries (e5 default: 'query: ').")
    passage_prefix: str | None = Field(None, description="Text put before passages (e5 default: 'passage: ').")
    embed_batch_size: int = Field(32, ge=1, description="Passages embedded per batch.")
    embed_processes: int = Field(
        1,
        ge=1,
        le=64,
        description="Worker processes that embed a build's passages in parallel, each with its own copy of the "
        "model and a share of the cores (`youju build`; index/embed/pool.py). 1 = the building process alone.",
    )
    ann: Literal["auto", "flat", "hnsw", "ivf"] = Field(
        "auto",
        description="Dense index: `auto` is exact `flat` below 100,000 passages and `ivf` (IVF-SQ8, approximate) "
        "from there on; or force `flat`, `hnsw` or `ivf`. The kind built and its parameters are recorded in "
        "the manifest (docs/performance-scale.md).",
    )
    backend: Literal["embedded", "qdrant"] = Field(
        "embedded",
        description="Storage backend of the index: `embedded` (FAISS + bm25s files under index_dir) or `qdrant` "
        "(each build is also published into Qdrant at backend_url, and searches go to the engine's live build: "
        "docs/scale-out.md).",
    )
    backend_url: str | None = Field(
        None,
        description="Where the `qdrant` backend is: `http(s)://host:port` of a Qdrant server, or a local directory "
        "for qdrant-client's in-process mode (one process at a time). Required when backend is `qdrant`; also "
        "where `youju publish` uploads.",
    )
    backend_collection: str = Field(
        "youju",
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$",
        description="Name of the engine's alias of the live build; each build is the collection "
        "`<name>_<build id>` (with `<name>_<build id>__meta`).",
    )
    backend_api_key: SecretStr | None = Field(
        None, description="API key of the Qdrant server (sent as the api-key header); unset for none."
    )
    backend_poll_seconds: float = Field(
        5.0,
        gt=0,
        description="How often `youju serve` asks the engine which build its alias points at, to switch to a "
        "new build without a restart (`qdrant` backend); with several `workers`, how often each reads which "
        "build is live on disk.",
    )
    backend_replication_factor: int | None = Field(
        None,
        ge=1,
        description="Copies of each shard a build's collection keeps in a Qdrant cluster (so a node can fail "
        "without losing the index); unset = the engine's default (1). Ignored by the local mode.",
    )

    # --- chunking
    chunk_max_chars: int = Field(220, ge=40, description="Longest passage in characters.")
    chunk_min_chars: int = Field(40, ge=1, description="Shorter tails are merged into the previous passage.")

    # --- search
    max_query_chars: int = Field(500, ge=1, description="Longest accepted question, in characters.")
    default_top_k: int = Field(5, ge=1, description="Results returned when the caller gives none.")
    max_top_k: int = Field(20, ge=1, le=100, description="Most results one question may ask for (CLI and API).")
    reranker: str = Field(
        "none",
        description="Cross-encoder that rereads the best fused candidates (index/rerank/): `e5-cross` (trained "
        "here, shipped), a sentence-transformers CrossEncoder directory or cached hub id, or `none`.",
    )
    answerability: Literal["logistic"] = Field(
        "logistic",
        description="The model that decides whether the documents answer a question (index/answerability/).",
    )
    no_answer_threshold: float | None = Field(
        None,
        description="Override the calibrated confidence below which `answered` is false "
        "(default: the threshold calibrated with the answerability model, index/answerability/).",
    )
    threads: int = Field(
        0,
        ge=0,
        description="CPU threads for the encoder (torch or onnxruntime) and FAISS (0 = number of cores), per "
        "`youju serve` worker (0 = the cores shared between the workers).",
    )
    answer_cache_size: int = Field(
        1024,
        ge=0,
        description="Answers to repeated questions kept in memory, per index build (same question, result count "
        "and filters); 0 = none. Pinned answers are applied after it, so a new pin shows at once.",
    )

    # --- service (`youju serve`; unsafe values are refused at start-up by service.checks.check_settings)
    host: str = Field(default="127.0.0.1", description="Address `youju serve` binds to.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port `youju serve` listens on.")
    workers: int = Field(
        default=1,
        ge=1,
        le=64,
        description="Processes `youju serve` answers in, sharing the port and the memory-mapped index (each "
        "loads the model: about 1 GB resident each). One process answers with one interpreter lock; on 2 cores "
        "2 workers answered up to 1.5x the requests a second of one (docs/performance.md; docs/deployment.md "
        "says what is per worker). With more than one, "
        "each worker follows the live build on disk every `backend_poll_seconds`, and rate limits, the answer "
        "cache and /metrics are per worker.",
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Origins (scheme://host[:port]) allowed to call the API from a browser and to frame the "
        "widget pages; comma-separated or a JSON list. Empty = same origin only.",
    )
    staff_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Origins (scheme://host[:port]) of staff sites allowed to frame the staff console (e.g. a "
        "hotline CRM); comma-separated or a JSON list. Empty = the console is framed by its own origin only; "
        "citizen-widget origins (cors_origins) never may.",
    )
    max_body_bytes: int = Field(
        default=16 * 1024,
        ge=1024,
        description="Largest request body accepted, in bytes (larger: 413 body_too_large).",
    )
    max_convert_chars: int = Field(
        default=20_000,
        ge=1,
        description="Most characters, all texts together, that one /api/v1/convert call converts.",
    )
    rate_limit_per_minute: int = Field(
        default=60, ge=0, description="Requests per minute per client IP on the public API and /mcp (0 = no limit)."
    )
    rate_limit_burst: int = Field(
        default=20, ge=1, description="Requests a client may make at once before the per-minute rate applies."
    )
    mcp_enabled: bool = Field(
        default=True,
        description="Serve the MCP server (Model Context Protocol, Streamable HTTP) at /mcp: read-only search "
        "tools for LLM agents, public like the citizen API and under the same rate limit (docs/mcp.md).",
    )
    staff_rate_limit_per_minute: int = Field(
        default=1200,
        ge=0,
        description="Requests per minute per client IP that present the staff key (the console; a call centre "
        "shares one address); 0 = no limit.",
    )
    staff_rate_limit_burst: int = Field(
        default=200, ge=1, description="Requests staff may make at once before their per-minute rate applies."
    )
    max_concurrent_searches: int = Field(
        default_factory=lambda: 4 * (os.cpu_count() or 1),
        ge=1,
        description="Searches in flight at once (default: 4 per core); their questions share encoder calls "
        "(`encoder_batch_size`). Others queue within `queue_budget_seconds`, then 503 busy.",
    )
    queue_budget_seconds: float = Field(
        default=1.0,
        ge=0,
        description="Longest expected wait a search is queued for when every slot is taken: its place in the "
        "queue times the recent mean search time, over `max_concurrent_searches`. Beyond it the answer is 503 "
        "busy at once, with Retry-After the expected wait in whole seconds.",
    )
    busy_timeout_seconds: float = Field(
        default=2.0, ge=0, description="Seconds a queued search waits for a free slot at most before 503 busy."
    )
    encoder_batch_size: int = Field(
        default=16,
        ge=1,
        description="Most questions embedded in one call of the query encoder: concurrent searches are "
        "micro-batched (service/batching.py); 1 = no batching.",
    )
    encoder_batch_wait_ms: float = Field(
        default=2.0,
        ge=0,
        le=100,
        description="Milliseconds the encoder waits for more questions to batch, only while other searches are "
        "in flight (a lone question never waits).",
    )
    shutdown_grace_seconds: float = Field(
        default=10.0,
        ge=0,
        description="On SIGTERM `youju serve` stops accepting connections and lets requests in flight and "
        "queued finish for at most this long.",
    )
    admin_key: SecretStr | None = Field(
        default=None,
        description="Bearer token for /api/v1/admin/* (index reload); unset disables those endpoints. "
        "At least 16 characters, not a default word.",
    )
    staff_key: SecretStr | None = Field(
        default=None,
        description="Password of the staff console and /api/v1/staff/* (HTTP Basic with any user name, or "
        "Bearer); unset leaves them open. At least 16 characters, not a default word.",
    )
    feedback_db: Path = Field(default=Path("var/feedback.sqlite3"), description="SQLite file storing citizen feedback.")
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Addresses of reverse proxies whose X-Forwarded-For names the real client (for rate limits "
        "and feedback hashing); comma-separated or a JSON list, `*` for any. Empty (default) = trust none: "
        "the client is the connecting address.",
    )
    feedback_retention_days: int = Field(
        default=365,
        ge=0,
        description="Feedback older than this many days is deleted (at start-up and with each new entry; 0 = "
        "keep). Questions and comments are stored with ID, phone, e-mail, card numbers and names redacted "
        "(docs/privacy.md).",
    )
    state_db: Path = Field(
        default=Path("var/youju.sqlite3"),
        description="SQLite file of the query log, the pinned answers and the build history (service/querylog.py, "
        "service/pins.py, service/registry.py).",
    )
    database_url: SecretStr | None = Field(
        default=None,
        description="A shared database for all the service's state (feedback, query log, pins, build history and "
        "document registry) instead of the SQLite files feedback_db and state_db, for replicas behind a load "
        "balancer: an SQLAlchemy URL, e.g. `postgresql+psycopg://youju:PASSWORD@db.internal/youju`. Migrated on "
        "start-up; the password is never logged or shown (docs/database.md). Unset: the SQLite files.",
    )
    query_log: bool = Field(
        default=True,
        description="Record searches (redacted questions, outcome, no client address) for the staff analytics page; "
        "searches from the staff console are not recorded.",
    )
    query_log_retention_days: int = Field(
        default=180, ge=0, description="Query log rows older than this many days are deleted (0 = keep)."
    )
    pin_similarity: float = Field(
        default=0.95,
        ge=0.5,
        le=1.0,
        description="Embedding cosine from which a question may be the same as a pinned one (calibrated for "
        "multilingual-e5-small; a distinctive word either lacks still blocks it: service/pins.py).",
    )
    upload_dir: str = Field(
        default="uploads",
        description="Subdirectory of corpus_dir where documents uploaded by staff are stored.",
    )
    max_upload_bytes: int = Field(
        default=50 * 1024 * 1024, ge=1024, description="Largest document staff may upload, in bytes."
    )
    client_hash_secret: SecretStr | None = Field(
        default=None,
        description="Key of the HMAC that turns client IPs into anonymous feedback keys; unset: generated "
        "once and kept beside feedback_db (<feedback_db>.secret), or, with database_url, in that database "
        "(shared by every replica).",
    )

    metrics_key: SecretStr | None = Field(
        default=None,
        description="Bearer token Prometheus must present to scrape /metrics; unset leaves /metrics open (block "
        "it at the reverse proxy on a public site). At least 16 characters, not a default word.",
    )
    log_format: Literal["json", "text"] = Field(
        default="json",
        description="Log lines of `youju serve` on stderr: `json` (one object a line, with request ids) or `text` "
        "(for reading in a terminal). Personal data is redacted from both (docs/operations.md).",
    )
    log_level: Literal["debug", "info", "warning", "error"] = Field(
        default="info",
        description="Least severe log level written; `debug` adds each question (redacted) to the search lines.",
    )

    # --- integrations (docs/integrations.md)
    dify_api_key: SecretStr | None = Field(
        default=None,
        description="Bearer key with which Dify (External Knowledge API, POST /api/v1/dify/retrieval) may read "
        "every knowledge id: `all`, any document, any set. With neither this nor dify_keys set, the endpoint is "
        "disabled (404). At least 16 characters, not a default word.",
    )
    dify_keys: SecretStr | None = Field(
        default=None,
        description='Keys limited to some knowledge ids, as a JSON object {"<key>": ["<set name or document id '
        'or all>", ...]}; a key asking for anything else gets 403 (error_code 1002). Each key at least 16 '
        "characters, not a default word.",
    )
    knowledge_sets: dict[str, KnowledgeSet] = Field(
        default_factory=dict,
        description='Named document sets a Dify knowledge_id may name, as JSON {"<name>": {"document_ids": [...], '
        '"doc_type": "...", "year": 2024, "issuer": "...", "section": "..."}} (all given must hold; at least one). '
        "`all` is reserved (every document); a set name takes precedence over a document id of the same name.",
    )

    def questions_encoder(self) -> str:
        """The encoder that embeds questions: ``query_encoder``, or ``encoder`` when that is ``same``."""
        return self.encoder if self.query_encoder == "same" else self.query_encoder

    def dify_scoped_keys(self) -> dict[str, frozenset[str]]:
        """``dify_keys`` parsed (ValueError without any key in its message when malformed)."""
        return parse_dify_keys(self.dify_keys.get_secret_value()) if self.dify_keys is not None else {}

    @field_validator("cors_origins", "trusted_proxies", "staff_origins", mode="before")
    @classmethod
    def _split_origins(cls, v: object) -> object:
        if isinstance(v, str):
            text = v.strip()
            if text.startswith("["):
                return json.loads(text)
            return [o.strip() for o in text.split(",") if o.strip()]
        return v

    @field_validator("backend_url")
    @classmethod
    def _engine_location(cls, v: str | None) -> str | None:
        if v is None or not v.strip():
            return None
        v = v.strip()
        scheme, sep, rest = v.partition("://")
        if sep:
            if scheme not in ("http", "https"):
                raise ValueError(
                    f"{v!r}: the engine is reached over http:// or https:// (a server), or give a local directory "
                    "for the engine's in-process mode"
                )
            host = rest.split("/", 1)[0]
            if not host or host.startswith(":"):
                raise ValueError(f"{v!r} names no host; expected http(s)://host:port")
        elif v != ":memory:" and Path(v).exists() and not Path(v).is_dir():
            raise ValueError(f"{v!r} is a file; a local engine needs a directory")
        return v

    @model_validator(mode="after")
    def _engine_needs_url(self) -> Settings:
        if self.backend == "qdrant" and self.backend_url is None:
            raise ValueError(
                "YOUJU_BACKEND=qdrant needs YOUJU_BACKEND_URL: a Qdrant server (http://host:6333) or a local "
                "directory for the engine's in-process mode"
            )
        return self

    @model_validator(mode="after")
    def _top_k_within_limit(self) -> Settings:
        if self.default_top_k > self.max_top_k:
            raise ValueError(f"default_top_k ({self.default_top_k}) is above max_top_k ({self.max_top_k})")
        return self
