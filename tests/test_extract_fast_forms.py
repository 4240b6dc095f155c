"""The fast forms the extractor uses find what the plain forms they replaced found (README
*Speed*): attribute-axis XPaths for elements by attribute, lxml's tag filter for "a block
under it", the page's memo of meta tags and hidden elements, and a main block without links
pointing nowhere. Checked on every fixture page and on a page built to hit each case."""
import copy
from collections import Counter
from pathlib import Path

import pytest
from lxml import etree

from crawler.extract import dom, engine, fields
from crawler.extract.fallback import pointer_share, settle_visibility
from crawler.extract.noise import drop_elements
from crawler.extract.page import Page

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
URL = "http://news.example.invalid/2024/0510/a1.html"
PROSE = "市图书馆新馆今天正式开放，藏书一百万册，市民可以凭身份证免费借阅。"
# Every case at least once: styled and hidden elements (nested, both attributes on one),
# author and date markup, layout and data rows, blocks under inline elements.
BUILT = f"""<html><head><meta charset="utf-8"><title>新馆开放_某某网</title></head><body>
<div style="color:red" hidden><span style="display:none">甲</span></div>
<p style="text-align:center">乙<b>丙<br>丁</b></p>
<a rel="author" href="/u/1">林小川</a><span itemprop="author">苏禾</span><a rel="nofollow">戊</a>
<span class="pubdate">2024-05-10</span><em id="time1">09:57</em><b class="update-time x">很长的一行，超过了六十个字符的限制，所以它不算日期元素，因为日期元素的文字都很短，这里还要再写一些字，凑够六十个字符以上才行</b>
<table><tr><td>名称</td><td>数量</td></tr><tr><td><p>{PROSE}</p></td></tr><tr><td><img src="a.png"></td></tr></table>
<font>己<div>庚</div></font></body></html>"""


def pages() -> list[Page]:
    paths = sorted(FIXTURES.glob("*/*/page.html")) + sorted((FIXTURES / "labelled" / "pages").glob("*.html"))
    return [Page.load(path.read_bytes(), URL) for path in paths] + [Page.load(BUILT.encode(), URL)]


PAGES = pages()
# The forms the fast ones replaced.
PLAIN = {
    "styled": "//*[@style or @hidden]",
    "date elements": "//body//*[contains(@id, 'date') or contains(@id, 'time') or contains(@class, 'date')"
                     " or contains(@class, 'time')][string-length(normalize-space()) < 60]",
    "rel author": "//a[@rel='author']",
    "itemprop author": "//*[@itemprop='author']",
}
FAST = {
    "styled": dom.STYLED.path,
    "date elements": fields._DATE_ELEMENTS[0],
    "rel author": engine.GENERIC_AUTHOR[0],
    "itemprop author": engine.GENERIC_AUTHOR[3],
}
_HAS_BLOCK = etree.XPath("boolean(descendant::*[" + " or ".join(f"self::{t}" for t in dom._BLOCK_OR_BR) + "])")


@pytest.mark.parametrize("name", sorted(PLAIN))
def test_attribute_axis_xpaths_find_the_same_elements_in_the_same_order(name):
    found = 0
    for page in PAGES:
        fast = etree.XPath(FAST[name])(page.root)
        assert fast == etree.XPath(PLAIN[name])(page.root)
        found += len(fast)
    assert found  # the built page at least: the comparison is not of empty lists only


def test_the_built_page_exercises_each_form():
    page = PAGES[-1]
    assert [e.tag for e in dom.STYLED(page.root)] == ["div", "span", "p"]
    assert [dom.text_of(e) for e in etree.XPath(FAST["date elements"])(page.root)] == ["2024-05-10", "09:57"]
    assert [e.text for e in etree.XPath(FAST["rel author"])(page.root)] == ["林小川"]


def test_a_block_under_an_element_is_told_as_the_xpath_told_it():
    elements = [e for page in PAGES for e in page.root.iter() if isinstance(e.tag, str)]
    assert [dom._has_block(e) for e in elements] == [_HAS_BLOCK(e) for e in elements]
    rows = [row for page in PAGES for row in page.root.iter("tr")]
    plain = [any(row.find(f".//{tag}") is not None for tag in ("table", "p", "div", "img", "br")) for row in rows]
    assert [dom.is_layout_row(row) for row in rows] == plain
    assert True in plain and False in plain


def test_hidden_is_read_from_the_page_set_and_forgotten_when_the_tree_changes():
    page = Page.load(BUILT.encode(), URL)
    inner = page.root.xpath("//span[@style]")[0]
    visible = page.root.xpath("//p")[0]
    hiding = fields.hidden_elements(page)
    assert fields.hidden(inner, hiding) and fields.hidden(inner.getparent(), hiding)
    assert not fields.hidden(visible, hiding) and not fields.hidden(None, hiding)
    settle_visibility(page.root)
    page.edited()
    assert fields.hidden_elements(page) == frozenset()  # the hidden div is gone, and so is the memo


def test_meta_tags_are_read_again_after_readability_drops_hidden_elements():
    # visibility:hidden !important survives settle_visibility, and readability drops it from
    # the page's own tree: a meta tag inside is then gone for every later reader.
    body = "".join(f"<p>{PROSE}</p>" for _ in range(4))
    page = Page.load((f"<html><head><title>新馆开放</title><meta name='author' content='林小川'></head><body>"
                      f"<div style='visibility:hidden !important'><meta itemprop='source' content='某某网'></div>"
                      f"<div>{body}</div></body></html>").encode(), URL)
    settle_visibility(page.root)
    page.edited()
    assert page.meta("source") == "某某网" and page.meta("AUTHOR") == "林小川"
    assert engine._readability_pick(page) is not None
    assert page.meta("source") is None and page.meta("author") == "林小川"


def test_a_main_block_without_links_points_nowhere_as_the_long_way_finds():
    for page in PAGES:
        for block in page.root.iter("div", "td", "article"):
            if next(block.iter("a"), None) is not None:
                continue
            container = copy.deepcopy(block)
            drop_elements(container, engine.GLOBAL_NOISE, Counter())
            assert engine._pointing(block, URL) == pointer_share(dom.blocks_of(container, URL)) == 0.0


def test_a_title_class_is_a_whole_class_or_id_value():
    article = (f"<html><head><title>新馆今天正式开放_某某网</title></head><body><div class='nav'>首页</div>"
               f"<div class='bt'>新馆今天正式开放</div><div><p>{PROSE}</p></div></body></html>").encode()
    text, element = Page.load(article, URL).headline()
    assert (text, element.get("class")) == ("新馆今天正式开放", "bt")
    # "bt" inside a longer value names no title: a button bar is no headline.
    text, _ = Page.load(article.replace(b"class='bt'", b"class='btn-bar'"), URL).headline()
    assert text is None
