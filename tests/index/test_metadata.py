"""Metadata from the documents themselves, and editions of a series across the corpus."""

from __future__ import annotations

from index.metadata import annotate_series, doc_type_of, infer, regions_of
from index.normalize import Normalizer
from index.passage import Document

NORM = Normalizer()


def doc(doc_id: str, title: str, text: str = "", **meta: object) -> Document:
    return Document(doc_id, f"{doc_id}.pdf", text or title, title, dict(meta))


def test_year_type_issuer_and_region_from_the_title_and_first_lines() -> None:
    cover = "上海市普陀区2023年区级部门预算\n预算主管部门：上海市普陀区人民政府万里街道办事处\n"
    d = infer(doc("a", "上海市普陀区2023年区级部门预算", cover), NORM)
    assert d.metadata["year"] == 2023 and d.metadata["doc_type"] == "预算"
    assert d.metadata["issuer"] == "上海市普陀区人民政府万里街道办事处"
    assert d.metadata["region"] == "上海市 普陀区 万里街道"
    w = infer(doc("b", "上海市普陀区社会福利院2024年单位预算"), NORM)
    assert w.metadata["issuer"] == "上海市普陀区社会福利院" and w.metadata["year"] == 2024
    t = infer(doc("c", "北京市懷柔區2024年法治政府建設年度情況報告"), NORM)
    assert t.metadata["doc_type"] == "法治政府建设年度报告" and t.metadata["region"] == "北京市 怀柔区"


def test_what_the_file_or_sidecar_says_wins() -> None:
    d = infer(doc("a", "某区2023年政府工作报告", year=2022, issuer="某区人民政府"), NORM)
    assert d.metadata["year"] == 2022 and d.metadata["issuer"] == "某区人民政府"
    assert d.metadata["doc_type"] == "政府工作报告"


def test_older_editions_of_a_series_are_superseded() -> None:
    docs = [
        infer(doc("r2023", "青禾区人民政府2023年政府信息公开工作年度报告"), NORM),
        infer(doc("r2024", "青禾区人民政府2024年政府信息公开工作年度报告"), NORM),
        infer(doc("other", "青禾区2024年政府工作报告"), NORM),
    ]
    out = {d.doc_id: d.metadata for d in annotate_series(docs, NORM)}
    assert out["r2023"]["status"] == "superseded" and out["r2023"]["superseded_by"] == "r2024"
    assert out["r2024"]["status"] == "current" and "superseded_by" not in out["r2024"]
    assert out["other"]["status"] == "current"
    assert out["r2023"]["series"] == out["r2024"]["series"] != out["other"].get("series")


def test_types_and_regions() -> None:
    assert doc_type_of("关于2025年春节期间烟花爆竹燃放管理的通告") == "通知公告"
    assert doc_type_of("城乡居民最低生活保障申请办理指南") == "办事指南"
    assert doc_type_of("随便一个标题") is None
    assert regions_of("江苏省淮安市洪泽区人民政府") == ["江苏省", "淮安市", "洪泽区"]


def test_a_reused_document_is_annotated_again_when_a_newer_edition_arrives() -> None:
    old = infer(doc("r2023", "青禾区人民政府2023年政府信息公开工作年度报告"), NORM)
    alone = annotate_series([old], NORM)[0]
    assert alone.metadata["status"] == "current"
    new = infer(doc("r2024", "青禾区人民政府2024年政府信息公开工作年度报告"), NORM)
    again = {d.doc_id: d.metadata for d in annotate_series([alone, new], NORM)}
    assert again["r2023"]["status"] == "superseded" and again["r2023"]["superseded_by"] == "r2024"
    given = infer(doc("x", "青禾区人民政府2022年政府信息公开工作年度报告", status="current"), NORM)
    assert annotate_series([given, new], NORM)[0].metadata["status"] == "current"  # a sidecar's word stands
