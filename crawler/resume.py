"""Exactly-once resumes after a SIGKILL, on top of Scrapy's JOBDIR, with no page fetched twice
otherwise.

The journal (JOBDIR/journal.sqlite) lists every request the crawl has scheduled, by request
fingerprint, and whether its page is finished. It *is* the seen-requests filter
(`JournalDupeFilter`; Scrapy's requests.seen is not written), so a link is fetched once per
JOBDIR, whichever pages link it. A page is finished when
- it was handled in full: its output taken, its links queued and its items out of the
  pipelines, 404s and callbacks that raised included (`ResumeJournalMiddleware`, outermost);
- or its request ended in an exception: ignored (robots.txt, an already emitted article) or
  failed after its retries (`ResumeFailureMiddleware`, engine side of every downloader
  middleware);
- or it redirected to a page the journal already has;
- or the crawl finished: then nothing is left to do. What no hook saw (a downloader
  middleware's process_response dropping the page: too many redirects, a decompression
  bomb) is counted as `resume/unaccounted`.
So a second run after a clean finish fetches nothing. After a clean stop (Ctrl-C, a
CLOSESPIDER limit) Scrapy's disk queue holds what is left and the journal adds nothing.
After a kill, Scrapy's queue is stale (its state file is written on close only), so it is
discarded and the journal schedules again every page not finished.

Why that is exactly-once. A SIGKILL loses the journal's uncommitted statements, so what
survives is a prefix of them. For a page P and a link L it yielded, the journal writes
"L known" before "P finished" (InflightMiddleware counts L as queued once the scheduler
has it). In any prefix: P finished => L known, so L is finished or scheduled again; P not
finished => P is fetched again and yields L again, which the filter passes if the prefix
lacks L. An article page is finished only after its line is in the feed; one that is not
may be fetched again, and the dedup store (settled against the feed) keeps its article
from coming out twice. No statement needs to reach the disk before another file's does,
so the journal commits in batches (`BATCH` statements or `BATCH_SECONDS`): a kill costs at
most a batch of pages fetched again. WAL with synchronous=NORMAL: a commit is a write to
the OS, which a killed process cannot lose (a power cut can lose the last commits, which
is again a prefix).
"""
from __future__ import annotations

import shutil
import sqlite3
import time
from pathlib import Path

from scrapy import Request, signals
from scrapy.dupefilters import RFPDupeFilter
from scrapy.exceptions import NotConfigured
from scrapy.utils.job import job_dir

from .distributed.inflight import InflightMiddleware, page_handled

# request.meta key of a page the journal scheduled again after a kill.
RESCHEDULED = "resume_rescheduled"

BATCH = 16            # statements per commit, at most
BATCH_SECONDS = 1.0   # and at most this long uncommitted, as soon as the next statement comes


class Journal:
    """EXTENSIONS entry (with JOBDIR): built before the scheduler and the middlewares,
    which find it with `crawler.get_extension` (journal_for)."""

    @classmethod
    def from_crawler(cls, crawler) -> "Journal":
        folder = job_dir(crawler.settings)
        if not folder or not crawler.settings.getbool("RESUME_JOURNAL_ENABLED", True):
            raise NotConfigured
        journal = cls(crawler, Path(folder))
        crawler.signals.connect(journal.scheduled, signal=signals.request_scheduled)
        crawler.signals.connect(journal.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(journal.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(journal.redirect_dropped, signal=signals.request_dropped)
        return journal

    def __init__(self, crawler, folder: Path) -> None:
        self.crawler = crawler
        self.fingerprinter = crawler.request_fingerprinter
        self.db = sqlite3.connect(str(folder / "journal.sqlite"))
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("CREATE TABLE IF NOT EXISTS requests (fingerprint BLOB PRIMARY KEY, url TEXT NOT NULL,"
                        " done INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID")
        # One row while a run is open: left behind, it says the last run was killed.
        self.db.execute("CREATE TABLE IF NOT EXISTS running (since REAL NOT NULL)")
        self.killed = self.db.execute("SELECT 1 FROM running").fetchone() is not None
        self.db.execute("DELETE FROM running")
        self.db.execute("INSERT INTO running VALUES (?)", (time.time(),))
        self.db.commit()
        self.seen = {fingerprint for (fingerprint,) in self.db.execute("SELECT fingerprint FROM requests")}
        self.unclean = False  # set by lost()
        self.uncommitted, self.committed_at = 0, time.monotonic()
        if self.killed:
            # Built before the scheduler opens its queue, so this is never a queue in use.
            shutil.rmtree(folder / "requests.queue", ignore_errors=True)

    def add(self, request: Request) -> bool:
        """Record a request on its way to the queue; False if the journal has it already."""
        fingerprint = self.fingerprinter.fingerprint(request)
        if fingerprint in self.seen:
            return False
        self.seen.add(fingerprint)
        self._write("INSERT OR IGNORE INTO requests (fingerprint, url) VALUES (?, ?)", (fingerprint, request.url))
        return True

    def scheduled(self, request: Request, **kwargs) -> None:
        """Requests that bypass the filter (a spider's dont_filter links, redirects of them)
        are journaled all the same; retries and the journal's own are known already."""
        if request.dont_filter:
            self.add(request)

    def finished(self, request: Request, **kwargs) -> None:
        """The request's page, and the pages redirected to it, need no more fetching."""
        self._finish([request, *self._redirected_from(request)])

    def redirect_dropped(self, request: Request, **kwargs) -> None:
        """A redirect to a page the journal has: the pages redirected from are finished."""
        self._finish(self._redirected_from(request))

    @staticmethod
    def _redirected_from(request: Request) -> list[Request]:
        return [Request(url) for url in request.meta.get("redirect_urls", ())]

    def _finish(self, requests: list[Request]) -> None:
        for request in requests:
            self._write("UPDATE requests SET done = 1 WHERE fingerprint = ? AND done = 0",
                        (self.fingerprinter.fingerprint(request),))

    def _write(self, sql: str, args: tuple) -> None:
        self.db.execute(sql, args)
        self.uncommitted += 1
        if self.uncommitted >= BATCH or time.monotonic() - self.committed_at >= BATCH_SECONDS:
            self.commit()

    def commit(self) -> None:
        self.db.commit()
        self.uncommitted, self.committed_at = 0, time.monotonic()

    def spider_opened(self, spider) -> None:
        """After a kill, schedule again every page not finished."""
        if not self.killed:
            return
        urls = [url for (url,) in self.db.execute("SELECT url FROM requests WHERE done = 0")]
        for url in urls:
            self.crawler.engine.crawl(Request(url, callback=spider.parse, dont_filter=True, meta={RESCHEDULED: True}))
        self.crawler.stats.set_value("resume/rescheduled", len(urls))
        spider.logger.info("Resuming after a kill: %d unfinished pages scheduled again", len(urls))

    def spider_closed(self, spider, reason: str) -> None:
        if reason == "finished":
            unaccounted = self.db.execute("UPDATE requests SET done = 1 WHERE done = 0").rowcount
            if unaccounted:
                self.crawler.stats.set_value("resume/unaccounted", unaccounted)
        if not self.unclean:
            self.db.execute("DELETE FROM running")
        self.commit()  # left open: a page's last count may still land in this reactor turn

    def lost(self) -> None:
        """Pages are neither finished nor in Scrapy's queue at this close (retries waiting
        for their Retry-After): the next run resumes as after a kill, scheduling again
        every page not finished."""
        self.unclean = True
        self.db.execute("DELETE FROM running")
        self.db.execute("INSERT INTO running VALUES (?)", (time.time(),))
        self.commit()


def journal_for(crawler) -> Journal | None:
    """The crawler's journal; None without JOBDIR or with RESUME_JOURNAL_ENABLED off."""
    return crawler.get_extension(Journal)


class JournalDupeFilter(RFPDupeFilter):
    """DUPEFILTER_CLASS: with a journal, the journal is the seen-requests filter; without
    one (no JOBDIR, or on Redis where the add-on replaces it), Scrapy's own."""

    journal: Journal | None = None

    @classmethod
    def from_crawler(cls, crawler) -> RFPDupeFilter:
        journal = journal_for(crawler)
        if journal is None:
            return super().from_crawler(crawler)
        dupefilter = cls(None, crawler.settings.getbool("DUPEFILTER_DEBUG"), fingerprinter=crawler.request_fingerprinter)
        dupefilter.journal = journal
        return dupefilter

    def request_seen(self, request: Request) -> bool:
        if self.journal is None:
            return super().request_seen(request)
        return not self.journal.add(request)


class ResumeJournalMiddleware(InflightMiddleware):
    """Outermost spider middleware (engine side of HttpErrorMiddleware, so 404s count):
    a page handled in full is finished."""

    @classmethod
    def from_crawler(cls, crawler) -> "ResumeJournalMiddleware":
        journal = journal_for(crawler)
        if journal is None:
            raise NotConfigured
        middleware = super().from_crawler(crawler)
        crawler.signals.connect(journal.finished, signal=page_handled)
        return middleware


class ResumeFailureMiddleware:
    """Downloader middleware, engine side of the others (RetryMiddleware has given up by
    the time it sees an exception): a request that ends in an exception is finished."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal

    @classmethod
    def from_crawler(cls, crawler) -> "ResumeFailureMiddleware":
        journal = journal_for(crawler)
        if journal is None:
            raise NotConfigured
        return cls(journal)

    def process_exception(self, request: Request, exception: Exception) -> None:
        self.journal.finished(request)
        return None
