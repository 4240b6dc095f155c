"""When a page a worker popped from the shared queue is handled in full."""
from __future__ import annotations

from typing import AsyncIterator

from scrapy import Request, signals
from scrapy.utils.asyncio import call_later

# Sent with the request once a page is handled in full; the scheduler listens.
page_handled = object()


class InflightMiddleware:
    """Outermost spider middleware: clears a page's in-flight record once its output is
    taken in full, each of its links is queued and each of its items has left the pipelines.

    Until then a SIGKILL leaves the record behind and another worker fetches the page
    again; after it, the article is in this worker's feed and the dedup store. The JOBDIR
    journal (crawler/resume.py) marks pages finished on the same signal."""

    def __init__(self, crawler) -> None:
        self.crawler = crawler
        # What a page still has open: its output until taken in full, each of its links
        # until the scheduler has it, each of its items until it leaves the pipelines.
        # At 0 the page is handled.
        self.open: dict[Request, int] = {}
        self.links: dict[Request, Request] = {}  # link -> the page that yielded it

    @classmethod
    def from_crawler(cls, crawler) -> "InflightMiddleware":
        middleware = cls(crawler)
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(middleware.link_scheduled, signal=signals.request_scheduled)
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
                self.open[request] += 1
                if isinstance(output, Request):
                    self.links[output] = request
                yield output
        finally:
            self._close_one(request)

    def link_scheduled(self, request: Request, **kwargs) -> None:
        page = self.links.pop(request, None)
        if page is not None:
            # A link may be scheduled while the page's output is still being taken (the
            # scraper works through it with CONCURRENT_ITEMS tasks): the output's own count
            # keeps the page open until it is exhausted. engine.crawl sends this signal
            # before it hands the link to the scheduler: the link counts as queued once
            # that call has returned.
            call_later(0, self._close_one, page)

    def item_left(self, item, response, spider, **kwargs) -> None:
        request = getattr(response, "request", None)
        if request in self.open:
            self._close_one(request)

    def _close_one(self, request: Request) -> None:
        self.open[request] -= 1
        if not self.open[request]:
            del self.open[request]
            self.crawler.signals.send_catch_log(page_handled, request=request)
