"""What presenting results needs, computed at build time (index/presentation.py): the answers are
byte-identical to those computed per question, from a build with the file, from an older build without it
(computed on first use), and from the cache of repeated questions."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from index import presentation, store
from index.errors import IndexCorruptError
from index.highlight import asks_for_figure, highlight
from index.lexical import JiebaTokenizer
from index.normalize import Normalizer
from index.records import Answer
from index.search import Searcher
from index.sentences import sentence_spans
from tests.helpers import ROOT, HashEmbedder, build_hash_index

GOLD = ROOT / "eval" / "gold" / "huairou_2024.jsonl"
# Every fifth gold question: ~50 questions of every category and style.
QUESTIONS = [json.loads(line)["question"] for line in GOLD.read_text(encoding="utf-8").splitlines() if line][::5]


def _as_json(answers: list[Answer]) -> list[str]:
    return [a.model_dump_json() for a in answers]


def _strip_presentation(build: Path) -> None:
    """Make ``build`` look like one written before presentation.json existed."""
    (build / presentation.FILE).unlink()
    manifest = json.loads((build / store.MANIFEST).read_text(encoding="utf-8"))
    del manifest["checksums"][presentation.FILE]
    (build / store.MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")


@pytest.fixture
def built(report_corpus: Path, tmp_path: Path, hash_embedder: HashEmbedder) -> Path:
    root = tmp_path / "index"
    build_hash_index(report_corpus, root, hash_embedder)
    return root


def _per_question(searcher: Searcher) -> Searcher:
    """``searcher`` normalising and tokenising every shown sentence on every question, as before."""

    class PerQuestion(presentation.Presentation):
        def terms(self, row: int) -> frozenset[str]:
            return frozenset(searcher.tokenizer(searcher.index.passages[row].norm_text))

        def sentences(self, doc_id: str, start: int, end: int) -> tuple[presentation.Sentence, ...]:
            text = searcher.index.documents[doc_id].text[start:end]
            return presentation.sentences(text, searcher.normalizer, searcher.tokenizer)

    ix = searcher.index
    searcher.presentation = PerQuestion(ix.documents, ix.passages, searcher.normalizer, searcher.tokenizer)
    return searcher


def test_a_build_stores_what_presentation_needs_with_its_checksum(built: Path) -> None:
    ix = store.load(built)
    assert ix.presentation is not None and presentation.FILE in ix.manifest.checksums
    assert len(ix.presentation["passages"]) == len(ix.passages)
    searcher = Searcher(ix, HashEmbedder())
    assert searcher.presentation.precomputed
    first = ix.presentation["passages"][0]["sentences"][0]
    p = ix.passages[0]
    text = ix.documents[p.doc_id].text[p.start : p.end]
    assert (first[0], first[1]) == sentence_spans(text)[0] and first[2] == searcher.normalizer(
        text[first[0] : first[1]]
    )


def test_answers_are_byte_identical_with_and_without_the_stored_file(built: Path) -> None:
    embedder = HashEmbedder()
    stored = Searcher(store.load(built), embedder)
    before = _per_question(Searcher(store.load(built), embedder))
    expected = _as_json([before.search(q, 5) for q in QUESTIONS])
    assert any('"highlights":[{' in a for a in expected)  # the comparison covers highlights
    assert _as_json([stored.search(q, 5) for q in QUESTIONS]) == expected
    _strip_presentation(store.resolve(built))
    older = Searcher(store.load(built), embedder)
    assert older.index.presentation is None and not older.presentation.precomputed
    assert _as_json([older.search(q, 5) for q in QUESTIONS]) == expected
    assert _as_json([older.search(q, 5) for q in QUESTIONS]) == expected  # memoised, still the same


def test_merged_spans_and_pinned_citations_are_presented_as_before(built: Path) -> None:
    embedder = HashEmbedder()
    stored = Searcher(store.load(built), embedder)
    before = _per_question(Searcher(store.load(built), embedder))
    ids = [p.passage_id for p in stored.index.passages]
    for q in QUESTIONS[:10]:
        for pid in ids[:: max(1, len(ids) // 8)]:
            assert stored.cite(pid, q).model_dump_json() == before.cite(pid, q).model_dump_json()
    for q in QUESTIONS:
        assert stored.search(q, 20).model_dump_json() == before.search(q, 20).model_dump_json()


def test_a_stored_file_of_another_tokenizer_is_not_used(built: Path) -> None:
    ix = store.load(built)
    searcher = Searcher(ix, HashEmbedder(), tokenizer=JiebaTokenizer())
    assert not searcher.presentation.precomputed
    assert searcher.search(QUESTIONS[0], 3).results


def test_a_damaged_presentation_file_refuses_the_build(built: Path) -> None:
    path = store.resolve(built) / presentation.FILE
    path.write_text(path.read_text(encoding="utf-8").replace("森林", "树木", 1), encoding="utf-8")
    with pytest.raises(IndexCorruptError, match="checksum"):
        store.load(built)


def test_repeated_questions_are_answered_from_the_cache(built: Path) -> None:
    embedder = HashEmbedder()
    cached = Searcher(store.load(built), embedder, answer_cache=4)
    plain = Searcher(store.load(built), embedder)
    first = cached.search(QUESTIONS[0], 5)
    assert cached.search(QUESTIONS[0], 5) is first  # no second search
    assert cached.search(QUESTIONS[0], 3) is not first  # another result count is another answer
    assert cached.search(QUESTIONS[0], 5, document_id="nope").results == []  # filters are part of the key
    for q in QUESTIONS[:6]:
        assert cached.search(q, 5).model_dump_json() == plain.search(q, 5).model_dump_json()
    assert len(cached._answers) == 4  # bounded: least recently used answers are dropped
    assert cached.with_index(store.load(built)).answer_cache_size == 4


def _highlight_as_before(
    text: str,
    query_norm: str,
    query_tokens: list[str],
    normalizer: Callable[[str], str],
    tokenizer: Callable[[str], list[str]],
    idf: Callable[[str], float],
) -> list[tuple[int, int]]:
    """index/highlight.py's ``highlight`` before presentation was precomputed, verbatim."""

    def bigrams(s: str) -> set[str]:
        s = re.sub(r"\W+", "", s)
        return {s[i : i + 2] for i in range(len(s) - 1)} if len(s) > 1 else ({s} if s else set())

    spans = sentence_spans(text)
    if not spans:
        return []
    q_terms = set(query_tokens)
    q_weight = sum(idf(t) for t in q_terms) or 1.0
    q_bi = bigrams(query_norm)
    asks_figure = asks_for_figure(query_norm)
    scored: list[tuple[float, int]] = []
    for i, (s, e) in enumerate(spans):
        norm = normalizer(text[s:e])
        terms = set(tokenizer(norm))
        score = sum(idf(t) for t in q_terms & terms) / q_weight
        if q_bi:
            score += len(q_bi & bigrams(norm)) / len(q_bi)
        if asks_figure and re.search(r"\d", norm):
            score += 0.25
        scored.append((score, i))
    scored.sort(key=lambda x: (-x[0], x[1]))
    best_score, best = scored[0]
    if best_score <= 0:
        return []
    chosen = [best]
    if len(scored) > 1 and scored[1][0] >= 0.8 * best_score:
        chosen.append(scored[1][1])
    return [spans[i] for i in sorted(chosen)]


def test_highlighting_from_prepared_sentences_matches_the_per_question_code(built: Path) -> None:
    ix = store.load(built)
    norm, tok = Normalizer(), JiebaTokenizer()
    idf = Searcher(ix, HashEmbedder()).idf
    texts = [ix.documents[p.doc_id].text[p.start : p.end] for p in ix.passages]
    for q in QUESTIONS:
        nq = norm(q)
        for text in texts:
            assert highlight(text, nq, tok(nq), norm, tok, idf) == _highlight_as_before(
                text, nq, tok(nq), norm, tok, idf
            )


@pytest.mark.slow
def test_real_model_answers_are_byte_identical_to_per_question_presentation(model_searcher: Searcher) -> None:
    assert model_searcher.presentation.precomputed
    before = _per_question(Searcher(model_searcher.index, model_searcher.embedder))
    for q in QUESTIONS:
        assert model_searcher.search(q, 5).model_dump_json() == before.search(q, 5).model_dump_json()
