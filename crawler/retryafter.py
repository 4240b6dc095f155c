"""Honour Retry-After on 429 and 503: wait as long as the server asks, then retry."""
from __future__ import annotations

import asyncio
from email.utils import parsedate_to_datetime
from datetime import datetime, timezone

from scrapy import Request
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.exceptions import NotConfigured
from scrapy.http import Response


class RetryAfterMiddleware:
    """Scrapy's RetryMiddleware retries 429 at once; a server that said when to come back is
    asked again only then (up to RETRY_AFTER_MAX seconds; longer waits are not honoured
    and the response falls through to the ordinary retry logic)."""

    def __init__(self, crawler, max_wait: float) -> None:
        self.crawler = crawler
        self.max_wait = max_wait

    @classmethod
    def from_crawler(cls, crawler) -> "RetryAfterMiddleware":
        if not crawler.settings.getbool("RETRY_ENABLED", True):
            raise NotConfigured
        return cls(crawler, crawler.settings.getfloat("RETRY_AFTER_MAX", 60))

    async def process_response(self, request: Request, response: Response):
        if response.status not in (429, 503) or request.meta.get("dont_retry"):
            return response
        wait = retry_after_seconds(response.headers.get("Retry-After", b"").decode("latin-1"))
        if wait is None or wait > self.max_wait:
            return response
        retry = get_retry_request(request, spider=self.crawler.spider, reason=f"retry_after_{response.status}")
        if retry is None:
            return response
        self.crawler.stats.inc_value("retry_after/waited_seconds", wait)
        await asyncio.sleep(wait)
        return retry


def retry_after_seconds(value: str) -> float | None:
    """Retry-After as delta-seconds or an HTTP date; None when absent or unreadable."""
    value = value.strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (moment - datetime.now(timezone.utc)).total_seconds())
