"""Seen-filter benchmark: Redis memory per URL and false positives, exact set vs Bloom filter.

    python -m benchmarks.seenfilter [--sizes 100000,1000000] [--error-rate 0.0001]

For each size N, on a throwaway redis-server: N URL fingerprints (random, as our SHA-1 URL
keys are) go into the exact set and into a Bloom filter sized for N at the error rate,
through the same calls the crawl makes; INFO memory's used_memory delta gives bytes per URL.
Then N/10 fingerprints never added are looked up (nothing added) to measure the Bloom
filter's false-positive rate. 10^8 is extrapolated from bytes per URL, and said so.
"""
from __future__ import annotations

import argparse
import random
import time

import redis

from crawler.distributed.dupefilter import Bloom, UrlKeyRedisDupeFilter
from testbench.localservers import redis_server

BATCH = 10000


def fingerprints(count: int, rng: random.Random) -> list[str]:
    return [f"{rng.getrandbits(160):040x}" for _ in range(count)]


def measure(address: str, size: int, bloom: Bloom | None, rng: random.Random) -> tuple[float, float, float | None]:
    """Bytes per URL, URLs added per second, measured false-positive rate (Bloom only)."""
    server = redis.Redis.from_url(address)
    # A key of its own, not a FLUSHALL: freeing millions of members blocked the server past
    # the client's timeout on the loaded machine; the delta of used_memory is what counts.
    df = UrlKeyRedisDupeFilter(server, key=f"bench:{size}:dupefilter", bloom=bloom)
    before = server.info("memory")["used_memory"]
    start = time.perf_counter()
    for done in range(0, size, BATCH):
        df.add_all(fingerprints(min(BATCH, size - done), rng))
    rate = size / (time.perf_counter() - start)
    taken = server.info("memory")["used_memory"] - before
    false = None
    if bloom is not None:
        probes = max(BATCH, size // 10)
        false = sum(df.holds(fingerprints(probes, rng))) / probes
    server.close()
    return taken / size, rate, false


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--error-rate", type=float, default=0.0001)
    args = parser.parse_args()
    rng = random.Random(5)
    print(f"{'filter':28s} {'URLs':>9s} {'bytes/URL':>9s} {'MB':>8s} {'adds/s':>8s} {'false pos.':>10s} "
          f"{'at 10^8 URLs (extrapolated)':>28s}")
    with redis_server() as address:
        for size in [int(s) for s in args.sizes.split(",") if s]:
            per_url, rate, _ = measure(address, size, None, rng)
            print(f"{'set (exact)':28s} {size:9d} {per_url:9.1f} {per_url * size / 2**20:8.1f} {rate:8.0f} {'none':>10s} "
                  f"{per_url * 1e8 / 2**30:24.1f} GB")
            bloom = Bloom(size, args.error_rate)
            per_url, rate, false = measure(address, size, bloom, rng)
            print(f"{f'bloom p={args.error_rate:g}, k={bloom.probes}':28s} {size:9d} {per_url:9.1f} "
                  f"{per_url * size / 2**20:8.1f} {rate:8.0f} {false:10.6f} "
                  f"{Bloom(10**8, args.error_rate).bits / 8 / 2**20:24.0f} MB")


if __name__ == "__main__":
    main()
