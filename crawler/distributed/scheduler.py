"""scrapy-redis's scheduler, plus what a shared crawl needs when a worker dies or ends.

scrapy-redis pops a request from the shared queue and the worker that popped it owns it;
if that worker is killed, the request is gone (and already in the shared seen-filter).
Here each worker
- keeps a heartbeat key alive and lists itself in the crawl's worker set;
- records what it popped in its own in-flight hash until the page has been handled in
  full: its links queued and its items through the pipelines (InflightMiddleware);
- when the queue runs dry, re-queues the in-flight pages of workers whose heartbeat has
  expired, takes start URLs pushed to `<spider>:start_urls`, and does not close while a
  live worker is still busy: its pages may yet add links, or it may die;
- on finishing the crawl as the last worker, clears the shared queue and seen-filter, so
  the next crawl starts afresh (articles already emitted stay in the dedup store).
"""
from __future__ import annotations

import hashlib
import json
import os
import socket
import time
import uuid

from scrapy import Request, signals
from scrapy.utils.request import request_from_dict
from scrapy_redis.queue import FifoQueue, LifoQueue, PriorityQueue
from scrapy_redis.scheduler import Scheduler
from twisted.internet import task

from ..dedup.runtime import DedupStoreExtension
from ..feeds import local_feed_paths, urls_at_end_of_every
from ..retryafter import RetryAfterMiddleware
from .dupefilter import bloom_lua
from .inflight import page_handled

# request.meta key: (the in-flight hash field of a popped page, SHA-1 of its queue entry; its URL).
# A retry carries it along in its copied meta; so may a spider's own links, hence the URL.
INFLIGHT = "redis_inflight"

_PUSH = {
    PriorityQueue: "redis.call('ZADD', KEYS[2], ARGV[3], ARGV[2])",
    FifoQueue: "redis.call('LPUSH', KEYS[2], ARGV[2])",
    LifoQueue: "redis.call('LPUSH', KEYS[2], ARGV[2])",
}
_TAKE = {
    PriorityQueue: "local data = redis.call('ZRANGE', KEYS[1], 0, 0)[1]\n"
                   "if data then redis.call('ZREMRANGEBYRANK', KEYS[1], 0, 0) end",
    FifoQueue: "local data = redis.call('RPOP', KEYS[1])",
    LifoQueue: "local data = redis.call('LPOP', KEYS[1])",
}


class QueueScripts:
    """The queue's push and pop as Lua scripts, each run atomically by Redis."""

    def __init__(self, server, queue, bloom: bool = False) -> None:
        kind = next((k for k in _PUSH if isinstance(queue, k)), None)
        if kind is None:
            raise ValueError(f"{type(queue).__name__}: the recovering scheduler knows scrapy-redis's "
                             "PriorityQueue, FifoQueue and LifoQueue")
        # KEYS: seen-filter (a set, or a Bloom filter's bits), queue. ARGV: fingerprint ('' for
        # dont_filter), entry, score, then for the Bloom filter the fingerprint's bit offsets.
        seen = (bloom_lua(4) + "\nif new == 0 then return 0 end" if bloom else
                "if redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end")
        self.enqueue = server.register_script(f"if ARGV[1] ~= '' then\n{seen}\nend\n{_PUSH[kind]}\nreturn 1")
        # KEYS: queue, this worker's in-flight hash.
        self.pop = server.register_script(
            f"{_TAKE[kind]}\n"
            "if data then redis.call('HSET', KEYS[2], redis.sha1hex(data), data) end\nreturn data")


class RecoveringScheduler(Scheduler):
    @classmethod
    def from_crawler(cls, crawler):
        scheduler = super().from_crawler(crawler)
        settings = crawler.settings
        scheduler.crawler = crawler
        scheduler.worker = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        scheduler.ttl = settings.getint("REDIS_WORKER_TTL", 10)
        scheduler.idle_wait = settings.getfloat("REDIS_IDLE_BEFORE_CLOSE", 15)
        scheduler.flush_on_finish = settings.getbool("REDIS_FLUSH_ON_FINISH", True)
        scheduler.idle_since = None
        scheduler.last_recovery = 0.0
        crawler.signals.connect(scheduler._stop_heartbeat, signal=signals.spider_closed)
        crawler.signals.connect(scheduler.done, signal=page_handled)
        return scheduler

    def _key(self, *parts: str) -> str:
        return ":".join((self.spider.name, *parts))

    def open(self, spider):
        super().open(spider)
        self.scripts = QueueScripts(self.server, self.queue, bloom=getattr(self.df, "bloom", None) is not None)
        with self.server.lock(self._key("lock"), timeout=30, blocking_timeout=30):
            if not self._live_workers() and not len(self.queue) and not self._unfinished_workers():
                # Nothing queued, nobody at work, nothing to recover: the last crawl is over,
                # even if it ended uncleanly, so this one starts afresh.
                self.df.clear()
            self.server.sadd(self._key("workers"), self.worker)
            # Where this worker's feeds are, for whoever recovers its pages if it dies.
            self.server.hset(self._key("feeds"), self.worker, json.dumps(local_feed_paths(self.crawler.settings.getdict("FEEDS"))))
            self._beat()
        self.heartbeat = task.LoopingCall(self._tick)
        self.heartbeat.start(1, now=False)

    def _beat(self) -> None:
        self.server.set(self._key("worker", self.worker), 1, ex=self.ttl)

    def _tick(self) -> None:
        self._beat()
        if not self._locally_idle():
            return
        # Nothing of this worker's is in progress: what its hash still holds (pages that
        # failed, were redirected or filtered) is finished too.
        self.server.delete(self._key("inflight", self.worker))
        if len(self.queue) or self.server.exists(self._key("start_urls")) or self._dead_workers():
            self._wake_engine()  # next_request takes the start URLs and recovers the dead's pages

    def _wake_engine(self) -> None:
        # Scrapy's engine polls an idle scheduler every 5 s; work another worker queued
        # should start now. There is no public call for this, hence the guarded lookup.
        nextcall = getattr(getattr(self.crawler.engine, "_slot", None), "nextcall", None)
        if nextcall is not None:
            nextcall.schedule()

    def _stop_heartbeat(self, spider, reason) -> None:
        if getattr(self, "heartbeat", None) and self.heartbeat.running:
            self.heartbeat.stop()

    def close(self, reason):
        if reason == "finished":
            self.server.delete(self._key("inflight", self.worker))  # everything it took is handled
        else:
            # Stopped early (Ctrl-C, a limit): downloads were cut short; their pages go back.
            self._requeue(self.worker)
        with self.server.lock(self._key("lock"), timeout=30, blocking_timeout=30):
            self.server.delete(self._key("worker", self.worker))
            self.server.srem(self._key("workers"), self.worker)
            self.server.hdel(self._key("feeds"), self.worker)
            if reason == "finished" and self.flush_on_finish and not self._live_workers():
                self.flush()
                self.spider.logger.info("Last worker out: shared queue and seen-requests filter cleared")
        return super().close(reason)

    def enqueue_request(self, request: Request) -> bool:
        """Seen-filter check and queue push in one script: a kill cannot leave a link marked
        seen but never queued (its page's re-fetch would find it filtered)."""
        fingerprint = "" if request.dont_filter else self.df.request_fingerprint(request)
        known = getattr(self.df, "known", set())
        bloom = getattr(self.df, "bloom", None)
        offsets = bloom.offsets(fingerprint) if bloom is not None and fingerprint else []
        queued = fingerprint not in known and bool(self.scripts.enqueue(
            keys=[self.df.key, self.queue.key],
            args=[fingerprint, self._encode(request), -request.priority, *offsets]))
        if fingerprint:
            known.add(fingerprint)
        if request.meta.get(INFLIGHT, (None, None))[1] == request.url:
            # A retry of a page this worker took: safe in the shared queue again.
            self.done(request)
        if not queued:
            self.df.log(request, self.spider)
            return False
        self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def next_request(self):
        request = self._pop()
        if request is None and (self._take_start_urls() or self._recover()):
            request = self._pop()
        return request

    def _pop(self) -> Request | None:
        """Pop and record in this worker's in-flight hash in one script: a kill cannot lose it."""
        data = self.scripts.pop(keys=[self.queue.key, self._key("inflight", self.worker)])
        if data is None:
            return None
        request = self._decode(data)
        request.meta[INFLIGHT] = (hashlib.sha1(data).hexdigest(), request.url)
        self.stats.inc_value("scheduler/dequeued/redis")
        return request

    # scrapy-redis's queues encode with request.to_dict and their public `serializer`;
    # the same here, for the entries the Lua scripts push and pop.
    def _encode(self, request: Request) -> bytes:
        return self.queue.serializer.dumps(request.to_dict(spider=self.spider))

    def _decode(self, data: bytes) -> Request:
        return request_from_dict(self.queue.serializer.loads(data), spider=self.spider)

    def done(self, request: Request, **kwargs) -> None:
        """The page is handled: its entry leaves this worker's in-flight hash (the one
        record of what it took; a field it does not hold is a no-op)."""
        taken = request.meta.get(INFLIGHT)
        if taken:
            self.server.hdel(self._key("inflight", self.worker), taken[0])

    def has_pending_requests(self) -> bool:
        """A query: the work it sees (start URLs, dead workers' pages) next_request takes."""
        if super().has_pending_requests():
            return True
        if self.server.exists(self._key("start_urls")) or self._dead_workers() or self._others_busy():
            self.idle_since = None
            return True
        # Linger when idle: a worker that is starting may yet fill the queue.
        now = time.monotonic()
        self.idle_since = self.idle_since or now
        return now - self.idle_since < self.idle_wait

    def _locally_idle(self) -> bool:
        engine = self.crawler.engine
        # engine.spider_is_idle() would ask this scheduler too; the scraper's slot is the
        # public attribute it reads for "nothing in the pipelines".
        slot = engine.scraper.slot if engine is not None else None
        # A retry waiting for its Retry-After is this worker's too: its page stays in flight.
        retry_after = self.crawler.get_downloader_middleware(RetryAfterMiddleware) if engine is not None else None
        return (slot is not None and not engine.downloader.active and slot.is_idle()
                and not (retry_after and retry_after.waiting))

    def _workers(self) -> list[str]:
        """Every worker of this crawl that has not ended normally, dead ones included."""
        return [w.decode() for w in self.server.smembers(self._key("workers"))]

    def _dead_workers(self) -> list[str]:
        """Workers whose heartbeat expired: their in-flight pages are to be re-queued."""
        return [w for w in self._workers() if w != self.worker and not self.server.exists(self._key("worker", w))]

    def _live_workers(self) -> list[str]:
        return [w for w in self._workers() if w != self.worker and self.server.exists(self._key("worker", w))]

    def _unfinished_workers(self) -> list[str]:
        return [w for w in self._workers() if self.server.hlen(self._key("inflight", w))]

    def _others_busy(self) -> bool:
        return any(self.server.hlen(self._key("inflight", w)) for w in self._live_workers())

    def _take_start_urls(self, batch: int = 16) -> int:
        """Start URLs pushed to `<spider>:start_urls` (a Redis list), scheduled as the spider's own."""
        urls = self.server.lpop(self._key("start_urls"), batch) or []
        make = getattr(self.spider, "pushed_request", None) or (lambda url: Request(url, callback=self.spider.parse))
        requests = [make(url.decode()) for url in urls]
        return sum(self.enqueue_request(request) for request in requests if request is not None)

    def _recover(self) -> int:
        """Re-queue the in-flight pages of dead workers; return how many."""
        now = time.monotonic()
        if now - self.last_recovery < 1:
            return 0
        self.last_recovery = now
        recovered: list[str] = []
        for worker in self._dead_workers():
            self._adopt_feed_tail(worker)
            recovered += self._requeue(worker)
            self.server.srem(self._key("workers"), worker)
            self.server.hdel(self._key("feeds"), worker)
        if recovered:
            self.stats.inc_value("redis/recovered_requests", len(recovered))
            # The URLs too: they are the only pages a dead worker can cause to be fetched twice.
            self.spider.logger.warning("Re-queued %d pages a dead worker had in flight: %s",
                                       len(recovered), " ".join(recovered))
        return len(recovered)

    def _adopt_feed_tail(self, worker: str) -> None:
        """A dead worker's last articles may be in its feed without their dedup rows (a kill
        between the line and the commit): read the end of its feeds, when they are local files
        on this host, so that the re-fetch of their pages emits them no second time."""
        dedup = self.crawler.get_extension(DedupStoreExtension)
        if dedup is None:  # dedup off: nothing is kept from coming out twice
            return
        registered = self.server.hget(self._key("feeds"), worker)
        paths = json.loads(registered) if registered else None
        if paths is not None and worker.split(":", 1)[0] == socket.gethostname():
            dedup.adopt(urls_at_end_of_every(paths))
        else:
            self.stats.inc_value("redis/recovered_feed_unreadable")
            self.spider.logger.warning("The feeds of dead worker %s cannot be read from here: an article it wrote "
                                       "just before it died may come out again", worker)

    def _requeue(self, worker: str) -> list[str]:
        """Put a worker's in-flight pages back on the shared queue; return their URLs."""
        key = self._key("inflight", worker)
        requests = [self._decode(encoded) for encoded in self.server.hvals(key)]
        for request in requests:
            # Already in the seen-filter: only dont_filter gets it queued again. Fetched even
            # if its article is known (dont_dedup): not every link of the page may be queued.
            self.queue.push(request.replace(dont_filter=True, meta={**request.meta, "dont_dedup": True}))
        self.server.delete(key)
        return [request.url for request in requests]
