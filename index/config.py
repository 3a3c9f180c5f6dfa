"""All settings, in one class, read from ``YOUJU_*`` environment variables (and a ``.env`` file).

Every field is documented in ``docs/configuration.md``; a test checks that the two agree.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from index.embed.e5_offline import DEFAULT_MODEL_ID


def _default_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "youju"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="YOUJU_", env_file=".env", extra="ignore")

    # --- corpus and index
    corpus_dir: Path = Field(Path("docs/corpus"), description="Directory of .txt/.md documents to index.")
    index_dir: Path = Field(Path("var/index"), description="Index root: builds/ and the `current` link.")
    cache_dir: Path = Field(
        default_factory=_default_cache,
        description="Materialised models and evaluation caches (default ~/.cache/youju).",
    )
    keep_builds: int = Field(2, ge=1, description="Finished builds kept under index_dir/builds.")

    # --- embedding model
    model: str = Field(
        DEFAULT_MODEL_ID,
        description="sentence-transformers model: hub id already in the local cache, or a local directory.",
    )
    query_prefix: str | None = Field(None, description="Text put before queries (e5 default: 'query: ').")
    passage_prefix: str | None = Field(
        None, description="Text put before passages (e5 default: 'passage: ')."
    )
    embed_batch_size: int = Field(32, ge=1, description="Passages embedded per batch.")
    ann: Literal["flat", "hnsw"] = Field("flat", description="Dense index: exact `flat` or approximate `hnsw`.")

    # --- chunking
    chunk_max_chars: int = Field(220, ge=40, description="Longest passage in characters.")
    chunk_min_chars: int = Field(40, ge=1, description="Shorter tails are merged into the previous passage.")

    # --- search
    max_query_chars: int = Field(500, ge=1, description="Longest accepted question, in characters.")
    default_top_k: int = Field(5, ge=1, le=20, description="Results returned when the caller gives none.")
    no_answer_threshold: float | None = Field(
        None,
        description="Override the calibrated confidence below which `answered` is false "
        "(default: the value calibrated for the fusion in index/fusion.py).",
    )
    threads: int = Field(0, ge=0, description="CPU threads for torch and FAISS (0 = number of cores).")


def get_settings() -> Settings:
    return Settings()
