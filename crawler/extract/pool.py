"""Extraction in worker processes, so that one crawl uses every core (EXTRACT_WORKERS).

extract() is CPU work (about 10 ms a page, 90 ms on heavy ones). In the reactor thread it
caps a crawl at one core and stalls downloads meanwhile; here the spider's callback hands
(body, url, content_type) to a ProcessPoolExecutor and awaits the result.

- Spawned workers, not forked ones: forking a process whose reactor and threads are
  running copies their locks mid-use. (Not multiprocessing's fork server either: Python
  3.11's ignores the parent's sys.path, so it may import another copy of this package, as
  under Scrapyd, where the project is an egg on the crawl's path only.) A worker imports
  crawler/extract/worker.py, which does not import Scrapy, and loads the profile registry
  once, from the folders the spider loaded (compiled selectors do not pickle).
- One page's failure costs that page, never the crawl. The worker returns extract()'s
  failure as a value, NotArticle or ExtractionFailed, both picklable whatever the original
  exception was. A worker that dies breaks its whole executor: every page in flight fails
  with BrokenProcessPool, and which one killed the worker is unknown. The executor is
  replaced and each of those pages is extracted again alone in a one-worker executor, so
  only a page that kills a worker on its own is lost (extract/error/BrokenProcessPool).
- No orphans: the workers are joined on spider_closed (every page is extracted by then)
  and engine_stopped; a worker whose parent dies without that (SIGKILL) exits by itself,
  and workers ignore SIGINT, so Ctrl-C stops the crawl gracefully with live workers.
- Memory: a body is pickled when a worker is about to take it (concurrent.futures queues
  workers + 1 calls); the pages waiting are responses the scraper holds anyway, which
  CONCURRENT_REQUESTS and SCRAPER_SLOT_MAX_ACTIVE_SIZE bound as without the pool.
"""
from __future__ import annotations

import asyncio
import dataclasses
import logging
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Sequence

from scrapy import signals
from scrapy.exceptions import UsageError
from scrapy.http import TextResponse
from scrapy.utils.asyncio import is_asyncio_available

from ..items import Article
from .engine import ExtractOptions
from .worker import ExtractionFailed, Outcome, Task, attempt, extract_in_worker, ready, start_worker

logger = logging.getLogger(__name__)


class ExtractionPool:
    """extract() for the spiders: in `workers` processes, or in the calling thread when 0.

    `task` is what a worker runs on (body, url, content_type); tests give failing ones. The
    crawler is for its stats, which exist only once the crawl starts."""

    def __init__(self, workers: int, options: ExtractOptions, profile_dirs: Sequence[str], crawler,
                 task: Task = extract_in_worker) -> None:
        self.workers = workers
        self.options = options
        self.crawler = crawler
        self.task = task
        self.initargs = (dataclasses.replace(options, registry=None), tuple(map(str, profile_dirs)))
        self.executors: dict[str, ProcessPoolExecutor] = {}  # "main" (workers), "alone" (1); started on demand
        self.alone = asyncio.Lock()
        self.closed = False

    @classmethod
    def from_crawler(cls, crawler, options: ExtractOptions) -> "ExtractionPool":
        settings = crawler.settings
        workers = worker_count(settings.get("EXTRACT_WORKERS", "auto"), settings.getint("CONCURRENT_REQUESTS"))
        pool = cls(workers, options, settings.getlist("EXTRACT_PROFILE_DIRS"), crawler)
        crawler.signals.connect(pool.open, signal=signals.spider_opened)
        for signal_ in (signals.spider_closed, signals.engine_stopped):
            crawler.signals.connect(pool.close, signal=signal_)
        return pool

    def open(self) -> None:
        """At spider_opened, once the reactor is installed: the workers start while the first
        pages download (a first call per worker makes the executor start it)."""
        if self.workers and not is_asyncio_available():
            logger.warning("EXTRACT_WORKERS needs the asyncio reactor (TWISTED_REACTOR): extracting in the reactor thread")
            self.workers = 0
        if self.workers:
            logger.info("Extracting in %d worker processes (EXTRACT_WORKERS=%s)", self.workers,
                        self.crawler.settings.get("EXTRACT_WORKERS"))
            executor = self._executor("main")
            for _ in range(self.workers):
                executor.submit(ready)

    async def extract(self, response: TextResponse) -> Article:
        """The page's article; raises NotArticle or ExtractionFailed, never another exception."""
        content_type = response.headers.get("Content-Type", b"").decode("latin-1") or None
        return await self.extract_body(response.body, response.url, content_type)

    async def extract_body(self, body: bytes, url: str, content_type: str | None) -> Article:
        if self.workers:
            outcome = await self._in_workers(body, url, content_type)
        else:
            outcome = attempt(body, url, content_type, self.options)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    async def _in_workers(self, *args) -> Outcome:
        try:
            try:
                return await self._run("main", args)
            except BrokenProcessPool:
                self.crawler.stats.inc_value("extract/pool/retried_alone")
                async with self.alone:  # one page at a time: if the worker dies now, this page killed it
                    return await self._run("alone", args)
        except BrokenProcessPool:
            return ExtractionFailed("BrokenProcessPool", "the worker process died extracting this page alone")
        except Exception as exc:  # the pool's own trouble (closed by a forced stop) costs this page only
            return ExtractionFailed(type(exc).__name__, repr(exc))

    async def _run(self, which: str, args: tuple) -> Outcome:
        executor = self._executor(which)
        try:
            return await asyncio.wrap_future(executor.submit(self.task, *args))
        except BrokenProcessPool:
            self._replace(which, executor)
            raise

    def _executor(self, which: str) -> ProcessPoolExecutor:
        if self.closed:
            raise RuntimeError("the extraction pool is closed")
        if which not in self.executors:
            self.crawler.stats.inc_value(f"extract/pool/started/{which}")
            self.executors[which] = ProcessPoolExecutor(
                self.workers if which == "main" else 1, mp_context=multiprocessing.get_context("spawn"),
                initializer=start_worker, initargs=self.initargs)
        return self.executors[which]

    def _replace(self, which: str, executor: ProcessPoolExecutor) -> None:
        """A worker died: concurrent.futures has failed every page of its executor and stopped
        the other workers; the next page starts a new executor. Once per broken executor."""
        if self.executors.get(which) is not executor:
            return
        del self.executors[which]
        executor.shutdown(wait=False)
        self.crawler.stats.inc_value("extract/pool/broken")
        logger.warning("An extraction worker process died; starting new ones")

    def close(self) -> None:
        """Joins the workers: no process outlives the crawl."""
        self.closed = True
        for executor in self.executors.values():
            executor.shutdown(wait=True, cancel_futures=True)
        self.executors.clear()


def usable_cores() -> int:
    """The cores this process may run on (its affinity mask), not the machine's."""
    if hasattr(os, "process_cpu_count"):  # Python 3.13
        return os.process_cpu_count() or 1
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def worker_count(setting: str | int, concurrent_requests: int) -> int:
    """EXTRACT_WORKERS as a number of processes. "auto": one per usable core when there are
    two or more, at most CONCURRENT_REQUESTS (pages arrive at most that many at a time, and
    each worker costs a Python process's memory); with one core a worker would only add
    pickling and a process switch per page."""
    if str(setting).strip().lower() == "auto":
        cores = usable_cores()
        return min(cores, max(concurrent_requests, 1)) if cores > 1 else 0
    try:
        workers = int(setting)
    except ValueError:
        workers = -1
    if workers < 0:
        raise UsageError(f"EXTRACT_WORKERS must be 'auto' or a whole number (0: in the reactor thread), not {setting!r}")
    return workers
