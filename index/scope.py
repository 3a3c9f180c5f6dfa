"""Which documents a question is about: the years, places and bodies it names.

With many documents (other years, other districts, other bodies), "万里街道2023年三公经费预算多少" must be
answered from the 万里街道 2023 budget and not from a 2024 budget of another body that has a 三公 line too.
``QueryScope`` is what a question names; ``Scopes`` compares it with each document's title, issuer,
region and year and gives every document a prior added to its passages' fused scores:

* a document that matches fewer of the named aspects (year, place/body) than the best-matching document
  loses ``ASPECT_PENALTY`` per aspect: the named document wins unless another one answers far better;
* a year counts fully when it is the document's year and half when the document's text mentions it
  (a 2023 budget compares with 2022; a 2024 report plans 2025);
* a passage under a heading that names years is of those years, whatever its document's year
  (``section_years``): the 2024 work report's "一、2023年工作回顾" answers "2023年GDP", not "2024年…";
* when the question names no year, an older edition of a series (``index/metadata.py``) loses
  ``OLDER_EDITION_PENALTY``: the newest edition is preferred, the old one can still win on content;
* ``unmatched`` says the question names a place or year that no document covers ("洪泽区2023年…" when
  there is no 洪泽区 document): evidence for the answer decision that the corpus cannot answer.

Questions in English name places in pinyin ("What was Huairou's GDP in 2024?", "Wanli Subdistrict"): the
corpus's place names are also known by their spellings (``romanized``: every reading of a polyphone, 长宁 is
changning and zhangning), and a word before "District"/"Subdistrict"/"County"… that is none of them is a place
no document covers ("Hongze District").

Functions of normalised text (Simplified, lower case) and jieba's word tags: no model, no state.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

from jieba import posseg
from pypinyin import Style, pinyin

# Fused scores are in [0, 1]; a document that misses a named aspect falls by about a third of that range.
ASPECT_PENALTY = 0.35
# A nudge, not a filter: an older edition still wins when its passage is clearly the better answer.
OLDER_EDITION_PENALTY = 0.08

_CANDIDATE = re.compile(r"(?:19|20)\d\d")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?:\s*年|(?!\d))")
# Suffixes of administrative units; a place name is a word (two characters or more) before one of them.
_SUFFIXES = ("自治区", "自治州", "街道", "省", "市", "区", "县", "旗", "镇", "乡")
# Words that end like a place name but are not one, and generic references (全区, 本市, 各街道 …).
_NOT_PLACE = re.compile(
    r"(社区|辖区|城区|园区|小区|景区|市区|片区|街区|学区|校区|营区|功能区|示范区|开发区|保护区|服务区|试验区|库区|灾区|疫区"
    r"|禁放区|禁燃区|限行区|城市|超市|都市|上市|门市|夜市|城乡|城镇|乡镇|农村|老城区|新城区)$|全区|本区|各区|该区|全市|本市|各市"
    r"|全县|本县|全镇|全街道|各街道"
)
_CJK_WORD = re.compile(r"^[\u4e00-\u9fff]{2,}$")
# A place named in English: a word before an administrative unit ("hongze district", "huairou's district").
_EN_PLACE = re.compile(
    r"(?<![a-z])([a-z]{3,})(?:'s)?\s+(?:district|subdistrict|sub-district|county|city|town|township|province)(?![a-z])"
)
# Words that stand before "district" without naming one ("the district", "which district", "rural county").
_EN_NOT_PLACE = frozenset(
    re.findall(
        r"[a-z]+",
        "the this that these those which what whose each every our your their its his her whole same other "
        "another any all one new old many much more most some few several both either neither such own and "
        "for from with into per than then urban rural central local entire administrative neighbouring "
        "neighboring nearby city district county town subdistrict province state level home",
    )
)
_GENERIC = re.compile(r"^(全|本|各|该|我|这|那|每|其他|相关|所在|属地)")
# Kinds of body a citizen names ("福利院", "街道办"); matched against each document's issuer and title.
_BODY = re.compile(
    r"(福利院|养老院|敬老院|医院|卫生院|学校|街道办|办事处|民政局|财政局|税务局|公安局|人社局|教育局|卫健委|发改委"
    r"|市场监管局|生态环境局|住建委|交通委|司法局|政务服务中心|服务中心|执法队|居委会|村委会)"
)


@dataclass(frozen=True)
class QueryScope:
    """What a question names: years, place names (without their 区/街道 suffix) and bodies."""

    years: frozenset[int]
    places: tuple[str, ...]
    bodies: tuple[str, ...]
    spelled: tuple[str, ...] = ()  # the English spellings of the places named in pinyin (huairou)

    @property
    def names_something(self) -> bool:
        return bool(self.years or self.places or self.bodies)


def query_scope(
    query_norm: str,
    known_places: Iterable[str] = (),
    spellings: Mapping[str, str] | None = None,
    is_word: Callable[[str], bool] | None = None,
) -> QueryScope:
    """What a (normalised) question names. ``known_places`` are the place names of the corpus without their
    suffix (怀柔, 普陀, 万里): citizens name them without 区 or 街道 as often as with. ``spellings``: pinyin
    spelling -> one of those names (``Scopes.spellings``), for questions in English. ``is_word``: whether an
    English word is a word of the language (a dictionary's), not a name: "Science City" names no place the
    way "Hongze District" does."""
    years = frozenset(int(y) for y in _YEAR.findall(query_norm))
    places: list[str] = [p for p in known_places if p in query_norm]
    for name in _place_names(query_norm):
        if name not in places and not any(name in p or p in name for p in places):
            places.append(name)
    spelled: list[str] = []
    if any("a" <= c <= "z" for c in query_norm):
        for word in re.findall(r"[a-z]+", query_norm):
            place = (spellings or {}).get(word)
            if place is not None:
                spelled.append(word)
                if place not in places:
                    places.append(place)
        for m in _EN_PLACE.finditer(query_norm):
            word = m.group(1)
            if word not in _EN_NOT_PLACE and word not in spelled and not (is_word and is_word(word)):
                places.append(word)  # a place no document's name holds: the corpus does not cover it
                spelled.append(word)
    bodies = _BODY.findall(query_norm)
    return QueryScope(years, tuple(places), tuple(dict.fromkeys(bodies)), tuple(spelled))


def romanized(name: str, limit: int = 16) -> set[str]:
    """The pinyin spellings of a Chinese place name, without tones or spaces, every reading of its
    polyphones (长宁: changning, zhangning; at most ``limit``). Rare readings add spellings no one writes
    (furou for 怀柔); they are harmless, since a spelling only counts as a whole word of a question."""
    readings = pinyin(name, style=Style.NORMAL, heteronym=True, errors="ignore")
    out: set[str] = set()
    for combo in itertools.islice(itertools.product(*readings), limit):
        spelled = "".join(combo).lower()
        if spelled.isascii() and spelled.isalpha():
            out.add(spelled)
    return out


def without_names(query_norm: str, qs: QueryScope) -> str:
    """``query_norm`` with the places (and their 区/街道/办事处… suffix) and bodies it names blanked out, for
    segmenting what is left: jieba cuts "2023年青禾区收到…" into 年青 + 禾区, two words no document has, so
    the names are taken out before the question is segmented rather than after."""
    names = tuple(sorted({*qs.places, *qs.bodies, *qs.spelled}, key=len, reverse=True))
    return _names_pattern(names).sub(" ", query_norm) if names else query_norm


# One administrative suffix, then 办事处 or 办 (万里街道办事处), the longest alternatives first; not more, or
# 普陀区市民… would lose the 市 of 市民.
_ADMIN = "|".join(re.escape(x) for x in sorted(_SUFFIXES, key=len, reverse=True))


@lru_cache(maxsize=1024)
def _names_pattern(names: tuple[str, ...]) -> re.Pattern[str]:
    """The pattern of ``without_names`` for these names (compiled once: the corpus names few places)."""
    return re.compile(
        "|".join(
            rf"(?<![a-z]){re.escape(n)}(?![a-z])(?:'s)?"
            if n.isascii()
            else f"{re.escape(n)}(?:{_ADMIN})?(?:办事处|办)?"
            for n in names
        )
    )


def _place_names(query_norm: str) -> list[str]:
    """Place names a question uses, found by word segmentation rather than by suffix alone: 洪泽区 and
    静安区 are places; 禁放区 (a no-fireworks zone), 哪个街道, 区委 and 市场 are not, though a regex on
    ``..区`` or ``..市`` cannot tell them apart. jieba's tags mark known places (静安区/ns, 怀柔区/nr);
    a word of two characters or more standing before a suffix word (洪泽 + 区, 万里 + 街道) is one too,
    unless it is a pronoun (哪个, 这个) or a generic reference (全区, 本市)."""
    if not any(x in query_norm for x in _SUFFIXES):
        return []  # no word can end with a suffix (skips the tagger, the costliest step of a search)
    words = [(w.word, w.flag) for w in posseg.cut(query_norm)]
    out: list[str] = []
    for i, (word, flag) in enumerate(words):
        name = suffix = ""
        if flag in ("ns", "nr", "nz") and word.endswith(_SUFFIXES):
            suffix = next(x for x in _SUFFIXES if word.endswith(x))
            name = word[: -len(suffix)]
        elif word in _SUFFIXES and i > 0 and words[i - 1][1] != "r":
            name, suffix = words[i - 1][0], word
        if not _CJK_WORD.match(name) or _NOT_PLACE.search(name + suffix) or _GENERIC.match(name):
            continue
        out.append(name)
    return out


@dataclass(frozen=True)
class _DocScope:
    doc_id: str
    names: str  # title, issuer and region in matching form
    year: int | None
    text_years: frozenset[int]
    series: str | None


def text_years(text: str, fold: Callable[[str], str]) -> frozenset[int]:
    """The years a document's text mentions (its first 200,000 characters), read from ``fold(text)``: what
    ``_YEAR`` finds, i.e. every maximal run of exactly four digits that starts with 19 or 20 (whatever
    follows a run that is not a digit, 年 included, is what the pattern allows). Found by a plain pattern
    and a look at the two neighbours, several times faster than the look-arounds tried at every character
    (10,000 documents of 20,000 characters: 7 s). A run that starts inside a longer run is preceded by a
    digit, so the non-overlapping scan misses no valid year."""
    t = fold(text[:200_000])
    found: set[int] = set()
    for m in _CANDIDATE.finditer(t):
        a, b = m.span()
        if (a == 0 or not t[a - 1].isdecimal()) and (b == len(t) or not t[b].isdecimal()):
            found.add(int(m.group()))
    return frozenset(found)


class Scoped(Protocol):
    """What scoping reads of a document (``index.doctable.DocumentHead`` has it)."""

    @property
    def doc_id(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def metadata(self) -> dict[str, Any]: ...
    @property
    def year(self) -> int | None: ...
    @property
    def text_years(self) -> frozenset[int]: ...


class Scopes:
    """The scope of every document of an index, compared with questions."""

    def __init__(self, documents: Iterable[Scoped], normalize: Callable[[str], str]) -> None:
        """``normalize`` gives names their matching form. The years each text mentions come with its head
        (``DocumentHead.text_years``: read when the build was written, where OpenCC over whole documents at
        start-up took minutes at 100,000 passages)."""
        self._docs: list[_DocScope] = []
        documents_list = list(documents)
        for d in documents_list:
            meta = d.metadata
            names = normalize(" ".join(str(meta.get(k) or "") for k in ("issuer", "region")) + " " + d.title)
            self._docs.append(
                _DocScope(
                    d.doc_id,
                    names,
                    d.year,
                    d.text_years,
                    str(meta["series"]) if meta.get("series") else None,
                )
            )
        self.known_places = sorted(
            {core for d in documents_list for core in _place_cores(normalize(str(d.metadata.get("region") or "")))},
            key=len,
            reverse=True,
        )
        # The corpus's places as spelled in English questions (huairou -> 怀柔).
        self.spellings = {spelled: core for core in self.known_places for spelled in romanized(core)}
        self._by_id = {s.doc_id: s for s in self._docs}
        _place_names("洪泽区")  # loads jieba's tagger now (about a second), not on a citizen's first question
        self._latest: dict[str, int] = {}
        for s in self._docs:
            if s.series and s.year is not None:
                self._latest[s.series] = max(self._latest.get(s.series, s.year), s.year)

    def _year_match(self, s: _DocScope, years: frozenset[int]) -> float:
        if not years:
            return 0.0
        if s.year in years:
            return 1.0
        return 0.5 if years & s.text_years else 0.0

    def _name_match(self, s: _DocScope, qs: QueryScope) -> float:
        wanted = [*qs.places, *qs.bodies]
        if not wanted:
            return 0.0
        return sum(1.0 for w in wanted if w in s.names) / len(wanted)

    def priors(self, qs: QueryScope) -> dict[str, float]:
        """doc id -> prior (<= 0) to add to the fused scores of its passages; empty when nothing applies."""
        out: dict[str, float] = {}
        if qs.names_something:
            years = {s.doc_id: self._year_match(s, qs.years) for s in self._docs}
            names = {s.doc_id: self._name_match(s, qs) for s in self._docs}
            best_year, best_name = max(years.values(), default=0.0), max(names.values(), default=0.0)
            for s in self._docs:
                p = ASPECT_PENALTY * ((years[s.doc_id] - best_year) + (names[s.doc_id] - best_name))
                if p:
                    out[s.doc_id] = p
        if not qs.years:
            for s in self._docs:
                if s.series and s.year is not None and s.year < self._latest.get(s.series, s.year):
                    out[s.doc_id] = out.get(s.doc_id, 0.0) - OLDER_EDITION_PENALTY
        return out

    def section_years(self, qs: QueryScope, doc_id: str, headings_norm: tuple[str, ...]) -> float:
        """Correction of a passage's prior when the deepest of its section headings that names a year names
        other years than its document (``ASPECT_PENALTY`` times the difference between the heading's year
        match and the document's): a work report of 2024 reviews 2023 under "一、2023年工作回顾". 0.0 when
        the question names no year or no heading of the passage names one."""
        named = heading_years(headings_norm)
        if not qs.years or named is None:
            return 0.0
        s = self._by_id.get(doc_id)
        document = self._year_match(s, qs.years) if s is not None else 0.0
        return ASPECT_PENALTY * ((1.0 if named & qs.years else 0.0) - document)

    def unmatched(self, qs: QueryScope) -> float:
        """How far the corpus is from what the question names: 1.0 when no document covers a named place,
        or when no document of the named place (of any, if none is named) covers a named year; 0.5 when
        such documents only mention the year in their text (a 2024 report's comparisons with 2023);
        else 0.0. Evidence for the answer decision, weighed by its fitted model."""
        if qs.places and not any(p in s.names for p in qs.places for s in self._docs):
            return 1.0
        if qs.years:
            candidates = [s for s in self._docs if self._name_match(s, qs) > 0] or self._docs
            return 1.0 - max((self._year_match(s, qs.years) for s in candidates), default=0.0)
        return 0.0

    def year_missing(self, qs: QueryScope, doc_id: str, text_norm: str, headings_norm: tuple[str, ...] = ()) -> float:
        """1.0 when the question names a year and a result is not of that year; else 0.0. A result is of
        the years its deepest year-naming section heading names (``heading_years``: the 2024 budget's
        explanation, which compares with 2023, is of 2024); without such a heading, of its document's year
        or of any year its text (``text_norm``, headings included) mentions. "2024年…自助查阅终端" answered
        from the 2023 report's count is the near miss this catches."""
        if not qs.years:
            return 0.0
        named = heading_years(headings_norm)
        if named is not None:
            return 0.0 if named & qs.years else 1.0
        s = self._by_id.get(doc_id)
        if s is not None and s.year in qs.years:
            return 0.0
        return 0.0 if qs.years & {int(y) for y in _YEAR.findall(text_norm)} else 1.0


def heading_years(headings_norm: tuple[str, ...]) -> frozenset[int] | None:
    """The years the deepest of these section headings (outermost first) that names any names; None when none
    does."""
    for heading in reversed(headings_norm):
        named = frozenset(int(y) for y in _YEAR.findall(heading))
        if named:
            return named
    return None


_ADMIN_SUFFIX = re.compile(r"(自治区|自治州|省|市|区|县|旗|街道|镇|乡)$")


def _place_cores(region: str) -> list[str]:
    """上海市 普陀区 万里街道 -> 上海, 普陀, 万里 (two characters or more)."""
    return [core for part in region.split() if len(core := _ADMIN_SUFFIX.sub("", part)) >= 2]
