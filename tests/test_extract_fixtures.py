"""Every fixture page through extract(), every expected field compared (web-poet style)."""
import json
from dataclasses import asdict, fields

import pytest

from crawler.extract import NotArticle, extract
from crawler.items import Article

from tests.conftest import fixture_id, fixture_pages

ARTICLES = fixture_pages("article")
LISTS = fixture_pages("list")
# Run-dependent or derived fields that expected.json does not pin.
UNPINNED = {"crawled_at", "noise_removed", "published_at_raw", "content_html", "duplicate_of",
            "pages", "pages_missing"}  # set by the spiders when they merge a multi-page article
CASES = [
    (folder, name)
    for folder in ARTICLES
    for name in json.loads((folder / "expected.json").read_text("utf-8"))
]


def _extracted(folder, cache={}):
    if folder not in cache:
        meta = json.loads((folder / "meta.json").read_text("utf-8"))
        cache[folder] = asdict(extract((folder / "page.html").read_bytes(), meta["url"],
                                       content_type=meta.get("content_type")))
    return cache[folder]


def test_every_family_has_three_articles_and_a_list_page():
    families = {f.parent.name for f in ARTICLES}
    assert families >= {"people", "netease", "ziyang", "mianyang", "fallback"}
    for family in families:
        assert sum(f.parent.name == family for f in ARTICLES) >= 3, family
        assert any(f.parent.name == family for f in LISTS), family


@pytest.mark.parametrize("folder,name", CASES, ids=[f"{fixture_id(f)}:{n}" for f, n in CASES])
def test_field(folder, name):
    expected = json.loads((folder / "expected.json").read_text("utf-8"))
    assert _extracted(folder)[name] == expected[name]


@pytest.mark.parametrize("folder", ARTICLES, ids=fixture_id)
def test_no_unexpected_fields(folder):
    expected = json.loads((folder / "expected.json").read_text("utf-8"))
    pinned = {f.name for f in fields(Article)} - UNPINNED
    assert set(expected) == pinned


@pytest.mark.parametrize("folder", ARTICLES, ids=fixture_id)
def test_content_html_holds_only_structural_tags(folder):
    from lxml import html

    fragment = html.fragment_fromstring(_extracted(folder)["content_html"], create_parent="div")
    assert {e.tag for e in fragment.iter()} <= {"div", "p", "h3", "figure", "img", "figcaption", "table", "tr", "td"}
    assert fragment.text_content().replace("\n", "") != ""


@pytest.mark.parametrize("folder", LISTS, ids=fixture_id)
def test_list_page_is_not_an_article(folder):
    meta = json.loads((folder / "meta.json").read_text("utf-8"))
    with pytest.raises(NotArticle) as caught:
        extract((folder / "page.html").read_bytes(), meta["url"], content_type=meta.get("content_type"))
    assert caught.value.reason in {"list_page", "no_article_body"}
