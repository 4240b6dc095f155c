"""The robustness drills: bad pages, a faulty site, and a crawl killed and resumed.

Each drill returns its figures; `scrapy robustness` prints them, the tests assert them.
Pages are made from the people.cn fixtures and testbench/synthetic.py; servers are the
fixture proxy on 127.0.0.1 (with testbench/faults.py for the faulty site).
"""
from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from crawler.extract import NotArticle, extract
from . import FIXTURES_DIR, ROOT
from .faults import Fault, gzip_bomb
from .fixtureproxy import FixtureProxy
from .synthetic import SyntheticSite

ARTICLE_URL = "http://politics.people.com.cn/n1/2024/0612/c1001-{}.html"


def _nested(depth: int) -> bytes:
    return b"<html><head><title>t</title></head><body>" + b"<div>" * depth + b"x" + b"</div>" * depth + b"</body></html>"


def bad_pages() -> dict[str, tuple[bytes, str, set[str] | None]]:
    """name -> (body, Content-Type, the NotArticle reasons acceptable; None: still an article)."""
    article = (FIXTURES_DIR / "people" / "politics_n1" / "page.html").read_bytes()
    listing = (FIXTURES_DIR / "people" / "home" / "page.html").read_bytes()
    filler = ("<p>" + "评论区的留言" * 40 + "</p>").encode("gbk")
    return {
        "empty": (b"", "text/html", {"empty"}),
        "png-as-html": (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40, "text/html", {"binary"}),
        "zip-as-html": (b"PK\x03\x04\x14\x00" + bytes(range(256)) * 40, "text/html", {"binary"}),
        "truncated": (article[: int(len(article) * 0.8)], "text/html; charset=GBK", None),
        "unclosed-and-stray-html": (article.replace(b"</h1>", b"</h1></html></body><div><p>").replace(b"</p>", b""),
                                    "text/html; charset=GBK", None),
        "20mb": (article.replace(b"</body>", filler * (20_000_000 // len(filler)) + b"</body>"), "text/html",
                 {"too_large"}),
        "nested-100000": (_nested(100_000), "text/html", {"too_deep", "no_article_body", "no_title"}),
        "nulls-and-invalid-utf8": (article.replace(b"<p>", b"<p>\x00\xff\xfe\x00", 6), "text/html", None),
        "header-contradicts-meta": (article, "text/html; charset=utf-8", None),
        "unknown-meta-charset": (article.replace(b"GB2312", b"x-klingon-1"), "text/html", None),
        "200-saying-404": ("<html><head><title>404 页面不存在_人民网</title></head><body><p>抱歉，您访问的页面不存在。"
                           "</p><a href='/'>返回首页</a></body></html>".encode(), "text/html; charset=utf-8",
                           {"error_page"}),
        "javascript-shell": (b"<html><head><title>Loading</title><script src='/app.js'></script></head>"
                             b"<body><div id='root'></div><noscript>enable JavaScript</noscript></body></html>",
                             "text/html", {"no_article_body", "no_title"}),
        "no-title": ("<html><body><div><p>今天的会议讨论了明年的工作安排，与会人员就重点项目的推进交换了意见，"
                     "会议要求各部门按照时间节点抓好落实。</p></div></body></html>".encode(), "text/html", {"no_title"}),
        "list-page-on-article-url": (listing, "text/html; charset=GBK", {"list_page", "no_article_body"}),
    }


@dataclass
class Drill:
    name: str
    tried: int = 0
    crashes: int = 0
    lost: int | None = 0  # None: cannot say, the crawl did not finish
    duplicates: int = 0
    notes: list[str] = field(default_factory=list)


def bad_input_drill() -> Drill:
    """Every bad page through extract(): an article or a NotArticle with an expected reason."""
    drill = Drill("bad inputs")
    for name, (body, content_type, reasons) in bad_pages().items():
        drill.tried += 1
        try:
            extract(body, ARTICLE_URL.format(1), content_type=content_type)
            outcome = None
        except NotArticle as exc:
            outcome = exc.reason
        except Exception as exc:  # the drill counts what the extractor must never do
            drill.crashes += 1
            drill.notes.append(f"{name}: {exc!r}")
            continue
        if (reasons is None) != (outcome is None) or (reasons and outcome not in reasons):
            drill.lost += reasons is None
            drill.notes.append(f"{name}: got {outcome or 'an article'}")
    return drill


# article index -> how its server misbehaves; the other articles are healthy
FAULTS = {
    10: dict(kind="status", status=503, times=1),     # transient: retried, then fetched
    11: dict(kind="status", status=500, times=2),
    12: dict(kind="retry-after", delay=1, times=1),   # 429 with Retry-After: 1, honoured
    13: dict(kind="trickle", delay=0.05),             # slow but complete
    14: dict(kind="status", status=502),              # permanent failures from here on
    15: dict(kind="reset"),
    16: dict(kind="hang", delay=30),            # far past DOWNLOAD_TIMEOUT: every try times out
    17: dict(kind="short-body"),
    18: dict(kind="redirect-loop"),
    19: dict(kind="gzip-bomb"),
}


class FaultySite(SyntheticSite):
    """20 articles, half of them behind one fault each."""

    def __init__(self) -> None:
        super().__init__(20)
        gzip_bomb()  # built before the crawl: compressing it must not stall the proxy mid-crawl
        self.articles = sorted((k for k in self.pages if "/n1/" in k), key=lambda k: int(re.search(r"-(\d+)\.html", k)[1]))
        for index, spec in FAULTS.items():
            page = self.pages[self.articles[index]]
            self.pages[self.articles[index]] = Fault(body=page.body, content_type=page.content_type, **spec)

    def fetchable(self) -> set[str]:
        return {f"http://{key}" for i, key in enumerate(self.articles)
                if i not in FAULTS or FAULTS[i].get("times") or FAULTS[i]["kind"] == "trickle"}


def _scrapy(args: list[str], proxy: FixtureProxy, **popen) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "scrapy", *args], cwd=ROOT,
                            env={**os.environ, **proxy.proxy_env()}, text=True, **popen)


def _urls(path: Path) -> tuple[list[str], int]:
    """The URLs in a JSON Lines feed, and how many of its lines are half-written."""
    urls, broken = [], 0
    for line in path.read_text("utf-8").splitlines() if path.exists() else []:
        try:
            urls.append(json.loads(line)["url"])
        except ValueError:
            broken += 1
    return urls, broken


def fault_drill(workdir: Path) -> tuple[Drill, str]:
    """Crawl the faulty site; return the drill and the crawl's log."""
    site = FaultySite()
    proxy = FixtureProxy(site).start_in_thread()
    out = workdir / "faults.jsonl"
    try:
        # DOWNLOAD_TIMEOUT leaves a healthy page (and the trickle, 0.5 s) room on a loaded
        # machine, where the proxy shares the cores with the crawl; the hang outlasts it.
        process = _scrapy(["crawl", "people", "-O", str(out), "-s", "AUTOTHROTTLE_ENABLED=False",
                           "-s", f"DEDUP_STORE_PATH={workdir / 'faults.sqlite'}", "-s", "DOWNLOAD_TIMEOUT=5",
                           "-s", "RETRY_TIMES=2"], proxy, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, log = process.communicate(timeout=300)
    finally:
        proxy.shutdown()
    drill = Drill("faulty site", tried=len(FAULTS), crashes=int(process.returncode != 0))
    emitted, _ = _urls(out)
    lost = sorted(site.fetchable() - set(emitted))
    drill.lost = len(lost)
    drill.notes += [f"lost {url}" for url in lost]
    drill.duplicates = len(emitted) - len(set(emitted))
    return drill, log


class KillGate:
    """The kill drill's site. Once the running crawl has been served `quota` articles that
    no run was served before, every further request waits until the drill has killed it:
    each killed run made that much progress, however fast or slow the machine is."""

    def __init__(self, site: SyntheticSite) -> None:
        self.site = site
        self.first_served: set[str] = set()
        self.fetches: Counter[str] = Counter()  # pages, not robots.txt (once per run, by design)
        self.lock = threading.Lock()
        self.reached = threading.Event()
        self.released = threading.Event()

    def start_run(self, quota: int) -> None:
        with self.lock:
            self.quota, self.new = quota, 0
            self.reached, self.released = threading.Event(), threading.Event()

    def find(self, url: str):
        with self.lock:
            reached, released = self.reached.is_set(), self.released
            if not reached and not url.endswith("/robots.txt"):
                self.fetches[url] += 1
                if "/n1/" in url and url not in self.first_served:
                    self.first_served.add(url)
                    self.new += 1
                    if self.new >= self.quota:
                        self.reached.set()
        if reached:
            released.wait()
            return None  # for a crawl that is dead by now
        return self.site.find(url)


def resume_drill(workdir: Path, articles: int = 100, seed: int = 11, quota: tuple[int, int] = (15, 30),
                 run_timeout: float = 300) -> tuple[Drill, int]:
    """A JOBDIR crawl SIGKILLed after a random number (`quota`) of new articles, resumed until it
    finishes by itself. Every killed run progressed, so it finishes within articles / quota[0] + 1
    runs; if not, the drill says it did not finish (lost is None). Returns the drill (tried = runs)
    and how many times it was killed."""
    site = SyntheticSite(articles)
    expected = {f"http://{key}" for key in site.pages if "/n1/" in key}
    gate = KillGate(site)
    proxy = FixtureProxy(gate).start_in_thread()
    out, rng, kills, finished = workdir / "resume.jsonl", random.Random(seed), 0, False
    args = ["crawl", "people", "-o", f"{out}:jsonlines", "-s", f"JOBDIR={workdir / 'job'}",
            "-s", f"DEDUP_STORE_PATH={workdir / 'resume.sqlite'}", "-s", "AUTOTHROTTLE_ENABLED=False",
            "-s", "CONCURRENT_REQUESTS=8", "-s", "LOG_LEVEL=INFO", "-s", f"LOG_FILE={workdir / 'resume.log'}"]
    drill = Drill("kill -9 and resume")
    try:
        for _ in range(articles // quota[0] + 2):
            drill.tried += 1
            gate.start_run(rng.randint(*quota))
            process = _scrapy(args, proxy, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            deadline = time.monotonic() + run_timeout  # a safety bound, not a guess at the speed
            while not gate.reached.wait(0.1) and process.poll() is None and time.monotonic() < deadline:
                pass
            if process.poll() is not None:
                drill.crashes += int(process.returncode != 0)
                finished = process.returncode == 0
                if finished:
                    break
                continue
            process.send_signal(signal.SIGKILL)
            process.wait()
            gate.released.set()
            if not gate.reached.is_set():
                drill.notes.append(f"run {drill.tried} stalled for {run_timeout:.0f} s")
                break
            kills += 1
    finally:
        gate.released.set()
        proxy.shutdown()
    emitted, broken = _urls(out)
    if broken and finished:  # a killed last run may leave one; the next run would cut it
        drill.notes.append(f"{broken} half-written lines in the output")
    drill.duplicates = len(emitted) - len(set(emitted))
    if finished:
        drill.lost = len(expected - set(emitted))
    else:
        drill.lost = None
        drill.notes.append(f"did not finish in {drill.tried} runs ({len(set(emitted) & expected)} of {articles} articles so far)")
    drill.notes.append(f"killed {kills} times; {sum(n > 1 for n in gate.fetches.values())} pages fetched again")
    return drill, kills
