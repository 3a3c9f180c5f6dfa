"""The Qdrant backend: one build's passages in one Qdrant collection, searched through qdrant-client (a server,
or qdrant-client's in-process local mode for a directory). Published and loaded by ``index/engine_store.py``.

Each passage is a point whose id is its row, with two named vectors:

    dense   the passage's L2-normalised vector, cosine distance
    bm25    a sparse vector with Qdrant's IDF modifier: per term of the passage, youju's BM25 term-frequency
            saturation tf / (tf + k1 * (1 - b + b * dl / avgdl)) (``index.lexical.SparseWeights``, bm25s'
            ``lucene`` variant, which has no (k1 + 1) factor)

The question's sparse vector holds each of its known terms once, valued by how often it occurs; Qdrant
multiplies in ``ln(1 + (N - df + 0.5) / (df + 0.5))`` from its own counts over the collection, which is the idf
bm25s uses, so the engine's sparse score is youju's BM25 score (to float32 rounding). The terms are youju's
own (jieba over the normalised text, plus character bigrams): segmentation and Simplified/Traditional
normalisation stay exactly those of the embedded mode.

Sparse indices are term ids in the build's vocabulary order (first occurrence over the passages), stored with
the build: no hash collisions (a collision would merge two terms' document frequencies and change the idf),
and the replica needs the vocabulary with its document frequencies anyway for ``idf_table``.
"""

from __future__ import annotations

import atexit
import logging
import threading
import warnings
from collections.abc import Mapping
from typing import Any, ClassVar

import httpx
import numpy as np
from qdrant_client import QdrantClient, models
from qdrant_client.http.exceptions import ResponseHandlingException, UnexpectedResponse

from index.backends.base import Candidates, FloatArray, IdArray, SearchBackend
from index.errors import BackendUnavailableError, IndexCorruptError
from index.lexical import idf_table, query_counts

log = logging.getLogger("youju.search")

DENSE = "dense"
SPARSE = "bm25"

# What a request to the engine raises when the engine is down, unreachable, or the collection went away
# (qdrant-client's HTTP layer, its gRPC layer, the transport; local mode says ValueError for a missing
# collection). Any of these is the engine's state, not a bug of the question: 503 backend_unavailable.
ENGINE_ERRORS: tuple[type[BaseException], ...] = (
    ResponseHandlingException,
    UnexpectedResponse,
    httpx.HTTPError,
    OSError,
    ValueError,
    RuntimeError,
)


def engine_unavailable(collection: str, e: BaseException) -> BackendUnavailableError:
    """The error for the caller (no addresses, no library messages: it may reach a citizen); the details go
    to the log."""
    log.error("the search engine failed on %s: %s: %s", collection, type(e).__name__, e)
    return BackendUnavailableError("the search engine cannot be reached; try again shortly")


_CLIENTS: dict[tuple[str, str | None], QdrantClient] = {}
_CLIENTS_LOCK = threading.Lock()


def is_server(url: str) -> bool:
    """``http(s)://host:port`` is a Qdrant server; anything else a directory for qdrant-client's local mode."""
    return url.startswith(("http://", "https://"))


def connect(url: str, api_key: str | None = None) -> QdrantClient:
    """One client per URL per process: qdrant-client's local mode locks its directory to one client, and a
    server client pools its connections."""
    key = (url, api_key)
    with _CLIENTS_LOCK:
        client = _CLIENTS.get(key)
        if client is None:
            if is_server(url):
                client = QdrantClient(url=url, api_key=api_key, timeout=60)
            else:
                client = QdrantClient(path=url) if url != ":memory:" else QdrantClient(location=":memory:")
            _CLIENTS[key] = client
        return client


@atexit.register
def _close_all() -> None:
    """Close every client before the interpreter tears down the modules its destructor needs."""
    with _CLIENTS_LOCK:
        clients = list(_CLIENTS.values())
        _CLIENTS.clear()
    for client in clients:
        client.close()


def disconnect(url: str, api_key: str | None = None) -> None:
    """Close and forget the process's client of ``url`` (tests; a local directory is unlocked)."""
    with _CLIENTS_LOCK:
        client = _CLIENTS.pop((url, api_key), None)
    if client is not None:
        client.close()


# Local mode is always exhaustive; the exact-search flag (honoured by a server) needs no warning there.
warnings.filterwarnings("ignore", message="Local mode performs exact", category=UserWarning)


class QdrantBackend(SearchBackend):
    """Candidates of one concrete collection (never the alias: a search that started on a build ends on it)."""

    name: ClassVar[str] = "qdrant"

    def __init__(
        self,
        client: QdrantClient,
        collection: str,
        vocabulary: list[str],
        df: np.ndarray[Any, np.dtype[np.int64]],
        size: int,
        *,
        exact: bool = True,
    ) -> None:
        """``vocabulary`` and ``df``: the build's terms in sparse-index order and their document frequencies;
        ``exact``: dense top-k by exhaustive search (builds whose embedded index was exact ``flat``), else the
        engine's HNSW."""
        self.client = client
        self.collection = collection
        self._term_ids = {t: i for i, t in enumerate(vocabulary)}
        self._idf = idf_table(vocabulary, df, size)
        # The engine's IDF modifier, by term id: ln(1 + (N - df + 0.5) / (df + 0.5)).
        self._idf_of = np.log1p((size - df + 0.5) / (df + 0.5)).tolist()
        self._size = size
        self.exact = exact

    @property
    def size(self) -> int:
        return self._size

    def _sparse(self, query_tokens: list[str]) -> models.SparseVector | None:
        indices, values = query_counts(query_tokens, self._term_ids)
        return models.SparseVector(indices=indices, values=values) if indices else None

    def candidates(
        self, query_vector: FloatArray, query_tokens: list[str], k: int, subset: IdArray | None = None
    ) -> Candidates:
        try:
            return self._candidates(query_vector, query_tokens, k, subset)
        except ENGINE_ERRORS as e:
            raise engine_unavailable(self.collection, e) from e

    def _candidates(
        self, query_vector: FloatArray, query_tokens: list[str], k: int, subset: IdArray | None = None
    ) -> Candidates:
        qv = np.asarray(query_vector, dtype=np.float32)
        dense_q = [float(x) for x in qv]
        terms, counts = query_counts(query_tokens, self._term_ids)
        sparse_q = models.SparseVector(indices=terms, values=counts) if terms else None
        if subset is not None:
            cand = np.unique(np.asarray(subset, dtype=np.int64))
            if not len(cand):
                return Candidates.empty()
            return Candidates(cand, *self._score_in_engine(dense_q, sparse_q, cand))
        k = min(k, self._size)
        if k <= 0:
            return Candidates.empty()
        requests = [
            models.QueryRequest(
                query=dense_q, using=DENSE, limit=k, params=models.SearchParams(exact=self.exact), with_payload=False
            )
        ]
        if sparse_q is not None:
            requests.append(models.QueryRequest(query=sparse_q, using=SPARSE, limit=k, with_payload=False))
        found = self.client.query_batch_points(self.collection, requests=requests)
        dense = {int(p.id): float(p.score) for p in found[0].points}
        lexical = {int(p.id): float(p.score) for p in found[1].points if p.score > 0} if sparse_q is not None else {}
        cand = np.array(sorted(dense.keys() | lexical.keys()), dtype=np.int64)
        if not len(cand):
            return Candidates.empty()
        # Each side's exact score of the other side's candidates, from their stored vectors (one request):
        # the cosine as the dot product of unit vectors, BM25 as the sum over the question's terms of count x
        # idf x stored weight, the very products the engine sums (its idf counts are this build's df).
        need = [int(i) for i in cand if int(i) not in dense or (sparse_q is not None and int(i) not in lexical)]
        if need:
            weights = dict(zip(terms, counts, strict=True))
            for row, vec, sparse in self._stored(need, with_sparse=sparse_q is not None):
                if row not in dense:
                    dense[row] = float(np.dot(vec, qv))
                if sparse is not None and row not in lexical:
                    lexical[row] = float(
                        sum(
                            weights[t] * self._idf_of[t] * v
                            for t, v in zip(sparse.indices, sparse.values, strict=True)
                            if t in weights
                        )
                    )
        return Candidates(
            cand,
            np.array([dense[int(i)] for i in cand], dtype=np.float32),
            np.array([lexical.get(int(i), 0.0) for i in cand], dtype=np.float32),
        )

    def _stored(
        self, rows: list[int], *, with_sparse: bool
    ) -> list[tuple[int, FloatArray, models.SparseVector | None]]:
        """(row, dense vector, sparse vector) of each of ``rows`` as stored in the engine."""
        names = [DENSE, SPARSE] if with_sparse else [DENSE]
        records = self.client.retrieve(self.collection, ids=rows, with_vectors=names, with_payload=False)
        out: list[tuple[int, FloatArray, models.SparseVector | None]] = []
        for r in records:
            vectors = r.vector if isinstance(r.vector, dict) else {}
            dense, sparse = vectors.get(DENSE), vectors.get(SPARSE)
            if dense is None:
                continue
            if with_sparse and not isinstance(sparse, models.SparseVector):
                sparse = models.SparseVector(indices=[], values=[])
            out.append((int(r.id), np.asarray(dense, dtype=np.float32), sparse if with_sparse else None))  # type: ignore[arg-type]
        if len(out) != len(rows):
            got = {row for row, _, _ in out}
            raise IndexCorruptError(
                f"qdrant collection {self.collection} lacks the vectors of rows {[r for r in rows if r not in got][:5]}"
            )
        return out

    def _score_in_engine(
        self, dense_q: list[float], sparse_q: models.SparseVector | None, rows: IdArray
    ) -> tuple[FloatArray, FloatArray]:
        """Dense cosine and BM25 of exactly ``rows``, computed by the engine (queries restricted to their ids,
        one round trip): a filtered search may select thousands of passages, whose vectors stay in the engine."""
        flt = models.Filter(must=[models.HasIdCondition(has_id=[int(i) for i in rows])])
        requests = [
            models.QueryRequest(
                query=dense_q,
                using=DENSE,
                filter=flt,
                limit=len(rows),
                params=models.SearchParams(exact=True),  # every row of the filter, not an HNSW walk's
                with_payload=False,
            )
        ]
        if sparse_q is not None:
            requests.append(
                models.QueryRequest(query=sparse_q, using=SPARSE, filter=flt, limit=len(rows), with_payload=False)
            )
        found = self.client.query_batch_points(self.collection, requests=requests)
        dense = {int(p.id): float(p.score) for p in found[0].points}
        lexical = {int(p.id): float(p.score) for p in found[1].points} if sparse_q is not None else {}
        missing = [int(i) for i in rows if int(i) not in dense]
        if missing:
            raise IndexCorruptError(f"qdrant collection {self.collection} has no dense vector for rows {missing[:5]}")
        return (
            np.array([dense[int(i)] for i in rows], dtype=np.float32),
            np.array([lexical.get(int(i), 0.0) for i in rows], dtype=np.float32),
        )

    def vectors_of(self, rows: list[int]) -> FloatArray:
        if not rows:
            return np.zeros((0, 0), dtype=np.float32)
        try:
            stored = self._stored(sorted(set(rows)), with_sparse=False)
        except ENGINE_ERRORS as e:
            raise engine_unavailable(self.collection, e) from e
        by_row = {row: vec for row, vec, _ in stored}
        return np.asarray([by_row[r] for r in rows], dtype=np.float32)

    def idf_table(self) -> Mapping[str, float]:
        return self._idf
