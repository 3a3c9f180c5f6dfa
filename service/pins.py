"""Pinned answers: staff choose the passage(s) that answer a frequent question, today, without retraining.

A pin is a question and one to five passages of the live index. A later question that means the same thing
gets the pinned passages first, marked ``pinned``; they are still quotations with their citations, shown
exactly as a found passage is (``Searcher.cite``), never text staff typed.

"Means the same thing" (``PinMatcher``): the same question once folded (script, punctuation, case), or an
embedding cosine of at least ``pin_similarity`` between the two questions **and** no distinctive word on
either side that the other lacks. The cosine alone is not enough: with multilingual-e5-small, paraphrases
score 0.97-0.99 (怀柔森林覆盖率多少 / 怀柔区的森林覆盖率是多少？ 0.983), but so does a question about something
else in the same words (怀柔的绿化覆盖率多少 0.976). A distinctive word is a word of the question that the
documents hold (so colloquial words the documents never use, 案子, 咋, do not count) and that is not
covered by the other question (not contained in it, and no word of it contains it or is contained in it):
绿化 is distinctive and absent from the pin, so the pin is not used. Measured on the gold set's questions
(docs/integrations.md): cosines of different questions stay below 0.94 in 99.9% of pairs.

Pins survive rebuilds while their passages exist: passage ids are content hashes, so an unchanged passage
keeps its id; one whose id vanished is looked for by its quoted text (``Searcher.find_text``) and relinked;
a pin none of whose passages can be found is reported ``missing`` (staff list, status, log) and not used.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import sqlalchemy as sa

from index.errors import PassageNotFoundError, YoujuError
from index.records import Answer, Result
from index.search import Searcher
from service.db import schema
from service.db.engine import Database
from service.db.store import Store, utc_now
from service.errors import PinError, PinsUnavailableError
from service.querylog import grouping_key
from service.schemas import Pin, PinImportError, PinImportReport, PinList, PinnedPassage

log = logging.getLogger("youju.pins")

# Cosine between two questions above which they may be the same question (multilingual-e5-small; another
# model may need another value: YOUJU_PIN_SIMILARITY). Paraphrases 0.97-0.99, different questions < 0.94
# in 99.9% of the gold set's pairs.
DEFAULT_SIMILARITY = 0.95
MAX_PINS_PER_IMPORT = 5000
# On a shared database (YOUJU_DATABASE_URL), seconds before a pin changed by another replica is used here.
SHARED_REFRESH_SECONDS = 5.0


@dataclass(frozen=True)
class StoredPin:
    id: int
    question: str
    grouping: str
    passages: tuple[dict[str, str], ...]  # {"passage_id", "text", "document_id"}
    note: str | None
    created_at: str
    updated_at: str


class PinStore(Store):
    WHAT = "pin store"
    unavailable = PinsUnavailableError

    def __init__(self, db: Database | Path | str) -> None:
        super().__init__(db)
        self._version = 0  # bumped on every change: matchers rebuild their embeddings
        self._cache: tuple[int, list[StoredPin]] | None = None
        self._cache_lock = threading.Lock()
        self._loaded = 0.0  # monotonic time the cache was read from the database
        self._failed: tuple[float, YoujuError] | None = None  # the last failed read, when it failed

    @classmethod
    def open(cls, db: Database | Path | str) -> PinStore:
        """The store, migrated (raises ``unavailable``)."""
        store = cls(db)
        store.start()
        return store

    def _changed(self) -> None:
        self._version += 1
        self._failed = None  # a write went through: the database is back

    @property
    def version(self) -> int:
        """Changes with the pins. On a shared database other replicas change them too: the pins are read
        again when the copy here is older than ``SHARED_REFRESH_SECONDS`` (a failed read keeps the copy)."""
        stale = time.monotonic() - self._loaded > SHARED_REFRESH_SECONDS
        if self.db.path is None and self._cache is not None and stale:
            try:
                self._read(stale_ok=True)
            except YoujuError as e:
                log.warning("pins not refreshed: %s", e.message)
        return self._version

    def _read(self, *, stale_ok: bool = False) -> list[StoredPin]:
        with self._cache_lock:
            failed = self._failed
            if failed is not None and time.monotonic() - failed[0] < SHARED_REFRESH_SECONDS:
                raise failed[1]  # a database that just failed is not asked again by every search
            self._loaded = time.monotonic()  # a failure is not retried at once either
            try:
                with self._db() as conn:
                    rows = conn.execute(sa.select(schema.pins).order_by(schema.pins.c.id)).mappings().all()
            except YoujuError as e:
                self._failed = (time.monotonic(), e)
                raise
            self._failed = None
            pins = [_stored(r) for r in rows]
            if stale_ok and self._cache is not None and self._cache[1] != pins:
                self._version += 1
            self._cache = (self._version, pins)
            return pins

    def all(self) -> list[StoredPin]:
        version = self.version  # (re-reads a shared database's pins now and then)
        cached = self._cache
        if cached is not None and cached[0] == version:
            return cached[1]
        return self._read()

    def add(self, question: str, grouping: str, passages: Sequence[dict[str, str]], note: str | None) -> int:
        """A new pin; an existing pin of the same (folded) question is replaced."""
        now = utc_now()
        data = json.dumps(list(passages), ensure_ascii=False)
        p = schema.pins
        with self._lock, self._db(write=True) as conn:
            row = conn.execute(sa.select(p.c.id).where(p.c.grouping == grouping).limit(1)).first()
            if row is not None:
                pin_id = int(row.id)
                conn.execute(
                    p.update()
                    .where(p.c.id == pin_id)
                    .values(question=question, passages=data, note=note, updated_at=now)
                )
            else:
                result = conn.execute(
                    p.insert().values(
                        created_at=now, updated_at=now, question=question, grouping=grouping, passages=data, note=note
                    )
                )
                pin_id = int(result.inserted_primary_key[0] if result.inserted_primary_key else 0)
            self._changed()
        return pin_id

    def delete(self, pin_id: int) -> bool:
        p = schema.pins
        with self._lock, self._db(write=True) as conn:
            gone = conn.execute(p.delete().where(p.c.id == pin_id)).rowcount > 0
            self._changed()
        return gone

    def relink(self, pin_id: int, passages: Sequence[dict[str, str]]) -> None:
        p = schema.pins
        with self._lock, self._db(write=True) as conn:
            conn.execute(
                p.update()
                .where(p.c.id == pin_id)
                .values(passages=json.dumps(list(passages), ensure_ascii=False), updated_at=utc_now())
            )
            self._changed()


def _stored(r: sa.RowMapping) -> StoredPin:
    return StoredPin(
        id=int(r["id"]),
        question=r["question"],
        grouping=r["grouping"],
        passages=tuple(json.loads(r["passages"])),
        note=r["note"],
        created_at=r["created_at"],
        updated_at=r["updated_at"],
    )


# ------------------------------------------------------------------------------------ the live index


def pinned_passages(searcher: Searcher, passage_ids: Sequence[str]) -> list[dict[str, str]]:
    """What a pin keeps of each passage (raises PassageNotFoundError for an id the live index lacks)."""
    out: list[dict[str, str]] = []
    for pid in dict.fromkeys(passage_ids):
        view = searcher.passage(pid)
        out.append({"passage_id": pid, "text": view.text, "document_id": view.citation.document_id})
    return out


def reconcile(store: PinStore, searcher: Searcher) -> int:
    """After a (re)load: relink pinned passages whose id changed but whose text is still there. Returns the
    number of pins none of whose passages the live index holds (reported, and not used)."""
    missing = 0
    for pin in store.all():
        changed, found = False, 0
        passages: list[dict[str, str]] = []
        for p in pin.passages:
            if searcher.has_passage(p["passage_id"]):
                passages.append(p)
                found += 1
                continue
            new_id = searcher.find_text(p["text"])
            if new_id is not None:
                passages.append({**p, "passage_id": new_id})
                found += 1
                changed = True
            else:
                passages.append(p)
        if changed:
            store.relink(pin.id, passages)
            log.info("pin %d: passages relinked after a rebuild", pin.id)
        if not found:
            missing += 1
            log.warning("pin %d (%s): none of its passages is in the live index", pin.id, pin.question)
    return missing


def listing(store: PinStore, searcher: Searcher | None) -> PinList:
    pins: list[Pin] = []
    for pin in reversed(store.all()):
        passages = [
            PinnedPassage(
                passage_id=p["passage_id"],
                text=p["text"],
                document_id=p["document_id"],
                found=searcher is not None and searcher.has_passage(p["passage_id"]),
            )
            for p in pin.passages
        ]
        status = "active" if any(p.found for p in passages) else "missing"
        pins.append(
            Pin(
                id=pin.id,
                question=pin.question,
                passages=passages,
                note=pin.note,
                created_at=pin.created_at,
                updated_at=pin.updated_at,
                status=status,
            )
        )
    return PinList(pins=pins, missing=sum(p.status == "missing" for p in pins))


class PinMatcher:
    """Finds the pin of a question (see the module docstring) for one searcher and one version of the pins."""

    def __init__(self, searcher: Searcher, pins: list[StoredPin], similarity: float) -> None:
        self.searcher = searcher
        self.pins = [p for p in pins if any(searcher.has_passage(x["passage_id"]) for x in p.passages)]
        self.similarity = similarity
        self._by_grouping = {p.grouping: p for p in self.pins}
        questions = [p.question for p in self.pins]
        self._vectors = np.asarray(searcher.embedder.embed_queries(questions)) if questions else None
        self._analysed = [searcher.analyze(q) for q in questions]

    def _distinctive(self, tokens: list[str]) -> set[str]:
        return {t for t in tokens if len(t) >= 2 and not t.startswith("~") and self.searcher.in_corpus(t)}

    @staticmethod
    def _covered(words: set[str], text: str, tokens: list[str]) -> bool:
        return all(w in text or any(len(u) >= 2 and (u in w or w in u) for u in tokens) for w in words)

    def match(self, query: str, grouping: str) -> StoredPin | None:
        exact = self._by_grouping.get(grouping)
        if exact is not None:
            return exact
        if self._vectors is None:
            return None
        q = np.asarray(self.searcher.embedder.embed_queries([query]))[0]
        cos = self._vectors @ q
        nq, tokens = self.searcher.analyze(query)
        for i in np.argsort(-cos):
            if cos[i] < self.similarity:
                break
            pin_norm, pin_tokens = self._analysed[i]
            if self._covered(self._distinctive(tokens), pin_norm, pin_tokens) and self._covered(
                self._distinctive(pin_tokens), nq, tokens
            ):
                return self.pins[int(i)]
        return None


def apply_pin(answer: Answer, pin: StoredPin, searcher: Searcher, top_k: int) -> Answer:
    """``answer`` with the pin's passages first (marked pinned), found ones after, without repeats."""
    pinned: list[Result] = []
    for p in pin.passages:
        try:
            r = searcher.cite(p["passage_id"], answer.query, score=1.0)
        except PassageNotFoundError:
            continue
        pinned.append(r.model_copy(update={"pinned": True}))
    if not pinned:
        return answer
    ids = {r.passage_id for r in pinned}
    rest = [r for r in answer.results if r.passage_id not in ids]
    return answer.model_copy(
        update={
            "answered": True,
            "reason": "answered",
            "confidence": 1.0,  # staff chose these passages for this question
            "results": (pinned + rest)[: max(top_k, len(pinned))],
        }
    )


# ------------------------------------------------------------------------------------------ import


def read_table(data: bytes, filename: str) -> list[list[str]]:
    """Rows of a CSV (UTF-8, with or without BOM; GB18030 accepted) or XLSX file, header included."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as e:  # noqa: BLE001 - openpyxl raises many types for a broken file
            raise PinError(f"{filename} is not a readable .xlsx workbook ({type(e).__name__})") from e
        sheet = wb.worksheets[0]
        return [["" if c is None else str(c).strip() for c in row] for row in sheet.iter_rows(values_only=True)]
    if name.endswith(".csv") or name.endswith(".txt"):
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise PinError(f"{filename} is neither UTF-8 nor GB18030 text")
        return [[c.strip() for c in row] for row in csv.reader(io.StringIO(text))]
    raise PinError(f"{filename}: pins are imported from .csv or .xlsx files")


QUESTION_HEADERS = ("question", "问题", "問題")
PASSAGE_HEADERS = ("passage", "quote", "原文", "答案", "答案原文", "passage_id")


def import_pins(
    store: PinStore,
    searcher: Searcher,
    rows: list[list[str]],
    fold: Callable[[str], str],
) -> PinImportReport:
    """Pins from table rows: a header row naming a question column (question/问题) and a passage column
    (passage/原文/答案: the quoted passage text, or a passage id); more passage columns may follow. A quote
    is located in the live index (the passage holding it, spaces ignored, either script); a row whose quote
    is not found is reported and skipped. Rows of the same question are merged."""
    if not rows:
        raise PinError("the file holds no rows")
    header = [h.strip().lower() for h in rows[0]]
    q_col = next((i for i, h in enumerate(header) if h in QUESTION_HEADERS), None)
    p_cols = [i for i, h in enumerate(header) if h in PASSAGE_HEADERS or h.startswith(PASSAGE_HEADERS)]
    if q_col is None or not p_cols:
        raise PinError("the first row must name a question column (question/问题) and a passage column (原文/passage)")
    if len(rows) - 1 > MAX_PINS_PER_IMPORT:
        raise PinError(f"{len(rows) - 1} rows; at most {MAX_PINS_PER_IMPORT} per import")
    errors: list[PinImportError] = []
    wanted: dict[str, tuple[str, list[str]]] = {}
    for n, row in enumerate(rows[1:], start=2):
        cells = row + [""] * (len(header) - len(row))
        question = cells[q_col].strip()
        quotes = [cells[i].strip() for i in p_cols if cells[i].strip()]
        if not question and not quotes:
            continue
        if not question or not quotes:
            errors.append(PinImportError(row=n, message="a question and at least one passage are needed"))
            continue
        ids: list[str] = []
        for quote in quotes:
            pid = locate_quote(searcher, quote, fold)
            if pid is None:
                errors.append(PinImportError(row=n, message=f"passage not found in the live index: {quote[:40]}"))
            else:
                ids.append(pid)
        if ids:
            key = grouping_key(searcher.normalizer(question))
            prev = wanted.get(key)
            wanted[key] = (question, (prev[1] if prev else []) + ids)
    for key, (question, ids) in wanted.items():
        store.add(question, key, pinned_passages(searcher, ids[:5]), note="imported")
    return PinImportReport(added=len(wanted), rows=len(rows) - 1, errors=errors)


def locate_quote(searcher: Searcher, quote: str, fold: Callable[[str], str]) -> str | None:
    """The passage holding ``quote`` (or an id given as is)."""
    if searcher.has_passage(quote):
        return quote
    want = fold("".join(quote.split()))
    if not want:
        return None
    for p in searcher.index.passages:
        if want in fold("".join(p.text.split())):
            return p.passage_id
    return None
