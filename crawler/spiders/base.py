"""What every spider shares: hand each page to the extractor, follow the right links."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from functools import cached_property
from typing import Any, AsyncIterator, ClassVar, Iterable
from urllib.parse import urlsplit

import scrapy
from scrapy.exceptions import UsageError
from scrapy.http import Response, TextResponse
from scrapy.linkextractors import LinkExtractor

from ..dedup.runtime import url_emitted
from ..dedup.urls import url_key
from ..extract import ExtractOptions, NotArticle, Registry, SiteProfile
from ..extract.pool import ExtractionFailed, ExtractionPool
from ..extract.profiles import host_of, on_hosts, split_host
from ..incremental import (REVALIDATE, PublishedDates, Window, document_body, document_kind, feed_entries,
                           is_next_page, link_date, link_dates, new_links, parse_since, sitemap_entries)
from ..resume import RESCHEDULED
from .pages import MultiPage, later_page_of

# Arguments that are not the spider's own but are still legitimate: Spider.__init__ takes
# `name`; Scrapy 2.19 still reads these spider attributes (crawler.py for download_delay and
# max_concurrent_requests, the downloader middlewares for the rest), with its own
# deprecation warning. Names starting with "_" belong to schedulers (Scrapyd passes _job
# and _version).
SCRAPY_ARGUMENTS = frozenset({
    "name", "download_delay", "max_concurrent_requests", "user_agent", "download_timeout",
    "download_maxsize", "download_warnsize", "http_user", "http_pass", "http_auth_domain",
})


class ArticleSpider(MultiPage, scrapy.Spider):
    """Starts from list pages, emits articles, follows article and list links.

    Arguments: ``-a limit=N`` stops after N articles, counted after dedup: an alias of
    CLOSESPIDER_ITEMCOUNT=N (a ``-s`` on the command line wins); ``-a since=2024-05-01``
    (or ``2d``, ``12h``) neither fetches nor emits what is known to be older. Any argument
    that is neither the spider's own (`arguments`) nor Scrapy's (SCRAPY_ARGUMENTS) is a
    UsageError: a typo must not run an unbounded crawl.

    Incremental: a page's article links already emitted (the dedup store) or dated before
    `since` are not followed, and a list page none of whose article links is new is not
    paginated further. A start URL may be a feed or a sitemap (told by its content).
    """

    #: The spider's own ``-a`` arguments, each with what it does (the refusal lists them).
    arguments: ClassVar[dict[str, str]] = {"limit": "N, stop after N articles",
                                           "since": "DATE or AGE (2024-05-01, 2024-05-01T08:00, 2d, 12h), "
                                                    "skip what was published earlier"}
    profile_names: tuple[str, ...] = ()
    profiles: list[SiteProfile] = []
    link_hosts: list[str] = []
    window = Window()

    def __init__(self, *args: Any, limit: str | int | None = None, since: str | None = None, **kwargs: Any) -> None:
        # Subclasses take their own arguments by name: what reaches here is unknown or Scrapy's.
        unknown = sorted(k for k in kwargs if k not in SCRAPY_ARGUMENTS and not k.startswith("_"))
        if unknown:
            known = "; ".join(f"{k} ({what})" for k, what in self.arguments.items())
            raise UsageError(f"unknown argument{'s' * (len(unknown) > 1)} {', '.join(unknown)} for spider "
                             f"{self.name!r}; its arguments: {known}")
        super().__init__(*args, **kwargs)
        self.limit = positive_int("limit", limit) if limit is not None else None
        self.window = Window(parse_since(since) if since is not None else None)
        self._seen: dict[str, bool] = {}  # url_key -> emitted in an earlier run, looked up once a run
        self.link_extractors: dict[tuple[str, ...], LinkExtractor] = {}

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any):
        spider = super().from_crawler(crawler, *args, **kwargs)
        if spider.limit is not None:
            # Settings are still open here (Crawler.crawl freezes them after building the
            # spider); Scrapy's CloseSpider counts item_scraped, i.e. what the pipelines passed.
            crawler.settings.set("CLOSESPIDER_ITEMCOUNT", spider.limit, priority="spider")
        spider.registry = Registry.load(*crawler.settings.getlist("EXTRACT_PROFILE_DIRS"))
        spider.options = ExtractOptions(
            script=crawler.settings.get("EXTRACT_SCRIPT", "t2s"),
            max_bytes=crawler.settings.getint("EXTRACT_MAX_BYTES", 16 * 1024 * 1024),
            registry=spider.registry,
        )
        spider.extraction = ExtractionPool.from_crawler(crawler, spider.options)
        spider.setup_profiles()
        return spider

    def setup_profiles(self) -> None:
        """Choose the profiles, and from them the start URLs and allowed domains."""
        self.use_profiles([self.registry.get(name) for name in self.profile_names])

    def use_profiles(self, profiles: list[SiteProfile]) -> None:
        self.profiles = profiles
        self.use_hosts(host for p in profiles for host in p.hosts)
        self.start_urls = [url for p in profiles for url in p.start_points]

    def use_hosts(self, hosts: Iterable[str]) -> None:
        """Follow links on `hosts`, each a host or host:port. Scrapy's OffsiteMiddleware matches
        host names only (a port in allowed_domains filters every request), so allowed_domains
        gets the bare names and the ports are checked here, when links are followed."""
        self.link_hosts = sorted(set(hosts))
        self.allowed_domains = sorted({split_host(host)[0] for host in self.link_hosts})

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.start_urls:
            # Filtered like any request, so an article reached again from a list page is not re-fetched.
            yield self.start_request(url)

    def start_request(self, url: str) -> scrapy.Request:
        """A start point; list, feed and sitemap pages are revalidated through the HTTP cache."""
        return scrapy.Request(url, callback=self.parse, meta={REVALIDATE: not self.is_article_url(url)})

    def pushed_request(self, url: str) -> scrapy.Request | None:
        """The request for a start URL pushed to Redis (`<spider>:start_urls`); None refuses it."""
        return self.start_request(url)

    async def parse(self, response: Response, **kwargs: Any) -> AsyncIterator[Any]:
        body = self.document(response)
        if body is not None:
            for request in self.follow_entries(response, body):
                yield request
            return
        first = later_page_of(response) if isinstance(response, TextResponse) else None
        if first is not None and self.is_article_url(first):  # page 2 comes with page 1, never alone
            self.crawler.stats.inc_value("pages/later_page_met")
            # A later page the journal re-scheduled is how a chain lost in a kill comes back
            # (its page 1 is done): that one goes past the seen-requests filter, and page 1's
            # article, if already emitted, is still skipped by the dedup store. Met any other
            # way, page 1 is fetched once, through the filter: its own chain brings this page.
            yield response.follow(first, callback=self.parse, dont_filter=bool(response.meta.get(RESCHEDULED)))
            return
        item = await self.article_from(response)
        if item is not None and not self.window.admits(item.published_at):
            # Not emitted, and its links not followed: an old article's related links are older still.
            self.crawler.stats.inc_value("extract/skipped/older")
            self.published_dates.put(response.url, item.published_at)
            self.logger.debug("Published %s, before the window: %s", item.published_at, response.url)
            return
        if item is not None:
            for output in self.start_chain(response, item):
                yield output
        if isinstance(response, TextResponse):
            for request in self.follow_links(response, is_article=item is not None):
                yield request

    async def article_from(self, response: Response):
        stats = self.crawler.stats
        if not isinstance(response, TextResponse):
            stats.inc_value("extract/rejected/binary")
            self.logger.info("Not an article (binary: %s): %s", response.headers.get("Content-Type"), response.url)
            return None
        expected = self.expected_profile(response.url)
        try:
            article = await self.extraction.extract(response)
        except NotArticle as exc:
            stats.inc_value(f"extract/rejected/{exc.reason}")
            self.logger.debug("Not an article (%s): %s", exc, response.url)
            if expected:
                stats.inc_value(f"drift/{expected}/rejected")
            return None
        except ExtractionFailed as exc:  # an extractor bug must cost one page, never the crawl
            self.extraction_failed(response, exc)
            return None
        if expected:
            stats.inc_value(f"drift/{expected}/{'profile' if article.extractor == expected else 'fallback'}")
        article.crawled_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
        return article

    def document(self, response: Response) -> bytes | None:
        """The body of a feed or sitemap response (gunzipped), None for any other page."""
        try:
            body = document_body(response, self.crawler.settings.getint("DOWNLOAD_MAXSIZE"))
        except OSError as exc:  # a broken or oversized .gz costs this page only
            self.crawler.stats.inc_value("incremental/unreadable/gzip")
            self.logger.warning("Unreadable gzip body (%s): %s", exc, response.url)
            return None
        return body if document_kind(body) else None

    def follow_entries(self, response: Response, body: bytes) -> Iterable[scrapy.Request]:
        """The new pages a feed or sitemap names (the sitemaps an index names, revalidated),
        on the spider's hosts (the feed's own when it has none), its dates used for the window."""
        stats, kind = self.crawler.stats, document_kind(body)
        try:
            entries = feed_entries(body, response.url) if kind == "feed" else sitemap_entries(body)
        except Exception as exc:  # a malformed document costs itself, never the crawl
            stats.inc_value(f"incremental/{kind}/unreadable")
            self.logger.warning("Unreadable %s (%r): %s", kind, exc, response.url)
            return
        stats.inc_value(f"incremental/{kind}/read")
        hosts = self.link_hosts or [host_of(response.url)]
        dates = {}
        for entry in entries:
            url = response.urljoin(entry.url)
            if urlsplit(url).scheme in ("http", "https") and on_hosts(url, hosts):
                dates[url] = entry.published
            else:
                stats.inc_value(f"incremental/{kind}/offsite")
        new = self.new_links(list(dates), dates)
        index = any(entry.sitemap for entry in entries)
        for url in new:
            yield scrapy.Request(url, callback=self.parse, meta={REVALIDATE: index})

    def expected_profile(self, url: str) -> str | None:
        """The profile that should extract this URL, when it is one of its article URLs."""
        for profile in self.registry.for_url(url):
            if profile.is_article_url(url):
                return profile.name
        return None

    def is_article_url(self, url: str) -> bool:
        """Article (not list) URLs: these the dedup store may skip in an incremental crawl."""
        return any(profile.is_article_url(url) for profile in self.profiles)

    def follow_links(self, response: TextResponse, is_article: bool) -> Iterable[scrapy.Request]:
        articles = self.links_of(response, [p.pattern for profile in self.profiles for p in profile.article_urls], self.link_hosts)
        new = self.new_links(articles, link_dates(response) if self.window.since else {})
        yield from (response.follow(url, callback=self.parse) for url in new)
        if is_article:
            return
        exhausted = bool(articles) and not new  # everything it links is old: so are its next pages
        stopped, known = False, set(articles)
        for url in self.links_of(response, [p.pattern for profile in self.profiles for p in profile.list_urls], self.link_hosts):
            if url in known:
                continue
            if exhausted and is_next_page(response.url, url):
                stopped = True
                continue
            yield response.follow(url, callback=self.parse, meta={REVALIDATE: True})
        if stopped:
            self.crawler.stats.inc_value("incremental/list/stopped")

    def requests_for_links(self, response: TextResponse, patterns: list[str], hosts: list[str]) -> Iterable[scrapy.Request]:
        """Requests for the page's new article links that match `patterns`, on `hosts` (all
        hosts when empty)."""
        for url in self.new_links(self.links_of(response, patterns, hosts), {}):
            yield response.follow(url, callback=self.parse)

    def new_links(self, urls: list[str], dates: dict[str, str | None]) -> list[str]:
        """Those of article links `urls` not emitted in an earlier run and not dated (by
        `dates`, else by the URL, else as remembered) before the window; the others are counted."""
        if self.window.since is not None:
            dates = dict(dates)
            for url in urls:
                if not link_date(url, dates):
                    dates[url] = self.published_dates.get(url)
        new, older = new_links(urls, dates, self.window, self.link_seen)
        if older:
            self.crawler.stats.inc_value("incremental/links/older", len(older))
        return new

    @cached_property
    def published_dates(self) -> PublishedDates:
        """Dates of the articles earlier runs found before their window (opened when first needed)."""
        return PublishedDates.from_crawler(self.crawler)

    def link_seen(self, url: str) -> bool:
        """Emitted in an earlier run (the dedup store); counted once a run, like the seen-URL
        middleware counts what it skips."""
        key = url_key(url)
        if key not in self._seen:
            self._seen[key] = url_emitted(self.crawler, url) is not None
            if self._seen[key]:
                self.crawler.stats.inc_value("dedup/url/skipped")
        return self._seen[key]

    def links_of(self, response: TextResponse, patterns: list[str], hosts: list[str]) -> list[str]:
        """The page's link URLs that match `patterns`, on `hosts` (all hosts when empty). Not
        LinkExtractor's allow_domains: it compares the whole host:port with each domain, so a
        bare host would never match a link that names a port."""
        if not patterns:
            return []
        links = self.link_extractor(tuple(patterns)).extract_links(response)
        return [link.url for link in links if not hosts or on_hosts(link.url, hosts)]

    def link_extractor(self, patterns: tuple[str, ...]) -> LinkExtractor:
        """One LinkExtractor per pattern set (a spider has two or three), built on first use:
        it compiles its patterns, which is work to do once, not on every page."""
        if patterns not in self.link_extractors:
            self.link_extractors[patterns] = LinkExtractor(allow=patterns, unique=True)
        return self.link_extractors[patterns]


def positive_int(name: str, value: str | int) -> int:
    """A spider argument that must be a whole number above 0, or a UsageError naming it."""
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise UsageError(f"{name} must be a whole number above 0, not {value!r}")
    return number


ARTICLE_LIKE = re.compile(
    r"/(?:19|20)\d{2}[-/]?\d{2}[-/]?\d{2}/|/t\d{8}_\d+|/art_\d+_\d+|[/_-]\d{5,}(?:\.s?html?)?$|/(?:c|content|doc|detail|article)[_/-]"
)
