"""The generic path, on pages no profile describes: article or not, the block the headline
introduces, tables, hidden bodies and media-player chrome."""
import importlib.util
import re

import pytest

from crawler.evaluation import load_labelled, rejections, score_page
from crawler.extract import NotArticle, extract
from crawler.extract.dom import Block
from crawler.extract.fallback import pointer_share
from crawler.extract.noise import matching_rule
from crawler.extract.trace import Trace
from crawler.systems import NO_PROFILES, fallback_only, ours
from tests.conftest import FIXTURES

LABELLED = FIXTURES / "labelled"
URL = "http://news.unknown-portal.test/a/2024/0510/c123456.html"


@pytest.mark.parametrize("system", [ours, fallback_only], ids=["ours", "fallback-only"])
def test_labelled_set_no_article_rejected_every_list_rejected(system):
    pages = load_labelled(LABELLED)
    assert sum(p.gold["is_article"] for p in pages) >= 40 and sum(not p.gold["is_article"] for p in pages) >= 40
    result = rejections([score_page(p, "x", system(p.path.read_bytes(), p.url)) for p in pages])
    assert result.rejected_articles == () and result.missed_lists == ()
    assert (result.precision, result.recall) == (1.0, 1.0)


def test_labelled_set_is_what_the_generator_writes():
    """The committed pages are the generator's output, not hand-tuned after the fact."""
    spec = importlib.util.spec_from_file_location("generate", LABELLED / "generate.py")
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    pages = generate.generate()
    committed = {p.path.stem for p in load_labelled(LABELLED)}
    assert set(pages) == committed
    for name, page in pages.items():
        assert (LABELLED / "pages" / f"{name}.html").read_text("utf-8") == page["html"], name


def _portal(main: str, title: str) -> bytes:
    """A portal page around `main`: nav bar, hot list sidebar and footer, all links."""
    nav = "".join(f'<li><a href="/c{i}/">频道{i}</a></li>' for i in range(20))
    hot = "".join(f'<li><a href="/a/{i}.html">今日热点新闻第{i}条标题在这里</a></li>' for i in range(15))
    return (f'<html><head><meta charset="utf-8"><title>{title}_示例新闻网</title></head><body>'
            f'<div class="nav"><ul>{nav}</ul></div><div class="wrap"><div class="main">{main}</div>'
            f'<div class="side"><h3>热点排行</h3><ul>{hot}</ul></div></div>'
            f'<div class="footer"><a href="/about">关于我们</a> 版权所有 © 2024 示例新闻网</div></body></html>').encode()


BRIEF = "5月10日上午，示例市首条环湖绿道全线贯通，全长约32公里，沿途设置驿站8处。"
LONG_STORY = "".join(f"<p>推荐阅读的长篇报道第{i}段，讲述了另一座城市的另一件事情，篇幅远比上面的短讯长得多。</p>" for i in range(12))


def test_headline_anchoring_prefers_the_brief_over_a_longer_recommended_story():
    main = (f'<div class="article"><h1>示例市环湖绿道全线贯通</h1><div class="info">2024-05-10 10:20 来源：示例日报</div>'
            f'<div class="content"><p>{BRIEF}</p></div></div>'
            f'<div class="rec"><h2><a href="/a/999.html">另一座城市的另一件事情</a></h2><div class="rec-body">{LONG_STORY}</div></div>')
    article = extract(_portal(main, "示例市环湖绿道全线贯通"), URL)
    assert article.title == "示例市环湖绿道全线贯通"
    assert article.content == BRIEF
    assert article.noise_removed.get("fallback:headline") == 1


def test_brief_on_a_link_heavy_portal_page_is_an_article():
    main = (f'<h1>示例市环湖绿道全线贯通</h1><p class="time">2024-05-10 10:20</p><div class="text"><p>{BRIEF}</p></div>'
            + "".join(f'<div class="item"><a href="/a/{i}.html">更多新闻标题第{i}条在此处显示</a></div>' for i in range(10)))
    assert extract(_portal(main, "示例市环湖绿道全线贯通"), URL).content == BRIEF


def test_headline_linking_to_the_page_itself_is_its_own():
    """A brief (under the 200 characters a page without a headline of its own needs) whose
    headline links to the page's own address with a tracking parameter."""
    main = (f'<h1><a href="https://news.unknown-portal.test/a/2024/0510/c123456.html?from=home">示例市环湖绿道全线贯通</a></h1>'
            f'<div class="text"><p>{BRIEF}</p></div>')
    assert extract(_portal(main, "示例市环湖绿道全线贯通"), URL).content == BRIEF


def test_channel_page_is_a_list_page():
    items = "".join(f'<li><a href="/a/{i}.html">示例市：新闻标题第{i}条内容在此</a><span>2024-05-{i % 28 + 1:02d}</span></li>'
                    for i in range(30))
    with pytest.raises(NotArticle) as caught:
        extract(_portal(f'<h2>本地新闻</h2><ul class="list">{items}</ul>', "本地新闻"), "http://news.unknown-portal.test/bd/")
    assert caught.value.reason == "list_page"


# A footer whose address line carries the page's only Chinese punctuation, beside its
# copyright and ICP lines (which outweigh it: what makes the box chrome).
PROSE_FOOTER = ('<div class="foot"><p>示例日报社主办 版权所有 未经书面授权不得转载</p>'
                '<p>地址：示例市人民路1号 新闻热线：0000-1234567 举报电话：0000-7654321</p>'
                '<p><a href="https://beian.miit.gov.cn/">示ICP备00000000号-1</a> 示公网安备 00000000000000号</p></div>')


def _trace_of(body: bytes, url: str) -> list[str]:
    trace = Trace()
    try:
        extract(body, url, options=NO_PROFILES, trace=trace)
    except NotArticle:
        pass
    return [n.texts[0] for n in trace.notes if n.rule == "link-density"]


def test_a_list_page_whose_only_prose_is_its_footer_is_a_list_page():
    """Teasers without sentence punctuation (a few with a colon): the footer is the densest
    prose unless the lines a noise rule claims (copyright, ICP) make its box chrome. The
    main block is then the list, far past the line."""
    items = "".join(f'<li><span>2024-05-{i % 28 + 1:02d}</span><a href="/a/{i}.html">示例市{"：" if i % 4 == 0 else ""}'
                    f'新闻标题第{i}条 内容在此</a></li>' for i in range(12))
    page = (f'<html><head><meta charset="utf-8"><title>本地新闻 - 示例新闻网</title></head><body>'
            f'<div class="crumb">您现在的位置: <a href="/">首页</a> &gt; 本地新闻</div>'
            f'<div class="box"><div class="name">本地新闻</div><ul class="list">{items}</ul></div>'
            f'{PROSE_FOOTER}</body></html>').encode()
    url = "http://news.unknown-portal.test/bd/"
    with pytest.raises(NotArticle) as caught:
        extract(page, url, options=NO_PROFILES)
    assert caught.value.reason == "list_page"
    share = int(re.match(r"(\d+)%", _trace_of(page, url)[0]).group(1))
    assert share >= 90  # far past the 50 % line, not on it


def test_a_short_brief_above_a_prose_footer_is_kept():
    main = f'<h1>示例市环湖绿道全线贯通</h1><div class="text"><p>{BRIEF}</p></div>'
    page = _portal(main, "示例市环湖绿道全线贯通").replace(b"</body>", PROSE_FOOTER.encode() + b"</body>")
    article = extract(page, URL, options=NO_PROFILES)
    assert article.content == BRIEF
    assert _trace_of(page, URL) == ["0% of the main block's text points to other pages: not a list page (the line is 50%)"]


def test_teaser_feed_points_elsewhere_and_an_article_with_links_does_not():
    feed = [Block("p", "另一篇报道的标题在这里", link_chars=11), Block("p", "这是一段导读文字，介绍那篇报道。")] * 6
    assert pointer_share(feed) > 0.9
    article = [Block("p", "据示例日报报道，示例市今年新建公园十二座，绿地面积增加三成。", link_chars=4)] * 5
    assert pointer_share(article) == 0.0


def test_table_rows_are_lines_and_table_markup_is_kept():
    main = ('<h1>示例市市场监管局行政处罚信息公开表</h1><div class="info">2024-05-10</div><table class="xzcf">'
            '<tr><td>行政相对人名称</td><td>示例贸易有限公司</td></tr>'
            '<tr><td>处罚内容</td><td>罚款人民币五千元</td></tr>'
            '<tr><td>处罚机关</td><td>示例市市场监管局</td></tr></table>')
    article = extract(_portal(main, "示例市市场监管局行政处罚信息公开表"), URL)
    assert article.content.splitlines() == ["行政相对人名称 示例贸易有限公司", "处罚内容 罚款人民币五千元", "处罚机关 示例市市场监管局"]
    assert article.content_html == ("<table><tr><td>行政相对人名称</td><td>示例贸易有限公司</td></tr>"
                                    "<tr><td>处罚内容</td><td>罚款人民币五千元</td></tr>"
                                    "<tr><td>处罚机关</td><td>示例市市场监管局</td></tr></table>")


def test_table_inside_an_article_sits_between_its_paragraphs():
    main = (f'<h1>示例市一季度经济数据发布</h1><div class="content"><p>{BRIEF}</p>'
            '<table><tr><th>指标</th><th>增幅</th></tr><tr><td>工业增加值</td><td>6.1%</td></tr></table>'
            '<p>市统计局表示，各项指标总体平稳，下一步将持续跟踪监测。</p></div>')
    article = extract(_portal(main, "示例市一季度经济数据发布"), URL)
    assert article.content.splitlines()[1:3] == ["指标 增幅", "工业增加值 6.1%"]
    assert "<table><tr><td>指标</td><td>增幅</td></tr><tr><td>工业增加值</td><td>6.1%</td></tr></table>" in article.content_html


def test_body_hidden_by_inline_style_until_scripts_run_is_an_article():
    paragraphs = "".join(f"<section><p>公众号文章第{i}段，内容在脚本运行前被隐藏，但仍是文章正文。</p></section>" for i in range(4))
    page = ('<html><head><meta charset="utf-8"><title></title><meta property="og:title" content="一篇被隐藏的公众号文章">'
            '</head><body><div id="img-content"><h1 class="rich_media_title">一篇被隐藏的公众号文章</h1>'
            f'<div class="rich_media_content" id="js_content" style="visibility: hidden;">{paragraphs}</div>'
            '</div></body></html>').encode()
    article = extract(page, "https://mp.weixin.qq.com/s/AbCdEf")
    assert article.title == "一篇被隐藏的公众号文章"
    assert len(article.content.splitlines()) == 4


@pytest.mark.parametrize("line", ["倍速", "2.0X", "0.5x 1.0x 1.25x 1.5x 2.0x", "00:00 / 03:25", "播放 暂停 全屏",
                                  "视频加载失败，错误代码：4032", "您的浏览器不支持HTML5视频播放"])
def test_media_player_chrome_lines_are_noise(line):
    assert matching_rule(line).name == "media-player"


@pytest.mark.parametrize("line", ["他以2倍速度完成了任务。", "播放量超过3000万次，成为年度热门。", "高清地图显示了全市的道路网络。"])
def test_sentences_about_video_are_kept(line):
    assert matching_rule(line) is None


def test_media_chrome_dropped_from_a_video_page():
    player = ('<div class="video-box"><span>播放</span><span>00:00 / 02:47</span><span>倍速</span>'
              '<ul><li>2.0X</li><li>1.5X</li><li>1.0X</li></ul><span>清晰度</span><span>全屏</span>'
              '<p>视频加载失败，错误代码：4032</p></div>')
    main = f'<h1>示例市环湖绿道全线贯通</h1><div class="content">{player}<p>{BRIEF}</p></div>'
    article = extract(_portal(main, "示例市环湖绿道全线贯通"), URL)
    assert article.content == BRIEF
    assert article.noise_removed["line:media-player"] >= 3


def _no_readability(monkeypatch):
    def refuse(page):
        raise AssertionError("readability-lxml ran")
    monkeypatch.setattr("crawler.extract.engine.readability_container", refuse)


PARAGRAPHS = [f"示例市第{i}项民生工程今年完工，市民出行更加便利，相关部门表示将继续推进。" for i in range(4)]


def test_readability_is_not_run_where_the_densest_block_holds_the_headlines_prose(monkeypatch):
    _no_readability(monkeypatch)
    main = (f'<div class="article"><h1>示例市民生工程完工</h1><div class="info">2024-05-10 10:20 来源：示例日报</div>'
            f'<div class="content">{"".join(f"<p>{p}</p>" for p in PARAGRAPHS)}</div></div>')
    article = extract(_portal(main, "示例市民生工程完工"), URL)
    assert article.content.splitlines() == PARAGRAPHS
    assert article.noise_removed["fallback:prose"] == 1


def test_readability_is_still_asked_where_the_two_measures_disagree(monkeypatch):
    """The brief under the headline, a longer story elsewhere: the densest block does not
    hold the headline's prose, so readability is asked (and here loses to the anchor)."""
    asked = []
    def record(page):
        asked.append(page.url)
        raise NotArticle("no_article_body", "test")
    monkeypatch.setattr("crawler.extract.engine.readability_container", record)
    main = (f'<div class="article"><h1>示例市环湖绿道全线贯通</h1><div class="content"><p>{BRIEF}</p></div></div>'
            f'<div class="rec"><h2><a href="/a/999.html">另一座城市的另一件事情</a></h2><div class="rec-body">{LONG_STORY}</div></div>')
    assert extract(_portal(main, "示例市环湖绿道全线贯通"), URL).content == BRIEF
    assert asked == [URL]


def test_a_story_split_over_sections_is_read_whole(monkeypatch):
    """Siblings of the densest block that hold a good share of its prose join it (a WeChat
    article is a run of <section>s; the first, longest, is the densest block)."""
    _no_readability(monkeypatch)
    sections = "".join(f"<section><p>{p * (4 if i == 0 else 1)}</p></section>" for i, p in enumerate(PARAGRAPHS))
    main = f'<h1>示例市民生工程完工</h1><div class="rich_media_content">{sections}</div>'
    lines = extract(_portal(main, "示例市民生工程完工"), URL).content.splitlines()
    assert [line[:20] for line in lines] == [p[:20] for p in PARAGRAPHS]


def test_the_headlines_own_box_and_links_before_the_story_are_not_the_story(monkeypatch):
    """The subtitle printed in the headline's box, and a player's title linking elsewhere
    between headline and story, are dropped from the body block; images stay."""
    _no_readability(monkeypatch)
    main = ('<div class="detail"><div class="title-box"><h1>示例市民生工程完工</h1>'
            '<p class="subtitle">去年改造道路一百二十公里</p></div>'
            '<div class="video"><a href="/v/1.html">视频：民生工程一览，全程回顾</a></div>'
            '<p><img src="/img/1.jpg"></p>'
            f'{"".join(f"<p>{p}</p>" for p in PARAGRAPHS)}</div>')
    article = extract(_portal(main, "示例市民生工程完工"), URL)
    assert article.content.splitlines() == PARAGRAPHS
    assert [image["url"] for image in article.images] == ["http://news.unknown-portal.test/img/1.jpg"]
    assert article.noise_removed["fallback:before-story"] == 1


def test_a_headline_inside_a_hidden_block_gives_way_to_the_visible_one(monkeypatch):
    _no_readability(monkeypatch)
    main = ('<div style="display:none"><h1>示例市民生工程完工</h1></div>'
            f'<h1>示例市民生工程完工</h1><div class="text">{"".join(f"<p>{p}</p>" for p in PARAGRAPHS)}</div>')
    article = extract(_portal(main, "示例市民生工程完工"), URL)
    assert article.content.splitlines() == PARAGRAPHS and article.noise_removed["fallback:prose"] == 1


def test_lines_read_from_the_tree_are_read_again_once_the_fallback_edits_it():
    """Page.memo keeps a whole-page walk for every stage that asks, until the tree changes:
    text revealed by the fallback (visibility:hidden until scripts run) is then seen."""
    from crawler.extract import fields
    from crawler.extract.fallback import settle_visibility
    from crawler.extract.page import Page

    page = Page.load('<html><body><p>页首</p><p style="visibility:hidden">责任编辑：张三</p></body></html>'.encode(), URL)
    assert fields._visible_lines(page) == ["页首"]
    assert fields._visible_lines(page) is fields._visible_lines(page)  # walked once
    settle_visibility(page.root)
    page.edited()
    assert fields._visible_lines(page) == ["页首", "责任编辑：张三"]
