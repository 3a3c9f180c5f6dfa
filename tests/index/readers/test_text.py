"""The plain-text and Markdown readers: canonical text is the file verbatim; blocks per line or per block."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.errors import DocumentError
from index.readers import reader_for
from index.readers.markdown import MarkdownReader
from index.readers.text import TextReader


def test_text_reader_keeps_the_file_verbatim_with_one_block_per_line(tmp_path: Path) -> None:
    raw = "\ufeff一、总则\r\n  正文第一段。\u3000\n\n正文第二段。"
    (tmp_path / "a.txt").write_bytes(raw.encode("utf-8"))
    got = TextReader().read(tmp_path / "a.txt", "a.txt")
    assert got.text == raw and got.title == "一、总则"
    assert [got.text[b.start : b.end] for b in got.blocks] == ["一、总则", "正文第一段。", "正文第二段。"]
    assert all(b.new_paragraph and b.kind == "text" for b in got.blocks)


def test_markdown_lines_of_a_block_continue_its_paragraph(tmp_path: Path) -> None:
    raw = "---\ntitle: T\n---\n# 标题\n第一行\n第二行\n\n第三行\n"
    (tmp_path / "a.md").write_text(raw, encoding="utf-8")
    got = MarkdownReader().read(tmp_path / "a.md", "a.md")
    assert got.metadata == {"title": "T"}
    assert [(got.text[b.start : b.end], b.new_paragraph) for b in got.blocks] == [
        ("# 标题", True),
        ("第一行", False),
        ("第二行", False),
        ("第三行", True),
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x89PNG\x00\x00", "binary"),
        ("caf\xe9".encode("latin-1"), "UTF-8"),
        (b" \n\t\n", "empty"),
        (b"---\n: [\n---\nbody\n", "YAML"),
        (b"---\n- a\n- b\n---\nbody\n", "key: value"),
    ],
)
def test_unreadable_text_files_are_document_errors(tmp_path: Path, data: bytes, message: str) -> None:
    (tmp_path / "bad.txt").write_bytes(data)
    with pytest.raises(DocumentError, match=message):
        TextReader().read(tmp_path / "bad.txt", "bad.txt")


def test_reader_is_chosen_by_file_name() -> None:
    txt, md = reader_for(Path("A.TXT")), reader_for(Path("notes.md"))
    assert txt is not None and txt.name == "txt"
    assert md is not None and md.name == "md"
    assert reader_for(Path("a.meta.json")) is None
    assert reader_for(Path("photo.png")) is None


def test_markdown_pipe_tables_become_row_statements(tmp_path: Path) -> None:
    raw = (
        "# 目标\n\n主要预期目标：\n\n| 指标 | 2023年完成情况 | 2024年预期目标 |\n| --- | --- | --- |\n"
        "| 地区生产总值增速 | 5.6% | 5.5%左右 |\n| 一般公共预算收入增速 | 6.2% | 5%左右 |\n\n结束语。\n"
    )
    (tmp_path / "t.md").write_text(raw, encoding="utf-8")
    got = MarkdownReader().read(tmp_path / "t.md", "t.md")
    rows = [got.text[b.start : b.end] for b in got.blocks if b.kind == "table"]
    assert rows == [
        "地区生产总值增速：2023年完成情况 5.6%，2024年预期目标 5.5%左右。",
        "一般公共预算收入增速：2023年完成情况 6.2%，2024年预期目标 5%左右。",
    ]
    assert got.text.startswith("# 目标\n\n主要预期目标：\n\n") and got.text.endswith("\n结束语。\n")
