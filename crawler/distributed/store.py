"""The dedup store on Redis, shared by every crawler process of a crawl.

The same lookups as the SQLite store, in the same compact format (crawler/dedup/store.py):
an article is a numbered record (its URL, size, 16-bit signature, identifiers, hashes of its
URL key and exact hash) in a hash of 1,024 records, and its 34 slots (32 band keys, URL key,
exact hash) are 6-byte entries added to bucket strings. A lookup reads its buckets, then
the records whose tags agree, and checks them, in one Lua script: the pipeline's `lookup`
(URL keys, exact hash, bands) is one round trip, and its cost does not grow with the store.

An article becomes visible to the other processes when it is committed, i.e. once every
feed of this process has stored it (crawler/feeds.py: FeedLedger); until then only this
process sees it. A process killed in between leaves nothing behind that would hide the
article from the others, and the page it was fetching is re-queued by the scheduler.

The layout of before (a set per band key, a hash per URL) is not read: its articles are
forgotten, see the README's Deduplication section.
"""
from __future__ import annotations

import logging
import struct
import time
from typing import Iterable

import numpy as np
import redis
from scrapy_redis.connection import get_redis

from ..dedup.fingerprint import NUM_PERM, STORED_DTYPE, Fingerprint, band_keys, pack_marks, stored_signature, unpack_marks
from ..dedup.store import EXACT_SLOT, KEY_SLOT, Lookup, Stored, band_places, grouped, in_order, place, slot_hash, slots

logger = logging.getLogger(__name__)
_HEAD = struct.Struct("<QQIdH")  # URL-key hash, exact hash, size, added, URL length
RECORDS = 10  # 2^10 records a Redis hash: its per-key cost spread over them
_SIGNATURE = NUM_PERM  # stored values a record holds

# KEYS: buckets. ARGV: the records' key prefix, then each bucket's tag (2 bytes). Returns
# (bucket's index, article, record) for each entry of the tag, in one round trip: the tag is
# searched as a string, a hit counting only at an entry's tag position (offset 4 of 6).
_FIND = """
local found = {}
for i, key in ipairs(KEYS) do
  local entries = redis.call('GET', key)
  local at = entries and string.find(entries, ARGV[i + 1], 1, true)
  while at do
    if (at - 1) % 6 == 4 then
      local article = struct.unpack('<I4', entries, at - 4)
      local record = redis.call('HGET', ARGV[1] .. math.floor(article / PER_HASH), article % PER_HASH)
      if record then table.insert(found, i - 1); table.insert(found, article); table.insert(found, record) end
    end
    at = string.find(entries, ARGV[i + 1], at + 1, true)
  end
end
return found
""".replace("PER_HASH", str(1 << RECORDS))

# Each bucket SET to its old entries and the new ones, not APPENDed to: APPEND keeps room
# for as much again (a string grows by doubling), SET allocates what the string holds.
_APPEND = "for i, key in ipairs(KEYS) do redis.call('SET', key, (redis.call('GET', key) or '') .. ARGV[i]) end"


def _band_slots(fingerprint: Fingerprint) -> list[tuple[int, int]]:
    buckets, tags = (a[0] for a in band_places(fingerprint.signature))
    return list(zip(buckets.tolist(), tags.tolist()))


def _pack(key: str, url: str, fingerprint: Fingerprint, added: float) -> bytes:
    raw = url.encode()
    return (_HEAD.pack(slot_hash(key), slot_hash(fingerprint.exact), fingerprint.size, added, len(raw)) + raw
            + stored_signature(fingerprint.signature).tobytes() + pack_marks(fingerprint.marks).encode())


def _unpack(article: int, record: bytes) -> tuple[int, int, float, Stored]:
    key, exact, size, added, length = _HEAD.unpack_from(record)
    start = _HEAD.size + length
    signature = np.frombuffer(record, dtype=STORED_DTYPE, count=_SIGNATURE, offset=start)
    marks = record[start + signature.nbytes:].decode()
    url = record[_HEAD.size: start].decode()
    return key, exact, added, Stored(article, url, size, signature, unpack_marks(marks))


class RedisStore:
    def __init__(self, url: str | None = None, prefix: str = "dedup", **connection) -> None:
        """`connection`: redis-py options (e.g. socket_timeout)."""
        self.server: redis.Redis = get_redis(url=url, **connection)
        self.prefix = prefix
        self.pending: dict[str, tuple[str, Fingerprint, float]] = {}  # url -> (key, fingerprint, time)
        self._find = self.server.register_script(_FIND)
        self._append = self.server.register_script(_APPEND)
        if next(iter(self.server.scan_iter(match=self._k("band", "*"), count=1000)), None) is not None:
            logger.warning("Redis holds dedup keys of the former layout (%s): they are not read; "
                           "delete them, see the README (Deduplication: store size)", self._k("band", "*"))

    @classmethod
    def from_crawler(cls, crawler) -> "RedisStore":
        return cls(url=crawler.settings.get("REDIS_URL"), prefix=crawler.settings.get("DEDUP_REDIS_PREFIX", "dedup"))

    def _k(self, *parts: object) -> str:
        return ":".join((self.prefix, *map(str, parts)))

    def _lookup(self, places: list[tuple[int, int]]) -> list[tuple[int, int, tuple[int, int, float, Stored]]]:
        """(slot index, article, record) for each entry with its slot's tag in its slot's bucket."""
        found = self._find(keys=[self._k("b", bucket) for bucket, _ in places],
                           args=[self._k("a", ""), *(tag.to_bytes(2, "little") for _, tag in places)])
        return [(found[n], found[n + 1], _unpack(found[n + 1], found[n + 2])) for n in range(0, len(found), 3)]

    def url_seen(self, key: str, newer_than: float | None = None) -> str | None:
        value = slot_hash(key)
        return self._seen(key, value, newer_than, self._lookup([place(KEY_SLOT, value)]), 0)

    def find_exact(self, exact: str) -> str | None:
        value = slot_hash(exact)
        return self._exact(exact, value, self._lookup([place(EXACT_SLOT, value)]), 0)

    def near_candidates(self, fingerprint: Fingerprint) -> list[Stored]:
        return self._near(fingerprint, self._lookup(_band_slots(fingerprint)), 0)

    def lookup(self, keys: Iterable[str], fingerprint: Fingerprint, newer_than: float | None = None) -> Lookup:
        """The three, in one round trip: the buckets of every key, the exact hash and the bands."""
        keys = list(keys)
        values, exact = [slot_hash(k) for k in keys], slot_hash(fingerprint.exact)
        hits = self._lookup([place(KEY_SLOT, v) for v in values] + [place(EXACT_SLOT, exact)] + _band_slots(fingerprint))
        seen = (self._seen(k, v, newer_than, hits, i) for i, (k, v) in enumerate(zip(keys, values)))
        return Lookup(next(filter(None, seen), None), self._exact(fingerprint.exact, exact, hits, len(keys)),
                      self._near(fingerprint, hits, len(keys) + 1))

    # Answers from this process's pending articles, then from the hits of slot `index` on (`_lookup`).
    def _seen(self, key: str, value: int, newer_than: float | None, hits: list, index: int) -> str | None:
        for url, (pending_key, _, added) in self.pending.items():
            if pending_key == key and added >= (newer_than or 0):
                return url
        return next((s.url for i, _, (k, _, added, s) in hits
                     if i == index and k == value and added >= (newer_than or 0)), None)

    def _exact(self, exact: str, value: int, hits: list, index: int) -> str | None:
        for url, (_, fingerprint, _) in self.pending.items():
            if fingerprint.exact == exact:
                return url
        return next((s.url for i, _, (_, e, _, s) in hits if i == index and e == value), None)

    def _near(self, fingerprint: Fingerprint, hits: list, first: int) -> list[Stored]:
        keys = set(band_keys(fingerprint.signature)) if self.pending else set()
        candidates = [Stored(0, url, fp.size, fp.signature, fp.marks) for url, (_, fp, _) in self.pending.items()
                      if set(band_keys(fp.signature)) & keys]
        bands = [(i - first, article, record) for i, article, record in hits if i >= first]
        pairs = sorted((band, article) for band, article, _ in bands)
        return candidates + in_order(pairs, fingerprint.signature, {a: record[3] for _, a, record in bands})

    def add(self, key: str, url: str, fingerprint: Fingerprint) -> None:
        self.pending[url] = (key, fingerprint, time.time())

    def commit_pending(self, urls: Iterable[str] | None = None) -> int:
        chosen = list(self.pending) if urls is None else [u for u in urls if u in self.pending]
        if not chosen:
            return 0
        last = self.server.incrby(self._k("ids"), len(chosen))
        ids = np.arange(last - len(chosen) + 1, last + 1, dtype=np.uint32)
        entries = [(url, *self.pending[url]) for url in chosen]
        # A new dict, not pops: a dict keeps the table of its largest size, and each lookup
        # reads the pending ones (an emptied dict of 10^6 took 8 ms a lookup to go through).
        committed = set(chosen)
        self.pending = {url: entry for url, entry in self.pending.items() if url not in committed}
        records: dict[str, dict[int, bytes]] = {}
        for article, (url, key, fingerprint, added) in zip(ids.tolist(), entries):
            records.setdefault(self._k("a", article >> RECORDS), {})[article & ((1 << RECORDS) - 1)] = \
                _pack(key, url, fingerprint, added)
        buckets, tags = slots([slot_hash(key) for _, key, _, _ in entries],
                              [slot_hash(fingerprint.exact) for _, _, fingerprint, _ in entries],
                              np.stack([fingerprint.signature for _, _, fingerprint, _ in entries]))
        runs = grouped(ids, buckets, tags)
        pipe = self.server.pipeline(transaction=True)
        for hash_key, mapping in records.items():
            pipe.hset(hash_key, mapping=mapping)
        # The appends in scripts of 10,000: a batch touches a bucket once, but that is still
        # ~34 buckets an article, and a command each cost the client more than the server.
        for start in range(0, len(runs), 10000):
            chunk = runs[start: start + 10000]
            self._append(keys=[self._k("b", bucket) for bucket, _ in chunk], args=[run for _, run in chunk], client=pipe)
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
