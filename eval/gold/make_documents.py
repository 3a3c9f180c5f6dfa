#!/usr/bin/env python3
"""Generate the fictional 青禾区 test documents in eval/gold/documents/ and check the gold set.

Every text in these documents is written here; this script is their source of truth.
青禾区 is a FICTIONAL district: nothing here describes a real government, place or person.

Usage:
    .venv/bin/python eval/gold/make_documents.py            # regenerate every document
    .venv/bin/python eval/gold/make_documents.py --check    # check multidoc_fixtures.jsonl

Generation needs python-docx, pypdfium2 and Pillow (all in the project venv), LibreOffice
(`soffice`) and a CJK font (Noto CJK): on Debian
`apt-get install -y libreoffice-writer-nogui fonts-noto-cjk`.
The check needs python-docx, pypdfium2 and lxml only (no LibreOffice).
"""

# The HTML template and the Chinese text keep their natural line lengths.
# ruff: noqa: E501
from __future__ import annotations

import collections
import io
import json
import random
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
OUT = HERE / "documents"
FIXTURES = HERE / "multidoc_fixtures.jsonl"

NOTE = "（本文件为测试用虚构文件）"
DOMAIN = "www.qinghe.example.gov.cn"

DOCX_2023 = "qinghe-2023-gov-info-disclosure-report"
PDF_2024 = "qinghe-2024-gov-info-disclosure-report"
MD_WORK = "qinghe-2024-government-work-report"
HTML_GUIDE = "qinghe-minimum-living-allowance-guide"
SCAN_NOTICE = "qinghe-2025-spring-festival-fireworks-notice-scan"
TXT_HOTLINE = "qinghe-12345-hotline-2024-annual-data"

FILES = {
    DOCX_2023: ".docx",
    PDF_2024: ".pdf",
    MD_WORK: ".md",
    HTML_GUIDE: ".html",
    SCAN_NOTICE: ".pdf",
    TXT_HOTLINE: ".txt",
}

CN_NUM = "一二三四五六七八九十"

# ---------------------------------------------------------------------------------------------
# 1 + 2. 政府信息公开工作年度报告 (2023: DOCX with Word numbering; 2024: PDF via LibreOffice)
# ---------------------------------------------------------------------------------------------
# Blocks: ("title", t) ("note", t) ("p", t) ("h1", t) ("h2", t) ("li", t) ("table", spec)
# ("sign", t). h1/h2/li carry NO number in their text: the 2023 DOCX gets its numbers from
# numbering.xml, the 2024 document has them typed in (一、 （一） 1.).

APPLY_LEAVES = [
    # (top label, sub label) for the rows of 三、本年度办理结果
    ("（一）予以公开", None),
    ("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", None),
    ("（三）不予公开", "1.属于国家秘密"),
    ("（三）不予公开", "2.其他法律行政法规禁止公开"),
    ("（三）不予公开", "3.危及“三安全一稳定”"),
    ("（三）不予公开", "4.保护第三方合法权益"),
    ("（三）不予公开", "5.属于三类内部事务信息"),
    ("（三）不予公开", "6.属于四类过程性信息"),
    ("（三）不予公开", "7.属于行政执法案卷"),
    ("（三）不予公开", "8.属于行政查询事项"),
    ("（四）无法提供", "1.本机关不掌握相关政府信息"),
    ("（四）无法提供", "2.没有现成信息需要另行制作"),
    ("（四）无法提供", "3.补正后申请内容仍不明确"),
    ("（五）不予处理", "1.信访举报投诉类申请"),
    ("（五）不予处理", "2.重复申请"),
    ("（五）不予处理", "3.要求提供公开出版物"),
    ("（五）不予处理", "4.无正当理由大量反复申请"),
    ("（五）不予处理", "5.要求行政机关确认或重新出具已获取信息"),
    ("（六）其他处理", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
    ("（六）其他处理", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
    ("（六）其他处理", "3.其他"),
]

DISCLOSURE: dict[int, dict[str, Any]] = {
    2023: {
        "regdocs": (12, 5, 47),  # 行政规范性文件: 本年制发, 本年废止, 现行有效
        "licence": "18,532",
        "penalty": "3,416",
        "coercion": "275",
        "fees": "1,268.45",
        # (total, of which 法人或其他组织)
        "new": (156, 28),
        "carried_in": (4, 1),
        "carried_out": (7, 1),
        "results": [
            (62, 9),
            (18, 4),
            (0, 0),
            (1, 0),
            (0, 0),
            (3, 1),
            (5, 1),
            (4, 1),
            (6, 2),
            (2, 0),
            (31, 6),
            (5, 1),
            (2, 0),
            (4, 0),
            (3, 1),
            (1, 0),
            (0, 0),
            (1, 0),
            (3, 1),
            (0, 0),
            (2, 1),
        ],
        # 行政复议, 直接起诉, 复议后起诉: 维持, 纠正, 其他, 尚未审结
        "review": [(3, 1, 1, 0), (2, 0, 1, 0), (1, 0, 0, 0)],
    },
    2024: {
        "regdocs": (9, 7, 49),
        "licence": "21,106",
        "penalty": "2,987",
        "coercion": "241",
        "fees": "1,190.32",
        "new": (183, 34),
        "carried_in": (7, 1),
        "carried_out": (5, 1),
        "results": [
            (72, 12),
            (23, 6),
            (0, 0),
            (0, 0),
            (1, 0),
            (4, 1),
            (6, 1),
            (5, 2),
            (7, 1),
            (3, 0),
            (36, 7),
            (6, 1),
            (1, 0),
            (5, 0),
            (4, 1),
            (0, 0),
            (1, 0),
            (2, 0),
            (6, 1),
            (0, 0),
            (3, 1),
        ],
        "review": [(4, 0, 2, 1), (1, 1, 0, 1), (2, 0, 0, 0)],
    },
}


def _check_disclosure_figures() -> None:
    for year, d in DISCLOSURE.items():
        total = sum(t for t, _ in d["results"])
        legal = sum(lg for _, lg in d["results"])
        assert d["new"][0] + d["carried_in"][0] == total + d["carried_out"][0], year
        assert d["new"][1] + d["carried_in"][1] == legal + d["carried_out"][1], year
        assert len(d["results"]) == len(APPLY_LEAVES)


Block = tuple[str, Any]
TableSpec = dict[str, Any]


def table_active(d: dict[str, Any]) -> TableSpec:
    """主动公开政府信息情况: the standard 4-column table with section rows."""
    a, b, c = d["regdocs"]
    rows = [
        ["第二十条第（一）项", "", "", ""],
        ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
        ["规章", "0", "0", "0"],
        ["行政规范性文件", str(a), str(b), str(c)],
        ["第二十条第（五）项", "", "", ""],
        ["信息内容", "本年处理决定数量", "", ""],
        ["行政许可", d["licence"], "", ""],
        ["第二十条第（六）项", "", "", ""],
        ["信息内容", "本年处理决定数量", "", ""],
        ["行政处罚", d["penalty"], "", ""],
        ["行政强制", d["coercion"], "", ""],
        ["第二十条第（八）项", "", "", ""],
        ["信息内容", "本年收费金额（单位：万元）", "", ""],
        ["行政事业性收费", d["fees"], "", ""],
    ]
    merges = [(0, 0, 0, 3), (4, 0, 4, 3), (7, 0, 7, 3), (11, 0, 11, 3)]
    merges += [(r, 1, r, 3) for r in (5, 6, 8, 9, 10, 12, 13)]
    bold = {(r, c) for r in (0, 1, 4, 5, 7, 8, 11, 12) for c in range(4)}
    return {
        "rows": rows,
        "merges": merges,
        "bold": bold,
        "widths": [4.6, 3.5, 3.5, 3.5],
        "size": 10.5,
        "left": (),
        "head": 0,
    }


def table_apply(d: dict[str, Any]) -> TableSpec:
    """收到和处理政府信息公开申请情况: 6 columns, vertical merges for the result groups."""

    def row3(total_legal: tuple[int, int]) -> list[str]:
        t, lg = total_legal
        return [str(t - lg), str(lg), str(t)]

    rows = [
        ["（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", "", "", "申请人情况", "", ""],
        ["", "", "", "自然人", "法人或其他组织", "总计"],
        ["一、本年新收政府信息公开申请数量", "", ""] + row3(d["new"]),
        ["二、上年结转政府信息公开申请数量", "", ""] + row3(d["carried_in"]),
    ]
    merges = [(0, 0, 1, 2), (0, 3, 0, 5), (2, 0, 2, 2), (3, 0, 3, 2)]
    first = len(rows)
    group_start: dict[str, int] = {}
    for (top, sub), tl in zip(APPLY_LEAVES, d["results"], strict=True):
        r = len(rows)
        if sub is None:
            rows.append(["", top, ""] + row3(tl))
            merges.append((r, 1, r, 2))
        else:
            rows.append(["", top if top not in group_start else "", sub] + row3(tl))
            group_start.setdefault(top, r)
    for top, start in group_start.items():
        end = max(i for i, (t, _) in enumerate(APPLY_LEAVES) if t == top) + first
        merges.append((start, 1, end, 1))
    r = len(rows)
    total = (sum(t for t, _ in d["results"]), sum(lg for _, lg in d["results"]))
    rows.append(["", "（七）总计", ""] + row3(total))
    merges.append((r, 1, r, 2))
    rows[first][0] = "三、本年度办理结果"
    merges.append((first, 0, r, 0))
    r = len(rows)
    rows.append(["四、结转下年度继续办理", "", ""] + row3(d["carried_out"]))
    merges.append((r, 0, r, 2))
    bold = {(0, 0), (0, 3), (1, 3), (1, 4), (1, 5)}
    return {
        "rows": rows,
        "merges": merges,
        "bold": bold,
        "widths": [2.0, 2.6, 6.4, 1.6, 2.2, 1.4],
        "size": 9,
        "left": (0, 1, 2),
        "head": 2,
    }


def table_review(d: dict[str, Any]) -> TableSpec:
    """政府信息公开行政复议、行政诉讼情况: the standard 15-column table."""
    labels = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
    nums: list[str] = []
    for group in d["review"]:
        nums += [str(v) for v in group] + [str(sum(group))]
    rows = [
        ["行政复议", "", "", "", "", "行政诉讼"] + [""] * 9,
        [""] * 5 + ["未经复议直接起诉", "", "", "", "", "复议后起诉", "", "", "", ""],
        labels * 3,
        nums,
    ]
    merges = [(0, 0, 1, 4), (0, 5, 0, 14), (1, 5, 1, 9), (1, 10, 1, 14)]
    bold = {(0, 0), (0, 5), (1, 5), (1, 10)}
    return {"rows": rows, "merges": merges, "bold": bold, "widths": [1.08] * 15, "size": 9, "left": (), "head": 0}


def disclosure_intro(year: int) -> str:
    return (
        "本报告由青禾区人民政府办公室根据《中华人民共和国政府信息公开条例》（以下简称《条例》）和"
        "《中华人民共和国政府信息公开工作年度报告格式》要求编制。全文包括总体情况、主动公开政府信息情况、"
        "收到和处理政府信息公开申请情况、政府信息公开行政复议及行政诉讼情况、存在的主要问题及改进情况、"
        f"其他需要报告的事项。本报告所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。"
        f"本报告电子版可在青禾区人民政府门户网站（{DOMAIN}）“政府信息公开”专栏查阅或下载。"
        "如对本报告有疑问，请与青禾区人民政府办公室联系（地址：青禾区禾兴路88号；电话：0000-12345600；"
        "电子邮箱：zwgk@qinghe.example.gov.cn）。"
    )


def disclosure_2023() -> list[Block]:
    d = DISCLOSURE[2023]
    return [
        ("title", "青禾区人民政府2023年政府信息公开工作年度报告"),
        ("p", disclosure_intro(2023)),
        ("h1", "总体情况"),
        (
            "p",
            "2023年，青禾区人民政府坚持以公开为常态、不公开为例外，紧紧围绕区委、区政府中心工作，"
            "以公开促落实、促规范、促服务，政务公开工作整体水平稳步提升。",
        ),
        ("h2", "主动公开"),
        (
            "p",
            "全年通过区政府门户网站主动公开各类政府信息3,862条，其中政策文件214件，政策解读126篇"
            "（其中图文解读41篇、视频解读9个）。通过“青禾发布”政务微信公众号发布信息1,247条，"
            "召开新闻发布会18场。围绕稳就业、保民生、优环境等重点领域，集中公开财政预决算、重大建设项目、"
            "公共资源配置等信息1,035条。全区38个区级部门和9个街道（镇）全部按时在门户网站公开"
            "2023年部门预算和2022年部门决算。",
        ),
        ("h2", "依申请公开"),
        (
            "p",
            "2023年，全区共收到政府信息公开申请156件，上年结转4件，全年办结153件，结转下年度继续办理7件。"
            "从申请内容看，主要集中在征地拆迁补偿、规划建设、行政执法等领域，其中涉及征地拆迁补偿的申请67件，"
            "占全部新收申请的42.9%。从申请方式看，通过网上申请平台提交的98件，通过信函提交的39件，"
            "当面提交的19件。全年依申请公开按时答复率达到100%。",
        ),
        (
            "p",
            "区政府办公室修订《青禾区政府信息公开申请办理工作规程》，实行登记、审核、办理、答复、归档"
            "全流程闭环管理，对不予公开的答复逐件说明理由和法律依据，并告知申请人救济途径。",
        ),
        ("h2", "政府信息管理"),
        (
            "p",
            "开展现行有效行政规范性文件集中清理，全年废止行政规范性文件5件、修改3件，现行有效的47件"
            "全部在区政府门户网站“行政规范性文件”专栏集中公开并标注效力状态。严格落实公开前保密审查和"
            "公开属性源头认定制度，全年审查拟公开信息4,126条，未发生泄密和不当公开个人隐私事件。",
        ),
        ("h2", "平台建设"),
        (
            "p",
            "完成区政府门户网站集约化改版，新增“政策文件库”“惠企政策直达”两个栏目，“政策文件库”收录"
            "现行有效政策文件1,683份。全年门户网站访问量达1,286万人次。在区政务服务中心和9个街道（镇）"
            "便民服务中心设置政府信息公开查阅点10个，配备自助查阅终端23台，全年接待现场查阅群众2,140人次。",
        ),
        ("h2", "监督保障"),
        (
            "p",
            "将政务公开工作纳入全区绩效考核，分值占比2%。组织政务公开业务培训6场，培训560人次。"
            "开展政府网站和政务新媒体季度检查4次，发现并督促整改问题37个。全年未发生因政务公开工作"
            "不到位被追责问责的情况。",
        ),
        ("h1", "主动公开政府信息情况"),
        ("table", table_active(d)),
        ("h1", "收到和处理政府信息公开申请情况"),
        ("table", table_apply(d)),
        ("h1", "政府信息公开行政复议、行政诉讼情况"),
        ("p", "全年因政府信息公开引发行政复议5件、行政诉讼4件，其中被纠错1件。"),
        ("table", table_review(d)),
        ("h1", "存在的主要问题及改进情况"),
        (
            "p",
            "2023年，我区政府信息公开工作取得了一定成效，但与上级要求和群众期待相比仍存在一些不足："
            "一是部分部门政策解读形式较为单一，图文、视频等多元化解读比例不高；二是基层政务公开标准化"
            "规范化水平有待提升，个别街道（镇）公开内容更新不够及时；三是依申请公开答复文书的规范性"
            "有待进一步加强。",
        ),
        ("p", "2024年，我区将重点抓好以下工作："),
        ("li", "丰富政策解读形式。推动重要政策文件图文、视频等多元化解读比例达到50%以上。"),
        ("li", "深化基层政务公开标准化规范化建设。每季度开展1次基层公开专项检查，督促街道（镇）及时更新公开内容。"),
        ("li", "提升依申请公开办理质量。编制依申请公开答复文书范本，全年组织专题培训不少于2场。"),
        ("h1", "其他需要报告的事项"),
        ("h2", "收取信息处理费情况"),
        ("p", "依据《政府信息公开信息处理费管理办法》，2023年我区未收取政府信息公开信息处理费。"),
        ("h2", "人大代表建议和政协提案办理结果公开情况"),
        (
            "p",
            "2023年，区政府系统共承办区人大代表建议142件、区政协提案186件，均已按期办结，办复率100%。"
            "对社会广泛关注、涉及公共利益的建议提案复文进行全文公开，共公开复文91件。",
        ),
        ("h2", "年度工作要点落实情况"),
        ("p", "对照《青禾区2023年政务公开工作要点》，确定的24项重点任务已全部完成。"),
        ("sign", "青禾区人民政府办公室"),
        ("sign", "2024年1月19日"),
    ]


def disclosure_2024() -> list[Block]:
    d = DISCLOSURE[2024]
    return [
        ("title", "青禾区人民政府2024年政府信息公开工作年度报告"),
        ("note", NOTE),
        ("p", disclosure_intro(2024)),
        ("h1", "总体情况"),
        (
            "p",
            "2024年，青禾区人民政府坚持以人民为中心的发展思想，深入推进决策、执行、管理、服务、结果公开，"
            "持续提升政务公开标准化规范化水平，以高质量公开助力区域高质量发展。",
        ),
        ("h2", "主动公开"),
        (
            "p",
            "全年通过区政府门户网站主动公开各类政府信息4,217条，其中政策文件236件，政策解读158篇"
            "（其中图文解读63篇、视频解读21个），多元化解读比例达到53.2%。通过“青禾发布”政务微信公众号"
            "发布信息1,532条，召开新闻发布会22场。围绕促消费、稳就业、惠民生等重点领域，集中公开财政预决算、"
            "重大建设项目、公共资源配置、社会公益事业等信息1,176条。全区38个区级部门和9个街道（镇）"
            "全部按时在门户网站公开2024年部门预算和2023年部门决算，公开率100%。",
        ),
        ("h2", "依申请公开"),
        (
            "p",
            "2024年，全区共收到政府信息公开申请183件，上年结转7件，全年办结185件，结转下年度继续办理5件。"
            "从申请内容看，主要集中在征地拆迁补偿、规划建设、社会保障等领域，其中涉及征地拆迁补偿的申请71件，"
            "占全部新收申请的38.8%，占比较上年有所下降。从申请方式看，通过网上申请平台提交的127件，"
            "通过信函提交的35件，当面提交的21件。全年依申请公开按时答复率保持100%。",
        ),
        (
            "p",
            "区政府办公室建立依申请公开“疑难件会商”机制，对涉及多个部门、法律关系复杂的申请，由区政府办公室"
            "牵头组织相关部门和法律顾问共同研究答复意见，全年组织会商23件次；编制印发依申请公开答复文书范本"
            "12类，统一告知书格式和法律依据援引方式，答复文书规范性明显提升。",
        ),
        ("h2", "政府信息管理"),
        (
            "p",
            "持续开展行政规范性文件动态清理，全年废止行政规范性文件7件、修改4件，现行有效的49件全部在"
            "区政府门户网站“行政规范性文件”专栏集中公开并标注效力状态，实现规范性文件统一登记、统一编号、"
            "统一公开。严格落实公开前保密审查和公开属性源头认定制度，全年审查拟公开信息4,583条，"
            "未发生泄密和不当公开个人隐私事件。",
        ),
        ("h2", "平台建设"),
        (
            "p",
            "优化区政府门户网站“政策文件库”功能，新增按主题、按发文机关、按有效性分类检索，收录现行有效"
            "政策文件1,952份。上线“政策问答”专栏，汇集企业群众常见问题解答860条。全年门户网站访问量达"
            "1,472万人次。对10个政府信息公开查阅点进行标准化改造，全年接待现场查阅群众2,395人次。",
        ),
        ("h2", "监督保障"),
        (
            "p",
            "将政务公开工作纳入全区绩效考核，分值占比提高到3%。组织政务公开业务培训8场，培训720人次。"
            "每季度开展政府网站和政务新媒体检查，全年发现并督促整改问题29个。聘请政务公开社会监督员12名，"
            "收集意见建议46条，均已办理反馈。全年未发生因政务公开工作不到位被追责问责的情况。",
        ),
        ("h1", "主动公开政府信息情况"),
        ("table", table_active(d)),
        ("h1", "收到和处理政府信息公开申请情况"),
        ("table", table_apply(d)),
        ("h1", "政府信息公开行政复议、行政诉讼情况"),
        ("p", "全年因政府信息公开引发行政复议7件、行政诉讼5件，其中被纠错1件。"),
        ("table", table_review(d)),
        ("h1", "存在的主要问题及改进情况"),
        (
            "p",
            "2024年，我区对照上年度报告提出的问题逐项整改：政策解读多元化比例由上年的不足40%提升至53.2%；"
            "每季度开展1次基层公开专项检查，督促街道（镇）更新公开内容；编制答复文书范本12类，组织依申请公开"
            "专题培训3场。同时也要看到，我区政务公开工作仍存在一些不足：一是政策解读的针对性和可读性有待增强，"
            "部分解读材料对办事流程、享受条件等群众关心的内容阐释不够；二是政务新媒体互动回应能力有待提升；"
            "三是基层政务公开专区作用发挥不够充分。",
        ),
        ("p", "2025年，我区将重点抓好以下工作："),
        ("li", "提升政策解读质量。重要政策文件同步制发“一图读懂”，并配套发布办事指引。"),
        ("li", "加强政务新媒体管理。建立留言办理限时回复制度，群众留言原则上在5个工作日内回复。"),
        ("li", "用好基层政务公开专区。推动10个查阅点与便民服务中心深度融合，每月至少组织1次政策宣讲活动。"),
        ("h1", "其他需要报告的事项"),
        ("h2", "收取信息处理费情况"),
        ("p", "2024年我区未收取政府信息公开信息处理费。"),
        ("h2", "人大代表建议和政协提案办理结果公开情况"),
        (
            "p",
            "2024年，区政府系统共承办区人大代表建议151件、区政协提案173件，均已按期办结，办复率100%，共公开复文104件。",
        ),
        ("h2", "年度工作要点落实情况"),
        ("p", "对照《青禾区2024年政务公开工作要点》，确定的27项重点任务已全部完成。"),
        ("sign", "青禾区人民政府办公室"),
        ("sign", "2025年1月17日"),
    ]


# ---------------------------------------------------------------------------------------------
# DOCX writing
# ---------------------------------------------------------------------------------------------


def _docx() -> tuple[Any, ...]:
    import docx  # noqa: F401  (python-docx)
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement, parse_xml
    from docx.oxml.ns import nsdecls, qn
    from docx.shared import Cm, Pt, RGBColor

    return docx, WD_TABLE_ALIGNMENT, WD_ALIGN_PARAGRAPH, OxmlElement, parse_xml, nsdecls, qn, Cm, Pt, RGBColor


def _set_font(target: Any, latin: str, east_asia: str, size: float | None = None, bold: bool | None = None) -> None:
    """Set ascii/hAnsi and eastAsia fonts on a style or run."""
    _, _, _, OxmlElement, _, _, qn, _, Pt, RGBColor = _docx()
    target.font.name = latin
    if size is not None:
        target.font.size = Pt(size)
    if bold is not None:
        target.font.bold = bold
    target.font.color.rgb = RGBColor(0, 0, 0)
    rpr = target.element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rfonts.set(qn(attr), east_asia if attr == "w:eastAsia" else latin)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(attr), None)


def _add_field(paragraph: Any, instr: str, placeholder: str = "1") -> None:
    """Append a complex field (e.g. PAGE) to a paragraph."""
    _, _, _, OxmlElement, _, _, qn, _, _, _ = _docx()
    for kind in ("begin", "instr", "separate", "text", "end"):
        run = paragraph.add_run()
        if kind == "instr":
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = f" {instr} "
            run._r.append(el)
        elif kind == "text":
            run.text = placeholder
        else:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
            run._r.append(el)


NUMBERING_XML = """
<w:abstractNum {ns} w:abstractNumId="{aid}">
  <w:nsid w:val="3C5A2E71"/>
  <w:multiLevelType w:val="multilevel"/>
  <w:tmpl w:val="6B1A2F40"/>
  <w:lvl w:ilvl="0">
    <w:start w:val="1"/>
    <w:numFmt w:val="chineseCountingThousand"/>
    <w:pStyle w:val="Heading1"/>
    <w:suff w:val="nothing"/>
    <w:lvlText w:val="%1、"/>
    <w:lvlJc w:val="left"/>
    <w:pPr><w:ind w:left="0" w:firstLine="640"/></w:pPr>
  </w:lvl>
  <w:lvl w:ilvl="1">
    <w:start w:val="1"/>
    <w:numFmt w:val="chineseCounting"/>
    <w:pStyle w:val="Heading2"/>
    <w:suff w:val="nothing"/>
    <w:lvlText w:val="（%2）"/>
    <w:lvlJc w:val="left"/>
    <w:pPr><w:ind w:left="0" w:firstLine="640"/></w:pPr>
  </w:lvl>
  <w:lvl w:ilvl="2">
    <w:start w:val="1"/>
    <w:numFmt w:val="decimal"/>
    <w:suff w:val="nothing"/>
    <w:lvlText w:val="%3."/>
    <w:lvlJc w:val="left"/>
    <w:pPr><w:ind w:left="0" w:firstLine="640"/></w:pPr>
  </w:lvl>
</w:abstractNum>
"""


def _install_numbering(doc: Any) -> int:
    """Add a multilevel Chinese list (一、/（一）/1.) to numbering.xml, link Heading 1/2 to it.

    Returns the w:numId. Heading 1 and Heading 2 carry w:numPr in styles.xml (levels 0 and 1),
    so heading paragraphs get their numbers from the style; list items (level 2) carry w:numPr
    on the paragraph itself."""
    _, _, _, _, parse_xml, nsdecls, qn, _, _, _ = _docx()
    numbering = doc.part.numbering_part.element
    abstract_ids = [int(a.get(qn("w:abstractNumId"))) for a in numbering.findall(qn("w:abstractNum"))]
    num_ids = [int(n.get(qn("w:numId"))) for n in numbering.findall(qn("w:num"))]
    aid, nid = max(abstract_ids + [0]) + 1, max(num_ids + [0]) + 1
    abstract = parse_xml(NUMBERING_XML.format(ns=nsdecls("w"), aid=aid))
    first_num = numbering.find(qn("w:num"))
    if first_num is not None:
        first_num.addprevious(abstract)  # schema order: every abstractNum before any num
    else:
        numbering.append(abstract)
    numbering.append(parse_xml(f'<w:num {nsdecls("w")} w:numId="{nid}"><w:abstractNumId w:val="{aid}"/></w:num>'))
    for style_name, ilvl in (("Heading 1", 0), ("Heading 2", 1)):
        ppr = doc.styles[style_name].element.get_or_add_pPr()
        for old in ppr.findall(qn("w:numPr")):
            ppr.remove(old)
        numpr = parse_xml(f'<w:numPr {nsdecls("w")}><w:ilvl w:val="{ilvl}"/><w:numId w:val="{nid}"/></w:numPr>')
        # CT_PPrBase order: pStyle, keepNext, keepLines, pageBreakBefore, framePr, widowControl, numPr, ...
        anchor = None
        for tag in ("w:widowControl", "w:framePr", "w:pageBreakBefore", "w:keepLines", "w:keepNext", "w:pStyle"):
            anchor = ppr.find(qn(tag))
            if anchor is not None:
                break
        if anchor is not None:
            anchor.addnext(numpr)
        else:
            ppr.insert(0, numpr)
    return nid


def _set_numpr(paragraph: Any, num_id: int, ilvl: int) -> None:
    _, _, _, _, parse_xml, nsdecls, qn, _, _, _ = _docx()
    ppr = paragraph._p.get_or_add_pPr()
    numpr = parse_xml(f'<w:numPr {nsdecls("w")}><w:ilvl w:val="{ilvl}"/><w:numId w:val="{num_id}"/></w:numPr>')
    pstyle = ppr.find(qn("w:pStyle"))
    if pstyle is not None:
        pstyle.addnext(numpr)
    else:
        ppr.insert(0, numpr)


def _cell_text(cell: Any, text: str, size: float, bold: bool, fonts: tuple[str, str], align: Any) -> None:
    cell.text = ""
    p = cell.paragraphs[0]
    p.alignment = align
    p.paragraph_format.first_line_indent = None
    p.paragraph_format.space_after = 0
    p.paragraph_format.space_before = 0
    p.paragraph_format.line_spacing = 1.0
    run = p.add_run(text)
    _set_font(run, fonts[0], fonts[1], size=size, bold=bold)


def _add_table(doc: Any, spec: TableSpec, fonts: tuple[str, str]) -> None:
    _, WD_TABLE_ALIGNMENT, WD_ALIGN_PARAGRAPH, _, _, _, _, Cm, _, _ = _docx()
    rows = spec["rows"]
    ncols = len(rows[0])
    table = doc.add_table(rows=len(rows), cols=ncols)
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for r1, c1, r2, c2 in spec["merges"]:
        table.cell(r1, c1).merge(table.cell(r2, c2))
    covered = set()
    for r1, c1, r2, c2 in spec["merges"]:
        covered |= {(r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)} - {(r1, c1)}
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            if (r, c) in covered:
                continue
            cell = table.cell(r, c)
            left = c in spec.get("left", ()) and r >= spec.get("head", 0)
            align = WD_ALIGN_PARAGRAPH.LEFT if left else WD_ALIGN_PARAGRAPH.CENTER
            _cell_text(cell, text, spec["size"], (r, c) in spec["bold"], fonts, align)
    for c, w in enumerate(spec["widths"]):
        table.columns[c].width = Cm(w)
        for r in range(len(rows)):
            table.cell(r, c).width = Cm(w)


def write_disclosure_docx(
    blocks: list[Block],
    path: Path,
    *,
    auto_numbering: bool,
    header: str | None,
    fonts: dict[str, tuple[str, str]],
    body_size: float,
) -> None:
    """Write the disclosure report as DOCX.

    auto_numbering=True: headings are Heading 1/Heading 2 paragraphs whose 一、/（一） come from
    numbering.xml, list items get 1./2. from numbering too; the text holds no number.
    auto_numbering=False: the numbers are typed into the text (used for the 2024 PDF)."""
    docx, _, WD_ALIGN_PARAGRAPH, _, _, _, qn, Cm, Pt, _ = _docx()
    doc = docx.Document()
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Cm(21.0), Cm(29.7)
    sec.top_margin, sec.bottom_margin = Cm(3.7), Cm(3.5)
    sec.left_margin, sec.right_margin = Cm(2.8), Cm(2.6)
    sec.header_distance, sec.footer_distance = Cm(1.8), Cm(2.0)

    body, head, title = fonts["body"], fonts["heading"], fonts["title"]
    normal = doc.styles["Normal"]
    _set_font(normal, body[0], body[1], size=body_size)
    normal.paragraph_format.line_spacing = Pt(body_size * 1.75)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.widow_control = False
    h1, h2 = doc.styles["Heading 1"], doc.styles["Heading 2"]
    _set_font(h1, head[0], head[1], size=body_size, bold=False)
    _set_font(h2, fonts["heading2"][0], fonts["heading2"][1], size=body_size, bold=True)
    for h in (h1, h2):
        h.font.italic = False
        h.paragraph_format.space_before = Pt(6)
        h.paragraph_format.space_after = Pt(0)
        h.paragraph_format.line_spacing = Pt(body_size * 1.75)
        h.paragraph_format.keep_with_next = True

    num_id = _install_numbering(doc) if auto_numbering else 0
    indent = Pt(body_size * 2)

    cp = doc.core_properties
    cp.title = next(t for k, t in blocks if k == "title")
    cp.author = "青禾区人民政府办公室"
    cp.subject = "本文件为测试用虚构文件（fictional test document）"
    cp.comments = "本文件为测试用虚构文件：青禾区为虚构地名，文中数据均为虚构。"
    cp.keywords = "政府信息公开;年度报告;测试用虚构文件"
    cp.language = "zh-CN"

    if header:
        hp = sec.header.paragraphs[0]
        hp.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _set_font(hp.add_run(header), body[0], body[1], size=10.5)
        ppr = hp._p.get_or_add_pPr()
        from docx.oxml import parse_xml
        from docx.oxml.ns import nsdecls

        ppr.append(
            parse_xml(
                f'<w:pBdr {nsdecls("w")}><w:bottom w:val="single" w:sz="6" w:space="1" w:color="000000"/></w:pBdr>'
            )
        )
    fp = sec.footer.paragraphs[0]
    fp.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _set_font(fp.add_run("— "), body[0], body[1], size=14)
    _add_field(fp, "PAGE")
    for run in fp.runs[1:]:
        _set_font(run, body[0], body[1], size=14)
    _set_font(fp.add_run(" —"), body[0], body[1], size=14)
    if auto_numbering:  # the 2023 DOCX states its fictional status in the footer
        np_ = sec.footer.add_paragraph()
        np_.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _set_font(np_.add_run(NOTE), body[0], body[1], size=9)

    counters = [0, 0, 0]
    for kind, content in blocks:
        if kind == "title":
            p = doc.add_paragraph()
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            p.paragraph_format.space_after = Pt(12)
            p.paragraph_format.line_spacing = Pt(30)
            _set_font(p.add_run(content), title[0], title[1], size=18)
        elif kind == "note":
            p = doc.add_paragraph()
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            p.paragraph_format.space_after = Pt(6)
            _set_font(p.add_run(content), body[0], body[1], size=10.5)
        elif kind in ("h1", "h2"):
            level = 0 if kind == "h1" else 1
            counters[level] += 1
            for lower in range(level + 1, 3):
                counters[lower] = 0
            text = content
            if not auto_numbering:
                text = (f"{CN_NUM[counters[0] - 1]}、" if level == 0 else f"（{CN_NUM[counters[1] - 1]}）") + content
            p = doc.add_paragraph(style="Heading 1" if level == 0 else "Heading 2")
            p.paragraph_format.first_line_indent = indent
            run = p.add_run(text)
            _set_font(run, *(head if level == 0 else fonts["heading2"]), size=body_size, bold=level == 1)
        elif kind == "li":
            counters[2] += 1
            p = doc.add_paragraph()
            p.paragraph_format.first_line_indent = indent
            if auto_numbering:
                _set_numpr(p, num_id, 2)
                p.add_run(content)
            else:
                p.add_run(f"{counters[2]}.{content}")
        elif kind == "p":
            p = doc.add_paragraph(content)
            p.paragraph_format.first_line_indent = indent
        elif kind == "table":
            _add_table(doc, content, body)
            spacer = doc.add_paragraph()
            spacer.paragraph_format.line_spacing = Pt(8)
        elif kind == "sign":
            p = doc.add_paragraph(content)
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            p.paragraph_format.right_indent = Pt(body_size * 2)
        else:
            raise ValueError(kind)
    # python-docx's template ships with a document-level rFonts theme; make East Asian text explicit
    rpr_default = doc.styles.element.find(qn("w:docDefaults"))
    if rpr_default is not None:
        for rf in rpr_default.iter(qn("w:rFonts")):
            for attr in list(rf.attrib):
                if attr.endswith("Theme"):
                    del rf.attrib[attr]
            rf.set(qn("w:eastAsia"), body[1])
    doc.save(str(path))


WORD_FONTS = {  # what a Chinese Word user would see; not needed to read the DOCX
    "body": ("Times New Roman", "仿宋_GB2312"),
    "heading": ("Times New Roman", "黑体"),
    "heading2": ("Times New Roman", "楷体_GB2312"),
    "title": ("Times New Roman", "方正小标宋简体"),
}
RENDER_FONTS = {  # fonts LibreOffice can find (fonts-noto-cjk), so the PDF text layer is right
    "body": ("Noto Serif CJK SC", "Noto Serif CJK SC"),
    "heading": ("Noto Sans CJK SC", "Noto Sans CJK SC"),
    "heading2": ("Noto Serif CJK SC", "Noto Serif CJK SC"),
    "title": ("Noto Sans CJK SC", "Noto Sans CJK SC"),
}


def soffice_to_pdf(src: Path, outdir: Path) -> Path:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        sys.exit(
            "LibreOffice (soffice) is needed to render the PDFs: "
            "apt-get install -y libreoffice-writer-nogui fonts-noto-cjk"
        )
    profile = outdir / "lo-profile"
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(outdir),
            str(src),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=300,
    )
    pdf = outdir / (src.stem + ".pdf")
    if not pdf.exists():
        sys.exit(f"LibreOffice did not produce {pdf}")
    return pdf


def check_fonts() -> None:
    try:
        out = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True).stdout
    except FileNotFoundError:
        out = ""
    if "Noto Serif CJK SC" not in out or "Noto Sans CJK SC" not in out:
        sys.exit("Noto CJK fonts are needed to render the PDFs: apt-get install -y fonts-noto-cjk")


# ---------------------------------------------------------------------------------------------
# 3. 政府工作报告 (Markdown with YAML front matter)
# ---------------------------------------------------------------------------------------------

WORK_REPORT_MD = """---
title: 青禾区2024年政府工作报告（摘要）
issuer: 青禾区人民政府
year: 2024
doc_type: 政府工作报告
published: "2024-01-15"
meeting: 青禾区第三届人民代表大会第四次会议
fictional: true
note: 本文件为测试用虚构文件，青禾区为虚构地名，文中数据均为虚构
---

# 青禾区2024年政府工作报告（摘要）

（本文件为测试用虚构文件）

——2024年1月15日在青禾区第三届人民代表大会第四次会议上

各位代表：

现在，我代表青禾区人民政府，向大会报告政府工作，请予审议，并请区政协委员和其他列席人员提出意见。

## 一、2023年工作回顾

过去的一年，面对复杂严峻的外部环境，在区委的坚强领导下，区政府团结带领全区人民，稳增长、促改革、惠民生、防风险，较好完成了区三届人大三次会议确定的目标任务。全区地区生产总值完成612.8亿元，同比增长5.6%；一般公共预算收入48.3亿元，增长6.2%；固定资产投资增长7.1%；社会消费品零售总额236.5亿元，增长8.4%；城镇居民人均可支配收入58,620元、农村居民人均可支配收入31,470元，分别增长5.3%和7.2%。

### （一）产业发展动能持续增强

坚持把招商引资作为“一号工程”，全年新引进亿元以上产业项目42个，总投资386亿元。禾兴经济开发区规模以上工业总产值突破800亿元，新能源装备、生物医药两大主导产业产值分别增长15.2%和11.8%。新增国家级高新技术企业87家，总数达到512家；全社会研发经费投入强度达到2.9%。新增市场主体1.86万户，其中企业6,420户。

### （二）城乡面貌加快改善

完成老旧小区改造37个，惠及居民1.2万户，加装电梯45部。青禾大道快速化改造工程建成通车，新建改建农村公路126公里。新增公园绿地46公顷，建成口袋公园18个。空气质量优良天数达到301天，PM2.5平均浓度下降至31微克/立方米。

### （三）民生福祉持续增进

民生支出占一般公共预算支出比重达到81.3%。城镇新增就业1.26万人，城镇调查失业率4.8%。新建改扩建中小学、幼儿园6所，新增学位4,200个。自2023年7月1日起，城乡低保标准统一提高至每人每月1,420元，全年发放各类救助资金1.37亿元。新建社区养老服务驿站15个，老年助餐点覆盖率达到85%。

### （四）改革开放深入推进

深化“放管服”改革，企业开办时间压缩至1个工作日以内，工程建设项目审批时间压缩至50个工作日以内。推进国资国企改革，完成区属国有企业整合重组3家。实际利用外资1.6亿美元，外贸进出口总额增长9.3%。

### （五）政府自身建设不断加强

自觉接受区人大及其常委会的法律监督、工作监督和区政协的民主监督，办理区人大代表建议142件、区政协提案186件。深化“高效办成一件事”改革，政务服务事项网上可办率达到98.6%。12345市民服务热线全年受理群众诉求44.9万件，按时办结率97.5%。

在肯定成绩的同时，我们也清醒看到，全区发展还面临不少困难和挑战：经济恢复基础尚不稳固，部分企业生产经营困难；产业结构偏重，战略性新兴产业规模偏小；教育、医疗、养老等公共服务供给与群众期待还有差距；政府职能转变还不到位，少数干部担当作为不够。对此，我们将采取有力措施，认真加以解决。

## 二、2024年经济社会发展主要预期目标

2024年是实现“十四五”规划目标任务的关键一年。综合考虑各方面因素，建议全区经济社会发展主要预期目标为：

| 指标 | 2023年完成情况 | 2024年预期目标 |
| --- | --- | --- |
| 地区生产总值增速 | 5.6% | 5.5%左右 |
| 一般公共预算收入增速 | 6.2% | 5%左右 |
| 固定资产投资增速 | 7.1% | 6%左右 |
| 社会消费品零售总额增速 | 8.4% | 7%左右 |
| 城镇新增就业 | 1.26万人 | 1.2万人以上 |
| 城镇调查失业率 | 4.8% | 5.5%以内 |
| 居民人均可支配收入增速 | 5.9% | 与经济增长基本同步 |
| 单位地区生产总值能耗降低 | 3.1% | 完成上级下达任务 |

## 三、2024年重点工作

### （一）着力扩大有效需求

实施重大项目攻坚行动，全年安排区级重点项目120个、年度计划投资265亿元。开展“青禾消费季”系列促消费活动不少于50场，发放消费券2,000万元。

### （二）着力优化营商环境

全面推行“综合查一次”联合执法，涉企检查频次压减30%以上。落实惠企政策“免申即享”，全年兑现各类惠企资金不少于5亿元。

### （三）着力推进城乡融合发展

实施城市更新行动，启动禾兴老城片区更新改造，完成棚户区改造1,200户。推进和美乡村建设，创建市级和美乡村示范村10个，农村生活污水治理率达到75%以上。

### （四）着力保障和改善民生

坚持尽力而为、量力而行，继续办好十件民生实事：

1. 新建改扩建中小学、幼儿园5所，新增学位3,600个。
2. 改造老旧小区30个，加装电梯60部。
3. 新建社区养老服务驿站12个，为80岁以上老年人免费上门体检1.5万人次。
4. 新增公共停车泊位2,000个。
5. 新建改建农村公路100公里。
6. 新建城市书房8个。
7. 为适龄妇女免费开展“两癌”筛查2万人。
8. 新建口袋公园20个。
9. 提供就业见习岗位1,500个。
10. 12345市民服务热线诉求按时办结率保持在98%以上。

### （五）着力建设人民满意的政府

坚持依法行政，全面落实重大行政决策程序规定。严格落实政府过紧日子要求，一般性支出压减5%以上。持续深化政务公开，提升政府工作透明度。

各位代表，新征程催人奋进，新使命重任在肩。让我们团结一心、真抓实干，为建设宜居宜业的现代化新青禾而努力奋斗！
"""

# ---------------------------------------------------------------------------------------------
# 4. 城乡居民最低生活保障申请办理指南 (HTML saved from a government website)
# ---------------------------------------------------------------------------------------------

GUIDE_TITLE = "青禾区城乡居民最低生活保障申请办理指南"
GUIDE_URL = f"https://{DOMAIN}/zwfw/bszn/202403/t20240308_2316485.html"

# The article: (tag, text) pairs inside <div class="TRS_Editor">; "table" is the standards table.
GUIDE_ARTICLE: list[tuple[str, str | None]] = [
    ("h3", "一、事项名称"),
    ("p", "城乡居民最低生活保障审核确认（以下简称“低保”）。"),
    ("h3", "二、办理依据"),
    ("p", "1.《社会救助暂行办法》（国务院令第649号）；"),
    ("p", "2.《最低生活保障审核确认办法》（民发〔2021〕57号）；"),
    ("p", "3.《青禾区城乡居民最低生活保障实施细则》（青禾政发〔2023〕12号）。"),
    ("h3", "三、保障标准"),
    (
        "p",
        "自2023年7月1日起，青禾区城乡低保标准统一为每人每月1,420元。低保金按照家庭月人均收入低于"
        "低保标准的差额发放；家庭成员中有重度残疾人、70周岁以上老年人或者未成年人的，按照低保标准的"
        "10%增发分类施保金。相关救助标准如下表：",
    ),
    ("table", None),
    ("h3", "四、申请条件"),
    ("p", "同时具备以下条件的家庭，可以申请低保："),
    ("p", "（一）共同生活的家庭成员中至少有1人持有青禾区户籍，并在青禾区实际居住；"),
    ("p", "（二）共同生活的家庭成员月人均收入低于本区城乡低保标准；"),
    (
        "p",
        "（三）家庭财产状况符合规定：家庭成员人均金融资产不超过本区24个月城乡低保标准之和（即34,080元）；"
        "除1套生活用房外，家庭成员名下无其他商品住房；家庭成员名下无价值超过10万元的机动车辆"
        "（残疾人功能性补偿代步机动车辆除外）。",
    ),
    ("p", "成年无业重度残疾人、重病患者，在其家庭月人均收入低于低保边缘家庭认定标准时，可以单独提出申请。"),
    ("h3", "五、申请材料"),
    ("p", "1.《青禾区最低生活保障申请书》（原件1份，可在受理窗口领取或在本网站下载）；"),
    ("p", "2.共同生活家庭成员的居民身份证、户口簿（原件核验，复印件1份）；"),
    ("p", "3.《家庭经济状况核对授权书》（共同生活的家庭成员均需签字）；"),
    ("p", "4.家庭成员近6个月的收入证明或者收入情况说明；"),
    ("p", "5.残疾人证、重病诊断证明等（有相关情形的提供）。"),
    ("p", "申请人提供的材料，凡可以通过部门间数据共享获取的，不再要求申请人重复提供。"),
    ("h3", "六、办理流程"),
    (
        "p",
        "1.提出申请：申请人向户籍所在地乡镇人民政府（街道办事处）提出书面申请，也可以通过“青禾政务服务网”"
        "或“青禾办”APP在线申请。申请人有困难的，可以委托村（居）民委员会代为提出申请。",
    ),
    ("p", "2.受理：材料齐全的，当场受理；材料不齐全的，一次性告知申请人需要补齐的全部材料。"),
    (
        "p",
        "3.家庭经济状况核对：乡镇（街道）通过区居民家庭经济状况核对平台，对申请家庭的户籍、车辆、房产、"
        "存款、社保缴纳等信息进行比对核查。",
    ),
    ("p", "4.入户调查：乡镇（街道）会同村（居）民委员会，自受理之日起10个工作日内完成入户调查。"),
    ("p", "5.公示：对拟审核确认的家庭，在申请家庭所在村（居）务公开栏公示，公示期为7天。"),
    ("p", "6.审核确认：公示无异议的，由乡镇人民政府（街道办事处）审核确认，并自审核确认之月起发放低保金。"),
    ("p", "7.资金发放：低保金通过社会保障卡按月发放，每月10日前发放到位。"),
    ("h3", "七、办理时限"),
    ("p", "自受理之日起20个工作日内作出审核确认决定；特殊情况下，可以延长至30个工作日。"),
    ("h3", "八、收费标准"),
    ("p", "不收费。"),
    ("h3", "九、办理地点及时间"),
    (
        "p",
        "办理地点：户籍所在地乡镇人民政府（街道办事处）社会救助服务窗口，或青禾区政务服务中心一楼"
        "民政综合窗口（青禾区禾兴路128号）。",
    ),
    ("p", "办理时间：周一至周五上午9:00—12:00，下午13:30—17:30（法定节假日除外）。"),
    ("h3", "十、结果送达"),
    ("p", "审核确认的，发放《最低生活保障证》；不予确认的，书面告知申请人并说明理由。"),
    ("h3", "十一、救济途径"),
    (
        "p",
        "申请人对审核确认结果有异议的，可以自收到决定之日起60日内依法申请行政复议，"
        "或者自收到决定之日起6个月内依法提起行政诉讼。",
    ),
    ("h3", "十二、常见问题"),
    ("p", "问：低保家庭成员找到工作后，还能继续享受低保吗？"),
    (
        "p",
        "答：低保家庭中有劳动能力的成员实现就业，家庭月人均收入超过低保标准但低于低保标准1.5倍的，"
        "可以给予6个月的渐退期，渐退期内继续发放低保金。",
    ),
    ("p", "问：享受低保后需要定期复核吗？"),
    (
        "p",
        "答：需要。乡镇（街道）对低保家庭实行分类动态管理：收入来源不固定、家庭成员有劳动能力的家庭，"
        "每半年核查一次；家庭成员以老年人、重度残疾人为主且收入基本无变化的家庭，每年核查一次。",
    ),
    ("p", "问：户籍不在青禾区，但在青禾区居住多年，能在青禾区申请吗？"),
    (
        "p",
        "答：共同生活的家庭成员中至少有1人持有青禾区户籍方可在本区申请；家庭成员均无本区户籍的，应当向户籍所在地申请。",
    ),
    ("p", "问：申请低保时家里有存款，还能申请吗？"),
    (
        "p",
        "答：可以申请。家庭成员人均金融资产不超过本区24个月城乡低保标准之和的，符合财产条件；"
        "金融资产包括银行存款、有价证券、商业保险等。",
    ),
    ("h3", "十三、咨询及监督"),
    ("p", "咨询电话：0000-12345678（青禾区民政局社会救助科）"),
    ("p", "监督电话：0000-12345679（青禾区民政局机关纪委）"),
    ("p", "也可拨打12345市民服务热线咨询或者反映问题。"),
]

GUIDE_TABLE = [
    ("救助类别", "标准", "备注"),
    ("城乡低保标准", "1,420元/人·月", "城乡统一"),
    ("特困人员基本生活标准", "1,846元/人·月", "按低保标准的1.3倍确定"),
    ("低保边缘家庭认定标准", "2,130元/人·月", "按低保标准的1.5倍确定"),
    ("分类施保金", "142元/人·月", "按低保标准的10%增发"),
]


def guide_html() -> str:
    from html import escape

    article: list[str] = []
    for tag, text in GUIDE_ARTICLE:
        if tag == "table":
            rows = []
            for i, row in enumerate(GUIDE_TABLE):
                cell = "th" if i == 0 else "td"
                rows.append(
                    "<tr>"
                    + "".join(
                        f'<{cell} style="border:1px solid #999;padding:4px 8px;">{escape(c)}</{cell}>' for c in row
                    )
                    + "</tr>"
                )
            article.append(
                '<table class="MsoNormalTable" border="1" cellspacing="0" cellpadding="0" '
                'align="center" style="border-collapse:collapse;width:90%;">\n<tbody>\n'
                + "\n".join(rows)
                + "\n</tbody>\n</table>"
            )
        elif tag == "h3":
            article.append(f'<p style="text-indent:2em;"><strong>{escape(text or "")}</strong></p>')
        else:
            article.append(f'<p style="text-indent:2em;">{escape(text or "")}</p>')
    article_html = "\n".join(article)
    saved = f"<!-- saved from url=({len(GUIDE_URL):04d}){GUIDE_URL} -->"
    files = "./青禾区城乡居民最低生活保障申请办理指南_办事指南_青禾区人民政府_files"
    return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
{saved}
<html xmlns="http://www.w3.org/1999/xhtml"><head><meta http-equiv="Content-Type" content="text/html; charset=UTF-8">
<meta http-equiv="X-UA-Compatible" content="IE=edge">
<meta name="SiteName" content="青禾区人民政府">
<meta name="SiteDomain" content="{DOMAIN}">
<meta name="SiteIDCode" content="0000000000">
<meta name="ColumnName" content="办事指南">
<meta name="ColumnType" content="政务服务">
<meta name="ArticleTitle" content="{GUIDE_TITLE}">
<meta name="PubDate" content="2024-03-08">
<meta name="ContentSource" content="青禾区民政局">
<meta name="Keywords" content="低保,最低生活保障,社会救助,办事指南">
<meta name="Description" content="青禾区城乡居民最低生活保障申请的办理依据、申请条件、申请材料、办理流程和办理时限。（本网页为测试用虚构文件）">
<meta name="Fictional" content="本网页为测试用虚构文件，青禾区为虚构地名">
<title>{GUIDE_TITLE}_办事指南_青禾区人民政府</title>
<link rel="stylesheet" type="text/css" href="{files}/common.css">
<link rel="stylesheet" type="text/css" href="{files}/article.css">
<style type="text/css">
body{{margin:0;padding:0;font:14px/1.8 "Microsoft YaHei","微软雅黑",SimSun,sans-serif;color:#333;background:#f2f2f2;}}
a{{color:#333;text-decoration:none;}}a:hover{{color:#c00;}}
.top-bar{{height:32px;line-height:32px;background:#eee;font-size:12px;}}
.top-bar .w1200{{width:1200px;margin:0 auto;}}.top-bar .fr{{float:right;}}
.header{{height:120px;background:#b5121b url({files}/header_bg.jpg) no-repeat center;}}
.header .logo{{width:1200px;margin:0 auto;padding-top:28px;color:#fff;font-size:36px;font-weight:bold;letter-spacing:4px;}}
.header .logo span{{display:block;font-size:14px;letter-spacing:1px;font-weight:normal;}}
.nav{{background:#8f0e15;height:48px;}}.nav ul{{width:1200px;margin:0 auto;padding:0;list-style:none;}}
.nav li{{float:left;width:171px;text-align:center;line-height:48px;}}.nav li a{{color:#fff;font-size:18px;}}
.nav li.on{{background:#6d0a10;}}
.main{{width:1200px;margin:15px auto;overflow:hidden;}}
.crumb{{height:40px;line-height:40px;border-bottom:1px solid #ddd;}}
.side{{float:left;width:260px;background:#fff;}}.side h4{{margin:0;background:#b5121b;color:#fff;padding:10px 15px;}}
.side ul{{padding:0 15px;}}.side li{{line-height:36px;border-bottom:1px dashed #ddd;list-style:none;}}
.content{{float:right;width:920px;background:#fff;padding:20px 0;}}
.article-title{{text-align:center;font-size:26px;color:#b5121b;font-weight:bold;padding:10px 40px;}}
.article-info{{text-align:center;color:#888;font-size:13px;border-bottom:1px solid #eee;padding-bottom:10px;}}
#zoom{{padding:20px 40px;font-size:16px;line-height:2;}}
.share{{padding:10px 40px;color:#666;}}.tools{{text-align:right;padding:10px 40px;}}
.footer{{background:#333;color:#ccc;text-align:center;padding:20px 0;font-size:13px;line-height:2;}}
</style>
<script type="text/javascript" src="{files}/jquery-1.12.4.min.js"></script>
<script type="text/javascript">
var _pageInfo = {{siteId: "qinghe", columnId: "bszn", articleId: "2316485", pubDate: "2024-03-08"}};
function doZoom(size) {{
  var el = document.getElementById("zoom");
  if (!el) return;
  el.style.fontSize = size + "px";
  var ps = el.getElementsByTagName("p");
  for (var i = 0; i < ps.length; i++) {{ ps[i].style.fontSize = size + "px"; }}
}}
function printPage() {{ window.print(); }}
function closeWindow() {{ if (confirm("您确定要关闭本页吗？")) {{ window.opener = null; window.open("", "_self"); window.close(); }} }}
</script>
</head>
<body>
<div class="top-bar"><div class="w1200"><span>欢迎访问青禾区人民政府门户网站！</span>
<span class="fr"><a href="https://{DOMAIN}/wza/">无障碍浏览</a> | <a href="https://{DOMAIN}/zhbj/">长者模式</a> | <a href="https://{DOMAIN}/english/">English</a> | <a href="javascript:void(0);" onclick="AddFavorite();">加入收藏</a></span></div></div>
<div class="header"><div class="logo"><img src="{files}/logo.png" alt="青禾区人民政府" width="60" height="60"> 青禾区人民政府<span>www.qinghe.example.gov.cn　　（测试用虚构网站）</span></div></div>
<div class="nav"><ul>
<li><a href="https://{DOMAIN}/">首页</a></li>
<li><a href="https://{DOMAIN}/zwgk/">政务公开</a></li>
<li class="on"><a href="https://{DOMAIN}/zwfw/">政务服务</a></li>
<li><a href="https://{DOMAIN}/hdjl/">互动交流</a></li>
<li><a href="https://{DOMAIN}/sjkf/">数据开放</a></li>
<li><a href="https://{DOMAIN}/zjqh/">走进青禾</a></li>
<li><a href="https://{DOMAIN}/ztzl/">专题专栏</a></li>
</ul></div>
<div class="main">
<div class="crumb">当前位置：<a href="https://{DOMAIN}/">首页</a> &gt; <a href="https://{DOMAIN}/zwfw/">政务服务</a> &gt; <a href="https://{DOMAIN}/zwfw/bszn/">办事指南</a></div>
<div class="side">
<h4>相关办事指南</h4>
<ul>
<li><a href="https://{DOMAIN}/zwfw/bszn/202403/t20240308_2316486.html">特困人员救助供养申请办理指南</a></li>
<li><a href="https://{DOMAIN}/zwfw/bszn/202403/t20240308_2316487.html">临时救助申请办理指南</a></li>
<li><a href="https://{DOMAIN}/zwfw/bszn/202403/t20240308_2316488.html">低保边缘家庭认定办理指南</a></li>
<li><a href="https://{DOMAIN}/zwfw/bszn/202402/t20240226_2309912.html">残疾人两项补贴申请办理指南</a></li>
<li><a href="https://{DOMAIN}/zwfw/bszn/202402/t20240219_2305571.html">高龄津贴申领办理指南</a></li>
</ul>
<h4>热点服务</h4>
<ul>
<li><a href="https://{DOMAIN}/zwfw/ywbl/">“高效办成一件事”专区</a></li>
<li><a href="https://{DOMAIN}/hdjl/12345/">12345市民服务热线</a></li>
<li><a href="https://{DOMAIN}/zwgk/zfxxgk/">政府信息公开</a></li>
</ul>
</div>
<div class="content">
<div class="article-title">{GUIDE_TITLE}</div>
<div class="article-info">发布时间：2024-03-08　　来源：青禾区民政局　　浏览次数：<span id="hits">2386</span>　　字号：<a href="javascript:doZoom(18)">大</a> <a href="javascript:doZoom(16)">中</a> <a href="javascript:doZoom(14)">小</a></div>
<div id="zoom">
<div class="TRS_Editor"><style type="text/css">
.TRS_Editor P{{margin-top:0px;margin-bottom:0px;line-height:2;font-family:宋体;font-size:12pt;}}.TRS_Editor DIV{{margin-top:0px;margin-bottom:0px;line-height:2;font-family:宋体;font-size:12pt;}}.TRS_Editor TD{{margin-top:0px;margin-bottom:0px;line-height:2;font-family:宋体;font-size:12pt;}}.TRS_Editor TH{{margin-top:0px;margin-bottom:0px;line-height:2;font-family:宋体;font-size:12pt;}}
</style>
{article_html}
</div>
</div>
<div class="share">分享到：<a href="javascript:void(0);" class="share-wx">微信</a> <a href="javascript:void(0);" class="share-wb">微博</a> <a href="javascript:void(0);" class="share-qz">QQ空间</a></div>
<div class="tools"><a href="javascript:printPage();">【打印本页】</a> <a href="javascript:closeWindow();">【关闭窗口】</a></div>
</div>
</div>
<div class="footer">
<p><a href="https://{DOMAIN}/wzdt/">网站地图</a> | <a href="https://{DOMAIN}/lxwm/">联系我们</a> | <a href="https://{DOMAIN}/sysm/">使用说明</a></p>
<p>主办单位：青禾区人民政府办公室　　承办单位：青禾区政务服务数据管理中心</p>
<p>ICP备案号：青禾ICP备00000000号-1　　公网安备00000000000000号　　网站标识码：0000000000</p>
<p>本网站为测试用虚构网站，青禾区为虚构地名</p>
</div>
<script type="text/javascript">
(function () {{
  var hits = document.getElementById("hits");
  var img = new Image();
  img.src = "https://{DOMAIN}/stat/count.gif?aid=2316485&r=" + Math.random();
  $(".share-wx").on("click", function () {{ alert("请使用微信“扫一扫”分享本页"); }});
  $(".share-wb").on("click", function () {{ window.open("about:blank"); }});
}})();
</script>
</body></html>
"""


# ---------------------------------------------------------------------------------------------
# 5. 烟花爆竹燃放管理通告 (scanned: images only, no text layer)
# ---------------------------------------------------------------------------------------------

NOTICE_TITLE = "青禾区人民政府关于2025年春节期间烟花爆竹燃放管理的通告"
NOTICE_NUMBER = "青禾政通〔2025〕1号"
NOTICE_BODY = [
    "为维护公共安全和社会秩序，保障人民群众生命财产安全，根据《中华人民共和国大气污染防治法》"
    "《烟花爆竹安全管理条例》等法律法规规定，结合我区实际，现就2025年春节期间烟花爆竹燃放管理"
    "有关事项通告如下：",
    "一、限时燃放。2025年1月28日（除夕）0时至2月12日（正月十五）24时，在本区允许燃放的区域内"
    "可以燃放烟花爆竹，其中每日22时至次日7时禁止燃放（除夕当晚除外）。其他时间禁止燃放。",
    "二、禁止燃放区域。下列地点禁止燃放烟花爆竹：（一）文物保护单位；（二）车站、码头、加油加气站等"
    "交通枢纽和易燃易爆场所；（三）医院、学校、幼儿园、养老机构；（四）输变电设施安全保护区内；"
    "（五）山林、草原等重点防火区；（六）青禾大道、禾兴路、禾溪路、滨河路合围区域。",
    "三、禁止行为。在允许燃放的区域和时段内，禁止向人群、车辆、建筑物抛掷点燃的烟花爆竹，禁止在"
    "居民楼道、阳台、屋顶等处燃放，禁止燃放非法生产、经营的烟花爆竹。",
    "四、销售管理。烟花爆竹零售点须经区应急管理局许可，销售时间为2025年1月20日至2月12日。严禁无证经营和流动销售。",
    "五、法律责任。违反本通告规定，在禁止燃放的时间、地点燃放烟花爆竹，或者以危害公共安全和人身、"
    "财产安全的方式燃放烟花爆竹的，由公安机关责令停止燃放，处100元以上500元以下的罚款；"
    "构成违反治安管理行为的，依法给予治安管理处罚；构成犯罪的，依法追究刑事责任。",
    "六、举报方式。对违法燃放、销售烟花爆竹的行为，可拨打110或12345市民服务热线举报。",
    "七、安全提示。请广大市民到持证零售点购买合格烟花爆竹产品，严格按照燃放说明燃放；未成年人燃放"
    "烟花爆竹应当由成年人陪同；燃放后请及时清理残留物，防止引发火灾。",
    "本通告自发布之日起施行，有效期至2025年2月28日。",
]
NOTICE_SIGN = ["青禾区人民政府", "2025年1月10日"]


def notice_text() -> str:
    """The notice's text as printed on the scan (used to check quotes: the PDF has no text)."""
    return "\n".join([NOTICE_NUMBER, NOTICE_TITLE, *NOTICE_BODY, *NOTICE_SIGN, NOTE])


def write_notice_docx(path: Path) -> None:
    docx, _, WD_ALIGN_PARAGRAPH, _, _, _, _, Cm, Pt, _ = _docx()
    doc = docx.Document()
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Cm(21.0), Cm(29.7)
    sec.top_margin, sec.bottom_margin = Cm(3.0), Cm(2.5)
    sec.left_margin, sec.right_margin = Cm(2.6), Cm(2.4)
    body = RENDER_FONTS["body"]
    normal = doc.styles["Normal"]
    _set_font(normal, body[0], body[1], size=15)
    normal.paragraph_format.line_spacing = Pt(27)
    normal.paragraph_format.space_after = Pt(0)
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    p.add_run(NOTICE_NUMBER)
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.space_before = Pt(10)
    p.paragraph_format.space_after = Pt(14)
    p.paragraph_format.line_spacing = Pt(34)
    _set_font(p.add_run(NOTICE_TITLE), *RENDER_FONTS["title"], size=20, bold=True)
    for text in NOTICE_BODY:
        p = doc.add_paragraph(text)
        p.paragraph_format.first_line_indent = Pt(30)
    doc.add_paragraph()
    for text in NOTICE_SIGN:
        p = doc.add_paragraph(text)
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        p.paragraph_format.right_indent = Pt(45)
    fp = sec.footer.paragraphs[0]
    fp.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _set_font(fp.add_run(NOTE), body[0], body[1], size=10.5)
    doc.save(str(path))


def _draw_seal(size: int) -> Any:
    """A red round official seal (五角星 + arc text), RGBA."""
    import math

    from PIL import Image, ImageDraw, ImageFont

    font_path = _font_file("NotoSansCJK-Bold.ttc") or _font_file("NotoSansCJK-Regular.ttc")
    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    dr = ImageDraw.Draw(img)
    red = (205, 30, 36, 165)
    c = size / 2
    dr.ellipse([6, 6, size - 6, size - 6], outline=red, width=max(6, size // 45))
    r_star = size * 0.17
    pts = []
    for i in range(10):
        ang = -math.pi / 2 + i * math.pi / 5
        rr = r_star if i % 2 == 0 else r_star * 0.382
        pts.append((c + rr * math.cos(ang), c + rr * math.sin(ang)))
    dr.polygon(pts, fill=red)
    text = "青禾区人民政府"
    font = ImageFont.truetype(font_path, int(size * 0.13), index=2) if font_path else ImageFont.load_default()
    span = math.radians(220)
    for i, ch in enumerate(text):
        ang = -math.pi / 2 - span / 2 + span * (i + 0.5) / len(text)
        glyph = Image.new("RGBA", (int(size * 0.16), int(size * 0.16)), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text((glyph.width / 2, glyph.height / 2), ch, font=font, fill=red, anchor="mm")
        glyph = glyph.rotate(-math.degrees(ang) - 90, resample=Image.Resampling.BICUBIC, expand=True)
        rr = size * 0.34
        x, y = c + rr * math.cos(ang), c + rr * math.sin(ang)
        img.alpha_composite(glyph, (int(x - glyph.width / 2), int(y - glyph.height / 2)))
    return img


def _font_file(name: str) -> str | None:
    for root in ("/usr/share/fonts/opentype/noto", "/usr/share/fonts/truetype/noto", "/usr/share/fonts"):
        hits = list(Path(root).rglob(name)) if Path(root).exists() else []
        if hits:
            return str(hits[0])
    return None


def scan_pdf(text_pdf: Path, out: Path) -> int:
    """Render each page to an image, make it look scanned, write an image-only PDF."""
    import pypdfium2 as pdfium
    from PIL import Image, ImageFilter

    rng = random.Random(20250110)
    pdf = pdfium.PdfDocument(str(text_pdf))
    scale = 2.2  # 158 dpi
    pages = []
    for i in range(len(pdf)):
        page = pdf[i]
        img = page.render(scale=scale).to_pil().convert("RGB")
        if i == len(pdf) - 1:  # stamp the seal over the issuer and date, as on a real notice
            tp = page.get_textpage()
            searcher = tp.search("2025年1月10日")
            hit = searcher.get_next()
            if hit:
                idx, _ = hit
                left, bottom, right, top = tp.get_charbox(idx)
                h = page.get_height()
                # centred a little above the date line, over the issuer name ("骑年盖月")
                cx, cy = int((left + 50) * scale), int((h - (top + bottom) / 2 - 14) * scale)
                seal = _draw_seal(int(120 * scale))
                layer = Image.new("RGBA", img.size, (0, 0, 0, 0))
                layer.alpha_composite(seal, (cx - seal.width // 2, cy - seal.height // 2))
                img = Image.alpha_composite(img.convert("RGBA"), layer).convert("RGB")
        # paper tone, slight skew, blur and speckle noise
        angle = rng.uniform(-0.8, 0.8)
        img = img.rotate(angle, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=(255, 255, 255))
        img = img.filter(ImageFilter.GaussianBlur(0.6))
        paper = Image.new("RGB", img.size, (247, 245, 238))
        img = Image.composite(img, paper, img.convert("L").point(lambda v: 255 if v < 250 else 0))
        px = img.load()
        assert px is not None
        w, h = img.size
        for _ in range(w * h // 400):
            x, y = rng.randrange(w), rng.randrange(h)
            g = rng.randrange(120, 220)
            px[x, y] = (g, g, g)
        pages.append(img)
    buf = io.BytesIO()
    pages[0].save(
        buf,
        "PDF",
        save_all=True,
        append_images=pages[1:],
        resolution=72 * scale,
        quality=60,
        title=NOTICE_TITLE + "（扫描件）",
        author="青禾区人民政府",
        subject="本文件为测试用虚构文件（fictional test document）",
    )
    out.write_bytes(buf.getvalue())
    return len(pages)


# ---------------------------------------------------------------------------------------------
# 6. 12345热线年度运行情况 (plain text + sidecar)
# ---------------------------------------------------------------------------------------------

HOTLINE_TITLE = "青禾区12345市民服务热线2024年度运行情况"
HOTLINE_LINES = [
    HOTLINE_TITLE,
    NOTE,
    "2024年，青禾区12345市民服务热线坚持“接诉即办”工作机制，持续推进热线与政务服务便民热线归并整合，"
    "畅通群众诉求表达渠道，推动一批群众急难愁盼问题得到解决。现将全年运行情况通报如下。",
    "一、总体情况",
    "（一）受理情况。全年共受理群众诉求486,215件，同比增长8.3%，日均受理1,328件。其中，电话渠道受理"
    "412,508件，占84.8%；网站、微信、“青禾办”APP等网络渠道受理73,707件，占15.2%。受理量最高的月份为"
    "7月，受理51,906件，主要集中在供水、噪声扰民和高温作业等方面。",
    "（二）办理情况。热线坐席直接答复办结268,430件，直接办结率55.2%；派发至区级部门、街道（镇）"
    "和公共服务企业等83家承办单位办理217,785件。",
    "（三）“三率”情况。全年电话接通率96.8%，诉求响应率99.6%，问题解决率89.4%，群众满意率93.6%，"
    "按时办结率98.2%。其中问题解决率、群众满意率分别比上年提高2.1个和1.7个百分点。",
    "二、诉求分析",
    "（一）按诉求类型分。咨询类251,334件，占51.7%；求助类102,580件，占21.1%；投诉类93,842件，"
    "占19.3%；建议类29,176件，占6.0%；表扬类9,283件，占1.9%。",
    "（二）按诉求领域分。受理量排名前十的领域依次为：物业管理41,326件，劳动和社会保障32,158件，"
    "住房保障与房屋管理27,940件，城市管理25,617件，交通出行21,085件，市场监管与消费维权19,732件，"
    "供暖供气17,264件，教育14,509件，医疗卫生12,377件，生态环境10,896件。前十类诉求合计222,904件，"
    "占受理总量的45.8%。",
    "（三）按区域分。从属地分布看，禾兴街道受理量最多，为78,412件；其次为禾川街道61,237件、"
    "禾溪镇43,905件。受理量同比增长最快的是滨河街道，增长21.7%，主要与新建住宅小区集中交付有关。",
    "（四）按时段分。工作日8时至18时受理量占全年的71.3%，夜间（22时至次日6时）受理量占6.4%，"
    "夜间诉求以噪声扰民、停水停电和紧急求助为主。周一受理量最大，平均每个周一受理1,652件。"
    "节假日期间受理量明显下降，但供暖、供水等民生保障类诉求占比上升。",
    "（五）热点问题。一是欠薪问题，全年受理欠薪类诉求8,615件，同比下降12.4%，春节前两个月受理量占全年的"
    "31.5%；二是物业服务问题，主要反映物业费收缴、公共区域维修、电梯故障等，同比增长9.6%；三是供暖问题，"
    "供暖季受理供暖不热等诉求11,042件，其中11月15日开栓后一周内受理4,386件。",
    "三、重点工作",
    "（一）深化“每月一题”。围绕老旧小区加装电梯、学校周边停车难、农贸市场环境整治等12个高频难点问题，"
    "逐月制定专项方案，推动解决群众诉求1.3万件。",
    "（二）加强知识库建设。热线知识库累计收录政策知识条目12,860条，全年新增和更新3,214条，"
    "知识库更新时限由5个工作日压缩至2个工作日。",
    "（三）严格考核评价。对83家承办单位实行月度考评、季度通报，全年通报排名靠后单位16家次，"
    "督办重点难点诉求436件。年度综合成绩排名前三的承办单位为禾兴街道、区人力资源和社会保障局、禾溪镇。",
    "（四）做好特殊群体服务。开通老年人来电“一键转人工”服务，老年人来电无需语音导航直接接入人工坐席，"
    "全年接听老年人来电3.2万件；为听障人士开通视频手语和文字客服渠道，全年服务1,146人次。",
    "（五）强化应急联动。汛期和极端天气期间实行24小时专班值守，与区应急管理局、区城市管理委员会等"
    "单位建立紧急诉求“30分钟响应”机制，全年转办紧急类诉求2,817件，均在规定时限内响应。",
    "（六）典型案例。案例一：2024年3月，禾兴街道某小区居民反映小区门前道路积水严重、雨天出行困难。"
    "热线派单后，区城市管理委员会会同禾兴街道实地勘察，查明系雨水管网堵塞所致，10日内完成管网疏通和"
    "路面修补，此后同类诉求未再发生。案例二：2024年12月，12名进城务工人员反映某装修工程拖欠工资"
    "共计18.6万元。区人力资源和社会保障局接单后当日约谈施工企业负责人，7日内督促企业足额支付全部工资。",
    "四、存在问题",
    "一是部分承办单位存在“重办结、轻解决”倾向，少数诉求反复投诉，全年同一诉求人就同一问题反映3次以上的"
    "重复诉求共5,342件；二是高峰时段电话接通压力较大，7月和春节前后接通率低于全年平均水平；三是诉求数据"
    "分析应用不够深入，对苗头性、倾向性问题的预警研判能力有待提升；四是部分承办单位答复群众时解释不够"
    "耐心细致，因答复态度引发的不满意评价仍占一定比例。",
    "五、2025年工作打算",
    "2025年，区政务服务管理局将以提高问题解决率为重点，力争电话接通率保持在95%以上，问题解决率达到90%以上，"
    "群众满意率达到94%以上；扩充高峰时段坐席20个；每季度发布诉求数据分析报告，为区委、区政府决策提供参考。",
    "青禾区政务服务管理局",
    "2025年1月22日",
]
HOTLINE_META = {
    "title": HOTLINE_TITLE,
    "issuer": "青禾区政务服务管理局",
    "year": 2024,
    "doc_type": "工作报告",
    "published": "2025-01-22",
    "source_url": None,
    "fictional": True,
    "note": "本文件为测试用虚构文件，青禾区为虚构地名，文中数据均为虚构",
}


# ---------------------------------------------------------------------------------------------
# Text extraction (shared by --check): what a reader sees in each file
# ---------------------------------------------------------------------------------------------


def docx_text(path: Path) -> str:
    """Body paragraphs and table cells (each merged cell once) in document order."""
    import docx
    from docx.oxml.ns import qn

    d = docx.Document(str(path))
    parts: list[str] = []
    for el in d.element.body.iterchildren():
        if el.tag == qn("w:p"):
            parts.append("".join(t.text or "" for t in el.iter(qn("w:t"))))
        elif el.tag == qn("w:tbl"):
            for tc in el.iter(qn("w:tc")):
                parts.append("".join(t.text or "" for t in tc.iter(qn("w:t"))))
    return "\n".join(parts)


def html_article_text(path: Path) -> str:
    import lxml.html

    root = lxml.html.fromstring(path.read_bytes().decode("utf-8"))
    zoom = root.get_element_by_id("zoom")
    for bad in zoom.xpath(".//script|.//style"):
        bad.drop_tree()
    return "\n".join(t.strip() for t in zoom.itertext() if t.strip())


def pdf_pages(path: Path) -> list[str]:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    return [pdf[i].get_textpage().get_text_range() for i in range(len(pdf))]


def md_body(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    if text.startswith("---\n"):
        text = text[text.index("\n---\n", 4) + 5 :]
    return text


def _squash(s: str) -> str:
    return re.sub(r"\s+", "", s)


# ---------------------------------------------------------------------------------------------
# Generation
# ---------------------------------------------------------------------------------------------


def generate() -> None:
    _check_disclosure_figures()
    check_fonts()
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="qinghe-docs-") as tmp:
        tmpdir = Path(tmp)
        # 1. 2023 report: DOCX with Word automatic numbering
        write_disclosure_docx(
            disclosure_2023(),
            OUT / f"{DOCX_2023}.docx",
            auto_numbering=True,
            header=None,
            fonts=WORD_FONTS,
            body_size=16,
        )
        # 2. 2024 report: DOCX with typed numbers, running header and page-number footer -> PDF
        src = tmpdir / f"{PDF_2024}.docx"
        write_disclosure_docx(
            disclosure_2024(),
            src,
            auto_numbering=False,
            header="青禾区人民政府2024年政府信息公开工作年度报告",
            fonts=RENDER_FONTS,
            body_size=14,
        )
        shutil.copy(soffice_to_pdf(src, tmpdir), OUT / f"{PDF_2024}.pdf")
        # 3. Markdown work report
        (OUT / f"{MD_WORK}.md").write_text(WORK_REPORT_MD, encoding="utf-8")
        # 4. HTML service guide
        (OUT / f"{HTML_GUIDE}.html").write_text(guide_html(), encoding="utf-8")
        # 5. scanned notice
        src = tmpdir / "notice.docx"
        write_notice_docx(src)
        n = scan_pdf(soffice_to_pdf(src, tmpdir), OUT / f"{SCAN_NOTICE}.pdf")
        print(f"scanned notice: {n} page(s)")
        # 6. hotline TXT + sidecar
        (OUT / f"{TXT_HOTLINE}.txt").write_text("\n".join(HOTLINE_LINES) + "\n", encoding="utf-8")
        (OUT / f"{TXT_HOTLINE}.meta.json").write_text(
            json.dumps(HOTLINE_META, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
    total = 0
    for p in sorted(OUT.iterdir()):
        if p.name == "README.md":
            continue
        size = p.stat().st_size
        total += size
        print(f"{size:>9,}  {p.name}")
        assert size < 1.5 * 1024 * 1024, f"{p.name} is over 1.5 MB"
    print(f"{total:>9,}  total")
    assert total < 4 * 1024 * 1024, "documents are over 4 MB in all"


# ---------------------------------------------------------------------------------------------
# Check of the gold questions
# ---------------------------------------------------------------------------------------------

CATEGORIES = {"figure", "table", "fact", "procedure", "which-document", "unanswerable"}
STYLES = {"colloquial", "formal", "paraphrase", "typo", "traditional", "english"}
NAMES = {"year", "place", "body", "none"}
MINIMUMS = {"table": 15, "which-document": 12, "unanswerable": 10}
PER_DOC_MIN = {SCAN_NOTICE: 5, HTML_GUIDE: 8, TXT_HOTLINE: 6, MD_WORK: 6}


def document_texts() -> dict[str, list[str]]:
    """doc id -> list of page texts (one entry for non-paginated formats)."""
    return {
        DOCX_2023: [docx_text(OUT / f"{DOCX_2023}.docx")],
        PDF_2024: pdf_pages(OUT / f"{PDF_2024}.pdf"),
        MD_WORK: [md_body(OUT / f"{MD_WORK}.md")],
        HTML_GUIDE: [html_article_text(OUT / f"{HTML_GUIDE}.html")],
        SCAN_NOTICE: [notice_text()],  # the scan has no text layer: check against the source
        TXT_HOTLINE: [(OUT / f"{TXT_HOTLINE}.txt").read_text(encoding="utf-8")],
    }


def check_documents(texts: dict[str, list[str]]) -> list[str]:
    """Format features that the fixtures rely on."""
    errors: list[str] = []
    for stem, ext in FILES.items():
        if not (OUT / f"{stem}{ext}").exists():
            errors.append(f"missing {stem}{ext}")
    scan_text = pdf_pages(OUT / f"{SCAN_NOTICE}.pdf")
    if any(t.strip() for t in scan_text):
        errors.append("the scanned notice has a text layer")
    print(f"scanned notice: {len(scan_text)} page(s), text layer chars: {sum(len(t.strip()) for t in scan_text)}")
    pages = texts[PDF_2024]
    header = "青禾区人民政府2024年政府信息公开工作年度报告"
    print(f"2024 PDF: {len(pages)} pages")
    for i, t in enumerate(pages, 1):
        if header not in _squash(t) or f"—{i}—" not in _squash(t):
            errors.append(f"2024 PDF page {i}: running header or '— {i} —' footer missing")
    # at least one body paragraph must run across a page boundary
    crossing = []
    for kind, content in disclosure_2024():
        if kind != "p":
            continue
        s = _squash(content)
        for i in range(len(pages) - 1):
            a, b = _squash(pages[i]), _squash(pages[i + 1])
            if s[:12] in a and s[-12:] in b and s not in a:
                crossing.append((i + 1, s[:16]))
    for page, start in crossing:
        print(f"2024 PDF: paragraph '{start}…' runs from page {page} to page {page + 1}")
    if not crossing:
        errors.append("2024 PDF: no paragraph runs across a page boundary")
    # the 2023 DOCX: headings get their numbers from numbering.xml, not from their text
    import docx
    from docx.oxml.ns import qn

    d = docx.Document(str(OUT / f"{DOCX_2023}.docx"))
    numbering = d.part.numbering_part.element.xml
    for needle in ('w:val="chineseCountingThousand"', 'w:val="chineseCounting"', 'w:val="%1、"', 'w:val="（%2）"'):
        if needle not in numbering:
            errors.append(f"2023 DOCX numbering.xml lacks {needle}")
    heads = [p for p in d.paragraphs if p.style is not None and p.style.name in ("Heading 1", "Heading 2")]
    typed = [p.text for p in heads if re.match(r"^[（(]?[一二三四五六七八九十]+[、）)]", p.text)]
    if typed or len(heads) < 10:
        errors.append(f"2023 DOCX: {len(heads)} headings, typed numbers in {typed}")
    for name in ("Heading 1", "Heading 2"):
        if d.styles[name].element.pPr.find(qn("w:numPr")) is None:
            errors.append(f"2023 DOCX: style {name} has no w:numPr")
    if len(d.tables) < 2:
        errors.append("2023 DOCX: fewer than 2 tables")
    return errors


def check_fixtures(verbose: bool = True) -> int:
    texts = document_texts()
    errors = check_documents(texts)
    warnings: list[str] = []
    squashed = {k: [_squash(p) for p in v] for k, v in texts.items()}
    whole = {k: "".join(v) for k, v in squashed.items()}
    ids, questions = set(), set()
    by_cat: collections.Counter[str] = collections.Counter()
    by_style: collections.Counter[str] = collections.Counter()
    by_names: collections.Counter[str] = collections.Counter()
    per_doc: collections.Counter[str] = collections.Counter()
    n = 0
    for line in FIXTURES.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        n += 1
        q = json.loads(line)
        qid = q.get("id")
        if set(q) - {"id", "question", "answers", "category", "style", "names", "note"}:
            errors.append(f"{qid}: unexpected keys {set(q)}")
        if qid in ids:
            errors.append(f"{qid}: duplicate id")
        ids.add(qid)
        if q["question"] in questions:
            errors.append(f"{qid}: duplicate question")
        questions.add(q["question"])
        if q["category"] not in CATEGORIES:
            errors.append(f"{qid}: bad category {q['category']}")
        if q["style"] not in STYLES:
            errors.append(f"{qid}: bad style {q['style']}")
        if q.get("names") not in NAMES:
            errors.append(f"{qid}: bad names {q.get('names')}")
        by_cat[q["category"]] += 1
        by_style[q["style"]] += 1
        by_names[q["names"]] += 1
        if (q["category"] == "unanswerable") != (not q["answers"]):
            errors.append(f"{qid}: unanswerable iff no answers")
        docs_seen = set()
        for a in q["answers"]:
            doc, quote = a["document"], _squash(a["quote"])
            if doc not in texts:
                errors.append(f"{qid}: unknown document {doc}")
                continue
            docs_seen.add(doc)
            is_pdf = FILES[doc] == ".pdf"
            if is_pdf and "page" not in a:
                errors.append(f"{qid}: PDF answer without page")
            if not is_pdf and "page" in a:
                errors.append(f"{qid}: page given for a non-PDF answer")
            if doc == PDF_2024:
                page = a.get("page", 0)
                if not (1 <= page <= len(squashed[doc])) or quote not in squashed[doc][page - 1]:
                    found = [i + 1 for i, p in enumerate(squashed[doc]) if quote in p]
                    errors.append(f"{qid}: {a['quote']!r} not on page {page} of {doc} (found on {found})")
            elif doc == SCAN_NOTICE:
                if quote not in whole[doc]:
                    errors.append(f"{qid}: {a['quote']!r} not in the notice's source text")
                if a.get("page") not in (1, 2):
                    errors.append(f"{qid}: notice page must be 1 or 2")
            elif quote not in whole[doc]:
                errors.append(f"{qid}: {a['quote']!r} not in {doc}")
            count = whole.get(doc, "").count(quote)
            if count > 1:
                warnings.append(f"{qid}: quote {a['quote']!r} occurs {count} times in {doc}")
        for doc in docs_seen:
            per_doc[doc] += 1
    for cat, minimum in MINIMUMS.items():
        if by_cat[cat] < minimum:
            errors.append(f"only {by_cat[cat]} {cat} questions (need {minimum})")
    for doc, minimum in PER_DOC_MIN.items():
        if per_doc[doc] < minimum:
            errors.append(f"only {per_doc[doc]} questions answered from {doc} (need {minimum})")
    if verbose:
        print(f"\n{n} questions")
        print("by category:", dict(sorted(by_cat.items())))
        print("by style:   ", dict(sorted(by_style.items())))
        print("by names:   ", dict(sorted(by_names.items())))
        print("answered from each document:", dict(sorted(per_doc.items())))
        for w in warnings:
            print("warning:", w)
    for e in errors:
        print("ERROR:", e)
    print("OK: every quote found" if not errors else f"{len(errors)} error(s)")
    return 1 if errors else 0


def main() -> int:
    if "--check" in sys.argv:
        return check_fixtures()
    generate()
    if FIXTURES.exists():
        return check_fixtures()
    return 0


if __name__ == "__main__":
    sys.exit(main())
