"""Source, author, editor and time read off whole pages of sites no profile knows.

Replica pages of our own (every name invented), one shape each: where the page prints the
value, and what it glues on or hides, as Chinese news templates do."""
import json

import pytest

from crawler.extract import extract
from crawler.extract.engine import ExtractOptions
from crawler.extract.profiles import Registry

URL = "http://news.example.invalid/2024/0510/a1.html"
PROSE = [
    "市图书馆新馆今天正式开放，藏书一百万册，市民可以凭身份证免费借阅，馆内设有少儿阅览区和自习区。",
    "新馆位于城市中心，周边有多条公交线路经过，开放时间为每天上午九点到晚上九点，节假日照常开放。",
    "图书馆负责人表示，今后还将定期举办读书会和讲座，欢迎广大市民参加，让更多的人爱上阅读。",
]


def page(info: str = "", body: list[str] | None = None, after: str = "", head: str = "") -> bytes:
    paragraphs = "".join(f"<p>{p}</p>" for p in (body if body is not None else PROSE))
    return (f"<html><head><meta charset='utf-8'><title>市图书馆新馆开放_某某新闻网</title>{head}</head><body>"
            f"<div class='nav'><a href='/'>首页</a> <a href='/a'>要闻</a></div>"
            f"<h1>市图书馆新馆开放</h1><div class='meta'>{info}</div>"
            f"<div class='article'>{paragraphs}</div>{after}</body></html>").encode()


def test_dateline_names_the_author_and_the_lead_stays_in_the_body():
    lead = "本报讯（记者林小川 通讯员苏禾）" + PROSE[0]
    article = extract(page("2024-05-10 08:31", [lead, *PROSE[1:]]), URL)
    assert article.author == "林小川、苏禾"
    assert article.content.splitlines()[0] == lead


def test_byline_line_leaves_the_body_and_fills_the_author():
    article = extract(page("2024-05-10 08:31", ["□ 本报记者 林小川 苏禾", *PROSE]), URL)
    assert article.author == "林小川、苏禾"
    assert "本报记者" not in article.content


def test_names_closing_the_last_paragraph():
    article = extract(page("2024-05-10 08:31", [*PROSE[:-1], PROSE[-1] + "（林小川 苏禾）"]), URL)
    assert article.author == "林小川、苏禾"
    assert article.content.endswith("（林小川 苏禾）")  # printed inside the paragraph: kept there


def test_footer_box_gives_source_and_editor():
    after = "<div class='box'><ul><li>来源：某某晚报 时间：2024-05-10 08:31</li><li>编辑：林小川</li></ul></div>"
    article = extract(page("2024-05-10 08:31", after=after), URL)
    assert (article.source, article.editor) == ("某某晚报", "林小川")


def test_responsible_editor_beats_a_column_credit_on_an_unknown_site():
    body = [*PROSE, "编辑 周一 ｜ 排版 周二"]
    after = "<p class='foot'>[责任编辑：林小川 PX101]</p>"
    article = extract(page("2024-05-10 08:31", body, after), URL)
    assert article.editor == "林小川"
    assert "排版" not in article.content


@pytest.mark.parametrize("info,expected", [
    ("<span class='a_source'>某某周刊</span><span class='a_time'>2024-05-10 08:31</span>", "某某周刊"),
    ("<span class='date'>2024年05月10日 08:31</span> <a class='source' href='/'>某某日报</a>", "某某日报"),
    ("<span>2024-05-10 08:31　　某某网</span>", "某某网"),
    ("<span>来源：某某网</span><a href='#c'>参与互动</a> <span>2024-05-10 08:31</span>", "某某网"),
    ("<span>来源:<a href='/'>某某区</a></span><span class='author'>选稿：林小川</span> 2024-05-10 08:31", "某某区"),
], ids=["classed-span", "classed-link", "unlabelled-after-date", "comment-link-glued", "editor-glued"])
def test_source_in_the_header(info, expected):
    assert extract(page(info), URL).source == expected


def test_selecting_editor_in_the_header():
    info = "<span class='source'>来源:<a href='/'>某某区</a></span><span class='author'>选稿：林小川</span> 2024-05-10"
    article = extract(page(info), URL)
    assert (article.editor, article.author) == ("林小川", None)


def test_hidden_copy_of_the_info_line_is_not_read():
    info = ("<div style='display:none'><span id='author_baidu'>作者：周一</span>"
            "<span>责任编辑：周一</span></div><span>2024-05-10 08:31 来源：某某网</span>")
    article = extract(page(info, [*PROSE, "(作者：林小川某某理工大学材料学院教授)"]), URL)
    assert article.author == "林小川"
    assert article.source == "某某网"


@pytest.mark.parametrize("head,expected", [
    ("<meta name='author' content='林小川'>", "林小川"),
    ("<meta property='article:author' content='某某经济新闻'>", None),    # the outlet, not a person
    ("<meta name='author' content='某某新闻网'>", None),                  # the site itself
    ("<meta name='author' content='chinanews'>", None),
    ("<meta name='author' content='12345'>", None),
    ("<script type='application/ld+json'>" + json.dumps({"@type": "NewsArticle", "author": [
        {"@type": "Person", "name": "林小川"}, {"@type": "Person", "name": "苏禾"}]}) + "</script>", "林小川"),
], ids=["meta-person", "meta-outlet", "meta-site", "meta-latin-site-id", "meta-numeric-id", "json-ld"])
def test_author_only_in_metadata(head, expected):
    assert extract(page("2024-05-10 08:31", head=head), URL).author == expected


def test_json_ld_author_with_a_source_in_the_header():
    head = "<script type='application/ld+json'>{\"author\": {\"name\": \"苏禾\"}}</script>"
    article = extract(page("2024-05-10 08:31 来源：某某网", head=head), URL)
    assert (article.author, article.source) == ("苏禾", "某某网")


COMMENTS = ("<div class='comments'><p>网友甲 2024-05-12 21:05</p><p>说得好</p></div>"
            "<ul class='related'><li><a href='/b'>另一篇报道</a> 2024-05-11 10:00</li></ul>")


@pytest.mark.parametrize("info,published,raw", [
    ("2024-05-10 08:31:07 来源：某某网", "2024-05-10T08:31:07+08:00", "2024-05-10 08:31:07 来源：某某网"),
    ("发布时间：2024年05月10日 08:31", "2024-05-10T08:31:00+08:00", "2024年05月10日 08:31"),
    ("2024-05-10 来源：某某网", "2024-05-10", "2024-05-10 来源：某某网"),
], ids=["time-shown", "labelled-chinese", "date-only"])
def test_published_at_is_the_pages_own_time(info, published, raw):
    """The time the header prints, to the minute with +08:00; a date only when only a date
    is shown; never a comment's or a related story's time printed further down."""
    article = extract(page(info, after=COMMENTS), URL)
    assert (article.published_at, article.published_at_raw) == (published, raw)


@pytest.mark.parametrize("info", [
    "<span>2024-05-10 08:31 来自某某省</span>",
    "<span>2024-05-10 08:31 北京</span>",
], ids=["posted-from", "bare-place"])
def test_where_it_was_posted_from_is_not_the_source(info):
    assert extract(page(info), URL).source is None


def test_hidden_time_is_not_the_pages_time():
    info = "<span class='time' style='display:none'>2024-05-09 23:59</span>"
    # A body long enough that the time after it is past the header's lines: found by its class.
    article = extract(page(info, PROSE * 4, after="<p class='pubtime'>2024-05-10 08:31</p>"), URL)
    assert article.published_at == "2024-05-10T08:31:00+08:00"


def test_a_profiles_own_label_words(tmp_path):
    """A site that prints its fields under words of its own says so in its profile."""
    (tmp_path / "cityz.toml").write_text(
        'name = "cityz"\nsite = "municipal:cityz"\nhosts = ["cityz.example.invalid"]\n'
        '[fields]\nbody = ["div.article"]\n'
        '[labels]\nsource = ["稿件提供"]\nauthor = ["主笔"]\neditor = ["值班主任"]\n', "utf-8")
    options = ExtractOptions(registry=Registry.load(tmp_path))
    info = "2024-05-10 08:31 稿件提供：某某区融媒体中心 主笔：林小川"
    body = page(info, after="<p>值班主任：苏禾</p>")
    article = extract(body, "http://cityz.example.invalid/a/1.html", options=options)
    assert (article.extractor, article.source, article.author, article.editor) == (
        "cityz", "某某区融媒体中心", "林小川", "苏禾")
    # Without the profile the words mean nothing.
    assert extract(body, URL).editor is None


# Long enough that the lines after it are past the header's reach (60 text nodes).
LONG = [f"第{n}段。{PROSE[n % 3]}" for n in range(70)]


def test_a_credit_line_after_the_article_gives_the_author_it_names_with_the_source():
    credit = "<div class='foot'><span>本文来源：某某晚报 作者：林小川 苏禾</span></div>"
    article = extract(page("2024-05-10 08:31", LONG, after=credit), URL)
    assert (article.source, article.author) == ("某某晚报", "林小川、苏禾")


def test_a_lone_author_line_after_the_article_is_not_the_articles_author():
    # Another story's card or a comment: nothing says it credits this article.
    other = "<ul class='more'><li><a href='/b.html'>公园改造完成</a></li><li>作者：林小川</li></ul>"
    article = extract(page("2024-05-10 08:31", LONG, after=other), URL)
    assert article.author is None


@pytest.mark.parametrize("info,expected", [
    # The info line names the outlet and where it reported from: it says more.
    ("2024-05-10 08:31 来源: <a href='/'>某某晚报</a>(北京)", "某某晚报(北京)"),
    # The info line names the account that reposted it: the article's line names the outlet.
    ("2024-05-10 08:31 来源: <a href='/'>林小川的号</a>", "某某晚报"),
])
def test_the_articles_own_source_line_against_the_info_lines(info, expected):
    article = extract(page(info, [*PROSE, "本文来源：某某晚报"]), URL)
    assert article.source == expected


def test_words_of_different_elements_in_an_info_line_stay_apart():
    # The platform's IP-location after an icon: '某某网' and '北京' are two words, not one source.
    info = "2024-05-10 08:31\u3000来源: <a href='/m/1'>某某网</a>\n   <img src='/ip.svg'>北京"
    article = extract(page(info), URL)
    assert article.source == "某某网"
