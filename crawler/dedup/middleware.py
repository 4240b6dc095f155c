"""Skip article URLs that an earlier run already emitted (an incremental crawl)."""
from __future__ import annotations

from scrapy import Request
from scrapy.exceptions import IgnoreRequest, NotConfigured

from .runtime import DedupStoreExtension, dedup_for
from .urls import url_key


class SeenUrlMiddleware:
    """Downloader middleware: an article URL emitted less than DEDUP_URL_TTL_DAYS ago is not
    fetched again. List pages are always fetched: they are where new articles appear."""

    def __init__(self, crawler, dedup: DedupStoreExtension) -> None:
        self.crawler = crawler
        self.dedup = dedup

    @classmethod
    def from_crawler(cls, crawler) -> "SeenUrlMiddleware":
        if not crawler.settings.getbool("DEDUP_ENABLED", True):
            raise NotConfigured
        return cls(crawler, dedup_for(crawler))

    def process_request(self, request: Request) -> None:
        # Scrapy 2.19 no longer passes the spider: it is the crawler's.
        is_article = getattr(self.crawler.spider, "is_article_url", None)
        if request.meta.get("dont_dedup") or is_article is None or not is_article(request.url):
            return None
        earlier = self.dedup.emitted(url_key(request.url))
        if earlier:
            self.crawler.stats.inc_value("dedup/url/skipped")
            raise IgnoreRequest(f"already emitted as {earlier}")
        return None
