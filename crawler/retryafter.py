"""Honour Retry-After on 429 and 503: wait as long as the server asks, then retry, while
the other requests keep flowing."""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

from scrapy import Request, signals
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.exceptions import DontCloseSpider, IgnoreRequest, NotConfigured
from scrapy.http import Response
from scrapy.utils.asyncio import CallLaterResult, call_later

from .resume import journal_for

logger = logging.getLogger(__name__)


class RetryAfterMiddleware:
    """Scrapy's RetryMiddleware retries 429 at once; a server that said when to come back is
    asked again only then (up to RETRY_AFTER_MAX seconds; longer waits are not honoured
    and the response falls through to the ordinary retry logic).

    The wait is not spent inside the download: that would hold one of CONCURRENT_REQUESTS
    for its whole length. The response ends as IgnoreRequest (raised from process_response,
    so no middleware's process_exception takes it for a failure: the page is not finished
    for the JOBDIR journal, and stays in a Redis worker's in-flight record), and the retry is
    handed to the engine when the wait is over; meanwhile the spider is kept open."""

    def __init__(self, crawler, max_wait: float) -> None:
        self.crawler = crawler
        self.max_wait = max_wait
        self.waiting: dict[Request, CallLaterResult] = {}  # retry -> the call that schedules it

    @classmethod
    def from_crawler(cls, crawler) -> "RetryAfterMiddleware":
        if not crawler.settings.getbool("RETRY_ENABLED", True):
            raise NotConfigured
        middleware = cls(crawler, crawler.settings.getfloat("RETRY_AFTER_MAX", 60))
        crawler.signals.connect(middleware.keep_open, signal=signals.spider_idle)
        crawler.signals.connect(middleware.abandon, signal=signals.spider_closed)
        return middleware

    def process_response(self, request: Request, response: Response) -> Response:
        if response.status not in (429, 503) or request.meta.get("dont_retry"):
            return response
        wait = retry_after_seconds(response.headers.get("Retry-After", b"").decode("latin-1"))
        if wait is None or wait > self.max_wait:
            return response
        retry = get_retry_request(request, spider=self.crawler.spider, reason=f"retry_after_{response.status}")
        if retry is None:
            return response
        self.crawler.stats.inc_value("retry_after/waited_seconds", wait)
        self.waiting[retry] = call_later(wait, self._release, retry)
        raise IgnoreRequest(f"Retry-After: {wait:g} s, retried then")

    def _release(self, retry: Request) -> None:
        del self.waiting[retry]
        self.crawler.engine.crawl(retry)

    def keep_open(self) -> None:
        if self.waiting:
            raise DontCloseSpider

    def abandon(self, spider, reason: str) -> None:
        """Stopped early (Ctrl-C, a limit) while retries wait: they are not fetched. A Redis
        worker hands their pages back with its in-flight record; the JOBDIR journal schedules
        them again on resume (Journal.lost)."""
        if not self.waiting:
            return
        for call in self.waiting.values():
            call.cancel()
        self.crawler.stats.set_value("retry_after/abandoned", len(self.waiting))
        logger.warning("Stopped with %d requests waiting for their Retry-After: %s", len(self.waiting),
                       " ".join(r.url for r in self.waiting))
        journal = journal_for(self.crawler)
        if journal is not None:
            journal.lost()
        self.waiting.clear()


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
