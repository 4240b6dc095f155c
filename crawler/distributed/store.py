"""The dedup store on Redis, shared by every crawler process of a crawl.

The same lookups as the SQLite store, in the same compact format (crawler/dedup/compact.py):
an article's record (checks, size, time, 4-bit signature, URL and identifiers deflated) is
appended to a chunk string of 32 records, and its 34 slots (32 band keys, URL key, exact
hash) are 4-byte entries appended to 2^20 bucket strings. A lookup reads its buckets, then
the records whose tags agree, in one Lua script: the pipeline's `lookup` (URL keys, exact
hash, bands) is one round trip, and its cost does not grow with the store.

An article becomes visible to the other processes when it is committed, i.e. once every
feed of this process has stored it (crawler/feeds.py: FeedLedger); until then only this
process sees it. A process killed in between leaves nothing behind that would hide the
article from the others, and the page it was fetching is re-queued by the scheduler.

Layouts of before (a set per band key, a hash per URL; then hashes of 1,024 records with
6-byte entries) are not read: their articles are forgotten, see the README's Deduplication
section.
"""
from __future__ import annotations

import logging
import time
from typing import Iterable

import numpy as np
import redis
from scrapy_redis.connection import get_redis

from ..dedup.compact import HEADER_TAG, LOW_BITS, TAG_BITS, Record, grouped, records, slot_hash, slots, text
from ..dedup.fingerprint import Fingerprint, band_keys
from ..dedup.store import Lookup, Stored, answer, places_of

logger = logging.getLogger(__name__)
CHUNK_BITS = 5  # 32 records a chunk string: a key's ~80 bytes spread over them
_HEADERS = """
local function headers(words)
  local found, at = {}, string.find(words, '\\255', 1, true)
  while at do
    if (at - 1) % 4 == 0 and string.byte(words, at + 1) % 16 == 15 then found[#found + 1] = at end
    at = string.find(words, '\\255', at + 1, true)
  end
  return found
end
local function generation(words, at)
  return math.floor(struct.unpack('<I4', words, at) / TAG_SPAN)
end
"""
# ARGV: the buckets' key prefix, the chunks' key prefix, then the places packed (bucket u32,
# tag u16 each): three arguments, not 2 x 35, since packing them cost the client more than
# the script costs the server. (The keys are named inside the script, which a single Redis
# server allows, not a cluster; scrapy-redis runs on one server.) Returns {hits, records...}:
# hits packed (place index u8, article u32) for each entry of its tag (a tag is 12 bits of
# a word: its low byte searched as a string, the nibble checked), then article and record for
# each article met.
_FIND = _HEADERS + """
local function record(article)
  local chunk = redis.call('GET', ARGV[2] .. math.floor(article / CHUNK))
  local at, index = 1, article % CHUNK
  while chunk and at <= #chunk do
    local i, length = struct.unpack('<BI2', chunk, at)
    if i == index then return string.sub(chunk, at + 3, at + 2 + length) end
    at = at + 3 + length
  end
  return false
end
local hits, found, seen = {}, {''}, {}
for n = 1, #ARGV[3] / 6 do
  local bucket, tag = struct.unpack('<I4I2', ARGV[3], 6 * n - 5)
  local words = redis.call('GET', ARGV[1] .. bucket)
  local low, high, heads = string.char(tag % 256), math.floor(tag / 256), nil
  local at = words and string.find(words, low, 1, true)
  while at do
    if (at - 1) % 4 == 0 and string.byte(words, at + 1) % 16 == high then
      heads = heads or headers(words)
      local upper = 0
      for _, h in ipairs(heads) do if h < at then upper = generation(words, h) else break end end
      local article = upper * GENERATION + math.floor(struct.unpack('<I4', words, at) / TAG_SPAN)
      if seen[article] == nil then
        seen[article] = record(article)
        if seen[article] then found[#found + 1] = article; found[#found + 1] = seen[article] end
      end
      if seen[article] then hits[#hits + 1] = struct.pack('<BI4', n - 1, article) end
    end
    at = string.find(words, low, at + 1, true)
  end
end
found[1] = table.concat(hits)
return found
"""
# KEYS: buckets; ARGV: each bucket's run and the generation of its first header, dropped
# when the bucket's last block has that generation. Each bucket SET to its old words and the
# new ones, not APPENDed to: APPEND keeps room for as much again (a string grows by
# doubling), SET allocates what the string holds.
_APPEND_RUNS = _HEADERS + """
for n, key in ipairs(KEYS) do
  local old, words = redis.call('GET', key), ARGV[2 * n - 1]
  if old then
    local heads = headers(old)
    if generation(old, heads[#heads]) == tonumber(ARGV[2 * n]) then words = string.sub(words, 5) end
    words = old .. words
  end
  redis.call('SET', key, words)
end
"""
_APPEND = "for i, key in ipairs(KEYS) do redis.call('SET', key, (redis.call('GET', key) or '') .. ARGV[i]) end"
for name, value in (("TAG_SPAN", 1 << TAG_BITS), ("GENERATION", 1 << LOW_BITS), ("CHUNK", 1 << CHUNK_BITS)):
    _FIND, _APPEND_RUNS = (source.replace(name, str(value)) for source in (_FIND, _APPEND_RUNS))
assert HEADER_TAG == 0xFFF  # the scripts find headers by their low byte 255 and nibble 15


class RedisStore:
    def __init__(self, url: str | None = None, prefix: str = "dedup", **connection) -> None:
        """`connection`: redis-py options (e.g. socket_timeout)."""
        self.server: redis.Redis = get_redis(url=url, **connection)
        self.prefix = prefix
        self.pending: dict[str, tuple[str, Fingerprint, float]] = {}  # url -> (key, fingerprint, time)
        self._find = self.server.register_script(_FIND)
        self._append_runs = self.server.register_script(_APPEND_RUNS)
        self._append = self.server.register_script(_APPEND)
        for former in ("band", "a", "b"):  # schema 1's band sets; schema 2's records and buckets
            if next(iter(self.server.scan_iter(match=self._k(former, "*"), count=1000)), None) is not None:
                logger.warning("Redis holds dedup keys of a former layout (%s): they are not read; "
                               "delete them, see the README (Deduplication: store size)", self._k(former, "*"))

    @classmethod
    def from_crawler(cls, crawler) -> "RedisStore":
        return cls(url=crawler.settings.get("REDIS_URL"), prefix=crawler.settings.get("DEDUP_REDIS_PREFIX", "dedup"))

    def _k(self, *parts: object) -> str:
        return ":".join((self.prefix, *map(str, parts)))

    def _lookup(self, keys: list[int], exact: int | None, fingerprint: Fingerprint | None,
                newer_than: float | None = None) -> Lookup:
        """The committed articles' answer (`places_of` these), in one script."""
        places = np.array(places_of(keys, exact, fingerprint), dtype=[("bucket", "<u4"), ("tag", "<u2")])
        hits, *found = self._find(args=[self._k("w", ""), self._k("r", ""), places.tobytes()])
        hits = np.frombuffer(hits, dtype=[("place", "u1"), ("article", "<u4")])
        return answer(keys, exact, fingerprint, newer_than, hits["place"].astype(np.int64), hits["article"].astype(np.int64),
                      {found[n]: Record(found[n + 1]) for n in range(0, len(found), 2)})

    def url_seen(self, key: str, newer_than: float | None = None) -> str | None:
        return self._seen([key], newer_than) or self._lookup([slot_hash(key)], None, None, newer_than).url

    def find_exact(self, exact: str) -> str | None:
        return self._exact(exact) or self._lookup([], slot_hash(exact), None).exact

    def near_candidates(self, fingerprint: Fingerprint) -> list[Stored]:
        return self._near(fingerprint) + self._lookup([], None, fingerprint).candidates

    def lookup(self, keys: Iterable[str], fingerprint: Fingerprint, newer_than: float | None = None) -> Lookup:
        """The three, in one round trip: the buckets of every key, the exact hash and the bands."""
        keys = list(keys)
        shared = self._lookup([slot_hash(k) for k in keys], slot_hash(fingerprint.exact), fingerprint, newer_than)
        return Lookup(self._seen(keys, newer_than) or shared.url, self._exact(fingerprint.exact) or shared.exact,
                      self._near(fingerprint) + shared.candidates)

    # This process's pending articles, answered before the committed ones.
    def _seen(self, keys: list[str], newer_than: float | None) -> str | None:
        for key in keys:
            for url, (pending_key, _, added) in self.pending.items():
                if pending_key == key and added >= (newer_than or 0):
                    return url
        return None

    def _exact(self, exact: str) -> str | None:
        return next((url for url, (_, fingerprint, _) in self.pending.items() if fingerprint.exact == exact), None)

    def _near(self, fingerprint: Fingerprint) -> list[Stored]:
        if not self.pending:
            return []
        keys = set(band_keys(fingerprint.signature))
        return [Stored(0, url, fp.size, fp.signature, fp.marks) for url, (_, fp, _) in self.pending.items()
                if set(band_keys(fp.signature)) & keys]

    def add(self, key: str, url: str, fingerprint: Fingerprint) -> None:
        self.pending[url] = (key, fingerprint, time.time())

    def commit_pending(self, urls: Iterable[str] | None = None) -> int:
        chosen = list(self.pending) if urls is None else [u for u in urls if u in self.pending]
        if not chosen:
            return 0
        entries = [(url, *self.pending[url]) for url in chosen]
        # A new dict, not pops: a dict keeps the table of its largest size, and each lookup
        # reads the pending ones (an emptied dict of 10^6 took 8 ms a lookup to go through).
        committed = set(chosen)
        self.pending = {url: entry for url, entry in self.pending.items() if url not in committed}
        self._write(np.array([slot_hash(key) for _, key, _, _ in entries], dtype=np.uint64),
                    np.array([slot_hash(fp.exact) for _, _, fp, _ in entries], dtype=np.uint64),
                    [text(url, fp.marks) for url, _, fp, _ in entries], np.array([fp.size for _, _, fp, _ in entries]),
                    np.array([int(added) for *_, added in entries]), np.stack([fp.signature for _, _, fp, _ in entries]))
        return len(chosen)

    def add_committed(self, keys: np.ndarray, exacts: np.ndarray, texts: list[bytes], sizes: np.ndarray,
                      signatures: np.ndarray) -> None:
        """As SQLiteStore.add_committed: a bulk import, visible to every process at once."""
        self._write(keys, exacts, texts, sizes, np.full(len(texts), int(time.time())), signatures)

    def _write(self, keys: np.ndarray, exacts: np.ndarray, texts: list[bytes], sizes: np.ndarray, added: np.ndarray,
               signatures: np.ndarray) -> None:
        """n articles in one transaction: numbered, their records appended to their chunks,
        their entries to their buckets."""
        last = self.server.incrby(self._k("ids"), len(texts))
        ids = np.arange(last - len(texts) + 1, last + 1, dtype=np.int64)
        chunks: dict[str, list[bytes]] = {}
        for article, data in zip(ids.tolist(), records(keys, exacts, sizes, added, signatures, texts)):
            chunks.setdefault(self._k("r", article >> CHUNK_BITS), []).append(
                bytes([article & ((1 << CHUNK_BITS) - 1)]) + len(data).to_bytes(2, "little") + data)
        runs = grouped(ids, *slots(keys, exacts, signatures))
        pipe = self.server.pipeline(transaction=True)
        chunk_keys = list(chunks)
        # Scripts of 10,000 keys: a batch touches a bucket once, but that is still ~34
        # buckets an article, and a command each cost the client more than the server.
        for start in range(0, len(chunk_keys), 10000):
            part = chunk_keys[start: start + 10000]
            self._append(keys=part, args=[b"".join(chunks[k]) for k in part], client=pipe)
        for start in range(0, len(runs), 10000):
            part = runs[start: start + 10000]
            self._append_runs(keys=[self._k("w", bucket) for bucket, *_ in part],
                              args=[value for _, words, _, first in part for value in (bytes(words), first)], client=pipe)
        pipe.execute()

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
