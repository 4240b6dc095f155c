import json
import random
import sqlite3
import time

import pytest
from scrapy import Request, Spider, signals
from scrapy.exceptions import DropItem, IgnoreRequest, NotConfigured
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from benchmarks.dedup import TEMPLATED_REPOSTS
from benchmarks.templated import TEMPLATES, documents
from crawler.dedup import pipeline as pipeline_module
from crawler.dedup.fingerprint import precompute
from crawler.dedup.middleware import SeenUrlMiddleware
from crawler.dedup.pipeline import DedupPipeline
from crawler.dedup.runtime import DedupStoreExtension, url_emitted
from crawler.dedup.urls import seen_since
from crawler.items import Article
from tests.test_dedup_fingerprint import ARTICLE, OTHER


def dedup_crawler(tmp_path, **settings):
    """A crawler with the dedup store extension (the project's EXTENSIONS has it)."""
    return get_crawler(Spider, {"DEDUP_STORE_PATH": str(tmp_path / "d.sqlite"),
                                "EXTENSIONS": {DedupStoreExtension: 0}, **settings})


def _pipeline(tmp_path, **settings):
    crawler = dedup_crawler(tmp_path, **settings)
    return build_from_crawler(DedupPipeline, crawler), crawler.stats


def _article(url, content, canonical=None, title="t"):
    return Article(url=url, canonical_url=canonical or url, site="people", title=title, content=content,
                   content_html="", extractor="people")


def test_drops_by_url_text_and_near_text(tmp_path):
    pipeline, stats = _pipeline(tmp_path)
    pipeline.process_item(_article("http://a.cn/1.html", ARTICLE))
    with pytest.raises(DropItem, match="url"):
        pipeline.process_item(_article("https://a.cn/1.html?spm=9", OTHER))
    with pytest.raises(DropItem, match="exact"):
        pipeline.process_item(_article("http://b.cn/2.html", ARTICLE + "。"))
    with pytest.raises(DropItem, match="near"):
        pipeline.process_item(_article("http://c.cn/3.html", "產業(yè)" + ARTICLE[5:] + "相关推荐"))
    pipeline.process_item(_article("http://d.cn/4.html", OTHER))
    assert stats.get_value("dedup/new") == 2
    assert [stats.get_value(f"dedup/dropped/{r}") for r in ("url", "exact", "near")] == [1, 1, 1]


def test_keep_mode_marks_the_duplicate(tmp_path):
    pipeline, stats = _pipeline(tmp_path, DEDUP_KEEP_DUPLICATES=True)
    pipeline.process_item(_article("http://a.cn/1.html", ARTICLE))
    kept = pipeline.process_item(_article("http://b.cn/2.html", ARTICLE))
    assert kept.duplicate_of == "http://a.cn/1.html"
    assert stats.get_value("dedup/kept/exact") == 1


def test_store_persists_once_the_feed_closes(tmp_path):
    first, _ = _pipeline(tmp_path)
    first.process_item(_article("http://a.cn/1.html", ARTICLE))
    first.commit()
    second, _ = _pipeline(tmp_path)
    with pytest.raises(DropItem):
        second.process_item(_article("http://a.cn/1.html", ARTICLE))


def test_a_killed_run_is_settled_against_its_feed(tmp_path):
    feed = tmp_path / "out.jsonl"
    first, _ = _pipeline(tmp_path)
    first.process_item(_article("http://a.cn/1.html", ARTICLE))  # reached the feed
    first.process_item(_article("http://b.cn/2.html", OTHER))    # lost with the kill
    feed.write_text(json.dumps({"url": "http://a.cn/1.html"}) + "\n" + '{"url": "http://b.cn/2', "utf-8")
    second, _ = _pipeline(tmp_path, FEEDS={str(feed): {"format": "jsonlines"}})
    with pytest.raises(DropItem):
        second.process_item(_article("http://a.cn/1.html", ARTICLE))
    assert second.process_item(_article("http://b.cn/2.html", OTHER))  # not in the feed: emitted again


@pytest.mark.parametrize("kind", list(TEMPLATES), ids=[make.__name__ for make in TEMPLATES.values()])
def test_templated_documents_are_new_and_their_reposts_are_not(kind, tmp_path):
    """30 documents of one template (other parties, codes, amounts, dates, 文号) are near
    each other by text, yet each is new; copies of them with a dateline of their own, light
    edits, a cut tail or platform noise are still found, each as a copy of its own original."""
    pipeline, stats = _pipeline(tmp_path, DEDUP_KEEP_DUPLICATES=True)
    texts = documents(per_template=30)[kind]
    for i, text in enumerate(texts):
        title, _, content = text.partition("\n")
        assert pipeline.process_item(_article(f"http://gov.cn/{i}.html", content, title=title)).duplicate_of is None
    assert stats.get_value("dedup/new") == 30
    assert stats.get_value("dedup/distinct/identifiers") == 29  # each was near an earlier one
    rng = random.Random(3)
    for i, text in enumerate(texts):
        content = text.partition("\n")[2]
        for name, repost in TEMPLATED_REPOSTS.items():
            item = pipeline.process_item(_article(f"http://other.cn/{name}/{i}.html", repost(content, rng)))
            assert item.duplicate_of == f"http://gov.cn/{i}.html", name
    assert stats.get_value("dedup/kept/near") == 30 * len(TEMPLATED_REPOSTS)
def test_the_feeds_are_read_back_only_when_a_killed_run_left_pending_rows(tmp_path, monkeypatch):
    read = []
    monkeypatch.setattr(pipeline_module, "urls_in_every_feed", lambda feeds: read.append(feeds) or set())
    feeds = {str(tmp_path / "out.jsonl"): {"format": "jsonlines"}}
    clean, _ = _pipeline(tmp_path, FEEDS=feeds)
    assert read == []  # an empty store: nothing to settle
    clean.process_item(_article("http://a.cn/1.html", ARTICLE))  # pending: then killed
    clean.store.close()
    _pipeline(tmp_path, FEEDS=feeds)
    assert len(read) == 1


def test_one_store_shared_by_middleware_and_pipeline_and_closed_when_the_engine_stops(tmp_path):
    crawler = dedup_crawler(tmp_path)
    dedup = crawler.get_extension(DedupStoreExtension)
    store = dedup.store
    pipeline = build_from_crawler(DedupPipeline, crawler)
    assert pipeline.dedup is dedup and pipeline.store is store
    assert build_from_crawler(SeenUrlMiddleware, crawler).dedup is dedup  # one store, one TTL rule
    store.url_seen("//a.cn/1.html")  # open
    crawler.signals.send_catch_log(signals.engine_stopped)
    with pytest.raises(sqlite3.ProgrammingError, match="closed"):
        store.url_seen("//a.cn/1.html")


def test_without_the_extension_dedup_is_not_configured(tmp_path):
    crawler = get_crawler(Spider, {"DEDUP_STORE_PATH": str(tmp_path / "d.sqlite")})
    with pytest.raises(NotConfigured, match="DedupStoreExtension"):
        build_from_crawler(DedupPipeline, crawler)


@pytest.mark.parametrize("days", [0, -1])
def test_a_ttl_of_zero_or_below_means_forever_for_the_pipeline_the_middleware_and_the_spiders(tmp_path, days):
    crawler = dedup_crawler(tmp_path, DEDUP_URL_TTL_DAYS=days)
    pipeline, middleware = build_from_crawler(DedupPipeline, crawler), build_from_crawler(SeenUrlMiddleware, crawler)
    pipeline.process_item(_article("http://a.cn/1.html", ARTICLE))
    pipeline.store.commit_pending()
    with pytest.raises(DropItem, match="url"):
        pipeline.process_item(_article("http://a.cn/1.html", OTHER))
    crawler.spider = Spider("s")
    crawler.spider.is_article_url = lambda url: True
    with pytest.raises(IgnoreRequest, match="already emitted"):
        middleware.process_request(Request("https://a.cn/1.html"))
    assert url_emitted(crawler, "https://a.cn/1.html") == "http://a.cn/1.html"  # the spiders' link lookup


def test_a_positive_ttl_counts_back_from_now():
    assert seen_since(1) == pytest.approx(time.time() - 86400, abs=60)


def test_a_fingerprint_taken_where_the_article_was_extracted_is_used_only_while_its_texts_stand(tmp_path, monkeypatch):
    """The pool's workers fingerprint each article (precompute); the pipeline takes that one
    unless the content or title changed since (a multi-page article's pages are joined after
    extraction), when it fingerprints the item as it is."""
    pipeline, _ = _pipeline(tmp_path)
    first, edited = _article("http://a.cn/1.html", ARTICLE), _article("http://b.cn/2.html", ARTICLE)
    for article in (first, edited):
        precompute(article)
    edited.content = OTHER  # joined with another page after extraction
    computed = []
    real_of = pipeline_module.Fingerprint.of.__func__

    def counting_of(cls, text, title=""):
        computed.append(text)
        return real_of(cls, text, title)
    monkeypatch.setattr(pipeline_module.Fingerprint, "of", classmethod(counting_of))
    pipeline.process_item(first)
    pipeline.process_item(edited)  # OTHER is not ARTICLE: new, as its own fingerprint says
    assert computed == [OTHER]
