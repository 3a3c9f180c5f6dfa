"""Query expansion: the words citizens use -> the words government documents use for the same thing.

"在禁放区放炮仗罚多少钱" is about 燃放烟花爆竹 and 罚款; "低保" is 最低生活保障 in a service guide; "公车" is
公务用车 in a budget. A question that holds a word of the table (``index/data/synonyms.tsv``) is also
searched lexically for its official forms. Only the lexical side is expanded (the embedding model already
relates the everyday word to the official one, or does not, whatever is appended); the answer decision
uses the question's own words. The table is general vocabulary, checked into the repository, and
documents say what it holds; a deployment can add its own words (``Expander(terms=...)``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

_TABLE = Path(__file__).parent / "data" / "synonyms.tsv"


def load(path: Path = _TABLE) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        word, official = line.split("\t", 1)
        out[word.strip()] = tuple(official.split())
    return out


class Expander:
    """Official forms of the everyday words in a (normalised) question, as extra lexical tokens."""

    def __init__(
        self,
        tokenizer: Callable[[str], list[str]],
        terms: dict[str, tuple[str, ...]] | None = None,
        extra: dict[str, tuple[str, ...]] | None = None,
    ) -> None:
        """``terms``: the table (default: index/data/synonyms.tsv); ``extra``: the deployment's own
        synonyms (index/dictionary.py), added to it."""
        self._terms = dict(load() if terms is None else terms)
        for word, forms in (extra or {}).items():
            self._terms[word] = tuple(dict.fromkeys([*self._terms.get(word, ()), *forms]))
        self._tokenizer = tokenizer
        words = sorted(self._terms, key=len, reverse=True)
        # English words match whole words only ("fine" is not in "define"), also between Chinese characters
        # (青禾区2023年gdp是多少: \b sees no boundary between 年 and g, both being word characters); Chinese
        # ones anywhere.
        alternatives = [rf"(?<![a-z0-9]){re.escape(w)}(?![a-z0-9])" if w.isascii() else re.escape(w) for w in words]
        self._pattern = re.compile("|".join(alternatives)) if words else None

    def english(self, query_norm: str) -> dict[str, list[str]]:
        """The table's English words in the (normalised) question, each with the tokens of its official forms
        (how ``index/translate.py`` counts them as translated)."""
        if self._pattern is None:
            return {}
        out: dict[str, list[str]] = {}
        for m in self._pattern.finditer(query_norm):
            word = m.group(0)
            if word.isascii():
                out[word] = [t for official in self._terms[word] for t in self._tokenizer(official)]
        return out

    def __call__(self, query_norm: str, tokens: list[str]) -> list[str]:
        """``tokens`` and the tokens of the official forms of every table word in the question."""
        if self._pattern is None:
            return tokens
        extra: list[str] = []
        for m in self._pattern.finditer(query_norm):
            for official in self._terms[m.group(0)]:
                extra.extend(t for t in self._tokenizer(official) if t not in tokens and t not in extra)
        return tokens + extra if extra else tokens
