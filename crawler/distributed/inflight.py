"""When a page a worker popped from the shared queue is handled in full."""
from __future__ import annotations

from typing import AsyncIterator

from scrapy import Request, signals

# Sent with the request once a page is handled in full; the scheduler listens.
page_handled = object()


class InflightMiddleware:
    """Outermost spider middleware: clears a page's in-flight record once its output is
    taken in full (links queued on Redis) and each of its items has left the pipelines.

    Until then a SIGKILL leaves the record behind and another worker fetches the page
    again; after it, the article is in this worker's feed and the dedup store."""

    def __init__(self, crawler) -> None:
        self.crawler = crawler
        # What a page still has open: its output until taken in full, plus each of its
        # items until it leaves the pipelines. At 0 the page is handled.
        self.open: dict[Request, int] = {}

    @classmethod
    def from_crawler(cls, crawler) -> "InflightMiddleware":
        middleware = cls(crawler)
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        return middleware

    def spider_opened(self, spider) -> None:
        # Connected now, after the pipelines: an item counts as handled once the dedup
        # pipeline has committed it, which it does on item_scraped too.
        for signal in (signals.item_scraped, signals.item_dropped, signals.item_error):
            self.crawler.signals.connect(self.item_left, signal=signal)

    async def process_spider_output(self, response, result) -> AsyncIterator:
        request = response.request
        self.open[request] = 1
        try:
            async for output in result:
                if not isinstance(output, Request):
                    self.open[request] += 1
                yield output
        finally:
            self._close_one(request)

    def item_left(self, item, response, spider, **kwargs) -> None:
        request = getattr(response, "request", None)
        if request in self.open:
            self._close_one(request)

    def _close_one(self, request: Request) -> None:
        self.open[request] -= 1
        if not self.open[request]:
            del self.open[request]
            self.crawler.signals.send_catch_log(page_handled, request=request)
