"""One error hierarchy for the whole product.

Core code raises these; the web layer (``service/``) and the CLI map them to HTTP statuses and exit codes.
Every error has a stable machine-readable ``code`` and a human message.
"""

from __future__ import annotations


class YoujuError(Exception):
    """Base of every error youju raises on purpose."""

    code = "internal_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidQueryError(YoujuError):
    """The question cannot be searched (empty, too long, control characters)."""

    code = "invalid_query"


class QueryTooLongError(InvalidQueryError):
    code = "query_too_long"


class InvalidParameterError(YoujuError):
    """A search parameter other than the question is out of range (top_k, say)."""

    code = "validation_error"


class IndexNotFoundError(YoujuError):
    """No built index where one was expected."""

    code = "index_not_found"


class IndexCorruptError(YoujuError):
    """An index directory exists but cannot be read (missing files, bad manifest)."""

    code = "index_corrupt"


class BackendUnavailableError(YoujuError):
    """The search engine holding the index (``YOUJU_BACKEND=qdrant``) cannot be reached or refused a request."""

    code = "backend_unavailable"


class ModelMismatchError(YoujuError):
    """The index was built by another embedding model than the one asked to query it."""

    code = "model_mismatch"


class ModelUnavailableError(YoujuError):
    """The embedding model cannot be loaded offline."""

    code = "model_unavailable"


class CorpusError(YoujuError):
    """The corpus directory is missing or holds no readable document."""

    code = "corpus_error"


class DocumentError(YoujuError):
    """One document could not be read; the build reports it and goes on."""

    code = "document_error"


class PassageNotFoundError(YoujuError):
    """No passage with that id in the live index (it may be from an older build)."""

    code = "passage_not_found"
