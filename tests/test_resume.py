"""A JOBDIR crawl killed with SIGKILL at random points and resumed until done: every
article exactly once in the union of its output, no half-written line."""
import json
import os
import random
import signal
import subprocess
import sys
import time

from benchmarks.crawl import SyntheticSite
from crawler.feeds import trim_partial_line
from crawler.fixtureproxy import FixtureProxy
from tests.conftest import ROOT

ARTICLES = 240


def test_killed_and_resumed_crawl_emits_every_article_once(tmp_path):
    site = SyntheticSite(ARTICLES)
    expected = {url for url, page in _article_urls(site)}
    proxy = FixtureProxy(site, delay=0.01).start_in_thread()
    out, jobdir = tmp_path / "out.jsonl", tmp_path / "job"
    command = [sys.executable, "-m", "scrapy", "crawl", "people", "-o", f"{out}:jsonlines",
               "-s", f"JOBDIR={jobdir}", "-s", f"DEDUP_STORE_PATH={tmp_path / 'd.sqlite'}",
               "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS=8", "-s", "LOG_LEVEL=INFO"]
    rng = random.Random(11)
    kills = 0
    try:
        for _ in range(15):
            process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **proxy.proxy_env()},
                                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            try:
                process.wait(timeout=rng.uniform(1.0, 3.0))
                break  # finished on its own
            except subprocess.TimeoutExpired:
                process.send_signal(signal.SIGKILL)
                process.wait()
                kills += 1
        else:
            raise AssertionError("the crawl never finished")
        assert process.returncode == 0, process.stderr.read()[-3000:]
    finally:
        proxy.shutdown()
    assert kills >= 2, "the test must really kill the crawl mid-way"
    lines = out.read_text("utf-8").splitlines()
    urls = [json.loads(line)["url"] for line in lines]  # every line whole
    assert len(urls) == len(set(urls)), "an article was emitted twice"
    assert set(urls) == expected, f"{len(expected - set(urls))} articles lost"


def _article_urls(site):
    return [(f"http://{key}", page) for key, page in site.pages.items() if "/n1/" in key]


def test_trim_partial_line(tmp_path):
    path = tmp_path / "f.jsonl"
    path.write_bytes(b'{"a": 1}\n{"b": 2}\n{"c": ')
    assert trim_partial_line(path) == 6
    assert path.read_bytes() == b'{"a": 1}\n{"b": 2}\n'
    assert trim_partial_line(path) == 0
    path.write_bytes(b'{"half')
    trim_partial_line(path)
    assert path.read_bytes() == b""
