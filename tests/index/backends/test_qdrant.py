"""The Qdrant backend in qdrant-client's local mode (in tmp_path), against the embedded backend on the same
build: equal BM25 and cosine per candidate, equal answers, filtered search, and publishing: the alias moves in
one step, a failed upload changes nothing, old builds are pruned, a reader keeps the build it loaded."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pydantic import ValidationError

from index import engine_store, store
from index.backends.qdrant import QdrantBackend, connect, disconnect
from index.config import Settings
from index.errors import IndexNotFoundError
from index.lexical import K1, B, BM25Index, JiebaTokenizer, SparseWeights, with_bigrams
from index.search import Filters, Searcher
from tests.helpers import HashEmbedder, build_hash_index

PREFIX = "youju"
# Local mode is exhaustive anyway; the exact-search flag the backend sends is for a server.
pytestmark = pytest.mark.filterwarnings("ignore:Local mode performs exact")


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Any]:
    url = str(tmp_path / "qdrant")
    yield connect(url)
    disconnect(url)


@pytest.fixture
def built(report_corpus: Path, tmp_path: Path) -> Path:
    root = tmp_path / "index"
    build_hash_index(report_corpus, root)
    return store.resolve(root)


def _queries(index: store.LoadedIndex) -> list[tuple[np.ndarray[Any, Any], list[str]]]:
    """Questions made of passages' openings, each with another passage's vector (both sides have work)."""
    tok = JiebaTokenizer()
    n = len(index.passages)
    out = []
    for r in range(0, n, max(1, n // 12)):
        text = index.passages[r].norm_text[:24]
        assert index.vectors is not None
        out.append((index.vectors[(r * 7 + 3) % n], with_bigrams(text, tok(text))))
    return out


def test_sparse_weights_reproduce_bm25s() -> None:
    docs = [["森林", "覆盖率", "森林"], [], ["热线", "满意率", "森林"], ["执法"] * 5]
    weights = SparseWeights.of(docs)
    bm25 = BM25Index.build(docs)
    assert weights.idf_table() == bm25.idf_table()
    idf = weights.idf_table()
    for query in (["森林"], ["森林", "森林", "执法"], ["未知", "热线"]):
        want = bm25.scores(query)
        have = np.zeros(len(docs))
        for row, (ids, values) in enumerate(weights.rows):
            for t, v in zip(ids, values, strict=True):
                have[row] += query.count(weights.vocabulary[t]) * idf[weights.vocabulary[t]] * v
        np.testing.assert_allclose(have, want, rtol=1e-5)
    assert bm25.params == (K1, B, "lucene")  # the build uses the module's parameters, which the engine reads


def test_bm25_and_cosine_equal_the_embedded_backend_per_candidate(built: Path, engine: Any) -> None:
    name = engine_store.publish(engine, PREFIX, built)
    emb = store.load(built)
    qdr = engine_store.load_engine(engine, PREFIX)
    assert isinstance(qdr.backend, QdrantBackend) and qdr.backend.collection == name
    assert qdr.manifest.backend == "qdrant" and qdr.vectors is None and qdr.presentation is not None
    assert qdr.backend.idf_table() == emb.backend.idf_table()
    assert [p.passage_id for p in qdr.passages] == [p.passage_id for p in emb.passages]
    assert qdr.documents.keys() == emb.documents.keys()
    for qv, terms in _queries(emb):
        a = emb.backend.candidates(qv, terms, 10)
        b = qdr.backend.candidates(qv, terms, 10)
        common, ia, ib = np.intersect1d(a.ids, b.ids, return_indices=True)
        assert len(common) >= 0.9 * max(len(a.ids), len(b.ids))  # ties at the k-th place may differ
        assert list(b.ids) == sorted(b.ids)
        np.testing.assert_allclose(b.lexical[ib], a.lexical[ia], rtol=1e-4, atol=1e-6)
        np.testing.assert_allclose(b.dense[ib], a.dense[ia], rtol=1e-4, atol=1e-5)
    rows = [0, 5, len(emb.passages) - 1]
    assert emb.vectors is not None
    np.testing.assert_allclose(qdr.backend.vectors_of(rows), emb.vectors[rows], atol=1e-5)


def test_a_subset_is_scored_exactly(built: Path, engine: Any) -> None:
    engine_store.publish(engine, PREFIX, built)
    emb = store.load(built)
    qdr = engine_store.load_engine(engine, PREFIX)
    qv, terms = _queries(emb)[2]
    sub = np.array([1, 4, 9, 20], dtype=np.int64)
    a = emb.backend.candidates(qv, terms, 100, subset=sub)
    b = qdr.backend.candidates(qv, terms, 100, subset=sub)
    assert list(b.ids) == [1, 4, 9, 20]
    np.testing.assert_allclose(b.lexical, a.lexical, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(b.dense, a.dense, rtol=1e-4, atol=1e-5)
    assert len(qdr.backend.candidates(qv, terms, 5, subset=np.zeros(0, np.int64)).ids) == 0


def test_searcher_answers_and_filters_alike_and_passes_the_self_check(built: Path, engine: Any) -> None:
    engine_store.publish(engine, PREFIX, built)
    emb = Searcher(store.load(built), HashEmbedder())
    qdr = Searcher(engine_store.load_engine(engine, PREFIX), HashEmbedder())
    qdr.self_check()
    doc = next(iter(emb.index.documents))
    for q in ("森林覆盖率是多少", "12345热线满意率", "行政复议案件", "法治政府建设"):
        a, b = emb.search(q, 3), qdr.search(q, 3)
        assert [r.passage_id for r in a.results] == [r.passage_id for r in b.results]
        assert a.answered == b.answered
        fa, fb = emb.search(q, 3, document_id=doc), qdr.search(q, 3, document_id=doc)
        assert [r.passage_id for r in fa.results] == [r.passage_id for r in fb.results]
    assert qdr.search("森林", 3, filters=Filters(document_ids=frozenset({"none"}))).results == []


def _second_build(report_corpus: Path, root: Path, text: str) -> Path:
    (report_corpus / f"extra-{abs(hash(text)) % 1000}.txt").write_text(f"一、新内容\n{text}\n", encoding="utf-8")
    return build_hash_index(report_corpus, root).build_dir


def test_publish_switches_the_alias_and_a_reader_keeps_its_build(
    report_corpus: Path, tmp_path: Path, built: Path, engine: Any
) -> None:
    first = engine_store.publish(engine, PREFIX, built)
    reader = Searcher(engine_store.load_engine(engine, PREFIX), HashEmbedder())
    before = reader.search("森林覆盖率", 3)
    second_dir = _second_build(report_corpus, tmp_path / "index", "青禾区新建星空观测站，向市民免费开放。")
    calls: list[Any] = []
    real = engine.update_collection_aliases

    def spy(*a: Any, **kw: Any) -> Any:
        calls.append(kw["change_aliases_operations"])
        return real(*a, **kw)

    engine.update_collection_aliases = spy
    try:
        second = engine_store.publish(engine, PREFIX, second_dir)
    finally:
        del engine.update_collection_aliases
    assert second != first and engine_store.live_collection(engine, PREFIX) == second
    # One call that deletes and creates the alias: readers see the old build or the new, never none.
    assert len(calls) == 1 and [type(op).__name__ for op in calls[0]] == [
        "DeleteAliasOperation",
        "CreateAliasOperation",
    ]
    assert engine_store.live_build_id(engine, PREFIX) == store.read_manifest(second_dir).build_id
    # The reader that loaded the first build still answers from it, whole.
    assert reader.index.backend.collection == first  # type: ignore[attr-defined]
    assert [r.passage_id for r in reader.search("森林覆盖率", 3).results] == [r.passage_id for r in before.results]
    fresh = Searcher(engine_store.load_engine(engine, PREFIX), HashEmbedder())
    assert len(fresh.index.passages) == len(reader.index.passages) + 1
    assert "星空观测站" in fresh.search("星空观测站", 1).results[0].text


def test_a_failed_upload_leaves_the_old_build_live_and_no_stray_collection(
    report_corpus: Path, tmp_path: Path, built: Path, engine: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = engine_store.publish(engine, PREFIX, built)
    second_dir = _second_build(report_corpus, tmp_path / "index", "青禾区新建星空观测站。")
    real = engine_store._passage_points

    def broken(*a: Any, **kw: Any) -> Iterator[Any]:
        for i, p in enumerate(real(*a, **kw)):
            if i == 20:
                raise ConnectionError("engine went away mid-upload")
            yield p

    monkeypatch.setattr(engine_store, "_passage_points", broken)
    with pytest.raises(ConnectionError):
        engine_store.publish(engine, PREFIX, second_dir, batch_size=8)
    assert engine_store.live_collection(engine, PREFIX) == first
    names = {c.name for c in engine.get_collections().collections}
    assert names == {first, engine_store.meta_name(first)}
    assert len(engine_store.load_engine(engine, PREFIX).passages) == len(store.load(built).passages)


def test_old_builds_are_pruned_to_the_newest_two(report_corpus: Path, tmp_path: Path, built: Path, engine: Any) -> None:
    published = [engine_store.publish(engine, PREFIX, built)]
    for text in ("星空观测站开放。", "新建图书馆分馆。", "开通夜间公交线路。"):
        published.append(engine_store.publish(engine, PREFIX, _second_build(report_corpus, tmp_path / "index", text)))
    names = {c.name for c in engine.get_collections().collections}
    assert names == {*published[-2:], *(engine_store.meta_name(c) for c in published[-2:])}
    # Publishing the live build again changes nothing.
    assert engine_store.publish(engine, PREFIX, store.resolve(tmp_path / "index")) == published[-1]


def test_no_published_build_is_a_clear_error(engine: Any) -> None:
    with pytest.raises(IndexNotFoundError, match="no build published under the alias"):
        engine_store.load_engine(engine, PREFIX)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"YOUJU_BACKEND": "qdrant"}, "needs YOUJU_BACKEND_URL"),
        ({"YOUJU_BACKEND": "qdrant", "YOUJU_BACKEND_URL": "grpc://db:6334"}, "http:// or https://"),
        ({"YOUJU_BACKEND": "qdrant", "YOUJU_BACKEND_URL": "http://:6333"}, "names no host"),
        ({"YOUJU_BACKEND_COLLECTION": "bad name/"}, "String should match pattern"),
    ],
)
def test_bad_engine_settings_are_clear_errors(
    env: dict[str, str], message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    with pytest.raises(ValidationError, match=message):
        Settings()


def test_engine_settings_accepted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YOUJU_BACKEND", "qdrant")
    monkeypatch.setenv("YOUJU_BACKEND_URL", "https://qdrant.internal:6333")
    assert Settings().backend_url == "https://qdrant.internal:6333"
    monkeypatch.setenv("YOUJU_BACKEND_URL", str(tmp_path))
    assert Settings().backend_poll_seconds == 5.0
    (tmp_path / "file").write_text("x")
    monkeypatch.setenv("YOUJU_BACKEND_URL", str(tmp_path / "file"))
    with pytest.raises(ValidationError, match="is a file"):
        Settings()


def test_cli_publish_moves_the_embedded_index_and_ask_reads_the_engine(
    report_corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from index import pipeline
    from index.cli import commands, main

    root = tmp_path / "index"
    build_hash_index(report_corpus, root)
    url = str(tmp_path / "engine")
    # Load every CLI command plug-in first: one first imported under the patch below (`youju eval` binds
    # ``make_embedder`` by name) would keep the hash embedder after the test, and later evaluations in the
    # same session would embed with it.
    commands()
    monkeypatch.setattr(pipeline, "make_embedder", lambda settings: HashEmbedder())
    try:
        assert main(["publish", "--index", str(root), "--url", url]) == 0
        assert "alias youju -> collection youju_" in capsys.readouterr().out
        monkeypatch.setenv("YOUJU_BACKEND", "qdrant")
        monkeypatch.setenv("YOUJU_BACKEND_URL", url)
        settings = Settings()
        assert pipeline.live_build_id(settings) == store.read_manifest(store.resolve(root)).build_id
        searcher = pipeline.open_searcher(settings)
        assert searcher.index.manifest.backend == "qdrant"
        monkeypatch.delenv("YOUJU_BACKEND_URL")
        assert main(["ask", "森林覆盖率"]) == 2
        assert "YOUJU_BACKEND_URL" in capsys.readouterr().err
    finally:
        disconnect(url)


@pytest.mark.slow
def test_same_top_answers_as_embedded_on_gold_questions_with_the_model(
    model_settings: Settings, model_searcher: Searcher, tmp_path: Path
) -> None:
    """The real model on the shipped corpus: BM25 per candidate within 1e-4 relative, and the first answer of
    gold questions the same through the full Searcher."""
    import json

    from index.pipeline import searcher_for

    url = str(tmp_path / "engine")
    try:
        client = connect(url)
        engine_store.publish(client, PREFIX, model_searcher.index.path)
        qdr = searcher_for(model_settings, engine_store.load_engine(client, PREFIX), model_searcher.embedder)
        qdr.self_check()
        gold = Path(__file__).resolve().parents[3] / "eval" / "gold" / "huairou_2024.jsonl"
        questions = [json.loads(line)["question"] for line in gold.read_text(encoding="utf-8").splitlines()[:60]]
        same = 0
        for q in questions:
            a, b = model_searcher.search(q, 3), qdr.search(q, 3)
            same += [r.passage_id for r in a.results[:1]] == [r.passage_id for r in b.results[:1]]
            nq, tokens = model_searcher.analyze(q)
            qv = model_searcher.embedder.embed_queries([nq])[0]
            lex = with_bigrams(nq, tokens)
            ca = model_searcher.index.backend.candidates(qv, lex, 100)
            cb = qdr.index.backend.candidates(qv, lex, 100)
            _, ia, ib = np.intersect1d(ca.ids, cb.ids, return_indices=True)
            np.testing.assert_allclose(cb.lexical[ib], ca.lexical[ia], rtol=1e-4, atol=1e-6)
            np.testing.assert_allclose(cb.dense[ib], ca.dense[ia], rtol=1e-4, atol=1e-5)
        assert same >= 0.98 * len(questions)
    finally:
        disconnect(url)


def test_publish_needs_a_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from index.cli import main

    monkeypatch.delenv("YOUJU_BACKEND_URL", raising=False)
    shutil.rmtree(tmp_path / "none", ignore_errors=True)
    (tmp_path / "none").mkdir()
    assert main(["publish", "--index", str(tmp_path / "none")]) == 1
    assert "no search engine given: set YOUJU_BACKEND_URL" in capsys.readouterr().err
    assert main(["publish", "--index", str(tmp_path / "none"), "--url", str(tmp_path / "engine")]) == 1
    assert "no index at" in capsys.readouterr().err


def test_build_in_qdrant_mode_publishes_and_a_second_build_of_the_same_corpus_does_not(
    report_corpus: Path, tmp_path: Path
) -> None:
    from index.pipeline import build_corpus, live_build_id

    url = str(tmp_path / "engine")
    settings = Settings(backend="qdrant", backend_url=url, index_dir=tmp_path / "index")
    try:
        report = build_corpus(settings, report_corpus, settings.index_dir, HashEmbedder())
        assert report.collection is not None and report.collection.endswith(report.build_dir.name)
        assert store.read_manifest(report.build_dir).backend == "embedded"  # the local build stays the source
        assert live_build_id(settings) == report.build_dir.name
        again = build_corpus(settings, report_corpus, settings.index_dir, HashEmbedder())
        assert again.up_to_date and again.collection == report.collection
    finally:
        disconnect(url)
