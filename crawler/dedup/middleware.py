"""Skip article URLs that an earlier run already emitted (an incremental crawl)."""
from __future__ import annotations

import time

from scrapy import Request
from scrapy.exceptions import IgnoreRequest, NotConfigured

from .runtime import store_for
from .urls import url_key


class SeenUrlMiddleware:
    """Downloader middleware: an article URL emitted less than DEDUP_URL_TTL_DAYS ago is not
    fetched again. List pages are always fetched: they are where new articles appear."""

    def __init__(self, crawler, store, ttl_seconds: float | None) -> None:
        self.crawler = crawler
        self.store = store
        self.ttl = ttl_seconds

    @classmethod
    def from_crawler(cls, crawler) -> "SeenUrlMiddleware":
        if not crawler.settings.getbool("DEDUP_ENABLED", True):
            raise NotConfigured
        days = crawler.settings.getfloat("DEDUP_URL_TTL_DAYS", 30)
        return cls(crawler, store_for(crawler), days * 86400 if days > 0 else None)

    def process_request(self, request: Request) -> None:
        # Scrapy 2.19 no longer passes the spider: it is the crawler's.
        is_article = getattr(self.crawler.spider, "is_article_url", None)
        if request.meta.get("dont_dedup") or is_article is None or not is_article(request.url):
            return None
        newer_than = time.time() - self.ttl if self.ttl else None
        earlier = self.store.url_seen(url_key(request.url), newer_than)
        if earlier:
            self.crawler.stats.inc_value("dedup/url/skipped")
            raise IgnoreRequest(f"already emitted as {earlier}")
        return None
