"""Many processes, one crawl: `scrapy crawl` workers sharing a real redis-server."""
import json
import logging
import os
import pickle
import re
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
import redis
from scrapy.settings import Settings

from crawler import settings as project_settings
from crawler.dedup.urls import url_key
from crawler.distributed.addon import RedisAddon
from testbench.fixtureproxy import FixtureProxy
from testbench.synthetic import SyntheticSite
from tests.conftest import ROOT, fixture_pages, fixture_url, fixture_urls, run_scrapy

ARTICLES = 300
CONCURRENCY = 4


@pytest.fixture(scope="module")
def site():
    """A made-up people.cn of 300 articles and 100 list pages, slow enough to catch mid-way."""
    synthetic = SyntheticSite(ARTICLES)
    proxy = FixtureProxy(synthetic, delay=0.05).start_in_thread()
    yield synthetic, proxy
    proxy.shutdown()


def article_urls(synthetic: SyntheticSite) -> set[str]:
    return {f"http://{key}" for key in synthetic.pages if "/n1/" in key}


def worker_args(n: int, redis_url: str, tmp_path, *extra: str) -> list[str]:
    """`scrapy crawl people` as worker n: feed w{n}.jsonl, log w{n}.log."""
    return ["crawl", "people", "-O", str(tmp_path / f"w{n}.jsonl"), "-s", f"REDIS_URL={redis_url}",
            "-s", "AUTOTHROTTLE_ENABLED=False", "-s", f"CONCURRENT_REQUESTS={CONCURRENCY}",
            "-s", "REDIS_WORKER_TTL=3", "-s", "REDIS_IDLE_BEFORE_CLOSE=3",
            "-s", "LOG_LEVEL=INFO", "-s", f"LOG_FILE={tmp_path / f'w{n}.log'}", *extra]


def start_worker(n: int, redis_url: str, proxy: FixtureProxy, tmp_path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "scrapy", *worker_args(n, redis_url, tmp_path, *extra)],
                            cwd=ROOT, env={**os.environ, **proxy.proxy_env()})


def feed_urls(tmp_path, workers: int) -> list[list[str]]:
    feeds = [tmp_path / f"w{n}.jsonl" for n in range(workers)]
    return [[json.loads(line)["url"] for line in feed.read_text("utf-8").splitlines()] if feed.exists() else []
            for feed in feeds]


def page_fetches(proxy: FixtureProxy, since: int) -> Counter:
    return Counter(url for url in proxy.requested[since:] if not url.endswith("/robots.txt"))


def test_the_addon_switches_to_scrapy_redis_only_when_redis_url_is_set():
    plain = Settings({"SCHEDULER": "scrapy.core.scheduler.Scheduler", "DEDUP_STORE": "crawler.dedup.store.SQLiteStore"})
    RedisAddon().update_settings(plain)
    assert plain["SCHEDULER"] == "scrapy.core.scheduler.Scheduler"
    assert plain["DEDUP_STORE"] == "crawler.dedup.store.SQLiteStore"

    shared = Settings({"REDIS_URL": "redis://127.0.0.1:6379/0"}, priority="project")
    RedisAddon().update_settings(shared)
    assert shared["SCHEDULER"] == "crawler.distributed.scheduler.RecoveringScheduler"
    assert shared["DUPEFILTER_CLASS"] == "crawler.distributed.dupefilter.UrlKeyRedisDupeFilter"
    assert shared["DEDUP_STORE"] == "crawler.distributed.store.RedisStore"
    assert "crawler.distributed.inflight.InflightMiddleware" in shared.getdict("SPIDER_MIDDLEWARES")

    command_line = Settings({"REDIS_URL": "redis://h/0"}, priority="project")
    command_line.set("SCHEDULER_QUEUE_CLASS", "scrapy_redis.queue.FifoQueue", priority="cmdline")
    RedisAddon().update_settings(command_line)
    assert command_line["SCHEDULER_QUEUE_CLASS"] == "scrapy_redis.queue.FifoQueue"  # -s still wins


# The Bloom filter sized for 10,000 URLs at 0.001: with this site's ~400 its expected
# false positives are ~1e-13, so every page must be fetched, as with the exact set.
SEEN_FILTERS = {"set": (), "bloom": ("-s", "REDIS_SEEN_FILTER=bloom", "-s", "REDIS_BLOOM_CAPACITY=10000",
                                     "-s", "REDIS_BLOOM_ERROR_RATE=0.001")}


@pytest.mark.parametrize("seen_filter", list(SEEN_FILTERS))
def test_two_workers_fetch_every_page_once_and_emit_every_article_once(site, redis_url, tmp_path, seen_filter):
    synthetic, proxy = site
    since = len(proxy.requested)
    workers = [start_worker(n, redis_url, proxy, tmp_path, *SEEN_FILTERS[seen_filter]) for n in range(2)]
    assert [w.wait(240) for w in workers] == [0, 0]

    feeds = feed_urls(tmp_path, 2)
    emitted = feeds[0] + feeds[1]
    assert all(feeds), f"both workers should share the work: {[len(f) for f in feeds]}"
    assert len(emitted) == len(set(emitted)) == ARTICLES
    assert set(emitted) == article_urls(synthetic)
    fetches = page_fetches(proxy, since)
    assert max(fetches.values()) == 1, [url for url, n in fetches.items() if n > 1]
    assert len(fetches) >= ARTICLES + 100
    # The last worker out cleared the shared queue and seen-filter for the next crawl.
    assert not redis.Redis.from_url(redis_url).keys("people:*")


def test_a_killed_worker_leaves_its_pages_to_the_other(site, redis_url, tmp_path):
    synthetic, proxy = site
    since = len(proxy.requested)
    victim, survivor = (start_worker(n, redis_url, proxy, tmp_path) for n in range(2))
    deadline = time.monotonic() + 120  # a safety bound: the kill comes after 20 articles
    while len(feed_urls(tmp_path, 1)[0]) < 20 and victim.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(feed_urls(tmp_path, 1)[0]) >= 20, "the victim should be killed mid-way, after 20 articles"
    victim.send_signal(signal.SIGKILL)
    assert victim.wait(30) == -signal.SIGKILL
    # Its in-flight record, if we read it before the survivor re-queues it (once the heartbeat expires).
    client = redis.Redis.from_url(redis_url)
    at_kill = {pickle.loads(entry)["url"] for key in client.keys("people:inflight:*")
               if f":{victim.pid}:".encode() in key for entry in client.hvals(key)}
    assert survivor.wait(240) == 0

    feeds = feed_urls(tmp_path, 2)
    emitted = feeds[0] + feeds[1]
    assert feeds[1], "the survivor should have emitted the rest"
    assert set(emitted) == article_urls(synthetic), "an article was lost"
    # A page is fetched twice only if it was in the victim's in-flight record when it was
    # killed (downloading, or its response waiting in the scraper): the survivor re-queued it.
    log = (tmp_path / "w1.log").read_text("utf-8")
    recovered = {url for line in re.findall(r"Re-queued \d+ pages a dead worker had in flight: (.*)", log)
                 for url in line.split()}
    assert not at_kill or recovered == at_kill  # empty: recovered before we looked
    refetched = {url for url, n in page_fetches(proxy, since).items() if n > 1}
    assert refetched <= recovered
    assert len(emitted) == len(set(emitted)), "an article came out twice"


def test_a_worker_killed_between_a_feed_line_and_its_dedup_commit_emits_it_once(site, redis_url, tmp_path):
    """The kill falls in the one window between the feed and the store: the 20th article's
    line is in the victim's feed, its dedup rows are not in Redis and its page is still in
    the victim's in-flight record. The survivor re-fetches the page, finds the article at the
    end of the dead worker's feed (a local file on this host) and drops it as `recovered`."""
    synthetic, proxy = site
    extensions = {**project_settings.EXTENSIONS, "testbench.kills.KillAfterFeedLine": 1000}
    victim = start_worker(0, redis_url, proxy, tmp_path, "-s", "KILL_AFTER_ITEMS=20",
                          "-s", f"EXTENSIONS={json.dumps(extensions)}")
    assert victim.wait(240) == -signal.SIGKILL
    killed_on = feed_urls(tmp_path, 1)[0][-1]
    assert len(feed_urls(tmp_path, 1)[0]) == 20
    client = redis.Redis.from_url(redis_url)
    in_flight = {pickle.loads(entry)["url"] for key in client.keys("people:inflight:*") for entry in client.hvals(key)}
    assert killed_on in in_flight
    assert start_worker(1, redis_url, proxy, tmp_path).wait(240) == 0

    feeds = feed_urls(tmp_path, 2)
    emitted = feeds[0] + feeds[1]
    assert len(emitted) == len(set(emitted)), "an article came out twice"
    assert set(emitted) == article_urls(synthetic), "an article was lost"
    log = (tmp_path / "w1.log").read_text("utf-8")
    assert "'dedup/dropped/recovered': 1," in log
    assert f"already in the feed of a worker that died: {killed_on}" in log


def test_start_urls_pushed_to_redis_are_crawled(fixture_proxy, redis_url, tmp_path):
    """The generic spider, given no URLs, takes them from generic:start_urls."""
    urls = [fixture_url(folder) for folder in fixture_pages("article")[:3]]
    client = redis.Redis.from_url(redis_url)
    client.rpush("generic:start_urls", *urls, "http://127.0.0.1/private.html")
    out = tmp_path / "pushed.jsonl"
    result = run_scrapy(["crawl", "generic", "-O", str(out), "-s", f"REDIS_URL={redis_url}",
                         "-s", "REDIS_IDLE_BEFORE_CLOSE=1", "-s", "AUTOTHROTTLE_ENABLED=False"],
                        env_extra=fixture_proxy.proxy_env())
    assert result.returncode == 0, result.stderr[-3000:]
    emitted = {json.loads(line)["url"] for line in out.read_text("utf-8").splitlines()}
    assert emitted == set(urls)
    assert "'redis/start_urls_refused': 1" in result.stderr
    assert client.llen("generic:start_urls") == 0


@pytest.mark.parametrize("flush_on_finish", [True, False], ids=["cleared-on-finish", "left-behind"])
def test_the_next_crawl_on_redis_fetches_list_pages_again_and_skips_emitted_articles(
        flush_on_finish, fixture_proxy, redis_url, tmp_path):
    """Whether the last crawl cleared its seen-filter or left it behind (as an unclean end
    does), the next one starts afresh: it finds nothing queued and nobody at work."""
    def crawl(name: str):
        out = tmp_path / f"{name}.jsonl"
        result = run_scrapy(["crawl", "municipal", "-a", "site=ziyang", "-O", str(out), "-s", f"REDIS_URL={redis_url}",
                             "-s", "REDIS_IDLE_BEFORE_CLOSE=1", "-s", "AUTOTHROTTLE_ENABLED=False",
                             "-s", f"REDIS_FLUSH_ON_FINISH={flush_on_finish}"],
                            env_extra=fixture_proxy.proxy_env())
        assert result.returncode == 0, result.stderr[-3000:]
        return out.read_text("utf-8").splitlines(), result.stderr

    articles = fixture_urls("ziyang", "article")
    first, _ = crawl("first")
    second, stderr = crawl("second")  # the shared seen-filter was cleared; the dedup store was not
    assert len(first) == len(articles) and not second
    assert f"'dedup/url/skipped': {len(articles)}" in stderr
    assert "'extract/rejected/list_page'" in stderr


def test_a_worker_stopped_early_hands_its_pages_back_and_a_later_one_finishes(site, redis_url, tmp_path):
    """A worker that stops before the end (here a limit; Ctrl-C alike) leaves the shared queue
    in Redis with its unfinished pages back on it; one started later takes the crawl up."""
    synthetic, proxy = site
    first = run_scrapy(worker_args(0, redis_url, tmp_path, "-s", "CLOSESPIDER_ITEMCOUNT=40"), env_extra=proxy.proxy_env())
    log = (tmp_path / "w0.log").read_text("utf-8")
    assert first.returncode == 0 and "'finish_reason': 'closespider_itemcount'" in log
    assert redis.Redis.from_url(redis_url).zcard("people:requests") > 0
    assert start_worker(1, redis_url, proxy, tmp_path).wait(240) == 0

    feeds = feed_urls(tmp_path, 2)
    emitted = feeds[0] + feeds[1]
    assert len(feeds[0]) >= 40 and feeds[1]
    assert len(emitted) == len(set(emitted)) and set(emitted) == article_urls(synthetic)


def test_a_page_counts_as_handled_only_once_its_items_have_left_the_pipelines():
    import asyncio

    from scrapy import Request, signals
    from scrapy.http import HtmlResponse
    from scrapy.utils.test import get_crawler

    from crawler.distributed.inflight import InflightMiddleware, page_handled

    crawler = get_crawler()
    middleware = InflightMiddleware.from_crawler(crawler)
    middleware.spider_opened(None)
    handled = []
    crawler.signals.connect(lambda request: handled.append(request.url), signal=page_handled, weak=False)
    response = HtmlResponse("http://x.cn/list.html", request=Request("http://x.cn/list.html"), body=b"")

    async def output():
        yield {"url": "http://x.cn/a.html"}
        yield Request("http://x.cn/b.html")

    async def take_all_and_schedule():
        taken = [o async for o in middleware.process_spider_output(response, output())]
        crawler.signals.send_catch_log(signals.request_scheduled, request=taken[1], spider=None)
        assert handled == []  # engine.crawl has not yet handed the link to the scheduler
        await asyncio.sleep(0)
        return taken

    assert len(asyncio.run(take_all_and_schedule())) == 2
    assert handled == []  # output taken and link queued, but its item is still in the pipelines
    crawler.signals.send_catch_log(signals.item_scraped, item={}, response=response, spider=None)
    assert handled == ["http://x.cn/list.html"]

    empty = HtmlResponse("http://x.cn/404.html", request=Request("http://x.cn/404.html"), body=b"")

    async def nothing():
        return
        yield

    async def take_none():
        return [o async for o in middleware.process_spider_output(empty, nothing())]

    assert asyncio.run(take_none()) == [] and handled[-1] == "http://x.cn/404.html"


def test_the_end_of_a_feed_is_read_back_whatever_its_lines_length(tmp_path):
    from crawler.feeds import local_feed_paths, urls_at_end_of_every

    feed = tmp_path / "w0.jsonl"
    lines = [json.dumps({"url": f"http://a.test/{n}", "content": "文" * (n * 3000)}, ensure_ascii=False)
             for n in range(40)]  # lines of up to ~350 KB, longer than the read's block
    feed.write_text("\n".join(lines) + "\n" + '{"url": "http://a.test/half', "utf-8")
    assert urls_at_end_of_every([str(feed)], lines=16) == {f"http://a.test/{n}" for n in range(25, 40)}
    other = tmp_path / "w0-copy.jsonl"
    other.write_text("\n".join(lines[-3:]) + "\n", "utf-8")
    assert urls_at_end_of_every([str(feed), str(other)]) == {f"http://a.test/{n}" for n in range(37, 40)}
    assert urls_at_end_of_every([str(tmp_path / "missing.jsonl")]) == set()
    assert local_feed_paths({"out.jsonl": {}, f"file://{feed}": {}}) == [str(Path("out.jsonl").absolute()), str(feed)]
    assert local_feed_paths({"out.jsonl": {}, "s3://bucket/out.jsonl": {}}) is None
    assert local_feed_paths({"out-%(time)s.jsonl": {}}) is None


@pytest.mark.parametrize("registered", ["null", "elsewhere"], ids=["unreadable-feed", "other-host"])
def test_a_dead_workers_feed_that_cannot_be_read_here_is_said_and_counted(redis_url, tmp_path, registered, caplog):
    """Its last article may then come out again: the scheduler warns and counts it."""
    from types import SimpleNamespace

    from scrapy.utils.test import get_crawler

    from crawler.dedup.runtime import DedupStoreExtension
    from crawler.distributed.scheduler import RecoveringScheduler

    feed = tmp_path / "w0.jsonl"
    feed.write_text(json.dumps({"url": "http://a.test/1"}) + "\n", "utf-8")
    host = "other-host" if registered == "elsewhere" else socket.gethostname()
    worker = f"{host}:1234:abcdef"
    client = redis.Redis.from_url(redis_url)
    client.hset("people:feeds", worker, "null" if registered == "null" else json.dumps([str(feed)]))
    crawler = get_crawler(settings_dict={"DEDUP_STORE_PATH": str(tmp_path / "dedup.sqlite")})
    dedup = DedupStoreExtension.from_crawler(crawler)
    crawler.get_extension = lambda cls: dedup
    spider = SimpleNamespace(name="people", logger=logging.getLogger("people"))
    scheduler = SimpleNamespace(crawler=crawler, server=client, stats=crawler.stats, spider=spider,
                                _key=lambda *parts: ":".join(("people", *parts)))
    with caplog.at_level(logging.WARNING):
        RecoveringScheduler._adopt_feed_tail(scheduler, worker)
    assert dedup.adopted == {}
    assert crawler.stats.get_value("redis/recovered_feed_unreadable") == 1
    assert f"The feeds of dead worker {worker} cannot be read from here" in caplog.text

    client.hset("people:feeds", worker, json.dumps([str(feed)]))
    same_host = f"{socket.gethostname()}:1234:abcdef"
    client.hset("people:feeds", same_host, json.dumps([str(feed)]))
    RecoveringScheduler._adopt_feed_tail(scheduler, same_host)
    assert dedup.adopted_as({url_key("http://a.test/1")}) == "http://a.test/1"
    dedup.close()
