"""Incremental crawling: the date window, feeds and sitemaps as start points, list pages
not paginated past old links, unchanged list pages revalidated with a 304.

The crawl tests are real `scrapy crawl` runs through the fixture proxy against the
growing site of testbench/growingsite.py, as it stands on one simulated day."""
from __future__ import annotations

import gzip
import json
import math
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from scrapy.exceptions import UsageError
from scrapy.http import HtmlResponse, Request, Response, XmlResponse
from scrapy.settings import Settings

from crawler.extract.dates import CHINA
from crawler.extract.profiles import ProfileError, Registry
from testbench.fixtureproxy import FixtureProxy
from testbench.growingsite import BASE, GrowingSite
from crawler.incremental import (REVALIDATE, RevalidatePolicy, Window, document_body, document_kind, feed_entries,
                                 is_next_page, link_dates, parse_since, sitemap_entries)
from tests.conftest import run_scrapy

NOW = datetime(2024, 5, 10, 12, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("value, expected", [
    ("2024-05-01", datetime(2024, 5, 1, tzinfo=CHINA)),
    ("2024-05-01T08:30", datetime(2024, 5, 1, 8, 30, tzinfo=CHINA)),
    ("2024-05-01T08:30Z", datetime(2024, 5, 1, 8, 30, tzinfo=timezone.utc)),
    ("2d", NOW - timedelta(days=2)),
    ("12h", NOW - timedelta(hours=12)),
    ("30m", NOW - timedelta(minutes=30)),
    ("1W", NOW - timedelta(weeks=1)),
])
def test_since_forms(value, expected):
    assert parse_since(value, now=NOW) == expected


@pytest.mark.parametrize("value", ["yesterday", "2x", "", "-2d", "2024-13-01", "d2"])
def test_bad_since_is_a_usage_error_naming_the_forms(value):
    with pytest.raises(UsageError, match=r"since must be .*2024-05-01.*2d, 12h"):
        parse_since(value, now=NOW)


def test_window_admits_what_may_be_inside_it():
    window = Window(datetime(2024, 5, 1, 12, 0, tzinfo=CHINA))
    assert window.admits("2024-05-01")                  # a date only: the whole day may be inside
    assert not window.admits("2024-04-30")
    assert window.admits("2024-05-01T12:30:00+08:00")
    assert not window.admits("2024-05-01T11:59:00+08:00")
    assert not window.admits("2024-05-01T03:00:00+00:00")  # 11:00 in China
    assert window.admits(None) and window.admits("not a date")  # unknown: fetched, judged by the page
    assert Window().admits("1999-01-01")


@pytest.mark.parametrize("page, link, expected", [
    ("http://a.cn/news/index.html", "http://a.cn/news/index2.html", True),
    ("http://a.cn/news/index_1.shtml", "http://a.cn/news/index_2.shtml", True),
    ("http://a.cn/list?page=1", "http://a.cn/list?page=2", True),
    ("http://a.cn/col/index.html?uid=7&pageNum=2", "http://a.cn/col/index.html?uid=7&pageNum=3", True),
    ("http://a.cn/list", "http://a.cn/list?p=2", True),
    ("http://a.cn/list?catid=12", "http://a.cn/list?catid=13", False),  # another section
    ("http://a.cn/list?catid=12&page=1", "http://a.cn/list?catid=13&page=2", False),
    ("http://a.cn/GB/1024/index.html", "http://a.cn/GB/1025/index.html", False),  # another section
    ("http://a.cn/news/index.html", "http://a.cn/sports/index.html", False),
    ("http://a.cn/news/index.html", "http://b.cn/news/index2.html", False),
])
def test_next_pages_are_told_from_other_lists(page, link, expected):
    assert is_next_page(page, link) is expected


def test_list_pages_dates_beside_links():
    html = ("<ul><li><a href='/a/1.html'>一</a><span>2024-05-02</span></li>"
            "<li><a href='/a/2.html'>二</a> 2024年5月1日 08:30</li>"
            "<li><a href='/a/3.html'>三</a><a href='/a/4.html'>四</a> 2024-04-01</li></ul>")
    response = HtmlResponse("http://a.cn/list.html", body=html.encode(), encoding="utf-8")
    assert link_dates(response) == {"http://a.cn/a/1.html": "2024-05-02", "http://a.cn/a/2.html": "2024-05-01T08:30:00+08:00"}


RSS = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
       b"<item><title>a</title><link>http://a.cn/1.html</link><pubDate>Thu, 02 May 2024 09:00:00 +0800</pubDate></item>"
       b"<item><title>b</title><link>/2.html</link></item></channel></rss>")
ATOM = (b'<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><entry><title>a</title>'
        b'<link href="http://a.cn/3.html"/><updated>2024-05-03T00:00:00Z</updated></entry></feed>')
NEWS_SITEMAP = (b'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
                b'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"><url><loc>http://a.cn/4.html</loc>'
                b"<lastmod>2024-05-09</lastmod><news:news><news:publication_date>2024-05-04T10:00:00+08:00"
                b"</news:publication_date></news:news></url><url><loc>http://a.cn/5.html</loc><lastmod>2024-05-05</lastmod></url></urlset>")
INDEX = (b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>http://a.cn/s1.xml</loc>'
         b"<lastmod>2024-04-30</lastmod></sitemap></sitemapindex>")


def test_feeds_and_sitemaps_are_read_with_their_dates():
    assert [(e.url, e.published) for e in feed_entries(RSS, "http://a.cn/rss.xml")] == [
        ("http://a.cn/1.html", "2024-05-02T01:00:00+00:00"), ("http://a.cn/2.html", None)]
    assert [(e.url, e.published) for e in feed_entries(ATOM, "http://a.cn/atom.xml")] == [
        ("http://a.cn/3.html", "2024-05-03T00:00:00+00:00")]
    # The news publication date, not the lastmod (a later edit), when the sitemap gives both.
    assert [(e.url, e.published, e.sitemap) for e in sitemap_entries(NEWS_SITEMAP)] == [
        ("http://a.cn/4.html", "2024-05-04T10:00:00+08:00", False), ("http://a.cn/5.html", "2024-05-05", False)]
    assert [(e.url, e.published, e.sitemap) for e in sitemap_entries(INDEX)] == [("http://a.cn/s1.xml", "2024-04-30", True)]


def test_feeds_and_sitemaps_are_told_by_content_not_content_type():
    assert [document_kind(body) for body in (RSS, ATOM, NEWS_SITEMAP, INDEX)] == ["feed", "feed", "sitemap", "sitemap"]
    assert document_kind(b"<!DOCTYPE html><!-- x --><html><body>rss</body></html>") is None
    assert document_kind(b"\xef\xbb\xbf<?xml version='1.0'?>\n<!-- c --><rdf:RDF xmlns:rdf='x'/>") == "feed"
    gz = Response("http://a.cn/sitemap.xml.gz", body=gzip.compress(NEWS_SITEMAP))
    assert document_kind(document_body(gz, max_size=1 << 20)) == "sitemap"


def test_only_marked_requests_are_cached_and_always_revalidated():
    policy = RevalidatePolicy(Settings())
    article, listing = Request("http://a.cn/1.html"), Request("http://a.cn/index.html", meta={REVALIDATE: True})
    assert not policy.should_cache_request(article) and policy.should_cache_request(listing)
    cached = XmlResponse("http://a.cn/index.html", body=RSS, headers={
        "Last-Modified": "Thu, 02 May 2024 01:00:00 GMT", "ETag": '"abc"', "Cache-Control": "max-age=86400",
        "Date": "Thu, 02 May 2024 01:00:00 GMT"})
    assert not policy.is_cached_response_fresh(cached, listing)  # fresh by its headers, asked again anyway
    assert listing.headers["If-None-Match"] == b'"abc"'
    assert listing.headers["If-Modified-Since"] == b"Thu, 02 May 2024 01:00:00 GMT"


def _profile(tmp_path, text: str):
    (tmp_path / "p.toml").write_text('name = "p"\nsite = "municipal:p"\nhosts = ["a.cn"]\n' + text, "utf-8")
    return lambda: Registry.load(tmp_path)


@pytest.mark.parametrize("text, message", [
    ('feeds = "http://a.cn/rss.xml"', "feeds must be a list of strings"),
    ('sitemaps = ["/sitemap.xml"]', "sitemaps '/sitemap.xml' is not an http"),
    ('feeds = ["http://b.cn/rss.xml"]', r"not an http\(s\) URL on its hosts \['a.cn'\]"),
])
def test_profile_feeds_and_sitemaps_are_checked_at_load(tmp_path, text, message):
    with pytest.raises(ProfileError, match=message):
        _profile(tmp_path, text)()


def test_profile_start_points_put_feeds_and_sitemaps_first(tmp_path):
    profile = _profile(tmp_path, 'start_urls = ["http://a.cn/"]\nfeeds = ["http://a.cn/rss.xml"]\n'
                                 'sitemaps = ["http://a.cn/sitemap.xml"]\n')().get("p")
    assert profile.start_points == ("http://a.cn/rss.xml", "http://a.cn/sitemap.xml", "http://a.cn/")


# --- real crawls ---------------------------------------------------------------------------------

@pytest.fixture
def growing(tmp_path):
    """A growing site with three days of backlog, served through its own fixture proxy."""
    site = GrowingSite(backlog_days=3)
    proxy = FixtureProxy(site).start_in_thread()
    (tmp_path / "profiles").mkdir()
    (tmp_path / "profiles" / "growing.toml").write_text(site.profile_toml(), "utf-8")
    yield site, proxy
    proxy.shutdown()


class Run:
    def __init__(self, site: GrowingSite, proxy: FixtureProxy, tmp_path, args: list[str]) -> None:
        requested, answered = len(proxy.requested), len(site.answers)
        out = tmp_path / f"day{site.day}.jsonl"
        result = run_scrapy(["crawl", *args, "-O", str(out), "-s", "AUTOTHROTTLE_ENABLED=False",
                             "-s", f"DEDUP_STORE_PATH={tmp_path / 'dedup.sqlite'}", "-s", f"HTTPCACHE_DIR={tmp_path / 'cache'}", "-s", f"INCREMENTAL_DATES_PATH={tmp_path / 'published.sqlite'}",
                             "-s", f"EXTRACT_PROFILE_DIRS={tmp_path / 'profiles'}"], env_extra=proxy.proxy_env())
        assert result.returncode == 0, result.stderr[-3000:]
        self.stderr = result.stderr
        self.urls = [json.loads(line)["url"] for line in out.read_text("utf-8").splitlines()]
        self.requested = proxy.requested[requested:]
        self.answers = site.answers[answered:]

    def stat(self, name: str) -> int:
        match = re.search(rf"'{re.escape(name)}': (\d+)", self.stderr)
        return int(match.group(1)) if match else 0


class FailsOnce:
    """A site's find(), but the first request for `url` is answered 503."""

    def __init__(self, find, url: str) -> None:
        self.find, self.url, self.failed = find, url, False

    def __call__(self, url: str):
        if url == self.url and not self.failed:
            self.failed = True
            return self
        return self.find(url)

    def serve(self, handler, send_body: bool) -> None:
        handler.send_response(503)
        handler.send_header("Content-Length", "0")
        handler.end_headers()


def _municipal(since: str) -> list[str]:
    return ["municipal", "-a", "site=growing", "-a", f"since={since}"]


def _published(site: GrowingSite, *days: int) -> set[str]:
    return {a.url for day in days for a in site.published_on(day)}


def test_bad_since_stops_the_crawl_before_it_starts(tmp_path):
    result = run_scrapy(["crawl", "people", "-a", "since=last tuesday", "-O", str(tmp_path / "o.jsonl")])
    assert result.returncode == 2
    assert "since must be" in result.stderr and "Traceback" not in result.stderr


def test_daily_runs_fetch_what_is_new(growing, tmp_path, monkeypatch):
    site, proxy = growing
    first = Run(site, proxy, tmp_path, _municipal(site.date_of(-1).isoformat()))
    # The window: days -1 and 0 only, from the lists, the feed and the news sitemap alike.
    assert sorted(first.urls) == sorted(_published(site, -1, 0))
    sections = {url.split("/")[4] if "/GB/" in url else "dated" for url in first.urls}
    assert {"tech", "economy", "society", "dated"} <= sections
    assert first.stat("incremental/links/older") > 0 and first.stat("incremental/feed/read") == 1
    # Older articles are not fetched when their URL, list, feed or sitemap dates them; only
    # culture's are (its list and URLs show no dates), and their dates are remembered.
    fetched_old = _published(site, -3, -2) & set(first.requested)
    assert fetched_old and {url.split("/")[4] for url in fetched_old} == {"culture"}
    assert first.stat("extract/skipped/older") == len(fetched_old)

    site.day = 1
    # politics' first page fails once: it must be retried, not answered by yesterday's copy.
    monkeypatch.setattr(site, "find", FailsOnce(site.find, f"{BASE}/politics/index.html"))
    second = Run(site, proxy, tmp_path, _municipal(site.date_of(0).isoformat()))
    new = _published(site, 1)
    assert sorted(second.urls) == sorted(new)  # exactly the new articles, once
    assert second.stat("retry/count") == 1 and second.stat("httpcache/errorrecovery") == 0
    assert not _published(site, -3, -2, -1, 0) & set(second.requested)  # nothing old is fetched again
    lists_changed = sum(status == 200 and not site.is_article(url) for url, status in second.answers)
    assert len(second.requested) <= 1.5 * len(new) + lists_changed
    # Page 1 of politics has new articles, page 2 only old ones: page 3 is never asked for.
    assert f"{BASE}/politics/index2.html" in second.requested and f"{BASE}/politics/index3.html" not in second.requested
    assert second.stat("incremental/list/stopped") >= 1
    # The sitemap index says April's archive has not changed since the window opened.
    assert f"{BASE}/sitemap-2024-04.xml" in first.requested and f"{BASE}/sitemap-2024-04.xml" not in second.requested
    # No notice on day 1: its list page is unchanged and costs a 304.
    assert not [a for a in site.published_on(1) if a.section.name == "notices"]
    assert (f"{BASE}/notices/index.html", 304) in second.answers

    again = Run(site, proxy, tmp_path, _municipal(site.date_of(0).isoformat()))  # nothing new since
    assert again.urls == []
    assert {status for _, status in again.answers} == {304}
    assert again.stat("httpcache/revalidate") == len(again.answers)
    assert not [url for url in again.requested if url in new]  # emitted articles are not asked for again


def test_relative_since_and_the_generic_spider_on_a_feed_and_a_sitemap(growing, tmp_path):
    site, proxy = growing
    # Hours back to just before day -1 began (China time): the window is days -1 and 0.
    opened = datetime.combine(site.date_of(-1), datetime.min.time(), CHINA)
    hours = math.ceil((datetime.now(timezone.utc) - opened).total_seconds() / 3600)
    feed, index = site.start_points()["feeds"][0], site.start_points()["sitemaps"][0]
    old_article = next(a.url for a in site.published_on(-3) if a.section.name == "society")
    run = Run(site, proxy, tmp_path, ["generic", "-a", f"urls={feed},{index},{old_article}", "-a", f"since={hours}h"])
    expected = {a.url for day in (-1, 0) for a in site.published_on(day) if a.section.start in ("feed", "sitemap")}
    assert sorted(run.urls) == sorted(expected)
    assert run.stat("incremental/feed/read") == 1 and run.stat("incremental/sitemap/read") >= 2
    # A page whose date only the page itself shows: fetched, extracted, not emitted.
    assert run.stat("extract/skipped/older") == 1


def test_state_outside_a_project_goes_under_the_working_folder(tmp_path, monkeypatch):
    """As in a Scrapyd job: the settings module is importable, but there is no scrapy.cfg."""
    from crawler.incremental import StateCacheStorage
    from crawler.state import state_path

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    assert Path(state_path("published.sqlite")) == tmp_path / ".scrapy" / "published.sqlite"
    storage = StateCacheStorage(Settings({"HTTPCACHE_DIR": "httpcache"}).frozencopy())
    assert Path(storage.cachedir) == tmp_path / ".scrapy" / "httpcache"
