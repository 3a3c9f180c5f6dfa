"""The deployment's dictionary: words kept whole and synonym groups, applied to documents and questions,
recorded in the manifest, and a change rebuilds."""

from __future__ import annotations

from pathlib import Path

import pytest

from index import dictionary, store
from index.dictionary import Dictionary, DictionaryError
from index.search import Searcher
from tests.helpers import HashEmbedder, build_hash_index

SHIPPED = Path(__file__).resolve().parents[2] / "docs" / "dictionaries"


def test_files_are_parsed_and_bad_lines_named(tmp_path: Path) -> None:
    words, _ = dictionary.parse("words", "# names\n无事不扰\n同心圆 100 n\n无事不扰\n\n")
    assert words == ("无事不扰", "同心圆")
    _, groups = dictionary.parse("synonyms", "社保=社会保险\n医保 = 医疗保险，基本医疗保险 # comment\n")
    assert groups == (("社保", "社会保险"), ("医保", "医疗保险", "基本医疗保险"))
    with pytest.raises(DictionaryError, match="line 2: a synonym group needs at least two forms"):
        dictionary.parse("synonyms", "社保=社会保险\n社保\n")
    with pytest.raises(DictionaryError, match="line 1: control"):
        dictionary.parse("words", "无事\u200b不扰\n")
    with pytest.raises(DictionaryError, match="longer than"):
        dictionary.parse("words", "长" * 40)
    shipped = dictionary.load_dir(SHIPPED)
    assert "无事不扰" in shipped.words and ("社保", "社会保险") in shipped.synonyms
    assert dictionary.load_dir(tmp_path / "none") == dictionary.EMPTY


def test_save_keeps_history_and_restore_puts_it_back(tmp_path: Path) -> None:
    assert dictionary.save(tmp_path, "words", "同心圆") is None
    kept = dictionary.save(tmp_path, "words", "同心圆\n无事不扰\n")
    assert kept is not None and kept.read_text(encoding="utf-8") == "同心圆\n"
    assert dictionary.load_dir(tmp_path).words == ("同心圆", "无事不扰")
    dictionary.restore(tmp_path, "words", kept)
    assert dictionary.load_dir(tmp_path).words == ("同心圆",)
    with pytest.raises(DictionaryError):
        dictionary.save(tmp_path, "synonyms", "只有一个")
    assert not (tmp_path / "synonyms.txt").exists()  # a bad file is never written


def _searcher(root: Path) -> Searcher:
    return Searcher(store.load(root), HashEmbedder())


def test_words_are_kept_whole_in_documents_and_questions(report_corpus: Path, tmp_path: Path) -> None:
    plain = build_hash_index(report_corpus, tmp_path / "plain")
    s = _searcher(plain.build_dir.parent.parent)
    assert not s.in_corpus("无事不扰") and s.dictionary == dictionary.EMPTY  # jieba: 无事 / 不扰

    own = Dictionary(("無事不擾", "同心圆"), (("社保", "社会保险"), ("红头文件", "行政规范性文件")))
    report = build_hash_index(report_corpus, tmp_path / "own", dictionary=own)
    s = _searcher(tmp_path / "own")
    assert s.in_corpus("无事不扰") and s.in_corpus("同心圆")  # either script: matched in the normalised form
    assert "无事不扰" in s.analyze("无事不扰清单是什么")[1]
    m = store.read_manifest(report.build_dir)
    assert m.dictionary["version"] == own.version and m.dictionary["words"] == ["無事不擾", "同心圆"]
    assert s.dictionary.version == own.version
    # Synonyms both ways, on top of the general table.
    assert "社会保险" in s.expand("社保怎么交", s.analyze("社保怎么交")[1])
    assert "社保" in s.expand("社会保险", s.analyze("社会保险")[1])
    assert {"最低", "生活", "保障"} <= set(s.expand("低保", s.analyze("低保")[1]))  # the general table stays

    again = build_hash_index(report_corpus, tmp_path / "own", dictionary=own)
    assert again.up_to_date
    changed = build_hash_index(report_corpus, tmp_path / "own", dictionary=Dictionary(("同心圆",)))
    assert not changed.up_to_date
    assert not _searcher(tmp_path / "own").in_corpus("无事不扰")


def test_shipped_dictionary_brings_programme_names_whole(report_corpus: Path, tmp_path: Path) -> None:
    build_hash_index(report_corpus, tmp_path / "i", dictionary=dictionary.load_dir(SHIPPED))
    s = _searcher(tmp_path / "i")
    for name in ("无事不扰", "接诉即办", "一网通办", "同心圆"):
        assert s.in_corpus(name), name
