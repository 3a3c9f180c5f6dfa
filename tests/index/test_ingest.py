from __future__ import annotations

from pathlib import Path

import pytest

from index.errors import CorpusError
from index.ingest import ChunkConfig, heading_level, paragraphs, passages, read_corpus, read_document

REPORT = Path(__file__).resolve().parents[2] / "docs" / "corpus"
REPORT_ID = "huairou-2024-law-based-government-report"


@pytest.fixture(scope="module")
def report():
    docs, skipped = read_corpus(REPORT)
    assert skipped == []
    return next(d for d in docs if d.doc_id == REPORT_ID)


def test_report_metadata_from_sidecar(report):
    assert report.title == "北京市懷柔區2024年法治政府建設年度情況報告"
    assert report.metadata["year"] == 2024
    assert "懷柔" in report.metadata["issuer"]


def test_every_passage_slices_the_original_file_exactly(report):
    raw = (REPORT / f"{REPORT_ID}.txt").read_bytes().decode("utf-8")
    ps = passages(report)
    assert len(ps) > 15
    for p in ps:
        assert raw[p.start : p.end] == p.text
        assert raw[p.paragraph_start : p.paragraph_end].find(p.text) == p.start - p.paragraph_start
        assert p.text == p.text.strip()


def test_headings_are_never_passages_and_become_section_paths(report):
    ps = passages(report)
    texts = [p.text for p in ps]
    assert not any(t.startswith(("一、", "二、", "四、", "(一)", "(二)")) for t in texts)
    forest = next(p for p in ps if "77.57%" in p.text)
    assert forest.section[0] == "一、主要舉措和成效"
    assert forest.section[1].startswith("(七)") or forest.section[1].startswith("(")
    plan = [p for p in ps if p.section and p.section[0] == "四、2025年主要安排"]
    assert {s.section[1][:3] for s in plan} == {"(一)", "(二)", "(三)", "(四)"}


def test_passages_respect_size_and_sentence_ends(report):
    cfg = ChunkConfig(max_chars=220, min_chars=40)
    for p in passages(report, cfg):
        assert len(p.text) <= cfg.max_chars + cfg.min_chars  # a folded tail may exceed slightly
        if p.end != p.paragraph_end:
            assert p.text[-1] in "。！？!?；;”」"


def test_passage_ids_are_stable_and_unique(report):
    a = [p.passage_id for p in passages(report)]
    b = [p.passage_id for p in passages(report)]
    assert a == b and len(set(a)) == len(a)


@pytest.mark.parametrize(
    ("line", "level"),
    [
        ("一、主要舉措和成效", 2),
        ("(一)加強統籌", 3),
        ("（二）加强统筹", 3),
        ("1.完善制度", 4),
        ("(3)细则", 5),
        ("第一章 总则", 0),
        ("第二節 範圍", 1),
        ("第十条 本办法自发布之日起施行。", 6),
        ("## 背景", -8),
        ("2024年,懷柔區堅持", None),
        ("12.5%的企业", None),
    ],
)
def test_heading_levels(line, level):
    assert heading_level(line) == level


def test_markdown_blocks_front_matter_and_numbered_items(tmp_path):
    text = (
        "---\ntitle: 测试文件\nyear: 2025\n---\n# 总则\n\n第一条 为了规范管理，制定本办法。本办法适用于全区。\n\n"
        "## 措施\n\n1.加强监督。各部门应当\n按季度报告。\n\n普通段落。\n"
    )
    (tmp_path / "a.md").write_text(text, encoding="utf-8")
    doc = read_document(tmp_path / "a.md", tmp_path)
    assert doc.title == "测试文件" and doc.metadata == {"year": 2025}
    paras = paragraphs(doc)
    assert [p.text for p in paras] == [
        "为了规范管理，制定本办法。本办法适用于全区。",
        "各部门应当\n按季度报告。",
        "普通段落。",
    ]
    assert paras[0].section == ("总则", "第一条")
    assert paras[1].section == ("总则", "措施", "1.加强监督")
    assert paras[2].section == ("总则", "措施", "1.加强监督")
    for p in paras:
        assert text[p.start : p.end] == p.text


def test_broken_files_are_reported_by_name_and_skipped(tmp_path):
    (tmp_path / "good.txt").write_text("一、总则\n正文内容在这里。\n", encoding="utf-8")
    (tmp_path / "latin1.txt").write_bytes("caf\xe9".encode("latin-1"))
    (tmp_path / "empty.txt").write_text("  \n\n", encoding="utf-8")
    (tmp_path / "binary.txt").write_bytes(b"\x89PNG\x00\x00\x01")
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    docs, skipped = read_corpus(tmp_path)
    assert [d.doc_id for d in docs] == ["good"]
    reasons = {s.path: s.reason for s in skipped}
    assert set(reasons) == {"latin1.txt", "empty.txt", "binary.txt"}
    assert "UTF-8" in reasons["latin1.txt"] and "empty" in reasons["empty.txt"] and "binary" in reasons["binary.txt"]


def test_missing_corpus_is_a_clear_error(tmp_path):
    with pytest.raises(CorpusError, match="not found"):
        read_corpus(tmp_path / "nope")


def test_long_sentence_without_punctuation_is_still_cut(tmp_path):
    body = "甲" * 1000
    (tmp_path / "long.txt").write_text(body + "\n", encoding="utf-8")
    doc = read_document(tmp_path / "long.txt", tmp_path)
    ps = passages(doc, ChunkConfig(max_chars=200, min_chars=40))
    assert "".join(p.text for p in ps) == body
    assert max(len(p.text) for p in ps) <= 240


def test_hidden_files_skipped_but_hidden_parent_directories_are_fine(tmp_path):
    corpus = tmp_path / ".cache" / "corpus"
    (corpus / ".git").mkdir(parents=True)
    (corpus / "a.txt").write_text("正文。\n", encoding="utf-8")
    (corpus / ".hidden.txt").write_text("隐藏。\n", encoding="utf-8")
    (corpus / ".git" / "b.txt").write_text("版本库。\n", encoding="utf-8")
    docs, _ = read_corpus(corpus)
    assert [d.doc_id for d in docs] == ["a"]
