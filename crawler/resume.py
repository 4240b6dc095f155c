"""Exactly-once resumes after a SIGKILL, on top of Scrapy's JOBDIR.

JOBDIR keeps the pending request queue and the seen-requests filter, but the requests in
flight when a process is killed are lost: popped from the queue, already marked seen. This
spider middleware journals every request the spider schedules (JOBDIR/journal.sqlite),
marks a page done when its callback's output has been taken in full, and on resume
schedules again what the kill may have lost:
- pages not marked done (their links may never have been followed);
- article pages whose article is not in the dedup store (it never reached the feed).
A link the journal has never seen bypasses the seen-requests filter: a kill can land after
the filter wrote a link down and before the journal did, and such a link would otherwise
never be fetched. Links the journal knows are filtered as usual.
Articles that did reach the feed are in the store (crawler/dedup settles a killed run's
rows against the feed before the crawl starts) and are skipped.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import AsyncIterator

from scrapy import Request, signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.job import job_dir

from .dedup.runtime import store_for
from .dedup.urls import url_key


class ResumeJournalMiddleware:
    def __init__(self, crawler, path: Path) -> None:
        self.crawler = crawler
        self.db = sqlite3.connect(str(path))
        self.db.execute("CREATE TABLE IF NOT EXISTS pages (url TEXT PRIMARY KEY, done INTEGER NOT NULL DEFAULT 0)")
        self.db.commit()

    @classmethod
    def from_crawler(cls, crawler) -> "ResumeJournalMiddleware":
        folder = job_dir(crawler.settings)
        if not folder or not crawler.settings.getbool("RESUME_JOURNAL_ENABLED", True):
            raise NotConfigured
        middleware = cls(crawler, Path(folder) / "journal.sqlite")
        crawler.signals.connect(middleware.request_scheduled, signal=signals.request_scheduled)
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        return middleware

    def request_scheduled(self, request: Request, spider) -> None:
        self.db.execute("INSERT OR IGNORE INTO pages (url) VALUES (?)", (request.url,))
        self.db.commit()

    async def process_spider_output(self, response, result) -> AsyncIterator:
        async for output in result:
            if isinstance(output, Request) and not output.dont_filter and not self._known(output.url):
                output = output.replace(dont_filter=True)
            yield output
        self.db.execute("UPDATE pages SET done = 1 WHERE url = ?", (response.request.url,))
        self.db.commit()

    def _known(self, url: str) -> bool:
        return self.db.execute("SELECT 1 FROM pages WHERE url = ?", (url,)).fetchone() is not None

    def spider_opened(self, spider) -> None:
        """Schedule again what a killed run may have lost."""
        store = store_for(self.crawler) if self.crawler.settings.getbool("DEDUP_ENABLED", True) else None
        is_article = getattr(spider, "is_article_url", lambda url: False)
        again = []
        for url, done in self.db.execute("SELECT url, done FROM pages"):
            if is_article(url):
                if store is None or not store.url_seen(url_key(url)):
                    again.append(url)
            elif not done:
                again.append(url)
        for url in again:
            self.crawler.engine.crawl(Request(url, callback=spider.parse, dont_filter=True))
        if again:
            self.crawler.stats.set_value("resume/rescheduled", len(again))
            spider.logger.info("Resuming: %d pages scheduled again that the last run may have lost", len(again))
