"""Crawl throughput on Redis: 1 and 2 worker processes, beside one plain process.

    python -m benchmarks.distributed [--articles 3000]

A proxy on 127.0.0.1 serves a made-up people.cn (testbench/synthetic.py); a real
redis-server is started on a free port. Every run is `scrapy crawl people` as a user runs
it. Pages per second are counted at the site: pages served over the time from the first
to the last, so start-up and the idle wait before closing are left out of every run alike.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import redis

from benchmarks.crawl import FAST, local_site
from testbench.fixtureproxy import FixtureProxy
from testbench.localservers import redis_server
from testbench.synthetic import LISTS

ROOT = Path(__file__).resolve().parent.parent


def crawl(workers: int, redis_url: str | None, proxy: FixtureProxy, workdir: Path) -> dict:
    first = len(proxy.requested)
    settings = [*FAST, "-s", "LOG_LEVEL=WARNING"]
    if redis_url:
        redis.Redis.from_url(redis_url).flushall()
        settings += ["-s", f"REDIS_URL={redis_url}", "-s", "REDIS_IDLE_BEFORE_CLOSE=2"]
    else:
        settings += ["-s", f"DEDUP_STORE_PATH={workdir / f'plain-{workers}.sqlite'}"]
    feeds = [workdir / f"{'redis' if redis_url else 'plain'}-{workers}-{n}.jsonl" for n in range(workers)]
    processes = [subprocess.Popen([sys.executable, "-m", "scrapy", "crawl", "people", "-O", str(feed), *settings],
                                  cwd=ROOT, env={**os.environ, **proxy.proxy_env()}) for feed in feeds]
    if any(process.wait() for process in processes):
        raise SystemExit("a crawl failed")
    served = [t for url, t in zip(proxy.requested[first:], proxy.served_at[first:]) if not url.endswith("/robots.txt")]
    urls = [json.loads(line)["url"] for feed in feeds for line in feed.read_text("utf-8").splitlines()]
    return {"pages": len(served), "seconds": served[-1] - served[0], "items": len(urls), "unique": len(set(urls))}


def main() -> None:
    articles, proxy, workdir = local_site(__doc__, 3000)
    with redis_server() as url:
        runs = {"1 process, no Redis": crawl(1, None, proxy, workdir),
                "1 process on Redis": crawl(1, url, proxy, workdir),
                "2 processes on Redis": crawl(2, url, proxy, workdir)}
    proxy.shutdown()
    print(f"site: {articles} articles, {LISTS} list pages; {os.cpu_count()} cores")
    print(f"{'run':22s} {'pages':>6s} {'items':>6s} {'unique':>6s} {'seconds':>8s} {'pages/s':>8s}")
    for name, run in runs.items():
        run["rate"] = run["pages"] / run["seconds"]
        print(f"{name:22s} {run['pages']:6d} {run['items']:6d} {run['unique']:6d} {run['seconds']:8.1f} {run['rate']:8.1f}")
    base = runs["1 process, no Redis"]["rate"]
    print(f"on Redis, 1 process: {runs['1 process on Redis']['rate'] / base:.2f}x one plain process; "
          f"2 processes: {runs['2 processes on Redis']['rate'] / base:.2f}x")


if __name__ == "__main__":
    main()
