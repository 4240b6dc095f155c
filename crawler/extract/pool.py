"""Extraction in worker processes, so that one crawl uses every core (EXTRACT_WORKERS).

extract() is CPU work (about 10 ms a page, 90 ms on heavy ones). In the reactor thread it
caps a crawl at one core and stalls downloads meanwhile; here the spider's callback hands
(body, url, content_type) to a worker process and awaits the result.

- Our own small pool, not concurrent.futures': no thread in the crawl process. Each worker
  has one duplex pipe; the reactor thread pickles a page into the pipe of an idle worker
  and reads the answers as the asyncio loop finds the pipes readable (loop.add_reader).
  ProcessPoolExecutor's two threads (its queue manager and its call-queue feeder) passed
  the GIL to and from the reactor thread at every page: 0.80 ms of the parent's CPU a
  page, against 0.33 here (README, Speed).
- Spawned workers, not forked ones: forking a process whose reactor and threads are
  running copies their locks mid-use. (Not multiprocessing's fork server either: Python
  3.11's ignores the parent's sys.path, so it may import another copy of this package, as
  under Scrapyd, where the project is an egg on the crawl's path only.) A worker imports
  crawler/extract/worker.py, which does not import Scrapy, and loads the profile registry
  once, from the folders the spider loaded (compiled selectors do not pickle).
- One page's failure costs that page, never the crawl. The worker returns extract()'s
  failure as a value, NotArticle or ExtractionFailed, both picklable whatever the original
  exception was. A worker holds one page at a time, so its death (end of file on its pipe)
  names the page it had: that page is extracted again, once, by another worker, and lost
  (extract/error/WorkerDied) only if it kills that one too; no other page is touched.
- No orphans: the workers are joined on spider_closed (every page is extracted by then)
  and engine_stopped; a worker whose parent dies without that (SIGKILL) exits by itself,
  and workers ignore SIGINT, so Ctrl-C stops the crawl gracefully with live workers.
- Memory: a body is pickled only as an idle worker takes it; the pages waiting are
  responses the scraper holds anyway, which CONCURRENT_REQUESTS and
  SCRAPER_SLOT_MAX_ACTIVE_SIZE bound as without the pool.
"""
from __future__ import annotations

import asyncio
import dataclasses
import logging
import multiprocessing
import os
import pickle
from collections import deque
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Sequence

from scrapy import signals
from scrapy.exceptions import UsageError
from scrapy.http import TextResponse
from scrapy.utils.asyncio import is_asyncio_available
from scrapy.utils.conf import build_component_list
from scrapy.utils.misc import load_object

from ..dedup.pipeline import DedupPipeline
from ..items import Article
from .engine import ExtractOptions
from .worker import (PROTOCOL, ExtractionFailed, Outcome, Task, attempt, extract_and_fingerprint_in_worker,
                     extract_in_worker, serve)

logger = logging.getLogger(__name__)

# Workers that die in a row before they are ready (a broken installation, not a page) after
# which no more are started: the pages left fail one by one, counted, instead of a crawl
# that starts processes forever.
START_TRIES = 3
# Seconds a worker has to exit once its pipe is closed (at most one page's extraction, on a
# forced stop) before it is killed: close() must not hang on a page stuck in a loop.
JOIN_BOUND = 30


@dataclasses.dataclass
class _Job:
    args: tuple  # (body, url, content_type)
    future: asyncio.Future
    retried: bool = False


@dataclasses.dataclass
class _Worker:
    process: BaseProcess
    conn: Connection
    ready: bool = False
    job: _Job | None = None  # the page it is extracting


def _deduplicates(settings) -> bool:
    """Whether one of the crawl's item pipelines is the dedup pipeline (or built on it): then
    the workers fingerprint each article too."""
    return any(isinstance(component, type) and issubclass(component, DedupPipeline)
               for component in map(load_object, build_component_list(settings.getwithbase("ITEM_PIPELINES"))))


class ExtractionPool:
    """extract() for the spiders: in `workers` processes, or in the calling thread when 0.

    `task` is what a worker runs on (body, url, content_type); tests give failing ones. The
    crawler is for its stats, which exist only once the crawl starts."""

    def __init__(self, workers: int, options: ExtractOptions, profile_dirs: Sequence[str], crawler,
                 task: Task = extract_in_worker) -> None:
        self.workers = workers
        self.options = options
        self.crawler = crawler
        self.serve_args = (dataclasses.replace(options, registry=None), tuple(map(str, profile_dirs)), task)
        self.context = multiprocessing.get_context("spawn")
        self.loop: asyncio.AbstractEventLoop | None = None  # the reactor's, once a page or spider_opened runs
        self.live: list[_Worker] = []
        self.queue: deque[_Job] = deque()  # pages waiting for an idle worker
        self.start_failures = 0  # workers in a row that died before they were ready
        self.closed = False

    @classmethod
    def from_crawler(cls, crawler, options: ExtractOptions) -> "ExtractionPool":
        settings = crawler.settings
        workers = worker_count(settings.get("EXTRACT_WORKERS", "auto"), settings.getint("CONCURRENT_REQUESTS"))
        task = extract_and_fingerprint_in_worker if _deduplicates(settings) else extract_in_worker
        pool = cls(workers, options, settings.getlist("EXTRACT_PROFILE_DIRS"), crawler, task)
        crawler.signals.connect(pool.open, signal=signals.spider_opened)
        for signal_ in (signals.spider_closed, signals.engine_stopped):
            crawler.signals.connect(pool.close, signal=signal_)
        return pool

    def open(self) -> None:
        """At spider_opened, in the reactor's loop: the workers start while the first pages download."""
        if self.workers and not is_asyncio_available():
            logger.warning("EXTRACT_WORKERS needs the asyncio reactor (TWISTED_REACTOR): extracting in the reactor thread")
            self.workers = 0
        if self.workers:
            logger.info("Extracting in %d worker processes (EXTRACT_WORKERS=%s)", self.workers,
                        self.crawler.settings.get("EXTRACT_WORKERS"))
            self._fill()

    async def extract(self, response: TextResponse) -> Article:
        """The page's article; raises NotArticle or ExtractionFailed, never another exception."""
        content_type = response.headers.get("Content-Type", b"").decode("latin-1") or None
        return await self.extract_body(response.body, response.url, content_type)

    async def extract_body(self, body: bytes, url: str, content_type: str | None) -> Article:
        if self.workers:
            outcome = await self._submit((body, url, content_type))
        else:
            outcome = attempt(body, url, content_type, self.options)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def _submit(self, args: tuple) -> asyncio.Future:
        """A future of the page's Outcome: it never raises, a failure is its value."""
        self._fill()
        job = _Job(args, asyncio.get_running_loop().create_future())
        if self.closed:  # a forced stop: the pages still coming cost themselves only
            job.future.set_result(ExtractionFailed("PoolClosed", "the extraction pool closed before this page"))
        else:
            self.queue.append(job)
            self._dispatch()
        return job.future

    def _fill(self) -> None:
        """Starts workers up to the number wanted (at the start, and for each that died)."""
        if self.loop is None:
            self.loop = asyncio.get_running_loop()
        while not self.closed and len(self.live) < self.workers and self.start_failures < START_TRIES:
            ours, theirs = self.context.Pipe()
            process = self.context.Process(target=serve, args=(theirs, *self.serve_args), name="extraction worker",
                                           daemon=True)  # daemon: multiprocessing's exit handler stops, not awaits, it
            try:
                process.start()
            except OSError as exc:  # no process to be had (EAGAIN, ENOMEM): a start failure like a death at start
                ours.close()
                logger.error("Could not start an extraction worker process: %r", exc)
                self._count("start_failed")
                self.start_failures += 1
                continue
            finally:
                theirs.close()  # the worker's end: held here, its death would not end the file
            worker = _Worker(process, ours)
            self.live.append(worker)
            self.loop.add_reader(ours.fileno(), self._readable, worker)
            self._count("started")

    def _readable(self, worker: _Worker) -> None:
        """The loop found the worker's pipe readable: its answer, its READY, or its death."""
        try:
            reply = worker.conn.recv_bytes()
        except (EOFError, OSError):
            self._died(worker)
        else:
            if not worker.ready:  # the first message is worker.READY
                worker.ready, self.start_failures = True, 0
            else:
                job, worker.job = worker.job, None
                if not job.future.done():  # not cancelled meanwhile
                    job.future.set_result(_loads(reply))
        self._dispatch()

    def _dispatch(self) -> None:
        """Hands waiting pages to idle workers, one each."""
        for worker in list(self.live):
            while self.queue and self.queue[0].future.done():  # cancelled while it waited
                self.queue.popleft()
            if not self.queue:
                return
            if worker.ready and worker.job is None:
                job = worker.job = self.queue.popleft()
                try:
                    worker.conn.send_bytes(pickle.dumps(job.args, protocol=PROTOCOL))
                except OSError:  # it died before it could take the page: the page is not to blame
                    worker.job = None
                    self.queue.appendleft(job)
                    self._died(worker)
        if not self.live and self.start_failures >= START_TRIES:
            while self.queue:
                self.queue.popleft().future.set_result(
                    ExtractionFailed("WorkerDied", "extraction worker processes fail to start (see the log)"))

    def _died(self, worker: _Worker) -> None:
        """Its pipe ended: the worker is gone (or going: it is killed to be sure) and replaced.
        The page it had is queued again first, once; a second death costs that page."""
        self.loop.remove_reader(worker.conn.fileno())
        worker.conn.close()
        worker.process.kill()
        worker.process.join()
        self.live.remove(worker)
        self._count("died")
        job, code = worker.job, worker.process.exitcode
        if not worker.ready:
            self.start_failures += 1
            logger.error("An extraction worker process died as it started (exit code %s)", code)
        elif job is None:
            logger.warning("An idle extraction worker process died (exit code %s)", code)
        elif not job.retried:
            job.retried = True
            self._count("retried")
            self.queue.appendleft(job)
            logger.warning("An extraction worker process died (exit code %s) on %s: extracting it again", code, job.args[1])
        else:
            logger.error("An extraction worker process died (exit code %s) on %s again: the page is lost", code, job.args[1])
            if not job.future.done():
                job.future.set_result(ExtractionFailed("WorkerDied", f"the page killed two extraction workers (exit code {code})"))
        self._fill()

    def _count(self, what: str) -> None:
        self.crawler.stats.inc_value(f"extract/pool/{what}")

    def close(self) -> None:
        """Joins the workers: no process outlives the crawl. Pages still waiting (a forced stop) fail, counted."""
        self.closed = True
        for worker in self.live:
            if self.loop is not None and not self.loop.is_closed():
                self.loop.remove_reader(worker.conn.fileno())
            worker.conn.close()  # the end of file that stops it
        for worker in self.live:
            worker.process.join(JOIN_BOUND)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
        waiting = [*self.queue, *(worker.job for worker in self.live if worker.job)]
        self.live.clear()
        self.queue.clear()
        for job in waiting:
            if not job.future.done():
                job.future.set_result(ExtractionFailed("PoolClosed", "the extraction pool closed before this page"))


def _loads(reply: bytes) -> Outcome:
    try:
        return pickle.loads(reply)
    except Exception as exc:  # an outcome that pickles but does not unpickle: this page's failure only
        return ExtractionFailed(type(exc).__name__, f"unpickling a worker's answer: {exc!r}")


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
