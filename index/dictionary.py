"""The deployment's own dictionary: words jieba must keep whole, and synonyms citizens use.

Two plain-text files in ``YOUJU_DICTIONARY_DIR`` (default ``docs/dictionaries``), edited by staff in the
console or by hand:

* ``words.txt``: one word per line (place and programme names: 同心圆, 无事不扰, 怀柔科学城). The
  segmenter keeps them whole in the documents and in questions, so BM25 matches the name, not its pieces.
* ``synonyms.txt``: one group per line, forms separated by ``=`` (or spaces, commas, tabs):
  ``社保=社会保险``, ``12345=市民服务热线``. A question holding one form is also searched (lexically) for the
  others, in both directions, on top of the general table ``index/data/synonyms.tsv``.

``#`` starts a comment. The dictionary a build used is recorded in its manifest (``dictionary``: version,
words and groups) and the searcher of that build reads it from there, so questions are always segmented
and expanded exactly as the documents were; a changed dictionary makes ``youju build`` rebuild. Each save
keeps the previous file under ``history/``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from index.errors import YoujuError

Name = Literal["words", "synonyms"]
FILES: dict[str, str] = {"words": "words.txt", "synonyms": "synonyms.txt"}
MAX_ENTRIES = 20_000
MAX_WORD_CHARS = 32
_SPLIT = re.compile(r"[=\s,，、;；]+")


class DictionaryError(YoujuError):
    """A dictionary file that cannot be used as written (the lines at fault are named)."""

    code = "invalid_dictionary"


@dataclass(frozen=True)
class Dictionary:
    words: tuple[str, ...] = ()
    synonyms: tuple[tuple[str, ...], ...] = ()
    version: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if not self.version:
            canon = json.dumps([self.words, self.synonyms], ensure_ascii=False)
            object.__setattr__(self, "version", hashlib.sha256(canon.encode()).hexdigest()[:12])

    def normalized(self, fn: Callable[[str], str]) -> Dictionary:
        """The same entries in the matching form (``fn``: the normaliser), as tokenizers and expanders see
        text; the version stays that of the entries as written."""
        words = tuple(dict.fromkeys(fn(w) for w in self.words))
        groups = tuple(tuple(dict.fromkeys(fn(f) for f in g)) for g in self.synonyms)
        return Dictionary(words, groups, version=self.version)

    def terms(self) -> dict[str, tuple[str, ...]]:
        """Synonym groups as an expansion table: every form -> the other forms of its groups."""
        out: dict[str, tuple[str, ...]] = {}
        for g in self.synonyms:
            for f in g:
                out[f] = tuple(dict.fromkeys([*out.get(f, ()), *(x for x in g if x != f)]))
        return out

    def to_json(self) -> dict[str, Any]:
        return {"version": self.version, "words": list(self.words), "synonyms": [list(g) for g in self.synonyms]}

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Dictionary:
        if not data:
            return EMPTY
        return cls(tuple(data.get("words", ())), tuple(tuple(g) for g in data.get("synonyms", ())))


EMPTY = Dictionary()


def _entries(text: str) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    for n, raw in enumerate(text.splitlines(), start=1):
        line = unicodedata.normalize("NFC", raw.split("#", 1)[0]).strip()
        if line:
            out.append((n, line))
    return out


def _check_word(n: int, w: str, errors: list[str]) -> bool:
    if len(w) > MAX_WORD_CHARS:
        errors.append(f"line {n}: {w[:20]}… is longer than {MAX_WORD_CHARS} characters")
        return False
    if any(unicodedata.category(c)[0] == "C" for c in w):
        errors.append(f"line {n}: control or invisible characters")
        return False
    return True


def parse(name: Name, text: str) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    """(words, synonym groups) of one file's text; DictionaryError listing every bad line."""
    errors: list[str] = []
    entries = _entries(text)
    if len(entries) > MAX_ENTRIES:
        raise DictionaryError(f"{len(entries)} entries; at most {MAX_ENTRIES}")
    words: list[str] = []
    groups: list[tuple[str, ...]] = []
    for n, line in entries:
        if name == "words":
            w = line.split()[0]  # jieba's own format "word [freq] [tag]" is accepted; the word is kept
            if _check_word(n, w, errors) and w not in words:
                words.append(w)
        else:
            forms = tuple(dict.fromkeys(f for f in _SPLIT.split(line) if f))
            if len(forms) < 2:
                errors.append(f"line {n}: a synonym group needs at least two forms (社保=社会保险)")
            elif all(_check_word(n, f, errors) for f in forms):
                groups.append(forms)
    if errors:
        raise DictionaryError("; ".join(errors[:10]) + (f" (and {len(errors) - 10} more)" if len(errors) > 10 else ""))
    return tuple(words), tuple(groups)


def load_dir(directory: Path) -> Dictionary:
    """The dictionary of ``directory`` (missing files are empty)."""
    words: tuple[str, ...] = ()
    groups: tuple[tuple[str, ...], ...] = ()
    names: tuple[Name, ...] = ("words", "synonyms")
    for name in names:
        path = directory / FILES[name]
        if path.is_file():
            try:
                w, g = parse(name, path.read_text(encoding="utf-8"))
            except UnicodeDecodeError as e:
                raise DictionaryError(f"{path} is not UTF-8 text") from e
            except DictionaryError as e:
                raise DictionaryError(f"{path}: {e.message}") from e
            words, groups = (w, groups) if name == "words" else (words, g)
    return Dictionary(words, groups)


def read_text(directory: Path, name: Name) -> str:
    path = directory / FILES[name]
    return path.read_text(encoding="utf-8") if path.is_file() else ""


def save(directory: Path, name: Name, text: str) -> Path | None:
    """Check and write one file atomically; the previous one is kept under history/. Returns the kept copy
    (None when there was no previous file), so that a failed rebuild can put it back."""
    parse(name, text)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / FILES[name]
    kept: Path | None = None
    if path.is_file():
        history = directory / "history"
        history.mkdir(exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        kept = history / f"{path.stem}-{stamp}{path.suffix}"
        kept.write_bytes(path.read_bytes())
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text if text.endswith("\n") or not text else text + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return kept


def restore(directory: Path, name: Name, kept: Path | None) -> None:
    """Put back the file ``save`` replaced (or remove a file that did not exist before)."""
    path = directory / FILES[name]
    if kept is None:
        path.unlink(missing_ok=True)
    else:
        os.replace(kept, path)
