"""Skip article URLs that an earlier run already emitted (an incremental crawl)."""
from __future__ import annotations

from scrapy import Request
from scrapy.exceptions import IgnoreRequest, NotConfigured

from .runtime import store_for
from .urls import seen_since, url_key


class SeenUrlMiddleware:
    """Downloader middleware: an article URL emitted less than DEDUP_URL_TTL_DAYS ago is not
    fetched again. List pages are always fetched: they are where new articles appear."""

    def __init__(self, crawler, store, ttl_days: float) -> None:
        self.crawler = crawler
        self.store = store
        self.ttl_days = ttl_days

    @classmethod
    def from_crawler(cls, crawler) -> "SeenUrlMiddleware":
        if not crawler.settings.getbool("DEDUP_ENABLED", True):
            raise NotConfigured
        return cls(crawler, store_for(crawler), crawler.settings.getfloat("DEDUP_URL_TTL_DAYS", 30))

    def process_request(self, request: Request) -> None:
        # Scrapy 2.19 no longer passes the spider: it is the crawler's.
        is_article = getattr(self.crawler.spider, "is_article_url", None)
        if request.meta.get("dont_dedup") or is_article is None or not is_article(request.url):
            return None
        earlier = self.store.url_seen(url_key(request.url), seen_since(self.ttl_days))
        if earlier:
            self.crawler.stats.inc_value("dedup/url/skipped")
            raise IgnoreRequest(f"already emitted as {earlier}")
        return None
