"""Structure: section paths from numbered, Markdown and format-marked headings; headings never passages."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.ingest import document_passages, read_document
from index.passage import Block, Document
from index.structure import heading_level, paragraphs
from tests.helpers import REPORT_DIR, REPORT_ID


@pytest.fixture(scope="module")
def report() -> Document:
    return read_document(REPORT_DIR / f"{REPORT_ID}.txt", REPORT_DIR)


def test_headings_are_never_passages_and_become_section_paths(report: Document) -> None:
    ps = document_passages(report)
    texts = [p.text for p in ps]
    assert not any(t.startswith(("一、", "二、", "四、", "(一)", "(二)")) for t in texts)
    forest = next(p for p in ps if "77.57%" in p.text)
    assert forest.section[0] == "一、主要舉措和成效"
    assert forest.section[1].startswith("(")
    plan = [p for p in ps if p.section and p.section[0] == "四、2025年主要安排"]
    assert {s.section[1][:3] for s in plan} == {"(一)", "(二)", "(三)", "(四)"}


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
def test_heading_levels(line: str, level: int | None) -> None:
    assert heading_level(line) == level


def test_markdown_blocks_run_in_headings_and_numbered_items(tmp_path: Path) -> None:
    text = (
        "---\ntitle: 测试文件\nyear: 2025\n---\n# 总则\n\n第一条 为了规范管理，制定本办法。本办法适用于全区。\n\n"
        "## 措施\n\n1.加强监督。各部门应当\n按季度报告。\n\n普通段落。\n"
    )
    (tmp_path / "a.md").write_text(text, encoding="utf-8")
    doc = read_document(tmp_path / "a.md", tmp_path)
    paras = paragraphs(doc)
    assert [p.text for p in paras] == [
        "为了规范管理，制定本办法。本办法适用于全区。",
        "各部门应当\n按季度报告。\n\n普通段落。",  # two short paragraphs of one section: one
    ]
    assert paras[0].section == ("总则", "第一条")
    assert paras[1].section == ("总则", "措施", "1.加强监督")
    for p in paras:
        assert text[p.start : p.end] == p.text


def test_format_marked_headings_and_table_rows() -> None:
    """Blocks a reader marks: a heading style opens a section whatever its text; table rows stand alone."""
    text = "工作概况全年完成各项任务。三公经费：2025年预算数 12.50 万元。因公出国（境）费：0 万元。"
    a = text.index("全年")
    b = text.index("三公")
    c = text.index("因公")
    doc = Document(
        "d",
        "d.docx",
        text,
        "d",
        blocks=(
            Block(0, a, "heading", level=1),
            Block(a, b, "text"),
            Block(b, c, "table"),
            Block(c, len(text), "table", new_paragraph=False),
        ),
    )
    paras = paragraphs(doc)
    assert [p.text for p in paras] == [
        "全年完成各项任务。",
        "三公经费：2025年预算数 12.50 万元。",
        "因公出国（境）费：0 万元。",
    ]
    assert all(p.section == ("工作概况",) for p in paras)


def test_short_paragraphs_of_a_section_join_and_long_ones_do_not(tmp_path: Path) -> None:
    long = "全区推进法治政府建设，" * 12 + "成效明显。"
    lines = ["一、申请材料", "身份证。", "户口簿。", "收入证明。", "二、办理流程", long, long, "窗口受理。"]
    (tmp_path / "g.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    paras = paragraphs(read_document(tmp_path / "g.txt", tmp_path))
    assert [p.text for p in paras] == ["身份证。\n户口簿。\n收入证明。", long, long, "窗口受理。"]
    assert [p.number for p in paras] == [1, 2, 3, 4]
