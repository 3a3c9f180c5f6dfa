"""Search: question -> cited answers. Hybrid retrieval, paragraph merging, highlighting, no-answer."""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from index import fusion, noanswer
from index.embed.base import Embedder
from index.errors import InvalidQueryError, ModelMismatchError, PassageNotFoundError, QueryTooLongError
from index.highlight import highlight
from index.lexical import JiebaTokenizer, Tokenizer
from index.normalize import Normalizer
from index.passage import Passage
from index.store import LoadedIndex

# Passages of one paragraph that touch and score within this share of the paragraph's best are shown
# as one result (so a paragraph is never listed twice and an answer split over two chunks stays whole).
MERGE_RATIO = 0.8

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def validate_query(query: Any, max_chars: int) -> str:
    """The stripped question, or InvalidQueryError with a message a user understands."""
    if not isinstance(query, str):
        raise InvalidQueryError("the question must be text")
    if _CONTROL.search(query):
        raise InvalidQueryError("the question contains control characters")
    q = unicodedata.normalize("NFC", query).strip()
    if not q:
        raise InvalidQueryError("the question is empty")
    if len(q) > max_chars:
        raise QueryTooLongError(f"the question is {len(q)} characters long; the limit is {max_chars}")
    return q


@dataclass(frozen=True)
class Citation:
    document_id: str
    title: str
    section: list[str]
    paragraph: int
    start: int
    end: int


@dataclass(frozen=True)
class Result:
    passage_id: str
    text: str  # original text, == document text[citation.start:citation.end]
    context: str  # the whole paragraph, original text
    score: float
    highlights: list[dict[str, int]]  # spans into ``text``
    citation: Citation
    context_start: int  # offset of ``text`` inside ``context``

    def to_json(self) -> dict[str, Any]:
        c = self.citation
        return {
            "passage_id": self.passage_id,
            "text": self.text,
            "context": self.context,
            "context_start": self.context_start,
            "score": round(self.score, 6),
            "highlights": self.highlights,
            "citation": {
                "document_id": c.document_id,
                "title": c.title,
                "section": c.section,
                "paragraph": c.paragraph,
                "start": c.start,
                "end": c.end,
            },
        }


@dataclass(frozen=True)
class Answer:
    query: str
    answered: bool
    confidence: float
    results: list[Result] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "answered": self.answered,
            "confidence": round(self.confidence, 4),
            "results": [r.to_json() for r in self.results],
        }


@dataclass(frozen=True)
class Ranked:
    """Paragraph-level ranking before presentation (used by the evaluation harness)."""

    passages: list[int]  # passage indices, best first, one per paragraph
    scores: list[float]
    dense_top: float
    coverage_top: float
    unknown_share: float = 0.0  # idf share of the question's terms that no passage contains
    fused: dict[int, float] = field(default_factory=dict)  # every candidate passage's fused score
    query_norm: str = ""
    query_tokens: list[str] = field(default_factory=list)


class Searcher:
    def __init__(
        self,
        index: LoadedIndex,
        embedder: Embedder,
        *,
        normalizer: Normalizer | None = None,
        tokenizer: Tokenizer | None = None,
        method: fusion.Method = "convex",
        dense_weight: float = fusion.DENSE_WEIGHT,
        no_answer_threshold: float | None = None,
        max_query_chars: int = 500,
    ) -> None:
        m = index.manifest
        if embedder.model_id != m.model or embedder.dimension != m.dimension:
            raise ModelMismatchError(
                f"the index was built with model {m.model!r} ({m.dimension} dimensions) and cannot be "
                f"queried with {embedder.model_id!r}; rebuild it with `youju build`"
            )
        self.index = index
        self.embedder = embedder
        self.normalizer = normalizer or Normalizer()
        self.tokenizer = tokenizer or JiebaTokenizer()
        self.method: fusion.Method = method
        self.dense_weight = dense_weight
        self.threshold = noanswer.THRESHOLD if no_answer_threshold is None else no_answer_threshold
        self.max_query_chars = max_query_chars
        self._by_id = {p.passage_id: i for i, p in enumerate(index.passages)}
        self._idf = index.bm25.idf_table()
        # A term no passage contains gets the idf of document frequency 0: rarer than any known term.
        n = len(index.passages)
        self._unknown_idf = math.log1p((n + 0.5) / 0.5)
        self._norm_sections: dict[tuple[str, ...], tuple[str, ...]] = {}
        self._terms: dict[int, frozenset[str]] = {}
        self._analyzed: dict[str, tuple[str, list[str]]] = {}
        self._para_passages: dict[tuple[str, int], list[int]] = {}
        for i, p in enumerate(index.passages):
            self._para_passages.setdefault(p.paragraph_key, []).append(i)

    # ------------------------------------------------------------------------------------ scoring
    def idf(self, term: str) -> float:
        """Lucene idf; a term the corpus lacks gets the idf of document frequency 0."""
        return self._idf.get(term, self._unknown_idf)

    def unknown_share(self, query_tokens: list[str]) -> float:
        """idf-weighted share of the question's terms that appear in no passage at all."""
        terms = set(query_tokens)
        total = sum(self.idf(t) for t in terms)
        return sum(self.idf(t) for t in terms if t not in self._idf) / total if total else 0.0

    def _passage_terms(self, i: int) -> frozenset[str]:
        terms = self._terms.get(i)
        if terms is None:
            terms = self._terms[i] = frozenset(self.tokenizer(self.index.passages[i].norm_text))
        return terms

    def analyze(self, query: str) -> tuple[str, list[str]]:
        """(matching form, lexical tokens) of a question; memoised, since hotline staff repeat questions."""
        hit = self._analyzed.get(query)
        if hit is None:
            nq = self.normalizer(query)
            hit = (nq, self.tokenizer(nq))
            if len(self._analyzed) >= 4096:
                self._analyzed.clear()
            self._analyzed[query] = hit
        return hit

    def coverage(self, query_tokens: list[str], i: int) -> float:
        """idf-weighted share of the question's terms found in passage ``i`` (0..1)."""
        terms = set(query_tokens)
        if not terms:
            return 0.0
        have = self._passage_terms(i)
        total = sum(self.idf(t) for t in terms)
        return sum(self.idf(t) for t in terms & have) / total if total else 0.0

    def rank(
        self,
        query: str,
        *,
        query_vector: np.ndarray[Any, Any] | None = None,
        depth: int = 20,
        method: fusion.Method | None = None,
        dense_weight: float | None = None,
        document_id: str | None = None,
        section: str | None = None,
    ) -> Ranked:
        """Paragraph-level ranking of a validated question (``method`` overrides the configured fusion)."""
        ix = self.index
        nq, tokens = self.analyze(query)
        qv = query_vector if query_vector is not None else self.embedder.embed_queries([nq])[0]
        n = len(ix.passages)
        k = min(fusion.CANDIDATES, n)
        bm = ix.bm25.scores(tokens)
        if document_id is not None or section is not None:
            # Filtered search scores every passage that passes the filter (exact, no candidate cut).
            want = self.normalizer(section) if section is not None else None
            cand = np.array(
                [i for i, p in enumerate(ix.passages) if self._passes(p, document_id, want)], dtype=np.int64
            )
            if not len(cand):
                return Ranked([], [], 0.0, 0.0)
        else:
            _, dense_ids = ix.dense.search(qv[None, :].astype(np.float32), k)
            lex_ids = np.argpartition(-bm, k - 1)[:k] if k < n else np.arange(n)
            cand = np.unique(np.concatenate([dense_ids[0][dense_ids[0] >= 0], lex_ids[bm[lex_ids] > 0]]))
        dense_scores = ix.vectors[cand] @ qv.astype(np.float32)
        method = method or self.method
        fused = fusion.fuse(dense_scores, bm[cand], method, self.dense_weight if dense_weight is None else dense_weight)
        order = np.argsort(-fused, kind="stable")
        seen: set[tuple[str, int]] = set()
        ranked: list[int] = []
        scores: list[float] = []
        for o in order:
            pi = int(cand[o])
            key = ix.passages[pi].paragraph_key
            if key in seen:
                continue
            seen.add(key)
            ranked.append(pi)
            scores.append(float(fused[o]))
            if len(ranked) >= depth:
                break
        top = int(cand[order[0]]) if len(order) else -1
        dense_top = float(dense_scores[order[0]]) if len(order) else 0.0
        cov = self.coverage(tokens, top) if top >= 0 else 0.0
        by_passage = {int(c): float(f) for c, f in zip(cand, fused, strict=True)}
        return Ranked(ranked, scores, dense_top, cov, self.unknown_share(tokens), by_passage, nq, tokens)

    def _passes(self, p: Passage, document_id: str | None, want: str | None) -> bool:
        """``want`` is a section filter in matching form; it matches any heading of the passage's path that
        contains it, so 主要举措 finds 主要舉措 and (七) finds (七)聚焦群眾期盼…"""
        if document_id is not None and p.doc_id != document_id:
            return False
        if want is None:
            return True
        if p.section not in self._norm_sections:
            self._norm_sections[p.section] = tuple(self.normalizer(h) for h in p.section)
        return any(want in h for h in self._norm_sections[p.section])

    # ---------------------------------------------------------------------------------- answering
    def search(
        self, query: str, top_k: int = 5, *, document_id: str | None = None, section: str | None = None
    ) -> Answer:
        """Cited answers for a question. ``document_id`` / ``section`` (a heading prefix) narrow the search."""
        q = validate_query(query, self.max_query_chars)
        top_k = max(1, min(int(top_k), 50))
        ranked = self.rank(q, depth=top_k, document_id=document_id, section=section)
        if not ranked.passages:
            return Answer(query=q, answered=False, confidence=0.0, results=[])
        confidence = noanswer.confidence(q, ranked.dense_top, ranked.coverage_top, ranked.unknown_share)
        results = [
            self._present(pi, score, ranked.fused, ranked.query_tokens, ranked.query_norm)
            for pi, score in zip(ranked.passages, ranked.scores, strict=True)
        ]
        return Answer(query=q, answered=confidence >= self.threshold, confidence=confidence, results=results)

    def _present(self, pi: int, score: float, fused: dict[int, float], tokens: list[str], nq: str) -> Result:
        ix = self.index
        best = ix.passages[pi]
        doc = ix.documents[best.doc_id]
        # Grow the span over touching passages of the same paragraph that also score well.
        start, end = best.start, best.end
        siblings = self._para_passages[best.paragraph_key]
        changed = True
        while changed:
            changed = False
            for si in siblings:
                p = ix.passages[si]
                near = p.end >= start - 1 and p.start <= end + 1
                if near and (p.start < start or p.end > end) and fused.get(si, -math.inf) >= MERGE_RATIO * score:
                    start, end = min(start, p.start), max(end, p.end)
                    changed = True
        text = doc.text[start:end]
        spans = highlight(text, nq, tokens, self.normalizer, self.tokenizer, self.idf)
        return Result(
            passage_id=best.passage_id,
            text=text,
            context=doc.text[best.paragraph_start : best.paragraph_end],
            score=score,
            highlights=[{"start": s, "end": e} for s, e in spans],
            citation=Citation(best.doc_id, doc.title, list(best.section), best.paragraph, start, end),
            context_start=start - best.paragraph_start,
        )

    # ---------------------------------------------------------------------------------- lookups
    def passage(self, passage_id: str) -> dict[str, Any]:
        """One passage with its paragraph and the neighbouring paragraphs (for display)."""
        i = self._by_id.get(passage_id)
        if i is None:
            raise PassageNotFoundError(f"no passage with id {passage_id!r} in the live index")
        ix = self.index
        p = ix.passages[i]
        doc = ix.documents[p.doc_id]

        def para(number: int) -> dict[str, Any] | None:
            members = self._para_passages.get((p.doc_id, number))
            if not members:
                return None
            q = ix.passages[members[0]]
            return {
                "paragraph": number,
                "section": list(q.section),
                "start": q.paragraph_start,
                "end": q.paragraph_end,
                "text": doc.text[q.paragraph_start : q.paragraph_end],
            }

        return {
            "passage_id": passage_id,
            "text": p.text,
            "citation": {
                "document_id": p.doc_id,
                "title": doc.title,
                "section": list(p.section),
                "paragraph": p.paragraph,
                "start": p.start,
                "end": p.end,
            },
            "paragraph": para(p.paragraph),
            "previous": para(p.paragraph - 1),
            "next": para(p.paragraph + 1),
        }

    def documents(self) -> list[dict[str, Any]]:
        counts: dict[str, int] = {}
        for p in self.index.passages:
            counts[p.doc_id] = counts.get(p.doc_id, 0) + 1
        return [
            {
                "document_id": d.doc_id,
                "title": d.title,
                "path": d.path,
                "metadata": d.metadata,
                "passages": counts.get(d.doc_id, 0),
                "characters": len(d.text),
            }
            for d in self.index.documents.values()
        ]
