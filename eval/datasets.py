"""Evaluation sets: SQuAD-format external sets (read in place) and the report's gold set.

Every set becomes (documents written as a corpus directory, questions with gold character spans).
A retrieved passage answers a question when its span overlaps one of the question's gold spans in the
same document; this is robust to re-chunking and never depends on internal ids.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from index.config import Settings
from index.normalize import opencc_converter
from index.passage import Document

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"
GOLD_DIR = Path(__file__).resolve().parent / "gold"
REPORT_CORPUS = Path(__file__).resolve().parents[1] / "docs" / "corpus"


@dataclass(frozen=True)
class Gold:
    doc_id: str
    start: int
    end: int


@dataclass(frozen=True)
class Question:
    qid: str
    text: str
    gold: tuple[Gold, ...]  # empty: the corpus does not answer it
    category: str = ""
    style: str = ""


@dataclass
class EvalSet:
    name: str
    corpus_dir: Path  # a corpus directory youju can build
    questions: list[Question]
    description: str = ""
    documents: dict[str, str] = field(default_factory=dict)  # doc id -> text (for error analysis)
    # For sets whose gold is quoted from documents youju must read first (PDF, Word, HTML): turns the
    # built index's canonical texts (and pages) into the questions with gold spans.
    resolve: Callable[[Mapping[str, Document]], list[Question]] | None = None

    def resolved(self, documents: Mapping[str, Document]) -> EvalSet:
        """The set with its gold located in the indexed documents (itself when already located)."""
        if self.resolve is None:
            return self
        questions = self.resolve(documents)
        return replace(self, questions=questions, resolve=None, documents={k: d.text for k, d in documents.items()})


def _safe(s: str) -> str:
    return re.sub(r"[^\w-]+", "_", s)[:40]


def squad_doc_id(index: int, title: str) -> str:
    """The document id of a SQuAD set's ``index``-th article (its file name in the set's corpus)."""
    return f"{index:04d}-{_safe(title)}"


def load_squad(path: Path, work_dir: Path, *, name: str, convert: str | None = None, limit: int = 0) -> EvalSet:
    """One Markdown document per article (``# title`` then one block per paragraph); questions keep the
    span of their own paragraph as gold. ``convert`` is an OpenCC config applied to questions."""
    data = json.loads(path.read_text(encoding="utf-8"))
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    corpus = work_dir / f"{name}-{digest}"
    conv = opencc_converter(convert) if convert else None
    questions: list[Question] = []
    docs: dict[str, str] = {}
    write = not (corpus / ".complete").exists()
    if write:
        corpus.mkdir(parents=True, exist_ok=True)
    n_para = 0
    for ai, art in enumerate(data["data"]):
        title = str(art.get("title") or f"article {ai}").strip()
        doc_id = squad_doc_id(ai, title)
        text = f"# {title}\n\n"
        spans: list[tuple[int, int]] = []
        for para in art["paragraphs"]:
            ctx = re.sub(r"\s*\n\s*", " ", para["context"]).strip()
            spans.append((len(text), len(text) + len(ctx)))
            text += ctx + "\n\n"
        docs[doc_id] = text
        if write:
            (corpus / f"{doc_id}.md").write_text(text, encoding="utf-8")
        for pi, para in enumerate(art["paragraphs"]):
            n_para += 1
            s, e = spans[pi]
            for qa in para["qas"]:
                q = str(qa["question"]).strip()
                questions.append(Question(str(qa["id"]), conv(q) if conv else q, (Gold(doc_id, s, e),)))
        if limit and n_para >= limit:
            break
    if write:
        (corpus / ".complete").write_text("ok", encoding="utf-8")
    return EvalSet(name, corpus, questions, f"{path.name}: {len(docs)} articles, {n_para} paragraphs", docs)


def load_gold(path: Path = GOLD_DIR / "huairou_2024.jsonl", corpus_dir: Path = REPORT_CORPUS) -> EvalSet:
    """The report's hand-written gold set: quotes are located in the original document text."""
    texts = {p.with_suffix("").name: p.read_text(encoding="utf-8") for p in corpus_dir.glob("*.txt")}
    questions: list[Question] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        q = json.loads(line)
        golds: list[Gold] = []
        for a in q.get("answers", []):
            text = texts[a["document"]]
            i = text.find(a["quote"])
            if i < 0:
                raise ValueError(f"gold {q['id']}: quote not found in {a['document']}: {a['quote']!r}")
            golds.append(Gold(a["document"], i, i + len(a["quote"])))
        questions.append(Question(q["id"], q["question"], tuple(golds), q.get("category", ""), q.get("style", "")))
    return EvalSet("huairou-gold", corpus_dir, questions, f"{path.name}: the shipped report's gold set", texts)


MULTIDOC_DIR = GOLD_DIR / "documents"
MULTIDOC_GOLD = (GOLD_DIR / "multidoc_real.jsonl", GOLD_DIR / "multidoc_fixtures.jsonl")
_WS = re.compile(r"\s+")
# Punctuation that OCR and text layers render in either width or bracket style, folded for matching only.
_FOLD = str.maketrans("〔〕【】［］（）：，；！？", "[][][]():,;!?")


def locate(quote: str, text: str, start: int = 0, end: int | None = None) -> tuple[int, int] | None:
    """The span of ``quote`` in ``text[start:end]``, whitespace ignored on both sides (PDF text layers and
    canonical texts differ in line breaks and spaces, nothing else)."""
    end = len(text) if end is None else end
    wanted = _WS.sub("", quote)
    if not wanted:
        return None
    kept = [i for i in range(start, end) if not text[i].isspace()]
    squeezed = "".join(text[i] for i in kept).translate(_FOLD)
    at = squeezed.find(wanted.translate(_FOLD))
    if at >= 0:
        return kept[at], kept[at + len(wanted) - 1] + 1
    return _locate_row(quote.split(), text, start, end)


def _locate_row(parts: list[str], text: str, start: int, end: int) -> tuple[int, int] | None:
    """A table cell quoted with its row label ("收入总计 164,978,640", as a PDF text layer shows the row):
    the line of the canonical text (a row statement) that holds every part, in order."""
    if len(parts) < 2:
        return None
    pos = start
    while pos < end:
        line_end = text.find("\n", pos, end)
        line_end = end if line_end < 0 else line_end
        at, first = pos, None
        for part in parts:
            found = text.find(part, at, line_end)
            if found < 0:
                break
            first = found if first is None else first
            at = found + len(part)
        else:
            if first is not None:
                return first, at
        pos = line_end + 1
    return None


def multidoc_corpus(work_dir: Path) -> Path:
    """The multi-document corpus as one directory of links: the shipped report, the two published Putuo
    budgets and the fictional 青禾区 documents (eval/gold/documents/, see its README)."""
    corpus = work_dir / "multidoc"
    corpus.mkdir(parents=True, exist_ok=True)
    sources = [p for p in REPORT_CORPUS.iterdir() if p.is_file()]
    sources += [p for p in MULTIDOC_DIR.iterdir() if p.is_file() and p.name != "README.md"]
    wanted = {p.name for p in sources}
    for old in corpus.iterdir():
        if old.name not in wanted:
            old.unlink()
    for src in sources:
        link = corpus / src.name
        if link.is_symlink() and link.resolve() == src.resolve():
            continue
        if link.exists() or link.is_symlink():
            link.unlink()
        link.symlink_to(src.resolve())
    return corpus


def load_multidoc(work_dir: Path, paths: tuple[Path, ...] = MULTIDOC_GOLD) -> EvalSet:
    """The multi-format, multi-document gold set (see ``load_gold_file``)."""
    names = ", ".join(p.name for p in paths)
    return load_gold_file(
        paths,
        multidoc_corpus(work_dir),
        "multidoc-gold",
        f"{names}: 9 documents in 6 formats (PDF with tables, scanned PDF, DOCX, HTML, TXT, MD)",
    )


GOLD_PREFIX = "gold:"


def load_gold_file(paths: tuple[Path, ...], corpus: Path, name: str, description: str) -> EvalSet:
    """A gold set in the JSON-lines format of eval/gold/ over any corpus: questions with ``answers``
    (``{"document", "quote", "page"?}``) and no-answer questions (``answers`` empty), such as a file
    exported from the staff analytics and labelled. Quotes are located (whitespace ignored, on the page
    given) in the documents as youju reads them, so the set is resolved after the build
    (``EvalSet.resolved``)."""
    raw: list[dict[str, Any]] = []
    for path in paths:
        raw += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    placeholders = [Question(q["id"], q["question"], (), q.get("category", ""), q.get("style", "")) for q in raw]

    def resolve(documents: Mapping[str, Document]) -> list[Question]:
        out: list[Question] = []
        missing: list[str] = []
        for q in raw:
            golds: list[Gold] = []
            for a in q.get("answers", []):
                doc = documents.get(a["document"])
                if doc is None:
                    missing.append(f"{q['id']}: no document {a['document']}")
                    continue
                start, end = 0, len(doc.text)
                if a.get("page") and doc.pages:
                    page = next((p for p in doc.pages if p.number == a["page"]), None)
                    if page is not None:
                        start, end = page.start, page.end
                span = locate(a["quote"], doc.text, start, end)
                if span is None:
                    missing.append(f"{q['id']}: {a['quote']!r} not found in {a['document']} p.{a.get('page')}")
                    continue
                golds.append(Gold(a["document"], *span))
            if q.get("answers") and not golds:
                raise ValueError("gold answers not found in the documents as read:\n" + "\n".join(missing))
            out.append(Question(q["id"], q["question"], tuple(golds), q.get("category", ""), q.get("style", "")))
        return out

    return EvalSet(name, corpus, placeholders, description, resolve=resolve)


# The sets `youju eval` knows, in report order.
SETS = (
    "huairou-gold",
    "multidoc-gold",
    "cmrc2018-dev",
    "drcd-dev",
    "drcd-dev-tw2sp",
    "cmrc2018-dev-heldout",
    "drcd-dev-tw2sp-heldout",
)
HELDOUT = "-heldout"
# What `youju eval` runs unless told: the held-out halves are asked for by name (reranker evaluation).
DEFAULT_SETS = SETS[:5]


def article_half(doc_id: str) -> str:
    """``train`` or ``test``: a fixed split of an external set by article (its document id), so that the
    reranker never sees a held-out article's paragraphs in training (``eval/train_reranker.py``)."""
    return "train" if int(hashlib.sha1(doc_id.encode()).hexdigest(), 16) % 2 == 0 else "test"


def load_set(name: str, settings: Settings, limit: int = 0) -> EvalSet:
    """A set by name; external sets are written as corpora under the cache directory once.
    ``limit``: only the first N paragraphs of an external set (0 = all)."""
    work = settings.cache_dir / "eval-corpus"
    if name.endswith(HELDOUT):
        # The same corpus (every article stays searchable); only the held-out articles' questions count.
        full = load_set(name.removesuffix(HELDOUT), settings, limit)
        kept = [q for q in full.questions if q.gold and article_half(q.gold[0].doc_id) == "test"]
        return replace(full, name=name, questions=kept, description=full.description + "; held-out articles")
    if name.startswith(GOLD_PREFIX):
        path = Path(name.removeprefix(GOLD_PREFIX))
        if not path.is_file():
            raise ValueError(f"no gold file {path}")
        return load_gold_file((path,), settings.corpus_dir, path.stem, f"{path.name} over {settings.corpus_dir}")
    if name == "huairou-gold":
        return load_gold()
    if name == "multidoc-gold":
        return load_multidoc(work)
    if name == "cmrc2018-dev":
        return load_squad(SHARED / "cmrc2018_dev.json", work, name=name, limit=limit)
    if name == "drcd-dev":
        return load_squad(SHARED / "DRCD_dev.json", work, name=name, limit=limit)
    if name == "drcd-dev-tw2sp":
        es = load_squad(SHARED / "DRCD_dev.json", work, name="drcd-dev", convert="tw2sp", limit=limit)
        return replace(es, name=name)
    raise ValueError(f"unknown set {name!r}; choose from {', '.join(SETS)}")
