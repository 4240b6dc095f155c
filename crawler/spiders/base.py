"""What every spider shares: hand each page to the extractor, follow the right links."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any, AsyncIterator, ClassVar, Iterable

import scrapy
from scrapy.exceptions import CloseSpider, UsageError
from scrapy.http import Response, TextResponse
from scrapy.linkextractors import LinkExtractor

from ..extract import ExtractOptions, NotArticle, Registry, SiteProfile
from ..extract.pool import ExtractionFailed, ExtractionPool
from ..extract.profiles import on_hosts, split_host

# Arguments that are not the spider's own but are still legitimate: Spider.__init__ takes
# `name`; Scrapy 2.19 still reads these spider attributes (crawler.py for download_delay and
# max_concurrent_requests, the downloader middlewares for the rest), with its own
# deprecation warning. Names starting with "_" belong to schedulers (Scrapyd passes _job
# and _version).
SCRAPY_ARGUMENTS = frozenset({
    "name", "download_delay", "max_concurrent_requests", "user_agent", "download_timeout",
    "download_maxsize", "download_warnsize", "http_user", "http_pass", "http_auth_domain",
})


class ArticleSpider(scrapy.Spider):
    """Starts from list pages, emits articles, follows article and list links.

    Arguments: ``-a limit=N`` stops after N articles. Any argument that is neither the
    spider's own (`arguments`) nor Scrapy's (SCRAPY_ARGUMENTS) is a UsageError: a typo
    must not run an unbounded crawl.
    """

    #: The spider's own ``-a`` arguments, each with what it does (the refusal lists them).
    arguments: ClassVar[dict[str, str]] = {"limit": "N, stop after N articles"}
    profile_names: tuple[str, ...] = ()
    profiles: list[SiteProfile] = []
    link_hosts: list[str] = []

    def __init__(self, *args: Any, limit: str | int | None = None, **kwargs: Any) -> None:
        # Subclasses take their own arguments by name: what reaches here is unknown or Scrapy's.
        unknown = sorted(k for k in kwargs if k not in SCRAPY_ARGUMENTS and not k.startswith("_"))
        if unknown:
            known = "; ".join(f"{k} ({what})" for k, what in self.arguments.items())
            raise UsageError(f"unknown argument{'s' * (len(unknown) > 1)} {', '.join(unknown)} for spider "
                             f"{self.name!r}; its arguments: {known}")
        super().__init__(*args, **kwargs)
        self.limit = positive_int("limit", limit) if limit is not None else None
        self.emitted = 0

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any):
        spider = super().from_crawler(crawler, *args, **kwargs)
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
        self.start_urls = [url for p in profiles for url in p.start_urls]

    def use_hosts(self, hosts: Iterable[str]) -> None:
        """Follow links on `hosts`, each a host or host:port. Scrapy's OffsiteMiddleware matches
        host names only (a port in allowed_domains filters every request), so allowed_domains
        gets the bare names and the ports are checked here, when links are followed."""
        self.link_hosts = sorted(set(hosts))
        self.allowed_domains = sorted({split_host(host)[0] for host in self.link_hosts})

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.start_urls:
            # Filtered like any request, so an article reached again from a list page is not re-fetched.
            yield scrapy.Request(url, callback=self.parse)

    def pushed_request(self, url: str) -> scrapy.Request | None:
        """The request for a start URL pushed to Redis (`<spider>:start_urls`); None refuses it."""
        return scrapy.Request(url, callback=self.parse)

    async def parse(self, response: Response, **kwargs: Any) -> AsyncIterator[Any]:
        if self.limit is not None and self.emitted >= self.limit:
            return  # responses still in flight when the limit was reached
        item = await self.article_from(response)
        if item is not None:
            yield item
        if self.limit is not None and self.emitted >= self.limit:
            raise CloseSpider("limit")
        if isinstance(response, TextResponse):
            for request in self.follow_links(response, is_article=item is not None):
                yield request

    async def article_from(self, response: Response):
        stats = self.crawler.stats
        if not isinstance(response, TextResponse):
            stats.inc_value("extract/rejected/binary")
            self.logger.info("Not an article (binary: %s): %s", response.headers.get("Content-Type"), response.url)
            return None
        content_type = response.headers.get("Content-Type", b"").decode("latin-1") or None
        expected = self.expected_profile(response.url)
        try:
            article = await self.extraction.extract(response.body, response.url, content_type)
        except NotArticle as exc:
            stats.inc_value(f"extract/rejected/{exc.reason}")
            self.logger.debug("Not an article (%s): %s", exc, response.url)
            if expected:
                stats.inc_value(f"drift/{expected}/rejected")
            return None
        except ExtractionFailed as exc:  # an extractor bug must cost one page, never the crawl
            stats.inc_value(f"extract/error/{exc.kind}")
            self.logger.error("Extraction failed on %s: %s", response.url, exc.detail)
            return None
        if self.limit is not None and self.emitted >= self.limit:
            return None  # the limit was reached while a worker extracted this page
        if expected:
            stats.inc_value(f"drift/{expected}/{'profile' if article.extractor == expected else 'fallback'}")
        article.crawled_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
        self.emitted += 1
        return article

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
        patterns = [p.pattern for profile in self.profiles for p in profile.article_urls]
        if not is_article:
            patterns += [p.pattern for profile in self.profiles for p in profile.list_urls]
        if patterns:
            yield from self.requests_for_links(response, patterns, self.link_hosts)

    def requests_for_links(self, response: TextResponse, patterns: list[str], hosts: list[str]) -> Iterable[scrapy.Request]:
        """The page's links that match `patterns`, on `hosts` (all hosts when empty). Not
        LinkExtractor's allow_domains: it compares the whole host:port with each domain, so
        a bare host would never match a link that names a port."""
        for link in LinkExtractor(allow=patterns, unique=True).extract_links(response):
            if not hosts or on_hosts(link.url, hosts):
                yield response.follow(link.url, callback=self.parse)


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
