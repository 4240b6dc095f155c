"""Crawl throughput: the full pipeline against a no-op spider over the same local site.

    python -m benchmarks.crawl [--articles 5000]

nginx on 127.0.0.1, in its own process, serves a made-up people.cn (testbench/synthetic.py)
from files written beforehand (benchmarks/nginx_site.py; `apt-get install -y nginx`). Both
runs are real `scrapy crawl` processes with nginx as their http proxy, as a user runs them,
and follow the same links, so they fetch the same pages; pages per second and peak RSS
come from each run's stats.
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.cpu import own_cpu_seconds, tree_cpu_seconds
from benchmarks.nginx_site import NginxSite
from testbench.fixtureproxy import FixtureProxy
from testbench.synthetic import LISTS, SyntheticSite

ROOT = Path(__file__).resolve().parent.parent
# The local site needs no politeness: the benchmarks measure the crawler, not the throttle.
FAST = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS=16", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16"]
SAMPLE = 0.5  # seconds between CPU samples: the last half second of a run is not counted


def run(args: list[str], proxy: FixtureProxy | NginxSite, workdir: Path, name: str | None = None) -> dict:
    """One real `scrapy ...` run: its stats, its wall seconds, its CPU seconds with its
    extraction workers', and the crawl process's own (the reactor thread's share, which
    bounds pages per second); CPU sampled from /proc every SAMPLE seconds."""
    name = name or args[0]
    log = workdir / f"{name}.log"
    env = {**os.environ, **proxy.proxy_env()}
    settings = [*FAST, "-s", f"DEDUP_STORE_PATH={workdir / (name + '.sqlite')}", "-s", "LOG_LEVEL=INFO",
                "-s", f"LOG_FILE={log}"]
    start = time.monotonic()
    process = subprocess.Popen([sys.executable, "-m", "scrapy", *args, *settings], cwd=ROOT, env=env)
    cpu = own = 0.0
    while process.poll() is None:
        cpu, own = max(cpu, tree_cpu_seconds(process.pid)), max(own, own_cpu_seconds(process.pid))
        time.sleep(SAMPLE)
    if process.returncode:
        raise subprocess.CalledProcessError(process.returncode, process.args)
    wall = time.monotonic() - start
    text = log.read_text("utf-8")
    stats = {"cpu_seconds": cpu, "own_cpu_seconds": own, "wall_seconds": wall}
    for key in ("response_received_count", "elapsed_time_seconds", "memusage/max", "item_scraped_count"):
        match = re.search(rf"'{re.escape(key)}': ([\d.]+)", text)
        stats[key] = float(match.group(1)) if match else 0.0
    return stats


def local_site(doc: str, articles: int) -> tuple[int, FixtureProxy, Path]:
    """--articles from the command line, the made-up site served on 127.0.0.1, a scratch folder."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--articles", type=int, default=articles)
    articles = parser.parse_args().articles
    return articles, FixtureProxy(SyntheticSite(articles)).start_in_thread(), Path(tempfile.mkdtemp(prefix="bench-"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("-s", "--set", action="append", default=[], metavar="NAME=VALUE",
                        help="a setting for the full run, e.g. -s EXTRACT_WORKERS=0")
    options = parser.parse_args()
    articles = options.articles
    workdir = Path(tempfile.mkdtemp(prefix="bench-"))
    server = NginxSite(SyntheticSite(articles).pages, workdir)
    try:
        noop = run(["runspider", str(ROOT / "benchmarks" / "noop_spider.py")], server, workdir)
        full = run(["crawl", "people", "-O", str(workdir / "out.jsonl"), *(a for v in options.set for a in ("-s", v))],
                   server, workdir)
    finally:
        server.shutdown()
    print(f"site: {articles} articles, {LISTS} list pages, served by nginx at {server.url}")
    print(f"{'run':22s} {'pages':>6s} {'items':>6s} {'seconds':>8s} {'pages/s':>8s} {'peak RSS MB':>12s}")
    for name, stats in (("no-op spider", noop), ("full pipeline (people)", full)):
        rate = stats["response_received_count"] / stats["elapsed_time_seconds"]
        print(f"{name:22s} {stats['response_received_count']:6.0f} {stats['item_scraped_count']:6.0f} "
              f"{stats['elapsed_time_seconds']:8.1f} {rate:8.1f} {stats['memusage/max'] / 2**20:12.0f}")
    if noop["response_received_count"] != full["response_received_count"]:
        print("WARNING: the two runs fetched different numbers of pages")
    ratio = (full["response_received_count"] / full["elapsed_time_seconds"]) / (
        noop["response_received_count"] / noop["elapsed_time_seconds"])
    print(f"full / no-op pages per second: {ratio:.2f}")


if __name__ == "__main__":
    main()
