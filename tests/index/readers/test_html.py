"""The web page reader: the article of a page saved from a government site, without the site's chrome;
its title, date, address and issuer; encodings; tables; trafilatura for pages no site rule fits."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from index.errors import DocumentError
from index.ingest import document_passages, read_document
from index.readers.base import ReadResult
from index.readers.html import HtmlReader, decode_html, page_title
from index.structure import paragraphs

# A page as a TRS-run district site serves it: navigation, breadcrumbs, byline, share bar, footer, scripts.
TRS_PAGE = """<!DOCTYPE html>
<!-- saved from url=(0055)https://www.example.gov.cn/zwgk/czxx/202403/t20240312_1.html -->
<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>关于2023年预算执行情况的报告_某某区人民政府</title>
<meta name="ArticleTitle" content="关于某某区2023年预算执行情况和2024年预算草案的报告">
<meta name="PubDate" content="2024-03-12 10:30">
<meta name="ContentSource" content="某某区财政局">
<script>var navText = "脚本里的文字";</script><style>.nav{color:red}</style></head>
<body>
<div class="header"><div class="logo">某某区人民政府门户网站</div></div>
<div class="nav"><a href="/">首页</a><a href="/zwgk">政务公开</a><a href="/hdjl">互动交流</a>
<a href="/bsfw">办事服务</a></div>
<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk">政务公开</a> &gt; 财政信息</div>
<h1 class="art-title">关于某某区2023年预算执行情况和2024年预算草案的报告</h1>
<div class="art-info">来源：某某区财政局　发布时间：2024-03-12　【字体：<a>大</a> <a>中</a> <a>小</a>】</div>
<div class="TRS_Editor"><style>p { margin: 0 }</style>
<p align="center"><strong>关于某某区2023年预算执行情况和2024年预算草案的报告</strong></p>
<p>　　各位代表：</p>
<p>　　<b>一、2023年预算执行情况</b></p>
<p>　　2023年，全区一般公共预算收入完成120.5亿元，
同比增长5.2%。</p>
<p>　　（一）收入情况。税收收入稳定增长，非税收入有所下降。</p>
<p>2023年一般公共预算收支表（单位：万元）</p>
<table border="1"><tr><th rowspan="2">项目</th><th colspan="2">预算数</th></tr>
<tr><th>2022年</th><th>2023年</th></tr>
<tr><td>税收收入</td><td>100</td><td>120</td></tr>
<tr><td>非税收入</td><td>50</td><td>55.5</td></tr></table>
<p>　　<b>二、2024年工作安排</b></p>
<ol><li>加强预算管理</li><li>Improve audits</li></ol>
<ol start="3" type="a"><li>第三项</li></ol>
<ul><li>不编号的事项</li></ul>
<ol><li>1.自带编号的事项</li></ol>
<p>第一行<br>第二行</p>
<div class="bdshare_t"><span>分享到：</span><a>微信</a><a>微博</a><a>QQ空间</a></div>
<p>【打印本页】【关闭窗口】</p>
</div>
<div class="related"><h4>相关文章</h4><ul><li><a href="/1">2022年预算执行情况报告</a></li></ul></div>
<div class="footer">版权所有：某某区人民政府办公室 网站标识码：1234567890 京ICP备12345678号</div>
<script>document.write("访问统计代码");</script>
</body></html>
"""


def write(tmp_path: Path, name: str, html: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(html.encode(encoding))
    return path


def read(path: Path) -> ReadResult:
    return HtmlReader().read(path, path.name)


def lines(result: ReadResult) -> list[str]:
    return [result.text[b.start : b.end] for b in result.blocks]


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reading a page never fetches anything."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the HTML reader tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def test_site_rule_keeps_the_article_without_the_site_chrome(tmp_path: Path) -> None:
    got = read(write(tmp_path, "report.html", TRS_PAGE, "gb18030"))
    assert lines(got) == [
        "关于某某区2023年预算执行情况和2024年预算草案的报告",
        "各位代表：",
        "一、2023年预算执行情况",
        "2023年，全区一般公共预算收入完成120.5亿元，同比增长5.2%。",
        "（一）收入情况。税收收入稳定增长，非税收入有所下降。",
        "2023年一般公共预算收支表（单位：万元）",
        "2023年一般公共预算收支表（单位：万元）：税收收入：预算数·2022年 100万元，预算数·2023年 120万元。",
        "2023年一般公共预算收支表（单位：万元）：非税收入：预算数·2022年 50万元，预算数·2023年 55.5万元。",
        "二、2024年工作安排",
        "1.加强预算管理",
        "2. Improve audits",
        "c.第三项",
        "不编号的事项",
        "1.自带编号的事项",
        "第一行",
        "第二行",
    ]
    for chrome in (
        "首页",
        "当前位置",
        "分享到",
        "微博",
        "打印",
        "关闭",
        "版权所有",
        "脚本",
        "统计代码",
        "相关文章",
        "字体",
    ):
        assert chrome not in got.text
    kinds = [(b.kind, b.level) for b in got.blocks]
    assert kinds[0] == ("heading", 1) and kinds[2] == ("heading", 3) and kinds[6] == ("table", None)


def test_page_metadata(tmp_path: Path) -> None:
    got = read(write(tmp_path, "report.html", TRS_PAGE, "gb18030"))
    assert got.title == "关于某某区2023年预算执行情况和2024年预算草案的报告"
    assert got.metadata == {
        "published": "2024-03-12",
        "source_url": "https://www.example.gov.cn/zwgk/czxx/202403/t20240312_1.html",
        "issuer": "某某区财政局",
    }


def test_metadata_from_title_canonical_link_and_byline(tmp_path: Path) -> None:
    page = """<html><head><title>关于开展春季植树活动的通知 - 某某县人民政府</title>
    <meta property="og:url" content="https://og.example.gov.cn/a.html">
    <link rel="canonical" href="https://www.example.gov.cn/art/2024/3/1/art_9.html"></head><body>
    <div id="zoom"><p>各乡镇人民政府，县直各单位：为推进国土绿化，决定开展春季义务植树活动，请认真组织实施。</p></div>
    <div class="info">信息来源：某某县林业局 发布日期：2024年3月1日</div></body></html>"""
    got = read(write(tmp_path, "notice.htm", page))
    assert got.title == "关于开展春季植树活动的通知"
    assert got.metadata == {
        "published": "2024-03-01",
        "source_url": "https://www.example.gov.cn/art/2024/3/1/art_9.html",
        "issuer": "某某县林业局",
    }


def test_information_disclosure_table_gives_the_issuer(tmp_path: Path) -> None:
    page = """<html><head><title>实施方案</title></head><body>
    <table class="xxgk_table"><tr><td>发文机关：</td><td>某某市人民政府办公室</td>
    <td>成文日期：</td><td>2024-01-05</td></tr></table>
    <div class="pages_content">
    <p>为贯彻落实有关部署，结合本市实际，制定本实施方案。一、总体要求。坚持问题导向。</p></div>
    </body></html>"""
    got = read(write(tmp_path, "plan.shtml", page))
    assert got.metadata["issuer"] == "某某市人民政府办公室"
    assert lines(got) == ["为贯彻落实有关部署，结合本市实际，制定本实施方案。一、总体要求。坚持问题导向。"]


@pytest.mark.parametrize(
    ("data", "text"),
    [
        ('<meta charset="gbk"><p>政府工作报告</p>'.encode("gb18030"), "政府工作报告"),
        ("<p>政府工作报告，没有声明编码</p>".encode("gb18030"), "政府工作报告，没有声明编码"),
        ('<meta charset="gb2312"><p>声明GB2312实为UTF-8</p>'.encode(), "声明GB2312实为UTF-8"),
        (b"\xef\xbb\xbf" + "<p>带BOM的页面</p>".encode(), "带BOM的页面"),
        ("\ufeff<p>UTF-16页面</p>".encode("utf-16-le"), "UTF-16页面"),
    ],
)
def test_decoding(data: bytes, text: str) -> None:
    assert text in decode_html(data)


def test_gb18030_page_is_decoded(tmp_path: Path) -> None:
    page = '<html><head><meta charset="gb2312"><title>䶮 鿏 报告</title></head><body><div class="TRS_Editor">'
    text = "一般公共预算收入完成情况良好，比上年增长百分之五，其中税收收入占比较高，𠀋字也能读出。"
    page += f"<p>{text}</p></div></body></html>"
    got = read(write(tmp_path, "gb.html", page, "gb18030"))
    assert lines(got) == [text]
    assert got.title == "䶮 鿏 报告"


def test_fallback_to_trafilatura_when_no_site_rule_fits(tmp_path: Path) -> None:
    page = """<html><head><title>市政府关于加强安全生产工作的通知 | 某某市人民政府</title></head><body>
    <div class="wrapper"><div class="topnav"><ul><li><a href="/">首页</a></li><li><a href="/zw">政务公开</a></li>
    <li><a href="/hd">互动交流</a></li></ul></div>
    <div class="leftbox page-side"><div class="main-box"><p>各区人民政府，市政府各委、办、局：</p>
    <p>为切实加强安全生产工作，有效防范和遏制重特大事故发生，保障人民群众生命财产安全，现就有关事项通知如下。</p>
    <h3>一、压实安全生产责任</h3>
    <p>各级各部门要严格落实安全生产责任制，坚持党政同责、一岗双责、齐抓共管、失职追责，层层压实责任。</p>
    <h3>二、开展隐患排查治理</h3>
    <p>各地要组织开展安全隐患大排查大整治，对排查出的问题隐患建立台账，明确整改责任和时限，确保整改到位。</p>
    <table><tr><th>地区</th><th>隐患数</th></tr><tr><td>东区</td><td>1,234</td></tr></table>
    <p>发布日期：2024年5月6日</p></div></div>
    <div class="rightbox"><h4>热点新闻</h4><ul><li><a href="/1">新闻一标题</a></li><li><a href="/2">新闻二</a></li>
    <li><a href="/3">新闻三</a></li></ul></div>
    <div class="bottom">主办：某某市人民政府办公室 网站标识码：1234567890</div></div>
    <script>document.write("统计代码")</script></body></html>"""
    got = read(write(tmp_path, "notice.html", page))
    assert lines(got) == [
        "各区人民政府，市政府各委、办、局：",
        "为切实加强安全生产工作，有效防范和遏制重特大事故发生，保障人民群众生命财产安全，现就有关事项通知如下。",
        "一、压实安全生产责任",
        "各级各部门要严格落实安全生产责任制，坚持党政同责、一岗双责、齐抓共管、失职追责，层层压实责任。",
        "二、开展隐患排查治理",
        "各地要组织开展安全隐患大排查大整治，对排查出的问题隐患建立台账，明确整改责任和时限，确保整改到位。",
        "东区：隐患数 1,234。",
    ]
    assert got.title == "市政府关于加强安全生产工作的通知"
    assert got.metadata["published"] == "2024-05-06"


@pytest.mark.parametrize(
    "page",
    [
        "",
        "   \n ",
        "<html><head><title>页面</title></head><body><div class='nav'><a href='/'>首页</a><a href='/b'>新闻</a>"
        "<a href='/c'>服务</a></div><script>load('content')</script><div id='app'></div></body></html>",
        "<html><body><div class='TRS_Editor'></div><footer>版权所有 某某市人民政府</footer></body></html>",
    ],
)
def test_page_without_main_text_is_refused(tmp_path: Path, page: str) -> None:
    with pytest.raises(DocumentError, match=r"^pages/empty.html: (?:empty web page|no main text found)"):
        HtmlReader().read(write(tmp_path, "empty.html", page), "pages/empty.html")


def test_binary_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.html"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(DocumentError, match="^x.html: not a web page"):
        read(path)


def test_layout_tables_are_read_as_text_and_spans_as_merged_cells(tmp_path: Path) -> None:
    long = "全区各部门认真贯彻落实各项决策部署，" * 20
    page = f"""<html><body><div class="article-content">
    <table><tr><td><p>{long}</p></td></tr></table>
    <p>表1 重点项目投资情况</p>
    <table><tr><td rowspan="2">项目</td><td>投资额</td><td>完成率</td></tr>
    <tr><td>万元</td><td>%</td></tr>
    <tr><td>道路工程</td><td>300</td><td>85%</td></tr></table>
    </div></body></html>"""
    got = read(write(tmp_path, "t.html", page))
    assert lines(got) == [
        long,
        "表1 重点项目投资情况",
        "表1 重点项目投资情况：道路工程：投资额·万元 300；道路工程：完成率·% 85%。",
    ]


def test_headings_become_sections_and_passages_are_slices_of_the_text(tmp_path: Path) -> None:
    body = "".join(f"<p>　　第{i}项工作稳步推进，各项指标按计划完成，群众满意度进一步提升。</p>" for i in range(1, 40))
    page = f"""<html><head><title>某某区政府工作报告_某某区人民政府</title></head><body>
    <div class="pages_content"><h2>一、过去一年工作回顾</h2>{body}
    <p><strong>专栏1 民生实事</strong></p><p>新建幼儿园三所。</p>
    <h2>二、今年工作安排</h2><p>（一）稳增长。全年地区生产总值增长5%左右。</p>
    </div></body></html>"""
    path = write(tmp_path, "work.html", page)
    doc = read_document(path, tmp_path)
    assert doc.format == "html" and doc.title == "某某区政府工作报告"
    texts = [doc.text[b.start : b.end] for b in doc.blocks]
    assert doc.text == "\n".join(texts)
    paras = paragraphs(doc)
    assert paras[0].section == ("一、过去一年工作回顾",)
    assert [(p.text, p.section) for p in paras[-2:]] == [
        ("新建幼儿园三所。", ("一、过去一年工作回顾", "专栏1 民生实事")),
        ("全年地区生产总值增长5%左右。", ("二、今年工作安排", "（一）稳增长")),
    ]
    found = document_passages(doc)
    assert len(found) > 3 and all(p.text == doc.text[p.start : p.end] for p in found)


@pytest.mark.parametrize(
    ("title", "clean"),
    [
        ("关于2023年预算的报告_某某区人民政府", "关于2023年预算的报告"),
        ("关于印发方案的通知 | 某某市人民政府", "关于印发方案的通知"),
        ("某某县2021-2025年发展规划 - 某某县人民政府", "某某县2021-2025年发展规划"),
        ("首页", "首页"),
    ],
)
def test_page_title_drops_the_site_name(title: str, clean: str) -> None:
    assert page_title(title) == clean
