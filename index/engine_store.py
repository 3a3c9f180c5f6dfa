"""A build in a search engine (Qdrant): publishing a finished local build, loading the live one, following
the alias.

Layout, for the prefix ``YOUJU_BACKEND_COLLECTION`` (default ``youju``)::

    youju                          alias -> the live build's collection (switched in one atomic call)
    youju_<build-id>               one point per passage, id = row: named vectors ``dense`` and ``bm25``
                                   (index/backends/qdrant.py); payload = the passage as in passages.jsonl
                                   plus its ``presentation`` entry (index/presentation.py)
    youju_<build-id>__meta         payload-only points (no vectors): the manifest (backend ``qdrant``), one
                                   point per document (documents.jsonl), the vocabulary with document
                                   frequencies in chunks

The metadata sits in a companion collection rather than in the passage collection (where vector-less points
would count in nothing but would share the id space of rows) or in Qdrant's collection metadata (meant for
small key-values; the documents' texts are megabytes): it lives and dies with its build, and a replica reads
the whole build from the engine, with no file of its own.

The local build written by ``youju build`` stays the source (and the embedding cache): ``publish`` uploads it
into a new collection, checks the counts, then moves the alias with one ``update_collection_aliases`` call
(delete + create) and drops the collections of all but the newest ``keep`` builds. A failed upload removes the
half-written collection and leaves the alias where it was. A replica loads the alias's target by name
(``load_engine``), so a search that started on a build finishes on it, and polls ``live_collection`` to see a
new one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import asdict, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from qdrant_client import QdrantClient, models

from index import presentation, store
from index.backends.qdrant import DENSE, SPARSE, QdrantBackend
from index.dictionary import Dictionary
from index.doctable import DocumentTable
from index.errors import IndexCorruptError, IndexNotFoundError
from index.lexical import BIGRAMS, K1, B, BM25Index, JiebaTokenizer, SparseWeights, with_bigrams
from index.normalize import Normalizer
from index.passage import Document, Passage

META = "__meta"
BATCH = 512  # passages per upload request
META_BATCH = 8  # metadata points per request (a document's text may be megabytes)
VOCAB_CHUNK = 20_000  # terms per vocabulary point
KEEP = 2
_BUILD_ID = r"\d{8}T\d{6}\d*Z-[0-9a-f]{8}"

Progress = Callable[[int, int], None]
"""Told ``(passages uploaded, passages)`` after each batch."""


def collection_name(prefix: str, build_id: str) -> str:
    return f"{prefix}_{build_id}"


def meta_name(collection: str) -> str:
    return collection + META


def live_collection(client: QdrantClient, prefix: str) -> str | None:
    """The collection the alias ``prefix`` points at (None before the first publish): one cheap call, what
    a replica polls to notice a new build."""
    for a in client.get_aliases().aliases:
        if a.alias_name == prefix:
            return a.collection_name
    return None


def live_build_id(client: QdrantClient, prefix: str) -> str | None:
    name = live_collection(client, prefix)
    return name[len(prefix) + 1 :] if name is not None and name.startswith(prefix + "_") else None


def _build_collections(client: QdrantClient, prefix: str) -> list[str]:
    """Collections of builds under ``prefix``, oldest first (build ids begin with their UTC time)."""
    pattern = re.compile(rf"^{re.escape(prefix)}_{_BUILD_ID}$")
    return sorted(c.name for c in client.get_collections().collections if pattern.match(c.name))


def _drop(client: QdrantClient, collection: str) -> None:
    for name in (collection, meta_name(collection)):
        if client.collection_exists(name):
            client.delete_collection(name)


def prune(client: QdrantClient, prefix: str, keep: int = KEEP) -> list[str]:
    """Drop the collections of all builds but the newest ``keep`` (never the live one); returns those dropped."""
    live = live_collection(client, prefix)
    builds = _build_collections(client, prefix)
    dropped = [c for c in builds[: max(0, len(builds) - keep)] if c != live]
    for c in dropped:
        _drop(client, c)
    # Metadata whose build is gone (a crash between the two deletes).
    names = {c.name for c in client.get_collections().collections}
    orphan = re.compile(rf"^{re.escape(prefix)}_{_BUILD_ID}{META}$")
    for name in names:
        if orphan.match(name) and name.removesuffix(META) not in names:
            client.delete_collection(name)
    return dropped


def build_terms(manifest: store.Manifest, passages: list[Passage]) -> list[list[str]]:
    """The lexical terms of each passage exactly as the build indexed them (index/build.py): its tokeniser with
    the build's dictionary, plus character bigrams when the manifest says so."""
    normalizer = Normalizer()
    if manifest.normalizer != normalizer.name:
        raise IndexCorruptError(
            f"build {manifest.build_id} was normalised with {manifest.normalizer!r}, not {normalizer.name!r}; "
            "rebuild it with `youju build`"
        )
    tokenizer = JiebaTokenizer(words=Dictionary.from_json(manifest.dictionary).normalized(normalizer).words)
    if not manifest.tokenizer.startswith(tokenizer.name):
        raise IndexCorruptError(
            f"build {manifest.build_id} was tokenised with {manifest.tokenizer!r}, not {tokenizer.name!r}; "
            "rebuild it with `youju build`"
        )
    bigrams = manifest.tokenizer.endswith(BIGRAMS)
    return [with_bigrams(p.norm_text, tokenizer(p.norm_text)) if bigrams else tokenizer(p.norm_text) for p in passages]


def _bm25_params(build_dir: Path, n: int) -> tuple[float, float, BM25Index | None]:
    """(k1, b) of the build's BM25 index, and the index (None for a build without one)."""
    bm25_dir = build_dir / "bm25"
    if not bm25_dir.is_dir():
        return K1, B, None
    built = BM25Index.load(bm25_dir, n)
    k1, b, method = built.params
    if method != "lucene":
        raise IndexCorruptError(f"build {build_dir.name}: BM25 variant {method!r} cannot be published (lucene only)")
    return k1, b, built


def _check_same_terms(build_dir: Path, built: BM25Index, weights: SparseWeights) -> None:
    """The recomputed terms hold the build's vocabulary with its document frequencies."""
    want, have = built.idf_table(), weights.idf_table()
    if want.keys() != have.keys() or any(abs(want[t] - have[t]) > 1e-9 for t in want):
        diff = sorted(want.keys() ^ have.keys())[:5]
        raise IndexCorruptError(
            f"build {build_dir.name}: its terms cannot be recomputed as it indexed them (differ: {diff}); "
            "rebuild it with `youju build`"
        )


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def _batches(items: Iterator[models.PointStruct], size: int) -> Iterator[list[models.PointStruct]]:
    batch: list[models.PointStruct] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _passage_points(
    passages: list[dict[str, Any]],
    vectors: np.ndarray[Any, Any],
    weights: SparseWeights,
    shown: list[Any] | None,
) -> Iterator[models.PointStruct]:
    for row, p in enumerate(passages):
        ids, values = weights.rows[row]
        payload = dict(p)
        payload["presentation"] = shown[row] if shown is not None else None
        yield models.PointStruct(
            id=row,
            vector={
                DENSE: [float(x) for x in vectors[row]],
                SPARSE: models.SparseVector(indices=[int(i) for i in ids], values=[float(v) for v in values]),
            },
            payload=payload,
        )


def _meta_points(
    manifest: dict[str, Any], documents: list[dict[str, Any]], weights: SparseWeights
) -> Iterator[models.PointStruct]:
    yield models.PointStruct(id=0, vector={}, payload={"kind": "manifest", "seq": 0, **manifest})
    pid = 1
    for i, d in enumerate(documents):
        yield models.PointStruct(id=pid, vector={}, payload={"kind": "document", "seq": i, "document": d})
        pid += 1
    for i, start in enumerate(range(0, max(1, len(weights.vocabulary)), VOCAB_CHUNK)):
        terms = weights.vocabulary[start : start + VOCAB_CHUNK]
        df = [int(x) for x in weights.df[start : start + VOCAB_CHUNK]]
        yield models.PointStruct(id=pid, vector={}, payload={"kind": "vocabulary", "seq": i, "terms": terms, "df": df})
        pid += 1


def publish(
    client: QdrantClient,
    prefix: str,
    build_dir: Path,
    *,
    terms: list[list[str]] | None = None,
    batch_size: int = BATCH,
    keep: int = KEEP,
    progress: Progress | None = None,
    replication_factor: int | None = None,
) -> str:
    """Upload the finished local build ``build_dir`` into a new collection, check it, switch the alias
    ``prefix`` to it and prune old builds; returns the collection's name. ``terms``: the passages' lexical terms
    when the caller has them (a build that just ran), else recomputed as the build computed them (checked
    against its BM25 vocabulary). Nothing changes for readers until the alias moves; on any failure the new
    collection is removed and the alias stays where it was."""
    manifest = store.read_manifest(build_dir)
    name = collection_name(prefix, manifest.build_id)
    if live_collection(client, prefix) == name:
        return name  # already published and live
    store.verify(build_dir, manifest)
    _, passages, vectors = store.load_vectors(build_dir)
    store.check_vectors(build_dir, manifest, vectors)
    raw_passages = _read_jsonl(build_dir / "passages.jsonl")
    documents = _read_jsonl(build_dir / "documents.jsonl")
    shown_data = presentation.read(build_dir)
    shown_rows = shown_data.get("passages") if shown_data is not None else None
    if not isinstance(shown_rows, list) or len(shown_rows) != len(passages):
        shown_rows = None
    k1, b, built = _bm25_params(build_dir, len(passages))
    weights = SparseWeights.of(terms if terms is not None else build_terms(manifest, passages), k1=k1, b=b)
    if built is not None:
        _check_same_terms(build_dir, built, weights)

    engine_manifest = asdict(
        replace(
            manifest,
            backend=QdrantBackend.name,
            ann="flat" if manifest.ann == "flat" else "hnsw",
            ann_params={},
            checksums={},
        )
    )
    meta_payload = {
        "manifest": engine_manifest,
        "presentation": (
            {k: v for k, v in shown_data.items() if k != "passages"} if shown_data and shown_rows else None
        ),
        "bm25": {"k1": k1, "b": b, "method": "lucene", "terms": len(weights.vocabulary)},
        "source_build": manifest.backend,
        "published_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    _drop(client, name)  # the leftover of an earlier attempt that crashed
    try:
        client.create_collection(
            name,
            vectors_config={DENSE: models.VectorParams(size=manifest.dimension, distance=models.Distance.COSINE)},
            sparse_vectors_config={SPARSE: models.SparseVectorParams(modifier=models.Modifier.IDF)},
            # One shard: the engine's IDF is then counted over the whole build, as youju's BM25 counts it (with
            # several shards a cluster may count it per shard). Copies of it (replication) give availability.
            shard_number=1,
            replication_factor=replication_factor,
        )
        client.create_collection(meta_name(name), vectors_config={}, replication_factor=replication_factor)
        done = 0
        for batch in _batches(_passage_points(raw_passages, vectors, weights, shown_rows), batch_size):
            client.upsert(name, points=batch, wait=True)
            done += len(batch)
            if progress is not None:
                progress(done, len(passages))
        meta = list(_meta_points(meta_payload, documents, weights))
        for batch in _batches(iter(meta), META_BATCH):
            client.upsert(meta_name(name), points=batch, wait=True)
        stored = client.count(name, exact=True).count
        stored_meta = client.count(meta_name(name), exact=True).count
        if stored != len(passages) or stored_meta != len(meta):
            raise IndexCorruptError(
                f"qdrant collection {name} holds {stored} passages and {stored_meta} metadata points after the "
                f"upload, expected {len(passages)} and {len(meta)}"
            )
    except BaseException:
        _drop(client, name)
        raise
    ops: list[models.AliasOperations] = []
    live = live_collection(client, prefix)
    if live is not None:
        ops.append(models.DeleteAliasOperation(delete_alias=models.DeleteAlias(alias_name=prefix)))
    ops.append(models.CreateAliasOperation(create_alias=models.CreateAlias(collection_name=name, alias_name=prefix)))
    client.update_collection_aliases(change_aliases_operations=ops)
    prune(client, prefix, keep)
    return name


def _scroll(client: QdrantClient, collection: str, page: int = 1000) -> Iterator[models.Record]:
    offset: Any = None
    while True:
        records, offset = client.scroll(collection, limit=page, offset=offset, with_payload=True, with_vectors=False)
        yield from records
        if offset is None:
            return


def load_engine(client: QdrantClient, prefix: str, *, source: str = "qdrant") -> store.LoadedIndex:
    """The live build (the alias ``prefix``'s collection at this moment), read wholly from the engine."""
    collection = live_collection(client, prefix)
    if collection is None:
        raise IndexNotFoundError(
            f"no build published under the alias {prefix!r} in {source}; run `youju build` (YOUJU_BACKEND=qdrant) "
            "or `youju publish`"
        )
    return load_collection(client, collection, source=source)


def load_collection(client: QdrantClient, collection: str, *, source: str = "qdrant") -> store.LoadedIndex:
    """One build's collection: manifest, documents, passages and presentation from the engine; its vectors
    stay there (``QdrantBackend.vectors_of``)."""
    where = f"{source} collection {collection}"
    try:
        meta = list(_scroll(client, meta_name(collection), page=64))
        head = next((r.payload for r in meta if r.payload and r.payload.get("kind") == "manifest"), None)
        if head is None:
            raise IndexCorruptError(f"{where} has no manifest ({meta_name(collection)})")
        manifest = store.Manifest.from_json(head["manifest"])
        docs = sorted((r.payload for r in meta if r.payload and r.payload.get("kind") == "document"), key=_seq)
        chunks = sorted((r.payload for r in meta if r.payload and r.payload.get("kind") == "vocabulary"), key=_seq)
        documents = {d["document"]["doc_id"]: Document.from_json(d["document"]) for d in docs}
        vocabulary = [t for c in chunks for t in c["terms"]]
        df = np.array([x for c in chunks for x in c["df"]], dtype=np.int64)
        passages: list[Passage] = []
        shown_rows: list[Any] = []
        for row, r in enumerate(_scroll(client, collection)):
            if int(r.id) != row or r.payload is None:
                raise IndexCorruptError(f"{where}: point {r.id} where row {row} was expected")
            payload = dict(r.payload)
            shown_rows.append(payload.pop("presentation", None))
            passages.append(store.passage_from_json(payload))
        info = client.get_collection(collection)
    except (KeyError, TypeError, ValueError) as e:
        raise IndexCorruptError(f"cannot read {where}: {e}") from e
    dense_params = info.config.params.vectors
    dim = dense_params[DENSE].size if isinstance(dense_params, dict) and DENSE in dense_params else None
    if dim != manifest.dimension:
        raise IndexCorruptError(f"{where}: dense vectors of {dim} dimensions, the manifest says {manifest.dimension}")
    if not (len(passages) == manifest.passage_count == (info.points_count or 0)) or len(documents) != (
        manifest.document_count
    ):
        raise IndexCorruptError(
            f"{where} is inconsistent: {len(passages)} passages ({info.points_count} points), {len(documents)} "
            f"documents; the manifest says {manifest.passage_count} and {manifest.document_count}"
        )
    if len(vocabulary) != int(head.get("bm25", {}).get("terms", len(vocabulary))):
        raise IndexCorruptError(f"{where}: the vocabulary is incomplete ({len(vocabulary)} terms)")
    header = head.get("presentation")
    shown = (
        {**header, "passages": shown_rows}
        if isinstance(header, dict) and all(s is not None for s in shown_rows)
        else None
    )
    backend = QdrantBackend(client, collection, vocabulary, df, len(passages), exact=manifest.ann == "flat")
    table = DocumentTable.of(documents.values())
    return store.LoadedIndex(Path(collection), manifest, table, passages, None, backend, shown, source=where)


def _seq(payload: dict[str, Any]) -> int:
    return int(payload.get("seq", 0))
