"""The Word reader: body order, Word's automatic numbering rendered, heading styles, tables as statements,
metadata, and files refused before they are parsed (corrupt, encrypted, zip bombs)."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path
from typing import Any

import docx
import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import parse_xml

from index.errors import DocumentError
from index.ingest import document_passages, read_document
from index.readers import docx as docx_reader
from index.readers import reader_for
from index.readers.docx import DocxReader, format_number
from index.readers.legacy_doc import LegacyDocReader
from index.structure import paragraphs

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'

# 一、 / （一） / 1. — the three levels of a Chinese report, as Word numbers them.
REPORT_LEVELS = """
<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/>
  <w:suff w:val="nothing"/></w:lvl>
<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="（%2）"/></w:lvl>
<w:lvl w:ilvl="2"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%3."/></w:lvl>
"""


def add_numbering(doc: Any, abstract_id: int, levels: str, nums: dict[int, str]) -> None:
    """An abstract numbering with ``levels`` and the w:num instances ``nums`` (numId -> overrides XML)."""
    numbering = doc.part.numbering_part.element
    numbering.insert(0, parse_xml(f'<w:abstractNum {W} w:abstractNumId="{abstract_id}">{levels}</w:abstractNum>'))
    for num_id, overrides in nums.items():
        numbering.append(
            parse_xml(f'<w:num {W} w:numId="{num_id}"><w:abstractNumId w:val="{abstract_id}"/>{overrides}</w:num>')
        )


def numbered(paragraph: Any, num_id: int, ilvl: int) -> Any:
    ppr = paragraph._p.get_or_add_pPr()
    ppr.append(parse_xml(f'<w:numPr {W}><w:ilvl w:val="{ilvl}"/><w:numId w:val="{num_id}"/></w:numPr>'))
    return paragraph


def read(doc: Any, tmp_path: Path, name: str = "a.docx") -> Any:
    doc.save(str(tmp_path / name))
    return DocxReader().read(tmp_path / name, name)


def lines(result: Any) -> list[str]:
    return [result.text[b.start : b.end] for b in result.blocks]


def test_automatic_numbering_is_rendered_into_the_text(tmp_path: Path) -> None:
    doc = docx.Document()
    add_numbering(doc, 90, REPORT_LEVELS, {90: ""})
    numbered(doc.add_heading("总体情况", 1), 90, 0)
    numbered(doc.add_paragraph("收入稳定增长。"), 90, 1)
    numbered(doc.add_paragraph("税收收入"), 90, 2)
    numbered(doc.add_paragraph("Non-tax income"), 90, 2)
    numbered(doc.add_paragraph("支出结构优化。"), 90, 1)
    numbered(doc.add_paragraph("民生支出"), 90, 2)  # restarts at 1 under （二）
    doc.add_paragraph("不编号的段落。")
    numbered(doc.add_heading("主要工作", 1), 90, 0)
    numbered(doc.add_paragraph("深化改革。"), 90, 1)  # restarts at （一） under 二、
    got = read(doc, tmp_path)
    assert lines(got) == [
        "一、总体情况",
        "（一）收入稳定增长。",
        "1.税收收入",
        "2. Non-tax income",
        "（二）支出结构优化。",
        "1.民生支出",
        "不编号的段落。",
        "二、主要工作",
        "（一）深化改革。",
    ]


def test_overrides_restart_a_list_and_lists_sharing_a_definition_continue(tmp_path: Path) -> None:
    levels = (
        '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimalEnclosedCircle"/><w:lvlText w:val="%1"/></w:lvl>'
    )
    doc = docx.Document()
    add_numbering(
        doc,
        91,
        levels,
        {
            91: "",
            92: "",  # same definition, no override: continues 91's count
            93: '<w:lvlOverride w:ilvl="0"><w:startOverride w:val="5"/></w:lvlOverride>',
        },
    )
    numbered(doc.add_paragraph("甲"), 91, 0)
    numbered(doc.add_paragraph("乙"), 91, 0)
    numbered(doc.add_paragraph("丙"), 92, 0)
    numbered(doc.add_paragraph("丁"), 93, 0)
    numbered(doc.add_paragraph("戊"), 93, 0)
    assert lines(read(doc, tmp_path)) == ["①甲", "②乙", "③丙", "⑤丁", "⑥戊"]


def test_level_restart_multilevel_text_and_legal_numbering(tmp_path: Path) -> None:
    levels = """
    <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="upperRoman"/><w:lvlText w:val="%1."/>
      <w:suff w:val="space"/></w:lvl>
    <w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1.%2"/>
      <w:isLgl/><w:suff w:val="space"/></w:lvl>
    <w:lvl w:ilvl="2"><w:start w:val="1"/><w:lvlRestart w:val="1"/><w:numFmt w:val="lowerLetter"/>
      <w:lvlText w:val="(%3)"/><w:suff w:val="space"/></w:lvl>
    """
    doc = docx.Document()
    add_numbering(doc, 94, levels, {94: ""})
    for text, ilvl in [("Intro", 0), ("Scope", 1), ("first", 2), ("Terms", 1), ("second", 2), ("Body", 0), ("x", 2)]:
        numbered(doc.add_paragraph(text), 94, ilvl)
    # (c): level 3 restarts only after level 1 (lvlRestart=1), not after "2.2"; isLgl shows II as 2.
    assert lines(read(doc, tmp_path)) == [
        "I. Intro",
        "1.1 Scope",
        "(a) first",
        "1.2 Terms",
        "(b) second",
        "II. Body",
        "(a) x",
    ]


def test_numbering_from_a_style_and_its_base_style(tmp_path: Path) -> None:
    doc = docx.Document()
    add_numbering(
        doc,
        95,
        '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="第%1章"/>'
        '<w:pStyle w:val="ChapterHeading"/></w:lvl>',
        {95: ""},
    )
    styles = doc.styles.element
    styles.append(
        parse_xml(
            f'<w:style {W} w:type="paragraph" w:styleId="ChapterHeading"><w:name w:val="章标题"/>'
            '<w:basedOn w:val="Heading1"/><w:pPr><w:numPr><w:numId w:val="95"/></w:numPr></w:pPr></w:style>'
        )
    )
    styles.append(
        parse_xml(
            f'<w:style {W} w:type="paragraph" w:styleId="MyChapter"><w:name w:val="我的章"/>'
            '<w:basedOn w:val="ChapterHeading"/></w:style>'
        )
    )
    doc.add_paragraph("总则", style="章标题")
    doc.add_paragraph("第一条正文。")
    doc.add_paragraph("附则", style="我的章")
    got = read(doc, tmp_path)
    assert lines(got) == ["第一章总则", "第一条正文。", "第二章附则"]
    assert [(b.kind, b.level) for b in got.blocks] == [("heading", 1), ("text", None), ("heading", 1)]


@pytest.mark.parametrize(
    ("n", "fmt", "text"),
    [
        (1, "chineseCounting", "一"),
        (10, "chineseCounting", "十"),
        (11, "chineseCounting", "十一"),
        (20, "chineseCountingThousand", "二十"),
        (105, "chineseCountingThousand", "一百零五"),
        (1010, "chineseCountingThousand", "一千零一十"),
        (3, "ideographTraditional", "丙"),
        (28, "upperLetter", "BB"),
        (2, "lowerLetter", "b"),
        (14, "upperRoman", "XIV"),
        (4, "lowerRoman", "iv"),
        (3, "decimalEnclosedCircle", "③"),
        (12, "decimalFullWidth", "１２"),
        (7, "decimal", "7"),
        (7, "somethingNew", "7"),
    ],
)
def test_number_formats(n: int, fmt: str, text: str) -> None:
    assert format_number(n, fmt) == text


def test_headings_become_section_paths(tmp_path: Path) -> None:
    doc = docx.Document()
    add_numbering(doc, 96, REPORT_LEVELS, {96: ""})
    doc.add_paragraph("2023年部门预算说明", style="Title")
    numbered(doc.add_heading("部门基本情况", 1), 96, 0)
    doc.add_paragraph("本部门负责全区财政工作。")
    numbered(doc.add_heading("主要职能", 2), 96, 1)
    doc.add_paragraph("组织实施预算。")
    numbered(doc.add_heading("收支预算", 1), 96, 0)
    doc.add_paragraph("收入预算1200万元。")
    doc.save(str(tmp_path / "budget.docx"))
    document = read_document(tmp_path / "budget.docx", tmp_path)
    assert document.format == "docx" and document.title == "2023年部门预算说明"
    assert [(p.text, p.section) for p in paragraphs(document)] == [
        ("本部门负责全区财政工作。", ("2023年部门预算说明", "一、部门基本情况")),
        ("组织实施预算。", ("2023年部门预算说明", "一、部门基本情况", "（一）主要职能")),
        ("收入预算1200万元。", ("2023年部门预算说明", "二、收支预算")),
    ]


def three_gong_table(doc: Any) -> None:
    doc.add_paragraph("2023年部门“三公”经费预算情况表")
    doc.add_paragraph("单位：万元")
    table = doc.add_table(rows=4, cols=4)
    table.cell(0, 0).merge(table.cell(1, 0)).text = "项目"  # vertical merge
    table.cell(0, 1).merge(table.cell(0, 3)).text = "2023年预算数"  # horizontal merge
    for c, text in enumerate(["合计", "公务接待费", "公务用车费"], start=1):
        table.cell(1, c).text = text
    for r, row in enumerate([["本级", "22.91", "2.5", "20.41"], ["下属单位", "3", "1", "2"]], start=2):
        for c, text in enumerate(row):
            table.cell(r, c).text = text


def test_tables_become_statements_with_header_paths_values_and_unit(tmp_path: Path) -> None:
    doc = docx.Document()
    doc.add_paragraph("一、“三公”经费预算")
    three_gong_table(doc)
    doc.add_paragraph("表后的说明。")
    got = read(doc, tmp_path)
    tables = [got.text[b.start : b.end] for b in got.blocks if b.kind == "table"]
    assert tables == [
        "2023年部门“三公”经费预算情况表（单位：万元）：本级：2023年预算数·合计 22.91万元，"
        "2023年预算数·公务接待费 2.5万元，2023年预算数·公务用车费 20.41万元。",
        "2023年部门“三公”经费预算情况表（单位：万元）：下属单位：2023年预算数·合计 3万元，"
        "2023年预算数·公务接待费 1万元，2023年预算数·公务用车费 2万元。",
    ]
    assert lines(got)[-1] == "表后的说明。"


def test_canonical_text_is_the_blocks_and_every_passage_is_a_slice_of_it(tmp_path: Path) -> None:
    doc = docx.Document()
    add_numbering(doc, 97, REPORT_LEVELS, {97: ""})
    doc.add_paragraph("关于2023年预算执行情况的报告", style="Title")
    numbered(doc.add_heading("预算执行情况", 1), 97, 0)
    body = doc.add_paragraph("　　2023年，全区一般公共预算收入完成120.5亿元，")
    body.add_run().add_break()
    body.add_run("同比增长5.2%。\t完成  预算的  101%。")
    for i in range(30):
        doc.add_paragraph(f"第{i + 1}项工作取得进展，有关指标按计划完成，群众满意度持续提升。" * 3)
    three_gong_table(doc)
    doc.save(str(tmp_path / "r.docx"))
    document = read_document(tmp_path / "r.docx", tmp_path)
    texts = [document.text[b.start : b.end] for b in document.blocks]
    assert document.text == "\n".join(texts)
    assert "2023年，全区一般公共预算收入完成120.5亿元，同比增长5.2%。完成 预算的 101%。" in texts
    assert all(t == t.strip() and "\n" not in t and "  " not in t for t in texts)
    found = document_passages(document)
    assert len(found) > 5
    assert all(p.text == document.text[p.start : p.end] for p in found)
    assert any("22.91万元" in p.text for p in found)


def test_deleted_hidden_field_code_and_contents_text_is_left_out(tmp_path: Path) -> None:
    doc = docx.Document()
    doc.styles.element.append(
        parse_xml(f'<w:style {W} w:type="paragraph" w:styleId="TOC1"><w:name w:val="toc 1"/></w:style>')
    )
    doc.add_paragraph("一、总体情况……3", style="toc 1")  # a table of contents entry is not a heading
    p = doc.add_paragraph("保留")
    p._p.append(parse_xml(f'<w:del {W} w:id="1" w:author="a"><w:r><w:delText>删除的</w:delText></w:r></w:del>'))
    p._p.append(parse_xml(f'<w:ins {W} w:id="2" w:author="a"><w:r><w:t>插入的</w:t></w:r></w:ins>'))
    p._p.append(parse_xml(f"<w:r {W}><w:rPr><w:vanish/></w:rPr><w:t>隐藏的</w:t></w:r>"))
    p._p.append(parse_xml(f"<w:r {W}><w:instrText> PAGE </w:instrText></w:r>"))
    p._p.append(parse_xml(f"<w:r {W}><w:t>文字</w:t></w:r>"))
    doc.add_paragraph("")  # empty paragraphs are skipped
    doc.add_paragraph("一、总体情况")
    assert lines(read(doc, tmp_path)) == ["保留插入的文字", "一、总体情况"]


def test_metadata_from_core_properties(tmp_path: Path) -> None:
    doc = docx.Document()
    doc.add_paragraph("正文第一段，内容较长，不是标题。这里再写一些文字让它超过四十个字符的长度限制，一二三四五。")
    doc.core_properties.title = "北京市某某区2023年预算报告"
    doc.core_properties.author = "北京市某某区财政局"
    got = read(doc, tmp_path)
    assert got.title == "北京市某某区2023年预算报告"
    assert got.metadata["issuer"] == "北京市某某区财政局"
    assert got.metadata["created"] == "2013-12-23"  # python-docx's template date

    doc.core_properties.title = ""
    doc.core_properties.author = "张三"  # a person is not the issuing body
    centred = doc.paragraphs[0].insert_paragraph_before("关于印发某某办法的通知")
    centred.alignment = WD_ALIGN_PARAGRAPH.CENTER
    got = read(doc, tmp_path, "b.docx")
    assert got.title == "关于印发某某办法的通知"
    assert "issuer" not in got.metadata


def write_zip(path: Path, entries: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)


def test_corrupt_and_foreign_files_are_refused_naming_the_file(tmp_path: Path) -> None:
    cases: dict[str, bytes] = {
        "random.docx": b"this is not a zip file at all",
        "legacy.docx": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512,
        "locked.docx": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 64,
    }
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
    write_zip(tmp_path / "nodoc.docx", {"hello.txt": b"hi"})
    write_zip(tmp_path / "badxml.docx", {"word/document.xml": b"<w:document", "[Content_Types].xml": b"<"})
    good = docx.Document()
    good.add_paragraph("正文")
    good.save(str(tmp_path / "good.docx"))
    (tmp_path / "truncated.docx").write_bytes((tmp_path / "good.docx").read_bytes()[:2000])
    expected = {
        "random.docx": "not a valid zip",
        "legacy.docx": "legacy Word 97-2003",
        "locked.docx": "password-protected",
        "nodoc.docx": "no word/document.xml",
        "badxml.docx": "corrupt Word file",
        "truncated.docx": "not a valid zip",
    }
    for name, message in expected.items():
        with pytest.raises(DocumentError, match=message) as info:
            DocxReader().read(tmp_path / name, f"reports/{name}")
        assert info.value.message.startswith(f"reports/{name}: ")


def test_zip_bombs_are_refused_before_parsing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_zip(tmp_path / "ratio.docx", {"word/document.xml": b"\x00" * (2 * 1024 * 1024)})
    with pytest.raises(DocumentError, match=r"ratio.docx: refused: .*compressed more than 200 times"):
        DocxReader().read(tmp_path / "ratio.docx", "ratio.docx")

    with zipfile.ZipFile(tmp_path / "many.docx", "w") as zf:
        for i in range(10_001):
            zf.writestr(f"x/{i}", b"")
    with pytest.raises(DocumentError, match=r"many.docx: refused: the archive has 10001 entries"):
        DocxReader().read(tmp_path / "many.docx", "many.docx")

    good = docx.Document()
    good.add_paragraph("正文" * 100)
    good.save(str(tmp_path / "big.docx"))
    monkeypatch.setattr(docx_reader, "MAX_UNCOMPRESSED", 10_000)
    with pytest.raises(DocumentError, match=r"big.docx: refused: the archive unpacks to"):
        DocxReader().read(tmp_path / "big.docx", "big.docx")


def test_empty_document_is_refused(tmp_path: Path) -> None:
    doc = docx.Document()
    doc.add_paragraph("   ")
    with pytest.raises(DocumentError, match="empty.docx: no text"):
        read(doc, tmp_path, "empty.docx")


def test_legacy_doc_without_libreoffice_says_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512)
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(
        DocumentError, match=r"old.doc: legacy Word .doc files need LibreOffice .*save the file as .docx"
    ):
        LegacyDocReader().read(tmp_path / "old.doc", "old.doc")


def test_readers_are_registered() -> None:
    for name, fmt in [("A.DOCX", "docx"), ("b.doc", "doc"), ("c.html", "html"), ("d.htm", "html"), ("e.shtml", "html")]:
        reader = reader_for(Path(name))
        assert reader is not None and reader.name == fmt


def test_outline_levels_style_links_text_boxes_and_numbered_cells(tmp_path: Path) -> None:
    doc = docx.Document()
    styles = doc.styles.element
    # A custom style with an outline level is a heading; one based on Heading 2 with outline level 9 is not.
    styles.append(
        parse_xml(
            f'<w:style {W} w:type="paragraph" w:styleId="Big"><w:name w:val="大标题"/>'
            '<w:pPr><w:outlineLvl w:val="1"/></w:pPr></w:style>'
        )
    )
    styles.append(
        parse_xml(
            f'<w:style {W} w:type="paragraph" w:styleId="Plain"><w:name w:val="正文二"/><w:basedOn w:val="Heading2"/>'
            '<w:pPr><w:outlineLvl w:val="9"/></w:pPr></w:style>'
        )
    )
    # A list whose levels live in a numbering style (w:numStyleLink -> style -> w:num -> w:styleLink).
    add_numbering(
        doc,
        98,
        '<w:styleLink w:val="ListStyle"/><w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/>'
        '<w:lvlText w:val="%1）"/></w:lvl>',
        {98: ""},
    )
    styles.append(
        parse_xml(
            f'<w:style {W} w:type="numbering" w:styleId="ListStyle"><w:name w:val="列表样式"/>'
            '<w:pPr><w:numPr><w:numId w:val="98"/></w:numPr></w:pPr></w:style>'
        )
    )
    add_numbering(doc, 99, '<w:numStyleLink w:val="ListStyle"/>', {99: ""})
    doc.add_paragraph("工作目标", style="大标题")
    doc.add_paragraph("普通段落", style="正文二")
    numbered(doc.add_paragraph("第一项"), 99, 0)
    anchor = doc.add_paragraph("见文本框")
    anchor._p.append(
        parse_xml(
            f'<w:r {W} xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006">'
            '<mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><w:txbxContent><w:p><w:r><w:t>专栏：民生实事'
            "</w:t></w:r></w:p></w:txbxContent></w:drawing></mc:Choice><mc:Fallback><w:pict><w:txbxContent><w:p>"
            "<w:r><w:t>专栏：民生实事</w:t></w:r></w:p></w:txbxContent></w:pict></mc:Fallback></mc:AlternateContent></w:r>"
        )
    )
    doc.add_paragraph("重点项目表")
    table = doc.add_table(rows=3, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "序号", "投资额"
    for r, amount in ((1, "120.5"), (2, "80.25")):
        numbered(table.cell(r, 0).paragraphs[0], 99, 0)
        table.cell(r, 1).text = amount
    got = read(doc, tmp_path)
    assert lines(got) == [
        "工作目标",
        "普通段落",
        "1）第一项",
        "见文本框",
        "专栏：民生实事",
        "重点项目表",
        "重点项目表：2）：投资额 120.5。",
        "重点项目表：3）：投资额 80.25。",
    ]
    assert [(b.kind, b.level) for b in got.blocks][:2] == [("heading", 2), ("text", None)]
