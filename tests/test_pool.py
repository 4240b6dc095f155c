"""Extraction in worker processes (crawler/extract/pool.py), with real processes: the same
items and counts as in the reactor thread, a failure costs its page only, and no worker
outlives its crawl, whether the crawl finishes, loses a worker or is SIGKILLed."""
import asyncio
import json
import multiprocessing
import os
import re
import signal
import subprocess
import sys
import threading
import time
import types
import uuid
from pathlib import Path
from typing import Callable

import pytest
from itemadapter import ItemAdapter
from scrapy.exceptions import UsageError
from scrapy.utils.test import get_crawler

from crawler.extract import ExtractOptions, NotArticle, extract
from crawler.extract import pool as pool_module
from crawler.dedup.fingerprint import Fingerprint, fingerprint_of
from crawler.extract.pool import ExtractionFailed, ExtractionPool, worker_count
from crawler.extract.worker import extract_and_fingerprint_in_worker, extract_in_worker
from testbench.fixtureproxy import FixtureProxy
from testbench.synthetic import SyntheticSite
from tests import pool_tasks
from tests.conftest import ROOT, fixture_pages, fixture_url, run_scrapy

BOUND = 120  # s, a safety bound on waiting for processes to go, never a guess at the speed


class Stats:
    def __init__(self) -> None:
        self.values: dict[str, int] = {}

    def inc_value(self, key: str, count: int = 1) -> None:
        self.values[key] = self.values.get(key, 0) + count


class Crawler:
    def __init__(self) -> None:
        self.stats = Stats()


def _articles() -> list[tuple[bytes, str, str | None]]:
    pages = []
    for folder in fixture_pages("article"):
        meta = json.loads((folder / "meta.json").read_text("utf-8"))
        pages.append(((folder / "page.html").read_bytes(), meta["url"], meta.get("content_type")))
    return pages


def _extract_all(pool: ExtractionPool, pages) -> list:
    async def run():
        try:
            return await asyncio.gather(*(pool.extract_body(*page) for page in pages), return_exceptions=True)
        finally:
            pool.close()  # in the loop, as at spider_closed
    return asyncio.run(run())


def test_a_worker_exception_or_death_costs_its_page_only(tmp_path):
    pages = _articles()[:8]
    body, _, content_type = pages[0]
    once = f"http://politics.people.com.cn/die-once?{tmp_path / 'died'}"
    faulty = [(body, f"http://politics.people.com.cn/{end}", content_type) for end in ("raise", "die")]
    crawler = Crawler()
    pool = ExtractionPool(2, ExtractOptions(), [], crawler, task=pool_tasks.faulty)
    *results, raised, died, retried = _extract_all(pool, pages + faulty + [(body, once, content_type)])
    assert results == [extract(b, u, content_type=c) for b, u, c in pages]  # the pages beside them, intact
    assert isinstance(raised, ExtractionFailed) and raised.kind == "Picky" and "on purpose" in raised.detail
    # .../die killed a worker, and the one that took it again: lost. .../die-once killed one:
    # extracted by the next. Only those two were extracted again, never the pages beside them.
    assert isinstance(died, ExtractionFailed) and died.kind == "WorkerDied"
    assert retried == extract(body, once, content_type=content_type)
    assert crawler.stats.values == {"extract/pool/started": 2 + 3, "extract/pool/died": 3, "extract/pool/retried": 2}
    assert multiprocessing.active_children() == []


def test_workers_that_die_as_they_start_stop_being_started_and_each_page_is_counted(monkeypatch):
    # The task lives in a module the worker cannot import (as when the crawl's sys.path did
    # not reach it, the Scrapyd case): each worker dies unpickling it, before it is ready.
    unreachable = types.ModuleType("unreachable_tasks")
    exec("def task(body, url, content_type):\n    return None", unreachable.__dict__)
    monkeypatch.setitem(sys.modules, "unreachable_tasks", unreachable)
    crawler = Crawler()
    pool = ExtractionPool(1, ExtractOptions(), [], crawler, task=unreachable.task)
    outcomes = _extract_all(pool, _articles()[:3])
    assert [(type(o), o.kind) for o in outcomes] == [(ExtractionFailed, "WorkerDied")] * 3
    assert crawler.stats.values == {"extract/pool/started": pool_module.START_TRIES,
                                    "extract/pool/died": pool_module.START_TRIES}
    assert multiprocessing.active_children() == []


def test_pages_left_when_the_pool_closes_fail_counted_and_no_worker_stays():
    crawler = Crawler()
    pool = ExtractionPool(1, ExtractOptions(), [], crawler)
    pages = _articles()[:3]

    async def run():
        futures = [asyncio.ensure_future(pool.extract_body(*page)) for page in pages]
        done, _ = await asyncio.wait(futures, return_when=asyncio.FIRST_COMPLETED)  # one answered: the rest wait
        pool.close()  # a forced stop
        later = pool.extract_body(*pages[0])
        return await asyncio.gather(*futures, later, return_exceptions=True)

    *outcomes, later = asyncio.run(run())
    assert outcomes[0] == extract(*pages[0][:2], content_type=pages[0][2])  # one worker: pages go in order
    assert [(type(o), o.kind) for o in (*outcomes[2:], later)] == [(ExtractionFailed, "PoolClosed")] * 2
    assert multiprocessing.active_children() == []


def test_rejections_cross_the_process_boundary_whole():
    crawler = Crawler()
    pool = ExtractionPool(1, ExtractOptions(), [], crawler)
    [outcome] = _extract_all(pool, [(b"<html><head><title>404 Not Found</title></head><body></body></html>",
                                     "http://politics.people.com.cn/n1/2024/0101/c1-1.html", "text/html")])
    assert isinstance(outcome, NotArticle) and outcome.reason == "error_page"


def test_workers_fingerprint_each_article_as_the_dedup_pipeline_would():
    pages = _articles()[:4]
    pool = ExtractionPool(2, ExtractOptions(), [], Crawler(), task=extract_and_fingerprint_in_worker)
    for article in _extract_all(pool, pages):
        content, title, taken = getattr(article, "_dedup_fingerprint")
        assert (content, title) == (article.content, article.title)
        expected = Fingerprint.of(article.content, article.title)
        assert (taken.exact, taken.size, taken.marks) == (expected.exact, expected.size, expected.marks)
        assert (taken.signature == expected.signature).all()
        assert fingerprint_of(article, article.content, article.title) == (taken, True)
        assert "_dedup_fingerprint" not in ItemAdapter(article).asdict()  # no feed sees it


def test_the_workers_fingerprint_only_when_the_crawl_deduplicates():
    def task(pipelines):
        crawler = get_crawler(settings_dict={"ITEM_PIPELINES": pipelines, "EXTRACT_WORKERS": 0})
        return ExtractionPool.from_crawler(crawler, ExtractOptions()).serve_args[2]
    assert task({"crawler.dedup.pipeline.DedupPipeline": 300}) is extract_and_fingerprint_in_worker
    assert task({"crawler.dedup.pipeline.DedupPipeline": None}) is extract_in_worker


def test_a_worker_that_cannot_load_the_profiles_counts_each_page(tmp_path):
    pool = ExtractionPool(1, ExtractOptions(), [str(tmp_path / "gone")], Crawler())
    outcomes = _extract_all(pool, _articles()[:2])
    assert [(type(o), o.kind) for o in outcomes] == [(ExtractionFailed, "ProfileError")] * 2


def test_worker_count(monkeypatch):
    monkeypatch.setattr(pool_module, "usable_cores", lambda: 1)
    assert worker_count("auto", 16) == 0  # one core: workers would only add pickling
    monkeypatch.setattr(pool_module, "usable_cores", lambda: 8)
    assert (worker_count("auto", 16), worker_count("AUTO", 4), worker_count("3", 16), worker_count(0, 16)) == (8, 4, 3, 0)
    for bad in ("-1", "many", "1.5"):
        with pytest.raises(UsageError, match="EXTRACT_WORKERS"):
            worker_count(bad, 16)


# Crawls: every process a crawl starts inherits this tag, so the test finds them all.
def _tag() -> dict[str, str]:
    return {"POOL_TEST_TAG": uuid.uuid4().hex}


def _tagged(tag: dict[str, str]) -> list[int]:
    """Live processes (not zombies) carrying the tag."""
    marker = f"POOL_TEST_TAG={tag['POOL_TEST_TAG']}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and marker in (entry / "environ").read_bytes().split(b"\0"):
                found.append(int(entry.name))
        except OSError:
            pass
    return found


def _until(done: Callable[[], object]) -> None:
    """Poll `done` until it holds, for at most BOUND seconds (a safety bound, not a timing)."""
    deadline = time.monotonic() + BOUND
    while not done() and time.monotonic() < deadline:
        time.sleep(0.05)


def _gone(tag: dict[str, str]) -> list[int]:
    """The tagged processes still alive once they had BOUND seconds to exit ([] is the goal)."""
    _until(lambda: not _tagged(tag))
    return _tagged(tag)


def _workers(pid: int) -> list[int]:
    """The extraction worker processes of the crawl `pid` (spawned: their command line says so)."""
    children = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid \
                    and b"spawn_main" in (entry / "cmdline").read_bytes():
                children.append(int(entry.name))
        except (OSError, IndexError, ValueError):
            pass
    return children


def _stats(log: str) -> dict[str, int]:
    dump = log.split("Dumping Scrapy stats:", 1)[1]
    return {key: int(value) for key, value in re.findall(r"'([^']+)': (\d+)[,}]", dump[:dump.index("}") + 1])}


# Namespaced counts that must not depend on where extraction runs.
COUNTED = re.compile(r"^(?:extract/|drift/|dedup/|noise/|pages/|resume/|feed/|incremental/|item_scraped_count$|"
                     r"item_dropped_count$|response_received_count$|downloader/request_count$|downloader/response_status_count/)")
# Depend on which page finishes first, with the pool or without (downloads finish in any
# order too): a link to an article emitted earlier in the run is skipped as known
# (dedup/url/skipped) when its article is out, else met by the seen-requests filter;
# either way it is not fetched, which response_received_count shows. The pool's own counts.
ORDER_DEPENDENT = re.compile(r"^(?:dedup/url/skipped$|extract/pool/)")

SPIDERS = {
    # every fixture: site profiles, the fallback, rejections, near-duplicates, multi-page
    # chains met from a later page (generic) ...
    "generic": lambda: ["generic", "-a", "urls=" + ",".join(sorted(fixture_url(f) for f in fixture_pages()))],
    # ... and a site spider, following its links to a multi-page article from page 1.
    "people": lambda: ["people"],
}


@pytest.mark.parametrize("spider", sorted(SPIDERS))
def test_a_crawl_with_the_pool_emits_the_same_items_and_counts_as_without(spider, fixture_proxy, tmp_path):
    # With a JOBDIR (the resume journal) and a feed (the feed ledger: rows committed once the
    # feed has the item). The fixtures hold near-duplicates, and which one comes first (the
    # original) follows which extraction finishes first: every item is kept, and compared
    # without duplicate_of, and without crawled_at (the clock).
    runs = {}
    for workers in ("0", "2"):
        out, tag = tmp_path / f"{workers}.jsonl", _tag()
        result = run_scrapy(["crawl", *SPIDERS[spider](), "-o", f"{out}:jsonlines", "-s", f"JOBDIR={tmp_path / workers}",
                             "-s", "AUTOTHROTTLE_ENABLED=False", "-s", f"EXTRACT_WORKERS={workers}", "-s", "LOG_LEVEL=INFO",
                             "-s", "DEDUP_KEEP_DUPLICATES=True", "-s", f"DEDUP_STORE_PATH={tmp_path / (workers + '.sqlite')}"],
                            env_extra={**fixture_proxy.proxy_env(), **tag})
        assert result.returncode == 0, result.stderr[-3000:]
        assert _gone(tag) == []  # no worker outlives the crawl
        items = sorted((json.loads(line) for line in out.read_text("utf-8").splitlines()), key=lambda i: i["url"])
        for item in items:
            del item["crawled_at"], item["duplicate_of"]
        stats = _stats(result.stderr)
        runs[workers] = items, {k: v for k, v in stats.items() if COUNTED.match(k) and not ORDER_DEPENDENT.match(k)}, stats
    (off_items, off_counts, off_stats), (on_items, on_counts, on_stats) = runs["0"], runs["2"]
    assert "extract/pool/started" not in off_stats and on_stats["extract/pool/started"] == 2
    assert "extract/pool/died" not in on_stats
    # The workers fingerprinted the articles for the dedup pipeline; a joined chain's is its own.
    assert 0 < on_stats["extract/pool/fingerprinted"] < on_stats["item_scraped_count"]
    assert "extract/pool/fingerprinted" not in off_stats
    assert any(k.startswith("extract/rejected/") for k in off_counts) and any(k.startswith("drift/") for k in off_counts)
    assert off_counts["pages/merged"] >= 1 and max(item["pages"] for item in off_items) > 1  # a chain ran
    assert len(off_items) >= (20 if spider == "generic" else 3)
    differing = {on["url"]: {k: (on.get(k), off.get(k)) for k in on.keys() | off.keys() if on.get(k) != off.get(k)
                             and k not in ("content", "content_html")} for on, off in zip(on_items, off_items) if on != off}
    assert [i["url"] for i in on_items] == [i["url"] for i in off_items]
    assert on_items == off_items, differing
    assert on_counts == off_counts


def test_under_another_reactor_the_crawl_extracts_in_the_reactor_thread(fixture_proxy, tmp_path):
    out = tmp_path / "out.jsonl"
    result = run_scrapy(["crawl", "people", "-O", f"{out}:jsonlines", "-s", "EXTRACT_WORKERS=2",
                         "-s", "TWISTED_REACTOR=twisted.internet.epollreactor.EPollReactor", "-s", "AUTOTHROTTLE_ENABLED=False",
                         "-s", "LOG_LEVEL=INFO", "-s", f"DEDUP_STORE_PATH={tmp_path / 'dedup.sqlite'}"],
                        env_extra=fixture_proxy.proxy_env())
    assert result.returncode == 0, result.stderr[-3000:]
    assert "EXTRACT_WORKERS needs the asyncio reactor" in result.stderr
    stats = _stats(result.stderr)
    assert "extract/pool/started" not in stats and not [key for key in stats if key.startswith("extract/error/")]
    assert stats["item_scraped_count"] == len(out.read_text("utf-8").splitlines()) >= 3


class Gate:
    """Serves `site`; once `quota` articles are served, holds every further request until released."""

    def __init__(self, site: SyntheticSite, quota: int) -> None:
        self.site, self.quota, self.served = site, quota, 0
        self.lock = threading.Lock()
        self.reached, self.released = threading.Event(), threading.Event()

    def find(self, url: str):
        with self.lock:
            hold = self.reached.is_set()
            if not hold and "/n1/" in url:
                self.served += 1
                if self.served >= self.quota:
                    self.reached.set()
        if hold:
            self.released.wait()
        return self.site.find(url)


@pytest.fixture
def gated():
    site = SyntheticSite(30)
    gate = Gate(site, quota=10)
    proxy = FixtureProxy(gate).start_in_thread()
    yield site, gate, proxy
    gate.released.set()
    proxy.shutdown()


def _crawl(proxy, tmp_path, tag) -> subprocess.Popen:
    args = ["crawl", "people", "-O", str(tmp_path / "out.jsonl"), "-s", "AUTOTHROTTLE_ENABLED=False",
            "-s", "EXTRACT_WORKERS=2", "-s", f"DEDUP_STORE_PATH={tmp_path / 'dedup.sqlite'}", "-s", "LOG_LEVEL=INFO"]
    # The log goes to a file: a pipe would stay open as long as any process holding it lives.
    return subprocess.Popen([sys.executable, "-m", "scrapy", *args, "-s", f"LOG_FILE={tmp_path / 'crawl.log'}"], cwd=ROOT,
                            env={**os.environ, **proxy.proxy_env(), **tag}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _at_the_gate(gate: Gate, process: subprocess.Popen) -> list[int]:
    """Once the crawl is held at the gate: its extraction workers (asserted to exist)."""
    assert gate.reached.wait(BOUND), "the crawl never got to the gate"
    _until(lambda: _workers(process.pid) or process.poll() is not None)
    workers = _workers(process.pid)
    assert workers, "the crawl started no worker process"
    return workers


def test_a_killed_worker_is_replaced_and_costs_no_page(gated, tmp_path):
    site, gate, proxy = gated
    tag = _tag()
    process = _crawl(proxy, tmp_path, tag)
    try:
        workers = _at_the_gate(gate, process)
        os.kill(workers[0], signal.SIGKILL)  # idle, or extracting a page: either way no page may be lost
        _until(lambda: workers[0] not in _workers(process.pid))
        gate.released.set()
        process.wait(timeout=BOUND)
    finally:
        process.kill()
    log = (tmp_path / "crawl.log").read_text("utf-8")
    assert process.returncode == 0, log[-3000:]
    emitted = [json.loads(line)["url"] for line in (tmp_path / "out.jsonl").read_text("utf-8").splitlines()]
    assert sorted(emitted) == sorted(f"http://{key}" for key in site.pages if "/n1/" in key)
    stats = _stats(log)
    # The crawl saw that worker die and started another; a page it had was extracted again.
    assert stats["extract/pool/died"] == 1 and stats["extract/pool/started"] == 3
    assert stats.get("extract/pool/retried", 0) <= 1
    assert not [key for key in stats if key.startswith("extract/error/")]
    assert _gone(tag) == []


def test_a_sigkilled_crawl_leaves_no_worker_behind(gated, tmp_path):
    _, gate, proxy = gated
    tag = _tag()
    process = _crawl(proxy, tmp_path, tag)
    try:
        _at_the_gate(gate, process)
        process.kill()
        process.wait()
    finally:
        process.kill()
    assert _gone(tag) == []
