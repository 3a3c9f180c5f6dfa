"""Search: question -> cited answers.

validate -> normalise + tokenise -> candidates (storage backend) -> fuse -> rerank -> scope prior
(the documents the question names, ``index/scope.py``) -> paragraphs -> decide (answerability)
-> present (merge touching passages, highlight, cite with pages)
"""

from __future__ import annotations

import bisect
import math
import re
import threading
import time
import unicodedata
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from index import fusion, presentation, selfcheck
from index.answerability import Answerability, Decision, Signals
from index.answerability import create as create_answerability
from index.answertype import (
    asked_unit,
    asks_for_date,
    asks_for_procedure,
    asks_for_residual,
    is_residual,
    states_procedure_under,
    states_quantity,
    states_unit,
    unit_missing,
)
from index.dictionary import Dictionary
from index.doctable import DocumentHead
from index.embed.base import Embedder
from index.errors import (
    IndexCorruptError,
    InvalidParameterError,
    InvalidQueryError,
    ModelMismatchError,
    PassageNotFoundError,
    QueryTooLongError,
)
from index.followup import combine
from index.highlight import asks_for_figure, choose
from index.intent import not_a_question
from index.lexical import BIGRAMS, JiebaTokenizer, Tokenizer, with_bigrams
from index.normalize import Normalizer
from index.passage import Page, Passage
from index.presentation import Presentation
from index.records import Answer, Citation, DocumentInfo, Highlight, ParagraphView, PassageView, Result
from index.rerank import Reranker
from index.rerank.pairs import passage_side
from index.scope import QueryScope, Scopes, query_scope, without_names
from index.store import LoadedIndex
from index.synonyms import Expander
from index.table import PassageTable
from index.translate import Translator, is_foreign

# Passages of one paragraph that touch and score within this share of the paragraph's best are shown
# as one result (so a paragraph is never listed twice and an answer split over two chunks stays whole).
MERGE_RATIO = 0.8
# Results one question may ask for (YOUJU_MAX_TOP_K's default).
MAX_TOP_K = 20

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_YEAR_TOKEN = re.compile(r"(?:19|20)\d\d年?|年")
_SURROGATE = re.compile("[\ud800-\udfff]")
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")

StageTimer = Callable[[str, float], None]
"""Told ``(stage, seconds)`` after each timed stage of one search: ``encoder`` (embedding the question) and
``reranker`` (the cross-encoder reading the best candidates). The service turns these into metrics; the core
only measures."""


def clean_text(text: str, what: str = "the question", *, keep_length: bool = False) -> str:
    """The one check of user text (questions, comments, texts to convert; API and CLI): control
    characters and unpaired surrogates (which no encoding can write) are refused with InvalidQueryError;
    bidirectional overrides and isolates (U+202A-U+202E, U+2066-U+2069), which would visibly reverse the
    citation line they are echoed in, are removed; the result is NFC. ``keep_length``: only refuse (texts
    whose offsets must survive, such as those sent for script conversion)."""
    if _CONTROL.search(text):
        raise InvalidQueryError(f"{what} contains control characters")
    if _SURROGATE.search(text):
        raise InvalidQueryError(f"{what} contains invalid characters (unpaired UTF-16 surrogates)")
    if keep_length:
        return text
    return unicodedata.normalize("NFC", _BIDI.sub("", text))


def validate_query(query: Any, max_chars: int) -> str:
    """The stripped question, or InvalidQueryError with a message a user understands."""
    if not isinstance(query, str):
        raise InvalidQueryError("the question must be text")
    q = clean_text(query).strip()
    if not q:
        raise InvalidQueryError("the question is empty")
    if len(q) > max_chars:
        raise QueryTooLongError(f"the question is {len(q)} characters long; the limit is {max_chars}")
    return q


def check_top_k(top_k: int, max_top_k: int) -> int:
    """``top_k`` when it is between 1 and ``max_top_k``, else InvalidParameterError."""
    if isinstance(top_k, bool) or not isinstance(top_k, int) or not 1 <= top_k <= max_top_k:
        raise InvalidParameterError(f"top_k must be between 1 and {max_top_k}")
    return top_k


@dataclass(frozen=True)
class Filters:
    """What a search may return: documents by id, type, year or issuer (all given must hold)."""

    document_ids: frozenset[str] | None = None
    doc_type: str | None = None
    year: int | None = None
    issuer: str | None = None  # text the issuer contains, either script
    section: str | None = None  # text a heading of the passage's section path contains, either script

    @property
    def empty(self) -> bool:
        return self == Filters()


@dataclass(frozen=True)
class Ranked:
    """Paragraph-level ranking of one question before presentation (the evaluation reads it too)."""

    rows: list[int]  # rows of LoadedIndex.passages, best first, one per paragraph
    scores: list[float]
    dense_top: float
    coverage_top: float
    unknown_share: float = 0.0  # idf share of the question's terms that no passage contains
    fused: dict[int, float] = field(default_factory=dict)  # every candidate row's fused score
    query_norm: str = ""
    query_tokens: list[str] = field(default_factory=list)
    scope_unmatched: float = 0.0  # 1 when the question names a place or year no document covers
    year_missing: float = 0.0  # 1 when the best result is not of the year named (Scopes.year_missing)
    unit_missing: float = 0.0  # 1: the question asks for a unit (张, 天, 元…) or how to apply; the best never says
    margin: float = 0.0  # fused score of the best paragraph less that of the second best (1.0 if alone)
    judge: float = -1.0  # the reranker's probability that the best passage answers (-1: no reranker)

    def signals(self, query: str) -> Signals:
        """What the answer decision weighs for this ranking of ``query``."""
        return Signals(
            query,
            self.dense_top,
            self.coverage_top,
            self.unknown_share,
            self.scope_unmatched,
            self.year_missing,
            self.unit_missing,
            self.margin,
            self.judge,
        )


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
        answerability: Answerability | None = None,
        reranker: Reranker | None = None,
        max_query_chars: int = 500,
        max_top_k: int = MAX_TOP_K,
        answer_cache: int = 0,
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
        # The deployment's dictionary as this build used it (index/dictionary.py): questions are segmented
        # and expanded exactly as the documents were.
        self.dictionary = Dictionary.from_json(m.dictionary)
        own = self.dictionary.normalized(self.normalizer)
        self._given_tokenizer = tokenizer  # None: the build's dictionary decides (again for each build)
        self.tokenizer = tokenizer or JiebaTokenizer(words=own.words)
        self.method: fusion.Method = method
        self.dense_weight = dense_weight
        self.answerability = answerability or create_answerability("logistic")
        self.reranker = reranker
        self.rerank_candidates = fusion.RERANK_CANDIDATES
        self.rerank_weight = fusion.RERANK_WEIGHT
        self._sides: dict[int, str] = {}
        self.max_query_chars = max_query_chars
        self.max_top_k = max_top_k
        self.strip_scope_terms = True
        self.expand = Expander(self.tokenizer, extra=own.terms())
        name = getattr(self.tokenizer, "name", type(self.tokenizer).__name__)
        if not m.tokenizer.startswith(name):
            raise IndexCorruptError(
                f"the index was tokenised with {m.tokenizer!r}, not {name!r}; rebuild it with `youju build`"
            )
        # The BM25 index holds character bigrams when its manifest says so (builds before them do not).
        self._bigrams = m.tokenizer.endswith(BIGRAMS)
        # The passages as a table: rows decoded on demand, the columns ranking reads for every candidate as
        # arrays, lookups by id, paragraph and span without a dictionary per passage (index/table.py).
        self.table = (
            index.passages
            if isinstance(index.passages, PassageTable)
            else PassageTable.of(index.passages, list(index.documents))
        )
        self._idf = index.backend.idf_table()
        # A term no passage contains gets the idf of document frequency 0: rarer than any known term.
        n = len(index.passages)
        self._unknown_idf = math.log1p((n + 0.5) / 0.5)
        # English questions: the corpus's Chinese words for their English ones (index/translate.py).
        self.translate = Translator(self.in_corpus, self.idf, self.tokenizer)
        self._norm_sections: dict[tuple[str, ...], tuple[str, ...]] = {}
        self._analyzed: dict[str, tuple[str, list[str]]] = {}
        self.scopes = Scopes(index.documents.heads, self.normalizer)
        # Sentences and terms of what results show: from the build when it stored them for this normaliser
        # and tokeniser (index/presentation.py), else computed once on first use.
        stored = index.presentation
        usable = (
            stored is not None
            and tokenizer is None
            and stored.get("version") == presentation.VERSION
            and stored.get("normalizer") == self.normalizer.name
            and stored.get("tokenizer") == name
        )
        self.presentation = Presentation(
            index.documents,
            self.table,
            self.normalizer,
            self.tokenizer,
            stored if usable else None,
            row_of_span=self.table.row_of_span,
        )
        # Answers to repeated questions (hotline staff ask the same ones all day): core-level, so a pinned
        # answer (service/pins.py, applied after the search) is never cached here.
        self.answer_cache_size = answer_cache
        self._answers: OrderedDict[tuple[Any, ...], Answer] = OrderedDict()
        self._answers_lock = threading.Lock()
        self.figure_penalty = fusion.FIGURE_PENALTY
        self.residual_penalty = fusion.RESIDUAL_PENALTY
        self.answer_type_penalty = fusion.ANSWER_TYPE_PENALTY

    def with_index(self, index: LoadedIndex) -> Searcher:
        """A searcher of another build with the same model and configuration (a reload reuses the model)."""
        return Searcher(
            index,
            self.embedder,
            normalizer=self.normalizer,
            tokenizer=self._given_tokenizer,
            method=self.method,
            dense_weight=self.dense_weight,
            answerability=self.answerability,
            reranker=self.reranker,
            max_query_chars=self.max_query_chars,
            max_top_k=self.max_top_k,
            answer_cache=self.answer_cache_size,
        )

    # ------------------------------------------------------------------------------------ scoring
    def idf(self, term: str) -> float:
        """Lucene idf; a term the corpus lacks gets the idf of document frequency 0."""
        return self._idf.get(term, self._unknown_idf)

    def unknown_share(self, query_tokens: list[str]) -> float:
        """idf-weighted share of the question's terms that appear in no passage at all."""
        terms = set(query_tokens)
        total = sum(self.idf(t) for t in terms)
        return sum(self.idf(t) for t in terms if t not in self._idf) / total if total else 0.0

    def _passage_terms(self, row: int) -> frozenset[str]:
        return self.presentation.terms(row)

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

    def coverage(self, query_tokens: list[str], row: int) -> float:
        """idf-weighted share of the question's terms found in passage ``row`` (0..1)."""
        terms = set(query_tokens)
        if not terms:
            return 0.0
        have = self._passage_terms(row)
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
        filters: Filters | None = None,
        scoped: bool = True,
        stage_timer: StageTimer | None = None,
    ) -> Ranked:
        """Paragraph-level ranking of a validated question (``method`` overrides the configured fusion).
        ``filters`` restrict the documents and sections; ``scoped`` applies the prior for the documents
        the question names (years, places, bodies; ``index/scope.py``); ``stage_timer`` is told how long
        the encoder and the reranker took."""
        ix = self.index
        nq, tokens = self.analyze(query)
        if query_vector is not None:
            qv = query_vector
        else:
            t0 = time.perf_counter()
            qv = self.embedder.embed_queries([nq])[0]
            if stage_timer is not None:
                stage_timer("encoder", time.perf_counter() - t0)
        qs = self._scope(nq)
        priors = self.scopes.priors(qs) if scoped else {}
        lexical_text = nq
        if priors and self.strip_scope_terms:
            # The places and bodies the question names chose the documents (the priors); within them they
            # would only favour passages that repeat the name (an introduction) over the one that answers.
            names = [*qs.places, *qs.bodies]
            lexical_text = without_names(nq, qs)
            kept = self.tokenizer(lexical_text)
            tokens = [t for t in kept if not any(t in n or n in t for n in names)] or tokens
        lexical = self.expand(nq, tokens)
        # An English question: its words and phrases, each with the corpus's words for it (index/translate.py).
        english = self.translate.units(lexical_text, self.expand.english(nq)) if is_foreign(nq) else []
        for _, terms in english:
            lexical = lexical + [t for t in terms if t not in lexical]
        if self._bigrams:
            lexical = with_bigrams(lexical_text, lexical)
        subset = None
        if filters is not None and not filters.empty:
            # Filtered search scores every passage that passes the filter (exact, no candidate cut).
            subset = self._subset(filters)
            if not len(subset):
                return Ranked([], [], 0.0, 0.0)
        cands = ix.backend.candidates(qv, lexical, fusion.CANDIDATES, subset)
        if not len(cands.ids):
            return Ranked([], [], 0.0, 0.0)
        method = method or self.method
        weight = self.dense_weight if dense_weight is None else dense_weight
        fused = fusion.fuse(cands.dense, cands.lexical, method, weight)
        asks_figure = asks_for_figure(nq)
        if self.figure_penalty and asks_figure:
            # A question for a quantity is not answered by a passage without a single figure.
            fused = fusion.figure_prior(fused, self.table.figure[cands.ids], self.figure_penalty)
        fused = self._text_priors(fused, cands.ids, nq, asks_figure)
        judged: dict[int, float] = {}
        if self.reranker is not None:
            read = fusion.rerank_top(fused, self.rerank_candidates)
            rows_read = [int(cands.ids[i]) for i in read]
            t0 = time.perf_counter()
            probs = self.reranker.score(nq, [self.pair_side(r) for r in rows_read])
            if stage_timer is not None:
                stage_timer("reranker", time.perf_counter() - t0)
            fused = fusion.rerank_blend(fused, read, probs, self.rerank_weight)
            judged = {r: float(p) for r, p in zip(rows_read, probs, strict=True)}
        if priors:
            by_doc = np.array([priors.get(d, 0.0) for d in self.table.doc_ids], dtype=np.float32)
            fused = fused + by_doc[self.table.doc[cands.ids]]
        if scoped and qs.years:
            fused = self._section_years(fused, cands.ids, qs)
        order = np.argsort(-fused, kind="stable")
        seen: set[tuple[str, int]] = set()
        rows: list[int] = []
        scores: list[float] = []
        for o in order:
            row = int(cands.ids[o])
            key = self.table.paragraph_key(row)
            if key in seen:
                continue
            seen.add(key)
            rows.append(row)
            scores.append(float(fused[o]))
            if len(rows) >= depth:
                break
        top = int(cands.ids[order[0]])
        dense_top = float(cands.dense[order[0]])
        top_key = self.table.paragraph_key(top)
        second = next((float(fused[o]) for o in order if self.table.paragraph_key(int(cands.ids[o])) != top_key), None)
        margin = 1.0 if second is None else float(fused[order[0]]) - second
        by_row = {int(c): float(f) for c, f in zip(cands.ids, fused, strict=True)}
        # Coverage counts what the question asks about, not where or when: 怀柔区长是谁 shares 怀柔区 with
        # the report's opening line, and nothing else (a year or a place alone answers nothing).
        named = [*qs.places, *qs.bodies]
        content = [t for t in tokens if not (_YEAR_TOKEN.fullmatch(t) or any(t in n or n in t for n in named))]
        # What an English question asks about, the places it names aside (they chose the documents).
        asked = [(text, terms) for text, terms in english if text not in qs.spelled]
        if asked:
            # An English question shares no words with the documents: its coverage is the share of its
            # words and phrases whose translation the best passage holds (France, with no word in a district
            # report, is never covered), its unknown share that of those the corpus has no word for.
            have = self._passage_terms(top)
            coverage = sum(bool(have.intersection(terms)) for _, terms in asked) / len(asked)
            unknown = self._untranslated(asked)
        else:
            coverage = self.coverage(content or tokens, top)
            unknown = 0.0 if is_foreign(nq) else self.unknown_share(tokens)
        unmatched = self.scopes.unmatched(qs)
        if asked and self.translate.unknown_names(query, asked, qs.spelled):
            unmatched = 1.0  # an English question names something (France) the documents never mention
        best = ix.passages[rows[0]]
        heads = self.section_norm(best)
        best_text = " ".join([*heads, best.norm_text])
        return Ranked(
            rows,
            scores,
            dense_top,
            coverage,
            unknown,
            by_row,
            nq,
            tokens,
            unmatched,
            self.scopes.year_missing(qs, best.doc_id, best_text, heads),
            unit_missing(nq, best.norm_text, " ".join(heads)),
            margin,
            judged.get(top, 0.0) if self.reranker is not None else -1.0,
        )

    def _untranslated(self, english: list[tuple[str, list[str]]]) -> float:
        """An English question's unknown share: its words and phrases with no word in the corpus, each
        weighing the idf of a term no passage contains, the others the idf of their rarest translation
        (as the terms of a Chinese question weigh in ``unknown_share``)."""
        weights = [max((self.idf(t) for t in terms), default=self._unknown_idf) for _, terms in english]
        total = sum(weights)
        unknown = sum(w for w, (_, terms) in zip(weights, english, strict=True) if not terms)
        return unknown / total if total else 0.0

    def _text_priors(
        self, fused: np.ndarray[Any, Any], ids: np.ndarray[Any, Any], nq: str, asks_figure: bool
    ) -> np.ndarray[Any, Any]:
        """The answer-type priors that read the text of the ``fusion.PRIOR_CANDIDATES`` best candidates
        (``index/answertype.py``): a residual 其他… item loses ``residual_penalty`` unless the question asks about
        one; a passage that does not state what the question asks for (a figure in the asked unit, a
        duration, a quantity other than dates, a way to apply) loses ``answer_type_penalty``."""
        residual = self.residual_penalty > 0 and not asks_for_residual(nq)
        units = asked_unit(nq) if self.answer_type_penalty > 0 else None
        quantity = self.answer_type_penalty > 0 and asks_figure and not asks_for_date(nq)
        procedure = self.answer_type_penalty > 0 and asks_for_procedure(nq)
        if not (residual or units or quantity or procedure):
            return fused
        top = fusion.rerank_top(fused, fusion.PRIOR_CANDIDATES)
        texts = [self.table[int(ids[i])] for i in top]
        if residual:
            mask = np.zeros(len(fused), dtype=np.bool_)
            mask[top] = [is_residual(p.text) for p in texts]
            fused = fusion.demote(fused, mask, self.residual_penalty)
        if units or quantity:
            mask = np.zeros(len(fused), dtype=np.bool_)
            mask[top] = [
                not (states_unit(p.norm_text, units) if units else states_quantity(p.norm_text)) for p in texts
            ]
            fused = fusion.demote(fused, mask, self.answer_type_penalty)
        if procedure:
            # 低保怎么申请: the guide's passage that names the papers and the office, before the report's count.
            mask = np.zeros(len(fused), dtype=np.bool_)
            mask[top] = [not states_procedure_under(" ".join(self.section_norm(p)), p.norm_text) for p in texts]
            fused = fusion.demote(fused, mask, self.answer_type_penalty)
        return fused

    def _section_years(
        self, fused: np.ndarray[Any, Any], ids: np.ndarray[Any, Any], qs: QueryScope
    ) -> np.ndarray[Any, Any]:
        """``fused`` with the year prior of the ``fusion.PRIOR_CANDIDATES`` best candidates corrected by the
        years their section headings name (``Scopes.section_years``)."""
        top = fusion.rerank_top(fused, fusion.PRIOR_CANDIDATES)
        out = fused.astype(np.float32, copy=True)
        for i in top:
            p = self.table[int(ids[i])]
            out[i] += np.float32(self.scopes.section_years(qs, p.doc_id, self.section_norm(p)))
        return out

    def pair_side(self, row: int) -> str:
        """The passage half of a cross-encoder pair for passage ``row`` (memoised)."""
        side = self._sides.get(row)
        if side is None:
            p = self.index.passages[row]
            side = self._sides[row] = passage_side(p.norm_text, self.section_norm(p))
        return side

    def section_norm(self, p: Passage) -> tuple[str, ...]:
        """The headings above passage ``p``, outermost first, in matching form (memoised per section)."""
        if p.section not in self._norm_sections:
            self._norm_sections[p.section] = tuple(self.normalizer(h) for h in p.section)
        return self._norm_sections[p.section]

    def _scope(self, query_norm: str) -> QueryScope:
        return query_scope(query_norm, self.scopes.known_places, self.scopes.spellings, self.translate.knows)

    def _doc_passes(self, doc: DocumentHead, f: Filters) -> bool:
        if f.document_ids is not None and doc.doc_id not in f.document_ids:
            return False
        meta = doc.metadata
        if f.doc_type is not None and self.normalizer(str(meta.get("doc_type") or "")) != self.normalizer(f.doc_type):
            return False
        if f.year is not None and str(meta.get("year") or "")[:4] != str(f.year):
            return False
        if f.issuer is not None:
            issuer = self.normalizer(f"{meta.get('issuer') or ''} {meta.get('region') or ''}")
            if self.normalizer(f.issuer) not in issuer:
                return False
        return True

    def _subset(self, f: Filters) -> np.ndarray[Any, Any]:
        docs = {h.doc_id for h in self.index.documents.heads if self._doc_passes(h, f)}
        want = self.normalizer(f.section) if f.section is not None else None
        # Rows of the documents that pass, from the document column; only a section filter decodes passages.
        positions = [i for i, d in enumerate(self.table.doc_ids) if d in docs]
        rows = np.flatnonzero(np.isin(self.table.doc, positions)).astype(np.int64)
        if want is None:
            return rows
        return np.array([int(i) for i in rows if self._in_section(self.table[int(i)], want)], dtype=np.int64)

    def _in_section(self, p: Passage, want: str | None) -> bool:
        """``want`` is a section filter in matching form; it matches any heading of the passage's path that
        contains it, so 主要举措 finds 主要舉措 and (七) finds (七)聚焦群眾期盼…"""
        if want is None:
            return True
        return any(want in h for h in self.section_norm(p))

    def decide(self, query: str, ranked: Ranked) -> Decision:
        """Does the best result answer the question? The one place this is decided."""
        if not_a_question(ranked.query_norm or self.analyze(query)[0]):
            return Decision(answered=False, confidence=0.0, not_a_question=True)
        if not ranked.rows:
            return Decision(answered=False, confidence=0.0)
        return self.answerability.decide(ranked.signals(query))

    # ---------------------------------------------------------------------------------- answering
    def search(
        self,
        query: str,
        top_k: int = 5,
        *,
        document_id: str | None = None,
        section: str | None = None,
        filters: Filters | None = None,
        previous: str | None = None,
        stage_timer: StageTimer | None = None,
    ) -> Answer:
        """Cited answers for a question. ``filters`` (or the shorthands ``document_id`` and ``section``, text
        a heading contains) narrow it. ``previous``: the question asked just before, for follow-ups such as
        那2025年呢 (``index/followup.py``); ``Answer.query`` is then the question as searched. ``stage_timer``
        is told the seconds of the timed stages (``StageTimer``; not called for an answer from the cache of
        repeated questions, ``answer_cache``)."""
        if self.answer_cache_size <= 0:
            return self._search(query, top_k, document_id, section, filters, previous, stage_timer)
        key = (self.index.manifest.build_id, query, top_k, document_id, section, filters, previous)
        with self._answers_lock:
            hit = self._answers.get(key)
            if hit is not None:
                self._answers.move_to_end(key)
                return hit
        answer = self._search(query, top_k, document_id, section, filters, previous, stage_timer)
        with self._answers_lock:
            self._answers[key] = answer
            while len(self._answers) > self.answer_cache_size:
                self._answers.popitem(last=False)
        return answer

    def _search(
        self,
        query: str,
        top_k: int,
        document_id: str | None,
        section: str | None,
        filters: Filters | None,
        previous: str | None,
        stage_timer: StageTimer | None,
    ) -> Answer:
        q = validate_query(query, self.max_query_chars)
        if previous and previous.strip():
            q = validate_query(combine(q, validate_query(previous, self.max_query_chars)), 2 * self.max_query_chars)
        top_k = check_top_k(top_k, self.max_top_k)
        if document_id is not None or section is not None:
            base = filters or Filters()
            ids = frozenset({document_id}) if document_id is not None else base.document_ids
            filters = replace(base, document_ids=ids, section=section if section is not None else base.section)
        if not_a_question(self.analyze(q)[0]):
            # 在吗, ？？？, 😀, asdfgh: searching would only find noise.
            return Answer(query=q, answered=False, confidence=0.0, reason="not_a_question")
        ranked = self.rank(q, depth=top_k, filters=filters, stage_timer=stage_timer)
        decision = self.decide(q, ranked)
        results = [
            self._present(row, score, ranked.fused, ranked.query_tokens, ranked.query_norm)
            for row, score in zip(ranked.rows, ranked.scores, strict=True)
        ]
        return Answer(
            query=q,
            answered=decision.answered,
            confidence=decision.confidence,
            reason=decision.reason,
            results=results,
        )

    def _citation(self, p: Passage, start: int, end: int) -> Citation:
        doc = self.index.documents[p.doc_id]
        first, last = _page_at(doc.pages, start), _page_at(doc.pages, max(start, end - 1))
        year = doc.metadata.get("year")
        by = doc.metadata.get("superseded_by") if doc.metadata.get("status") == "superseded" else None
        return Citation(
            document_id=p.doc_id,
            title=doc.title,
            section=list(p.section),
            paragraph=p.paragraph,
            start=start,
            end=end,
            page=first.number if first else None,
            page_end=last.number if last else None,
            printed_page=first.label if first else None,
            ocr=any(pg.ocr for pg in doc.pages if first and last and first.number <= pg.number <= last.number),
            year=int(str(year)[:4]) if str(year or "")[:4].isdigit() else None,
            superseded_by=str(by) if by else None,
        )

    def _present(self, row: int, score: float, fused: dict[int, float], tokens: list[str], nq: str) -> Result:
        ix = self.index
        best = ix.passages[row]
        doc = ix.documents[best.doc_id]
        # Grow the span over touching passages of the same paragraph that also score well.
        start, end = best.start, best.end
        siblings = self.table.paragraph_rows(best.doc_id, best.paragraph)
        changed = True
        while changed:
            changed = False
            for si in siblings:
                p = self.table[si]
                near = p.end >= start - 1 and p.start <= end + 1
                if near and (p.start < start or p.end > end) and fused.get(si, -math.inf) >= MERGE_RATIO * score:
                    start, end = min(start, p.start), max(end, p.end)
                    changed = True
        text = doc.text[start:end]
        spans = choose(self.presentation.sentences(best.doc_id, start, end), nq, tokens, self.idf)
        return Result(
            passage_id=best.passage_id,
            text=text,
            context=doc.text[best.paragraph_start : best.paragraph_end],
            context_start=start - best.paragraph_start,
            score=score,
            highlights=[Highlight(start=s, end=e) for s, e in spans],
            citation=self._citation(best, start, end),
        )

    def self_check(self) -> None:
        """Known passages find themselves by their own vector and terms (index/selfcheck.py); raises
        IndexCorruptError. Run on every load and reload before the service switches to this searcher."""
        # A split embedder checks with its loaded question encoder (``SplitEmbedder.check_passages``).
        embed = getattr(self.embedder, "check_passages", None) or self.embedder.embed_passages
        selfcheck.check(self.index, self.tokenizer, bigrams=self._bigrams, embed_passages=embed)

    # ---------------------------------------------------------------------------------- lookups
    def cite(self, passage_id: str, query: str, score: float = 1.0) -> Result:
        """Passage ``passage_id`` as a result for ``query`` (its answering sentences highlighted): how a
        passage chosen by staff (a pinned answer) is shown, exactly like a found one."""
        row = self.table.row_of_id(passage_id)
        if row is None:
            raise PassageNotFoundError(f"no passage with id {passage_id!r} in the live index")
        nq, tokens = self.analyze(query)
        return self._present(row, score, {}, tokens, nq)

    def find_text(self, text: str) -> str | None:
        """The id of a passage of the live index whose text is ``text`` (spaces ignored), if any: a pinned
        passage is found again after a rebuild changed its id (a renamed file, a moved paragraph)."""
        want = "".join(text.split())
        if not want:
            return None
        return next((p.passage_id for p in self.index.passages if "".join(p.text.split()) == want), None)

    def has_passage(self, passage_id: str) -> bool:
        return self.table.row_of_id(passage_id) is not None

    def in_corpus(self, term: str) -> bool:
        """Whether some passage holds the lexical term ``term`` (a word of ``analyze``)."""
        return term in self._idf

    def passage(self, passage_id: str) -> PassageView:
        """One passage with its paragraph and the neighbouring paragraphs (for display)."""
        i = self.table.row_of_id(passage_id)
        if i is None:
            raise PassageNotFoundError(f"no passage with id {passage_id!r} in the live index")
        ix = self.index
        p = ix.passages[i]
        doc = ix.documents[p.doc_id]

        def para(number: int) -> ParagraphView | None:
            members = self.table.paragraph_rows(p.doc_id, number)
            if not members:
                return None
            q = ix.passages[members[0]]
            return ParagraphView(
                paragraph=number,
                section=list(q.section),
                start=q.paragraph_start,
                end=q.paragraph_end,
                text=doc.text[q.paragraph_start : q.paragraph_end],
            )

        return PassageView(
            passage_id=passage_id,
            text=p.text,
            citation=self._citation(p, p.start, p.end),
            paragraph=para(p.paragraph),
            previous=para(p.paragraph - 1),
            next=para(p.paragraph + 1),
        )

    def documents(self) -> list[DocumentInfo]:
        counts: dict[str, int] = {}
        for d, c in zip(self.table.doc_ids, self.table.doc_counts().tolist(), strict=True):
            counts[d] = counts.get(d, 0) + c
        return [
            DocumentInfo(
                document_id=d.doc_id,
                title=d.title,
                path=d.path,
                format=d.format,
                pages=d.pages,
                metadata=d.metadata,
                passages=counts.get(d.doc_id, 0),
                characters=d.characters,
            )
            for d in self.index.documents.heads
        ]


def _page_at(pages: tuple[Page, ...], offset: int) -> Page | None:
    """The page a canonical-text offset lies on (None for documents without pages)."""
    if not pages:
        return None
    starts = [p.start for p in pages]
    i = bisect.bisect_right(starts, offset) - 1
    return pages[max(0, i)]
