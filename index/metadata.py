"""Document metadata read from the documents themselves, and across the corpus: which are editions of
one series, and which of those are superseded.

Keys (all optional; a ``NAME.meta.json`` sidecar or front matter overrides any of them):

``title``, ``issuer`` (issuing body), ``region`` (administrative areas, e.g. 上海市 普陀区 万里街道),
``year`` (the year the document is about), ``doc_type`` (预算, 决算, 政府信息公开年度报告, …),
``published`` (YYYY-MM-DD), ``source_url``, ``series`` (documents of one series are editions of each
other: same issuer or region and type), ``status`` (``current`` or ``superseded``).

Found from: the title (``2024年`` → year; the type by keywords; the issuer as the part before the year),
the first lines ("预算单位：…", "编制部门：…", "来源：…"), the file name (a year in it), and what the reader
found (HTML meta, PDF info).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from index.passage import Document

_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
_YEAR_IN_NAME = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_ISSUER_LINE = re.compile(
    r"(?:预算单位|预算主管部门|主管部门|编制部门|编制单位|发布机构|发文机关|发文单位|来源|主办单位|制发机关)\s*[:：]\s*"
    r"([\u4e00-\u9fff（）()]{4,40}?)(?=\s|单位[:：]|[，,；;。]|$)",
    re.M,
)
_ORG_SUFFIX = re.compile(r"(人民政府|政府|办事处|委员会|办公室|局|院|委|厅|署|中心|所|站|队|街道|镇|乡|区|县|市|部)$")
# (keyword in the title, document type), first match wins.
DOC_TYPES: tuple[tuple[str, str], ...] = (
    ("政府信息公开工作年度报告", "政府信息公开年度报告"),
    ("政府信息公开年度报告", "政府信息公开年度报告"),
    ("法治政府建设", "法治政府建设年度报告"),
    ("政府工作报告", "政府工作报告"),
    ("决算", "决算"),
    ("预算", "预算"),
    ("办事指南", "办事指南"),
    ("办理指南", "办事指南"),
    ("服务指南", "办事指南"),
    ("通告", "通知公告"),
    ("公告", "通知公告"),
    ("通知", "通知公告"),
    ("实施方案", "政策文件"),
    ("办法", "政策文件"),
    ("意见", "政策文件"),
    ("规定", "政策文件"),
    ("报告", "工作报告"),
)
_ADMIN = re.compile(r"[\u4e00-\u9fff]{2,8}?(?:自治区|自治州|自治县|省|市|州|盟|区|县|旗|街道|镇|乡)")
_NOT_ADMIN = ("人民政府", "办事处", "委员会", "办公室")


def doc_type_of(title: str) -> str | None:
    for keyword, kind in DOC_TYPES:
        if keyword in title:
            return kind
    return None


def regions_of(text: str) -> list[str]:
    """Administrative areas named in an issuer or title, outermost first: 上海市, 普陀区, 万里街道."""
    for word in _NOT_ADMIN:
        text = text.replace(word, "|")
    out: list[str] = []
    for part in text.split("|"):
        for m in _ADMIN.finditer(part):
            if m.group(0) not in out:
                out.append(m.group(0))
    return out


def infer(doc: Document, simplify: Callable[[str], str]) -> Document:
    """``doc`` with the metadata its title, text and file name give, under what it already has."""
    meta: dict[str, Any] = {}
    title = simplify(doc.title)
    head = simplify(doc.text[:1500])
    years = _YEAR.findall(title) or _YEAR_IN_NAME.findall(doc.path.rsplit("/", 1)[-1])
    if years:
        meta["year"] = int(years[0])
    kind = doc_type_of(title)
    if kind:
        meta["doc_type"] = kind
    issuer = None
    m = _ISSUER_LINE.search(head)
    if m:
        issuer = m.group(1)
    else:
        before_year = _YEAR.split(title)[0].strip()
        if len(before_year) >= 3 and _ORG_SUFFIX.search(before_year):
            issuer = before_year
    if issuer:
        meta["issuer"] = issuer
    regions = regions_of(f"{issuer or ''}|{title}")
    if regions:
        meta["region"] = " ".join(regions)
    merged = {**meta, **doc.metadata}  # what the file or its sidecar says wins
    return replace(doc, metadata=merged)


def series_key(doc: Document, simplify: Callable[[str], str]) -> str | None:
    """Documents with the same key are editions of one series (same issuer or region, same type)."""
    meta = doc.metadata
    if meta.get("series"):
        return str(meta["series"])
    kind = meta.get("doc_type")
    who = meta.get("issuer") or meta.get("region")
    if not kind or not who:
        return None
    # The office that drafts for a government publishes in its name: one series.
    root = re.sub(r"(办公室|办公厅)$", "", simplify(str(who)))
    return f"{root}|{simplify(str(kind))}"


def annotate_series(docs: list[Document], simplify: Callable[[str], str]) -> list[Document]:
    """Mark each document's series and, unless given, whether a newer edition supersedes it."""
    docs = [_without_computed(d) for d in docs]  # a reused document's old annotation is recomputed
    latest: dict[str, tuple[int, str]] = {}  # series -> (newest year, its document)
    keys: list[str | None] = []
    for d in docs:
        key = series_key(d, simplify)
        keys.append(key)
        year = d.year
        if key and year is not None and (key not in latest or year > latest[key][0]):
            latest[key] = (year, d.doc_id)
    out = []
    for d, key in zip(docs, keys, strict=True):
        meta = dict(d.metadata)
        given = set(meta)
        year = d.year
        if key:
            meta.setdefault("series", key)
        newest = latest.get(key) if key else None
        if "status" not in meta:
            meta["status"] = "superseded" if newest and year is not None and newest[0] > year else "current"
        if meta["status"] == "superseded" and newest and newest[1] != d.doc_id:
            meta.setdefault("superseded_by", newest[1])
        computed = sorted(set(meta) - given)
        if computed:
            meta[COMPUTED] = computed
        out.append(replace(d, metadata=meta))
    return out


# Metadata key listing the keys annotate_series computed (not given by the file or a sidecar).
COMPUTED = "computed"


def _without_computed(d: Document) -> Document:
    computed = d.metadata.get(COMPUTED)
    if not computed:
        return d
    return replace(d, metadata={k: v for k, v in d.metadata.items() if k not in computed and k != COMPUTED})
