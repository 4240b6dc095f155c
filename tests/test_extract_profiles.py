"""crawler.extract.profiles (Registry, inheritance, host matching) and crawler.extract.page."""
import textwrap

import pytest

from crawler.extract.page import NotArticle, Page
from crawler.extract.profiles import Registry


def case(id, *values):
    return pytest.param(*values, id=id)


def write_profiles(directory, **files):
    for name, text in files.items():
        (directory / f"{name}.toml").write_text(textwrap.dedent(text), "utf-8")
    return directory


BASE = """
    name = "{name}"
    site = "test:{name}"
    """


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    directory = write_profiles(
        tmp_path_factory.mktemp("profiles"),
        city_x="""
            name = "city_x"
            extends = "gov_standard"
            site = "municipal:cityx"
            hosts = ["cityx.gov.cn"]
            article_urls = ['/art/\\d+\\.html']
            [fields]
            body = ["div.zw"]
            noise = ["div.share", "div.city-x-ad"]
            """,
        people_x="""
            name = "people_x"
            extends = "people"
            site = "people:x"
            hosts = ["x.people.com.cn"]
            [fields]
            noise = ["div.edit", "div.people-x-ad"]
            """,
        sc_people="""
            name = "sc_people"
            site = "people:sichuan"
            hosts = ["sc.people.com.cn"]
            """,
        template="""
            name = "template"
            site = "test:template"
            abstract = true
            hosts = ["template.example.com"]
            start_urls = ["http://template.example.com/"]
            sample_url = "http://template.example.com/1.html"
            noise = ["div.a"]
            """,
        shelved="""
            name = "shelved"
            site = "test:shelved"
            abstract = true
            hosts = ["shelved.example.com"]
            """,
        middle="""
            name = "middle"
            extends = "template"
            site = "test:middle"
            [fields]
            noise = ["div.b"]
            """,
        leaf="""
            name = "leaf"
            extends = "middle"
            site = "test:leaf"
            hosts = ["leaf.example.com"]
            [fields]
            noise = ["div.c", "div.a"]
            title = ["h1.leaf"]
            """,
    )
    return Registry.load(directory)


def test_extra_dir_profiles_load_next_to_bundled(registry):
    assert {"city_x", "sc_people", "leaf", "people", "gov_standard"} <= set(registry.profiles)


def test_extends_inherits_and_overrides_fields(registry):
    parent, child = registry.get("gov_standard"), registry.get("city_x")
    assert child.body == ("div.zw",)
    assert child.title == parent.title and child.published == parent.published
    assert child.info == parent.info
    assert child.is_article_url("http://www.cityx.gov.cn/art/123.html")
    assert not child.is_article_url("http://www.cityx.gov.cn/list/123.html")


def test_noise_is_additive_and_deduplicated(registry):
    parent, child = registry.get("people"), registry.get("people_x")
    assert "div.edit" in parent.noise
    assert child.noise == parent.noise + ("div.people-x-ad",)


def test_noise_accumulates_over_several_levels(registry):
    assert registry.get("leaf").noise == ("div.a", "div.b", "div.c")


def test_abstract_start_urls_and_sample_url_are_not_inherited(registry):
    template, leaf = registry.get("template"), registry.get("leaf")
    assert template.abstract and template.start_urls and template.sample_url
    assert not leaf.abstract
    assert leaf.start_urls == () and leaf.sample_url == ""
    assert registry.get("middle").hosts == ("template.example.com",)  # other keys are inherited
    assert leaf.hosts == ("leaf.example.com",)
    assert template not in registry.concrete() and leaf in registry.concrete()


@pytest.mark.parametrize("files,chain", [
    case("two-profiles", {"loop_a": BASE.format(name="loop_a") + 'extends = "loop_b"\n',
                          "loop_b": BASE.format(name="loop_b") + 'extends = "loop_a"\n'}, "loop_a -> loop_b -> loop_a"),
    case("self", {"loop_self": BASE.format(name="loop_self") + 'extends = "loop_self"\n'}, "loop_self -> loop_self"),
])
def test_inheritance_loop_raises(tmp_path, files, chain):
    write_profiles(tmp_path, **files)
    with pytest.raises(ValueError, match="inheritance loop") as raised:
        Registry.load(tmp_path)
    assert chain in str(raised.value)


@pytest.mark.parametrize("text,key", [
    case("top-level", BASE.format(name="typo") + 'host = ["typo.example.com"]\n', "host"),
    case("in-fields", BASE.format(name="typo") + '[fields]\nbdy = ["div.x"]\n', "bdy"),
])
def test_unknown_keys_raise(tmp_path, text, key):
    write_profiles(tmp_path, typo=text)
    with pytest.raises(ValueError, match=f"unknown keys.*'{key}'"):
        Registry.load(tmp_path)


@pytest.mark.parametrize("url,names", [
    case("most-specific-first", "http://sc.people.com.cn/n2/2024/0309/c345509-40769110.html", ["sc_people", "people"]),
    case("sub-subdomain", "http://www.sc.people.com.cn/x.html", ["sc_people", "people"]),
    case("other-channel", "http://finance.people.com.cn/n1/2024/0510/c1004-40232587.html", ["people"]),
    case("bare-host", "http://people.com.cn/", ["people"]),
    case("upper-case-host", "http://WWW.CITYX.GOV.CN/art/1.html", ["city_x"]),
    case("suffix-is-not-subdomain", "http://notpeople.com.cn/a.html", []),
    case("abstract-not-served", "http://shelved.example.com/1.html", []),
    case("inherited-hosts-served", "http://template.example.com/1.html", ["middle"]),
    case("unknown-host", "http://www.example.org/", []),
])
def test_for_url(registry, url, names):
    assert [p.name for p in registry.for_url(url)] == names


# --- crawler.extract.page ---------------------------------------------------------

URL = "http://www.example.com/a/b/1.html"


def load(markup, url=URL):
    return Page.load(markup.encode("utf-8"), url)


@pytest.mark.parametrize("body,reason", [
    case("no-bytes", b"", "empty"),
    case("whitespace", b"  \n\t ", "empty"),
    case("png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 300, "binary"),
    case("plain-text", "纯文本没有标记".encode("utf-8"), "not_html"),
])
def test_not_article_reasons(body, reason):
    with pytest.raises(NotArticle) as raised:
        Page.load(body, URL)
    assert raised.value.reason == reason


def test_page_load_reports_encoding():
    page = Page.load('<html><head><meta charset="gb2312"></head><body>朱镕基</body></html>'.encode("gbk"), URL)
    assert page.encoding == "gb18030"
    assert "朱镕基" in page.text


@pytest.mark.parametrize("head,expected", [
    case("relative", '<link rel="canonical" href="/c/2.html">', "http://www.example.com/c/2.html"),
    case("absolute-mixed-case-rel", '<link rel="Canonical" href="https://m.example.com/x">', "https://m.example.com/x"),
    case("blank-href", '<link rel="stylesheet" href="/s.css"><link rel="canonical" href="  ">', URL),
    case("none", "", URL),
])
def test_canonical_url(head, expected):
    assert load(f"<html><head>{head}</head><body>x</body></html>").canonical_url() == expected


@pytest.mark.parametrize("head,expected", [
    case("underscore-site", "<title>全会召开推进改革工作_某某网</title>", "全会召开推进改革工作"),
    case("double-dash-site", "<title>全会召开推进改革工作--人民网</title>", "全会召开推进改革工作"),
    case("pipe-site", "<title>全会召开推进改革工作 | 新京报</title>", "全会召开推进改革工作"),
    case("short-section-first", "<title>新闻_全会召开推进改革工作_某某网</title>", "全会召开推进改革工作"),
    case("date-dash-not-split", "<title>2024-03-09 某某活动</title>", "2024-03-09 某某活动"),
    case("og-title-first", '<meta property="og:title" content="OG标题在这里啊"><title>别的标题很长_网</title>',
         "OG标题在这里啊"),
    case("article-title-meta", '<meta name="ArticleTitle" content="文章标题在这里"><title>别的标题很长_网</title>',
         "文章标题在这里"),
    case("article-title-meta-with-markup",
         '<meta name="ArticleTitle" content="新区建设提速<div>——写在项目开工之际</div>"><title>别的标题很长_网</title>',
         "新区建设提速——写在项目开工之际"),
    case("subtitle-dash-kept", "<title>新区建设提速——写在项目开工之际_某某市人民政府</title>", "新区建设提速——写在项目开工之际"),
    case("lone-em-dash-site", "<title>新区建设提速—某某网</title>", "新区建设提速"),
    case("no-title", "", None),
])
def test_title_from_head(head, expected):
    assert load(f"<html><head>{head}</head><body>x</body></html>").title_from_head() == expected


@pytest.mark.parametrize("title,body,expected", [
    case("404-not-found", "404 Not Found", "页面不存在", True),
    case("page-missing", "页面不存在_某某网", "x", True),
    case("error-cn", "出错了", "", True),
    case("mixed", "Error 404 - 找不到页面", "返回首页", True),
    case("article", "全会召开推进改革工作", "x", False),
    case("long-body-wins", "404", "正文" * 1500, False),
    case("no-title", "", "", False),
    pytest.param("关于调整404路公交车运营线路的通知_某某市交通运输局", "根据工作安排，404路公交车运营线路调整如下。", False,
                 id="bus-route-404"),
])
def test_looks_like_error_page(title, body, expected):
    page = load(f"<html><head><title>{title}</title></head><body><p>{body}</p></body></html>")
    assert page.looks_like_error_page() is expected


@pytest.mark.parametrize("content,expected", [
    case("markup-taken-out", "新区建设提速<div>——写在项目开工之际</div>", "新区建设提速——写在项目开工之际"),
    case("angle-quotes-are-text", "转载自<<某某日报>>", "转载自<<某某日报>>"),
    case("comparison-is-text", "增速 a < b 且 c > d", "增速 a < b 且 c > d"),
])
def test_meta_content_without_markup(content, expected):
    page = load(f'<html><head><meta name="description" content="{content}"></head><body>x</body></html>')
    assert page.meta("description") == expected
