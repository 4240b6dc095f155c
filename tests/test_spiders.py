"""Each spider run as a user runs it, `scrapy crawl NAME -O out.jsonl`, through the
fixture proxy on 127.0.0.1 that answers the sites' real URLs from fixtures/."""
import json
import re

import pytest
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from crawler.spiders.people import PeopleSpider
from tests.conftest import fixture_pages, fixture_urls, run_scrapy

CRAWLS = {
    "people": (["people"], "people"),
    "netease": (["netease"], "netease"),
    "ziyang": (["municipal", "-a", "site=ziyang"], "ziyang"),
    "mianyang": (["municipal", "-a", "site=mianyang"], "mianyang"),
}


def _crawl(args, proxy, tmp_path, *extra):
    out = tmp_path / "out.jsonl"
    result = run_scrapy(["crawl", *args, "-O", str(out), "-s", "AUTOTHROTTLE_ENABLED=False",
                         "-s", f"DEDUP_STORE_PATH={tmp_path / 'dedup.sqlite'}", *extra],
                        env_extra=proxy.proxy_env())
    assert result.returncode == 0, result.stderr[-3000:]
    raw = out.read_text("utf-8")
    return raw, [json.loads(line) for line in raw.splitlines()], result.stderr


@pytest.mark.parametrize("name", sorted(CRAWLS))
def test_crawl_emits_every_fixture_article_once(name, fixture_proxy, tmp_path):
    args, family = CRAWLS[name]
    raw, items, _ = _crawl(args, fixture_proxy, tmp_path)
    urls = [item["url"] for item in items]
    assert sorted(urls) == sorted(fixture_urls(family, "article"))
    assert not set(urls) & fixture_urls(family, "list")
    assert all(item["title"] and item["content"] and item["extractor"] != "readability" for item in items)
    assert "\\u" not in raw  # UTF-8 characters, not escapes


def test_generic_spider_runs_the_fallback(fixture_proxy, tmp_path):
    urls = fixture_urls("fallback", "article") | fixture_urls("fallback", "list")
    raw, items, stderr = _crawl(["generic", "-a", "urls=" + ",".join(sorted(urls))], fixture_proxy, tmp_path)
    assert sorted(i["url"] for i in items) == sorted(fixture_urls("fallback", "article"))
    expected = {json.loads((f / "meta.json").read_text("utf-8"))["url"]: json.loads((f / "expected.json").read_text("utf-8"))
                for f in fixture_pages("article") if f.parent.name == "fallback"}
    assert {i["url"]: i["extractor"] for i in items} == {u: e["extractor"] for u, e in expected.items()}
    assert "readability" in {i["extractor"] for i in items}  # the fallback carries the unknown sites
    assert "'extract/rejected/" in stderr  # the index page is counted, not emitted


def test_limit_bounds_the_crawl(fixture_proxy, tmp_path):
    # One download at a time: Scrapy's CloseSpider lets the requests in flight finish.
    _, items, stderr = _crawl(["people", "-a", "limit=2"], fixture_proxy, tmp_path, "-s", "CONCURRENT_REQUESTS=1")
    assert 2 <= len(items) <= 3 < len(fixture_urls("people", "article"))
    assert "'finish_reason': 'closespider_itemcount'" in stderr


def test_limit_counts_articles_after_dedup(fixture_proxy, tmp_path):
    _, first, _ = _crawl(["people"], fixture_proxy, tmp_path)
    # The same store: every article was emitted before, so none comes out (skipped as a
    # known link, or dropped by the pipeline when reached anyway); none of them counts
    # towards the limit, so the crawl runs to its end.
    _, again, stderr = _crawl(["people", "-a", "limit=1"], fixture_proxy, tmp_path)
    assert again == []
    skipped = sum(int(n) for n in re.findall(r"'dedup/(?:url/skipped|dropped/url)': (\d+)", stderr))
    assert skipped >= len(first)
    assert "'finish_reason': 'finished'" in stderr


def test_stats_say_how_items_were_extracted(fixture_proxy, tmp_path):
    _, items, stderr = _crawl(["netease"], fixture_proxy, tmp_path)
    assert f"'extract/profile/netease': {len(items)}" in stderr
    assert "'extract/rejected/list_page'" in stderr
    assert "'noise/line:" in stderr


def test_generic_spider_refuses_non_http_urls(tmp_path):
    result = run_scrapy(["crawl", "generic", "-a", "urls=file:///etc/passwd", "-O", str(tmp_path / "o.jsonl")])
    assert "http(s) URLs only" in result.stderr


def test_spiders_are_listed():
    result = run_scrapy(["list"])
    assert set(result.stdout.split()) >= {"people", "netease", "municipal", "generic"}


def test_incremental_crawl_skips_articles_already_emitted(fixture_proxy, tmp_path):
    _, first, _ = _crawl(["people"], fixture_proxy, tmp_path)
    _, second, stderr = _crawl(["people"], fixture_proxy, tmp_path)  # same store, as tomorrow's run
    assert first and not second
    assert f"'dedup/url/skipped': {len(first)}" in stderr
    assert "'extract/rejected/list_page'" in stderr  # list pages are fetched again


@pytest.mark.parametrize("url", ["http://127.0.0.1:8000/a.html", "http://10.1.2.3/", "http://[::1]/x",
                                 "http://localhost/", "http://intranet.local/"])
def test_generic_spider_refuses_private_addresses(url, tmp_path):
    result = run_scrapy(["crawl", "generic", "-a", f"urls={url}", "-O", str(tmp_path / "o.jsonl")])
    assert "refuses loopback and private addresses" in result.stderr


def test_generic_spider_allows_private_addresses_when_told(tmp_path):
    from http.server import HTTPServer, SimpleHTTPRequestHandler
    import threading

    from tests.conftest import FIXTURES

    folder = FIXTURES / "fallback" / "blog_article"
    handler = lambda *a: SimpleHTTPRequestHandler(*a, directory=str(folder))  # noqa: E731
    server = HTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/page.html"
        out = tmp_path / "o.jsonl"
        result = run_scrapy(["crawl", "generic", "-a", f"urls={url}", "-O", str(out), "-s", "GENERIC_ALLOW_PRIVATE=True",
                             "-s", "ROBOTSTXT_OBEY=False", "-s", f"DEDUP_STORE_PATH={tmp_path / 'd.sqlite'}"],
                            env_extra={"no_proxy": "*", "NO_PROXY": "*"})
    finally:
        server.shutdown()
    assert result.returncode == 0, result.stderr[-2000:]
    assert [json.loads(line)["url"] for line in out.read_text("utf-8").splitlines()] == [url]


def test_link_extractors_are_built_once_per_pattern_set():
    spider = PeopleSpider.from_crawler(get_crawler(PeopleSpider))
    pages = [(json.loads((f / "meta.json").read_text("utf-8"))["url"], (f / "page.html").read_bytes())
             for f in fixture_pages() if f.parent.name == "people"]
    links = [link for _ in range(2) for url, body in pages
             for link in spider.follow_links(HtmlResponse(url, body=body), is_article=url in fixture_urls("people", "article"))]
    assert links  # the pages were followed
    assert len(spider.link_extractors) == 2  # article links; article and list links
