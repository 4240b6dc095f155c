"""The shared seen-filter's Bloom option on a real redis-server: its false-positive rate is
the one configured, it never forgets a URL, and its check stays one atomic step with the push."""
import random

import pytest
import redis
from scrapy import Request, Spider
from scrapy_redis.queue import FifoQueue

from crawler.distributed.dupefilter import Bloom, KnownCache, UrlKeyRedisDupeFilter
from crawler.distributed.scheduler import QueueScripts


def bloom_filter(redis_url: str, capacity: int, error_rate: float) -> UrlKeyRedisDupeFilter:
    return UrlKeyRedisDupeFilter(redis.Redis.from_url(redis_url), key="t:dupefilter", bloom=Bloom(capacity, error_rate))


@pytest.mark.parametrize("error_rate", [0.01, 0.05])
def test_the_measured_false_positive_rate_is_the_configured_one(redis_url, error_rate):
    capacity = 10_000
    df = bloom_filter(redis_url, capacity, error_rate)
    rng = random.Random(7)
    stored = [f"{rng.getrandbits(128):032x}" for _ in range(capacity)]
    df.add_all(stored)
    assert not any(df.add_all(stored)) and all(df.holds(stored)), "a URL once added is always seen"
    # Fresh URLs are only looked at: adding them would fill the filter beyond its capacity.
    fresh = [f"{rng.getrandbits(128):032x}" for _ in range(capacity)]
    measured = sum(df.holds(fresh)) / capacity
    # 100 or 500 false positives expected; binomial spread at most 22: 30 % is > 4 sigma.
    assert error_rate * 0.7 <= measured <= error_rate * 1.3, measured
    assert abs(df.bloom.rate_at(capacity) - error_rate) < error_rate * 0.1
    assert df.server.strlen(df.key) == pytest.approx(df.bloom.bits / 8, abs=1)


def test_the_size_follows_capacity_and_rate_and_is_refused_past_one_redis_string():
    bloom = Bloom(100_000_000, 0.0001)
    assert 228 < bloom.bits / 8 / 2**20 < 230 and bloom.probes == 13  # 19.2 bits a URL
    assert "0.0001 at 100000000 URLs" in bloom.describe()
    with pytest.raises(ValueError, match="one Redis string"):
        Bloom(1_000_000_000, 0.0001)
    with pytest.raises(ValueError):
        Bloom(10, 1.5)


def test_request_seen_and_the_schedulers_check_and_push_use_the_same_bits(redis_url):
    df = bloom_filter(redis_url, 1000, 0.001)
    queue = FifoQueue(df.server, spider=Spider("t"), key="%(spider)s:requests", serializer=None)
    scripts = QueueScripts(df.server, queue, bloom=True)
    request = Request("http://x.cn/a.html?utm_source=feed")
    fingerprint = df.request_fingerprint(request)

    def push(fingerprint: str) -> int:
        offsets = df.bloom.offsets(fingerprint) if fingerprint else []
        return scripts.enqueue(keys=[df.key, queue.key], args=[fingerprint, b"entry", 0, *offsets])

    assert push(fingerprint) == 1 and push(fingerprint) == 0
    assert push("") == 1  # dont_filter bypasses the filter
    assert df.server.llen(queue.key) == 2
    assert df.request_seen(Request("http://x.cn/a.html"))  # the same URL key
    assert not df.request_seen(Request("http://x.cn/b.html")) and df.request_seen(Request("http://x.cn/b.html"))
    df.clear()
    assert not df.server.exists(df.key)


def test_the_workers_cache_of_seen_urls_is_bounded():
    known = KnownCache(limit=3)
    for fingerprint in "abcd":
        known.add(fingerprint)
    assert len(known) <= 3 and "d" in known  # forgotten here, still seen in Redis
