from __future__ import annotations

import json

import pytest

from index.lexical import _TOKEN_OK, STOPWORDS, JiebaTokenizer
from index.normalize import Normalizer
from tests.helpers import REPORT_DIR, ROOT


def _plain(jieba_like: object, text: str) -> list[str]:
    """What the tokenizer returned before it remembered blocks: jieba over the whole text, filtered."""
    return [
        t
        for t in (w.strip() for w in jieba_like.cut_for_search(text))  # type: ignore[attr-defined]
        if t and t not in STOPWORDS and _TOKEN_OK.search(t)
    ]


@pytest.mark.parametrize("words", [(), ("行政执法", "12345热线", "e-gov平台")])
def test_remembered_blocks_tokenise_exactly_as_jieba(words: tuple[str, ...]) -> None:
    """Tokens are jieba's over the whole text, on every normalised line and sentence of the shipped report,
    every gold question and mixed text, with and without a deployment's own words; the second time from
    memory."""
    import jieba

    from index.lexical import _segmenter

    norm = Normalizer()
    lines = [norm(ln) for f in sorted(REPORT_DIR.glob("*.txt")) for ln in f.read_text(encoding="utf-8").splitlines()]
    texts = lines + [s for ln in lines for s in ln.split("。") if s]
    for path in sorted((ROOT / "eval" / "gold").glob("*.jsonl")):
        texts += [norm(json.loads(x)["question"]) for x in path.read_text(encoding="utf-8").splitlines() if x]
    texts += ["", "。，", "gdp增长5.2%，12345热线 e-gov平台", "covid-19 疫情", "a b\tc\n怀柔区"]
    tok = JiebaTokenizer(words=words)
    seg = _segmenter(words) if words else jieba
    for text in texts + texts:
        assert tok(text) == _plain(seg, text), text
    assert tok._block.cache_info().hits > 0
