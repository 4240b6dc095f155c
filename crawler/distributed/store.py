"""The dedup store on Redis, shared by every crawler process of a crawl.

The same lookups as the SQLite store: URL keys, exact hashes, and MinHash band keys as
Redis sets, so a lookup is 32 set reads whatever the store's size. An article becomes
visible to the other processes when it is committed, i.e. once every feed of this
process has stored it (crawler/feeds.py: FeedLedger); until then only this process sees it. A
process killed in between leaves nothing behind that would hide the article from the
others, and the page it was fetching is re-queued by the scheduler (scheduler.py).
"""
from __future__ import annotations

import time
from typing import Iterable

import numpy as np
import redis
from scrapy_redis.connection import get_redis

from ..dedup.fingerprint import Fingerprint, band_keys, pack_marks, unpack_marks
from ..dedup.store import Stored


class RedisStore:
    def __init__(self, url: str | None = None, prefix: str = "dedup") -> None:
        self.server: redis.Redis = get_redis(url=url) if url else get_redis()
        self.prefix = prefix
        self.pending: dict[str, tuple[str, Fingerprint, float]] = {}  # url -> (key, fingerprint, time)

    @classmethod
    def from_crawler(cls, crawler) -> "RedisStore":
        return cls(url=crawler.settings.get("REDIS_URL"), prefix=crawler.settings.get("DEDUP_REDIS_PREFIX", "dedup"))

    def _k(self, *parts: object) -> str:
        return ":".join((self.prefix, *map(str, parts)))

    def url_seen(self, key: str, newer_than: float | None = None) -> str | None:
        for url, (pending_key, _, added) in self.pending.items():
            if pending_key == key and added >= (newer_than or 0):
                return url
        found = self.server.hmget(self._k("url", key), "url", "added")
        if found[0] and float(found[1] or 0) >= (newer_than or 0):
            return found[0].decode()
        return None

    def find_exact(self, exact: str) -> str | None:
        for url, (_, fingerprint, _) in self.pending.items():
            if fingerprint.exact == exact:
                return url
        found = self.server.get(self._k("exact", exact))
        return found.decode() if found else None

    def near_candidates(self, fingerprint: Fingerprint) -> list[Stored]:
        keys = band_keys(fingerprint.signature)
        candidates = [Stored(0, url, fp.size, fp.signature, fp.marks) for url, (_, fp, _) in self.pending.items()
                      if set(band_keys(fp.signature)) & set(keys)]
        pipe = self.server.pipeline(transaction=False)
        for band in keys:
            pipe.smembers(self._k("band", band))
        urls = set().union(*pipe.execute())
        for url in urls:
            size, signature, marks = self.server.hmget(self._k("article", url.decode()), "size", "signature", "marks")
            if signature:  # an article stored before identifiers were kept has no marks field
                candidates.append(Stored(0, url.decode(), int(size), np.frombuffer(signature, dtype=np.uint32),
                                         unpack_marks((marks or b"").decode())))
        return candidates

    def add(self, key: str, url: str, fingerprint: Fingerprint) -> None:
        self.pending[url] = (key, fingerprint, time.time())

    def commit_pending(self, urls: Iterable[str] | None = None) -> int:
        chosen = list(self.pending) if urls is None else [u for u in urls if u in self.pending]
        pipe = self.server.pipeline(transaction=True)
        for url in chosen:
            key, fingerprint, added = self.pending.pop(url)
            pipe.hset(self._k("url", key), mapping={"url": url, "added": added})
            pipe.set(self._k("exact", fingerprint.exact), url)
            pipe.hset(self._k("article", url), mapping={"size": fingerprint.size,
                                                        "signature": fingerprint.signature.tobytes(),
                                                        "marks": pack_marks(fingerprint.marks)})
            for band in band_keys(fingerprint.signature):
                pipe.sadd(self._k("band", band), url)
        pipe.execute()
        return len(chosen)

    def settle_pending(self, written_urls: set[str]) -> tuple[int, int]:
        """Forget this process's pending articles (a run's start has none: nothing pending
        survives a process, see the module docstring; at its end they are the ones a feed
        failed to store)."""
        dropped = len(self.pending)
        self.pending.clear()
        return 0, dropped

    def has_pending(self) -> bool:
        return bool(self.pending)

    def close(self) -> None:
        self.server.close()
