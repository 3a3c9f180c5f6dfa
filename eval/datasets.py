"""Evaluation sets: SQuAD-format external sets (read in place) and the report's gold set.

Every set becomes (documents written as a corpus directory, questions with gold character spans).
A retrieved passage answers a question when its span overlaps one of the question's gold spans in the
same document; this is robust to re-chunking and never depends on internal ids.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from index.config import Settings
from index.normalize import opencc_converter

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


def _safe(s: str) -> str:
    return re.sub(r"[^\w-]+", "_", s)[:40]


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
        doc_id = f"{ai:04d}-{_safe(title)}"
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


# The sets `youju eval` knows, in report order.
SETS = ("huairou-gold", "cmrc2018-dev", "drcd-dev", "drcd-dev-tw2sp")


def load_set(name: str, settings: Settings, limit: int = 0) -> EvalSet:
    """A set by name; external sets are written as corpora under the cache directory once.
    ``limit``: only the first N paragraphs of an external set (0 = all)."""
    work = settings.cache_dir / "eval-corpus"
    if name == "huairou-gold":
        return load_gold()
    if name == "cmrc2018-dev":
        return load_squad(SHARED / "cmrc2018_dev.json", work, name=name, limit=limit)
    if name == "drcd-dev":
        return load_squad(SHARED / "DRCD_dev.json", work, name=name, limit=limit)
    if name == "drcd-dev-tw2sp":
        es = load_squad(SHARED / "DRCD_dev.json", work, name="drcd-dev", convert="tw2sp", limit=limit)
        return replace(es, name=name)
    raise ValueError(f"unknown set {name!r}; choose from {', '.join(SETS)}")
