"""Script normalisation: one matching form for corpus and queries.

Matching form = NFKC (full-width digits, letters and punctuation become ASCII) -> OpenCC ``tw2sp``
(Traditional with Taiwan wording -> Simplified with mainland phrases; applied only to text in
Traditional script, see ``is_traditional``) -> a small table of mainland terms
that tw2sp lacks (``index/data/mainland_terms.tsv``) -> lower case. The user is always shown the
original text; the matching form is only for indexing and scoring.

The converter is injected (any ``str -> str`` callable) so it can be swapped or faked in tests.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

Converter = Callable[[str], str]

_TERMS_FILE = Path(__file__).parent / "data" / "mainland_terms.tsv"
# Zero-width and bidi controls that users paste in by accident; NFKC keeps them.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
_SPACES = re.compile(r"\s+")


# Segments (text between two punctuation marks) each converter remembers. A build converts the same text as a
# document (metadata), as passages and as sentences (highlighting), and OpenCC's pure-Python matching was
# most of a build's time outside the encoder; a server sees the same phrases in many questions. Short
# strings: 65,536 of them are a few MB.
SEGMENT_CACHE = 1 << 16


class SegmentConverter:
    """OpenCC's ``convert``, converting each segment once.

    ``OpenCC.convert`` splits the text at punctuation and whitespace (its ``split_chars_re``, OpenCC's
    sentence separators, which no dictionary entry contains) and converts every segment on its own, so a
    segment converts the same wherever it occurs: remembering it is exact (tested on the whole corpus against
    ``OpenCC.convert``). Thread-safe (``functools.lru_cache``)."""

    def __init__(self, conv: Any) -> None:
        self._split = conv.split_chars_re.split
        chain, convert_segment = conv._dict_chain_data, conv._convert

        def segment(text: str) -> str:
            return convert_segment(text, chain)  # type: ignore[no-any-return]

        self.segment = lru_cache(maxsize=SEGMENT_CACHE)(segment)

    def __call__(self, text: str) -> str:
        parts: list[str] = self._split(text)
        parts[::2] = [self.segment(p) if p else p for p in parts[::2]]  # odd places: the separators
        return "".join(parts)


@lru_cache(maxsize=8)  # one converter per OpenCC config: building one takes ~10 ms
def opencc_converter(config: str) -> Converter:
    """The OpenCC converter of a configuration (t2s, tw2sp, s2twp, ...), built once per process: OpenCC's
    ``convert`` with its segments remembered (``SegmentConverter``)."""
    import opencc  # opencc-python-reimplemented

    conv = opencc.OpenCC(config)
    if not all(hasattr(conv, a) for a in ("split_chars_re", "_dict_chain_data", "_convert")):
        return conv.convert  # type: ignore[no-any-return]  # another release's internals: unremembered
    return SegmentConverter(conv)


def is_traditional(text: str) -> bool:
    """True when the text holds characters that only Traditional script uses (t2s changes them).

    Character-level t2s is the identity on Simplified text, unlike tw2sp, whose Taiwan-phrase table
    rewrites mainland words (程序->进程, 建立->创建, 么->幺) and so must only see Traditional text.

    Decided by OpenCC's t2s character table (``str.translate``, fast): no character it changes means
    Simplified. A character that Simplified text also uses (乾 of 乾隆, the surname 於: t2s lists the
    character itself among its candidates) is not proof, so where such characters are all there is,
    OpenCC's full t2s (with its phrases) decides, as it did alone before at several times the cost (the
    same decision on every text of the evaluation corpora, tested).
    """
    table = _char_table("t2s")
    if text.translate(table) == text:
        return False
    changed = {ch for ch in text if table[ord(ch)] != ch}
    also = _also_simplified()
    if also is not None and changed - also:
        return True
    return opencc_converter("t2s")(text) != text


@lru_cache(maxsize=1)
def _also_simplified() -> frozenset[str] | None:
    """Characters that OpenCC's t2s character table converts although Simplified text uses them too: those
    listed among their own candidates (``乾\t干 乾``). Read from OpenCC's dictionary; None where it cannot
    be read (the full t2s then decides every time)."""
    import opencc

    path = Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    out = set()
    for line in lines:
        key, _, values = line.partition("\t")
        if key and key in values.split():
            out.add(key)
    return frozenset(out)


def tw2sp_if_traditional(text: str) -> str:
    """OpenCC tw2sp for Traditional/Taiwan text; Simplified text is already in matching form."""
    return opencc_converter("tw2sp")(text) if is_traditional(text) else text


def load_terms(path: Path = _TERMS_FILE) -> dict[str, str]:
    terms: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        left, right = line.split("\t")
        terms[left.strip()] = right.strip()
    return terms


def term_replacer(terms: dict[str, str]) -> Converter:
    if not terms:
        return lambda s: s
    pattern = re.compile("|".join(re.escape(k) for k in sorted(terms, key=len, reverse=True)))
    return lambda s: pattern.sub(lambda m: terms[m.group(0)], s)


def fold(text: str) -> str:
    """The first, script-independent step of the matching form: NFKC (full-width digits and letters to
    ASCII) and invisible characters removed. Enough for what only digits decide (years: ``index/scope.py``)
    without the cost of OpenCC over a whole document."""
    return _INVISIBLE.sub("", unicodedata.normalize("NFKC", text))


class Normalizer:
    """Maps text to its matching form. ``name`` is recorded in index manifests."""

    def __init__(self, converter: Converter | None = None, terms: dict[str, str] | None = None) -> None:
        self._convert = converter if converter is not None else tw2sp_if_traditional
        self._terms = term_replacer(load_terms() if terms is None else terms)
        self.name = "nfkc+opencc-tw2sp+mainland-terms+lower" if converter is None else "nfkc+custom"

    def __call__(self, text: str) -> str:
        text = self._terms(self._convert(fold(text)))
        return _SPACES.sub(" ", text).strip().lower()


class _CharTable(dict[int, str]):
    """A ``str.translate`` table filled one character at a time from an OpenCC character conversion."""

    def __init__(self, config: str) -> None:
        super().__init__()
        self._convert = opencc_converter(config)

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        out = self._convert(ch)
        # One character in, one out: a table entry that would change the length is not used.
        value = out if len(out) == 1 else ch
        self[code] = value
        return value


@lru_cache(maxsize=4)
def _char_table(config: str) -> _CharTable:
    return _CharTable(config)


def to_simplified(text: str) -> str:
    """Display conversion to Simplified script, character by character: 品質 -> 品质, never 质量; 執行率 ->
    执行率, never 运行率. Each character is converted alone (OpenCC's character table; no phrase or regional
    vocabulary table can reach it), so the text keeps its length, its offsets and its words.

    What a reader sees must still be the document's own wording; only matching uses tw2sp's phrases.
    """
    return text.translate(_char_table("t2s"))


def to_traditional(text: str) -> str:
    """Display conversion to Traditional script, character by character (信息 -> 信息, 质量 -> 質量)."""
    return text.translate(_char_table("s2t"))
