"""The shared seen-requests filter: an exact Redis set (the default) or a Bloom filter.

The set holds every URL key's fingerprint: exact, but its memory grows with the crawl
(benchmarks/seenfilter.py measures ~88 bytes a URL: ~9 GB at 10^8). The Bloom filter is
one Redis string of bits whose size is fixed by REDIS_BLOOM_CAPACITY and
REDIS_BLOOM_ERROR_RATE: it never forgets a URL, but a URL it has not seen is taken for
seen with the chosen probability, and that page is silently not fetched. So it is an
option the user picks, with the rate logged when the crawl starts. The bits are set with
SETBIT in Lua on plain Redis (Debian's redis-server has no RedisBloom).
"""
from __future__ import annotations

import hashlib
import math

from scrapy.exceptions import NotConfigured
from scrapy_redis.dupefilter import RFPDupeFilter

from ..dedup.fingerprinter import UrlKeyFingerprinter

# A Redis string holds at most 512 MB = 2^32 bits.
MAX_BITS = 1 << 32



def bloom_lua(first: int) -> str:
    """Lua setting the bits of KEYS[1] at offsets ARGV[first], ARGV[first + 1], ...; `new`
    counts those that were unset (0: the URL is taken for seen). SETBIT answers the old bit,
    so test and set are one pass, atomic with whatever the script does next."""
    return ("local new = 0\n"
            f"for i = {first}, #ARGV do new = new + (1 - redis.call('SETBIT', KEYS[1], ARGV[i], 1)) end")


BLOOM_ADD = bloom_lua(1) + "\nreturn new > 0 and 1 or 0"  # KEYS: the bits. ARGV: the offsets.


class Bloom:
    """A Bloom filter's geometry: m bits and k probes for n items at false-positive rate p."""

    def __init__(self, capacity: int, error_rate: float) -> None:
        if capacity < 1 or not 0 < error_rate < 1:
            raise ValueError(f"REDIS_BLOOM_CAPACITY {capacity} must be >= 1, REDIS_BLOOM_ERROR_RATE "
                             f"{error_rate} between 0 and 1")
        self.capacity, self.error_rate = capacity, error_rate
        self.bits = math.ceil(-capacity * math.log(error_rate) / math.log(2) ** 2)
        if self.bits > MAX_BITS:
            raise ValueError(f"a Bloom filter for {capacity} URLs at {error_rate} needs {self.bits} bits; "
                             f"one Redis string holds {MAX_BITS}: raise the error rate or lower the capacity")
        self.probes = max(1, round(self.bits / capacity * math.log(2)))

    def offsets(self, fingerprint: str) -> list[int]:
        """k bit positions by double hashing (Kirsch & Mitzenmacher) of the fingerprint."""
        digest = hashlib.blake2b(fingerprint.encode(), digest_size=16).digest()
        h1, h2 = int.from_bytes(digest[:8], "little"), int.from_bytes(digest[8:], "little") | 1
        return [(h1 + i * h2) % self.bits for i in range(self.probes)]

    def rate_at(self, items: int) -> float:
        """The expected false-positive rate once `items` URLs are in."""
        return (1 - math.exp(-self.probes * items / self.bits)) ** self.probes

    def describe(self) -> str:
        return (f"Bloom seen-filter: {self.bits / 8 / 2**20:.1f} MB, {self.probes} probes; false-positive rate "
                f"{self.error_rate:g} at {self.capacity} URLs ({self.rate_at(2 * self.capacity):.2g} at twice that): "
                "each false positive is a page never fetched")


class KnownCache(set):
    """What this process knows is seen, forgotten all at once past `limit` entries (~100 MB at
    the default): only a cache in front of Redis, which still answers for what it forgot, so a
    crawl of 10^8 URLs does not hold them all in each worker."""

    def __init__(self, limit: int = 1_000_000) -> None:
        super().__init__()
        self.limit = limit

    def add(self, fingerprint: str) -> None:
        if len(self) >= self.limit:
            self.clear()
        super().add(fingerprint)


class UrlKeyRedisDupeFilter(RFPDupeFilter):
    """scrapy-redis's shared filter, fingerprinting by our URL key (tracking parameters,
    scheme and mobile hosts folded), as REQUEST_FINGERPRINTER_CLASS does in one process.

    `known` holds what this process already knows is seen: a page links the same pages
    over and over, and the scheduler answers those without a Redis round trip before its
    atomic check-and-push (scheduler.py). The shared set only grows during a crawl."""

    _fingerprinter = UrlKeyFingerprinter()

    def __init__(self, *args, bloom: Bloom | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.known = KnownCache()
        self.bloom = bloom
        if bloom is not None:
            self.key += ":bloom"  # never read a set as bits, or bits as a set
            self._add = self.server.register_script(BLOOM_ADD)

    @classmethod
    def from_spider(cls, spider):
        filter_ = super().from_spider(spider)
        settings = spider.settings
        kind = settings.get("REDIS_SEEN_FILTER", "set")
        if kind == "set":
            return filter_
        if kind != "bloom":
            raise NotConfigured(f"REDIS_SEEN_FILTER is 'set' or 'bloom', not {kind!r}")
        bloom = Bloom(settings.getint("REDIS_BLOOM_CAPACITY"), settings.getfloat("REDIS_BLOOM_ERROR_RATE"))
        spider.logger.warning(bloom.describe())
        return cls(filter_.server, key=filter_.key, debug=filter_.debug, bloom=bloom)

    def request_fingerprint(self, request) -> str:
        return self._fingerprinter.fingerprint(request).hex()

    def request_seen(self, request) -> bool:
        if self.bloom is None:
            return super().request_seen(request)
        return not self._add(keys=[self.key], args=self.bloom.offsets(self.request_fingerprint(request)))

    def add_all(self, fingerprints: list[str]) -> list[bool]:
        """Each fingerprint through the filter in one round trip; True where it was new."""
        pipe = self.server.pipeline(transaction=False)
        for fingerprint in fingerprints:
            if self.bloom is None:
                pipe.sadd(self.key, fingerprint)
            else:
                self._add(keys=[self.key], args=self.bloom.offsets(fingerprint), client=pipe)
        return [bool(new) for new in pipe.execute()]

    def holds(self, fingerprints: list[str]) -> list[bool]:
        """Whether each fingerprint would be taken for seen, adding none: how a false-positive
        rate is measured without filling the filter beyond what it holds."""
        pipe = self.server.pipeline(transaction=False)
        for fingerprint in fingerprints:
            if self.bloom is None:
                pipe.sismember(self.key, fingerprint)
            else:
                for offset in self.bloom.offsets(fingerprint):
                    pipe.getbit(self.key, offset)
        answers = pipe.execute()
        probes = 1 if self.bloom is None else self.bloom.probes
        return [all(answers[i: i + probes]) for i in range(0, len(answers), probes)]

    def clear(self) -> None:
        self.known.clear()
        super().clear()
