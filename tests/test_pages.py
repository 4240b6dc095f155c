"""Multi-page articles through real `scrapy crawl` runs on the fixture proxy: one item per
article for page 1's URL with every page's text in order, later pages never emitted on
their own, a page that cannot be fetched marked and counted, exactly once across kill -9."""
import json
import os
import signal
import subprocess
import sys
import threading

import pytest
from scrapy.http import HtmlResponse

from crawler.dedup.urls import url_key
from crawler.extract import extract
from testbench.fixtureproxy import FixtureProxy, FixtureSite, load_fixtures
from crawler.spiders.pages import first_page_url, later_page_of, next_page, page_number

from tests.conftest import FIXTURES, ROOT, fixture_pages, fixture_url, run_scrapy

# family/slug of page 1 -> the spider arguments that reach it
CHAINS = {
    "people/multipage_fangxun": ["people"],
    "netease/multipage_jiuye": ["netease"],
    "gov/trs_chungeng": ["generic", "-a", "urls=http://www.baishui.gov.cn/zwgk/zcwj/"],
}


def _chain(first: str) -> list:
    """Page 1's folder, then its later pages' folders in order."""
    family, slug = first.split("/")
    later = sorted((f for f in fixture_pages() if f.parent.name == family and f.name.startswith(slug + "_p")),
                   key=lambda f: int(f.name.rsplit("_p", 1)[1]))
    return [FIXTURES / family / slug, *later]


FANGXUN = _chain("people/multipage_fangxun")


def _meta(folder) -> dict:
    return json.loads((folder / "meta.json").read_text("utf-8"))


def _text(folder) -> str:
    meta = _meta(folder)
    return extract((folder / "page.html").read_bytes(), meta["url"], content_type=meta["content_type"]).content


def _crawl(args, proxy, tmp_path, *extra):
    out = tmp_path / "out.jsonl"
    result = run_scrapy(["crawl", *args, "-O", str(out), "-s", "AUTOTHROTTLE_ENABLED=False",
                         "-s", f"DEDUP_STORE_PATH={tmp_path / 'dedup.sqlite'}", *extra], env_extra=proxy.proxy_env())
    assert result.returncode == 0, result.stderr[-3000:]
    return [json.loads(line) for line in out.read_text("utf-8").splitlines()], result.stderr


def test_page_numbers_of_the_url_families():
    assert page_number("http://a.cn/n1/2024/0611/c1001-40254102.html", "http://a.cn/n1/2024/0611/c1001-40254102-2.html") == 2
    assert page_number("https://www.163.com/news/article/J6K3E0HL000189FH.html",
                       "https://www.163.com/news/article/J6K3E0HL000189FH_2.html") == 2
    assert page_number("http://g.cn/zcwj/202402/t20240226_1201120.html", "http://g.cn/zcwj/202402/t20240226_1201120_1.html") == 1
    assert page_number("http://g.cn/a/t1.html", "http://other.cn/a/t1_1.html") is None
    assert page_number("http://g.cn/a/t1.html", "http://g.cn/a/t12.html") is None
    assert first_page_url("https://www.163.com/news/article/J6K3E0HL000189FH_2.html?x=1") == \
        "https://www.163.com/news/article/J6K3E0HL000189FH.html"


@pytest.mark.parametrize("first", sorted(CHAINS))
def test_bars_link_each_page_to_the_next(first):
    folders = _chain(first)
    urls = [_meta(f)["url"] for f in folders]
    for index, folder in enumerate(folders):
        meta = _meta(folder)
        response = HtmlResponse(meta["url"], body=(folder / "page.html").read_bytes(), headers={"Content-Type": meta["content_type"]})
        current = page_number(urls[0], meta["url"])
        assert next_page(response, urls[0], current) == (urls[index + 1] if index + 1 < len(urls) else None)
        assert later_page_of(response) == (urls[0] if index else None)


@pytest.mark.parametrize("first", sorted(CHAINS))
def test_one_item_with_every_page_in_order(first, fixture_proxy, tmp_path):
    folders = _chain(first)
    # Page 1 is one link from the start: DEPTH_LIMIT=1 must not cut the chain after it.
    items, stderr = _crawl(CHAINS[first], fixture_proxy, tmp_path, "-s", "DEPTH_LIMIT=1")
    by_url = {item["url"]: item for item in items}
    assert len(by_url) == len(items)
    article = by_url[_meta(folders[0])["url"]]
    assert article["pages"] == len(folders) >= 2 and article["pages_missing"] == []
    assert article["content"] == "\n".join(_text(folder) for folder in folders)
    assert not {_meta(f)["url"] for f in folders[1:]} & set(by_url)  # later pages never alone
    assert f"'pages/merged': {len(folders) - 1}" in stderr
    # The scoreboard's gold is page 1: extract() of one page stays one page.
    assert json.loads((folders[0] / "expected.json").read_text("utf-8"))["content"] == _text(folders[0])


class HidingSite(FixtureSite):
    """The fixtures, with some URLs answered 404."""

    def __init__(self, hidden: set[str]) -> None:
        super().__init__(load_fixtures(FIXTURES))
        self.hidden = hidden

    def find(self, url):
        return None if url in self.hidden else super().find(url)


def test_a_page_that_cannot_be_fetched_marks_the_item(tmp_path):
    missing = _meta(FANGXUN[1])["url"]
    proxy = FixtureProxy(HidingSite({missing})).start_in_thread()
    try:
        items, stderr = _crawl(["people"], proxy, tmp_path)
    finally:
        proxy.shutdown()
    article = next(i for i in items if i["url"] == _meta(FANGXUN[0])["url"])
    # The chain stops at the gap: page 3 is reachable only from page 2's bar.
    assert (article["pages"], article["pages_missing"]) == (1, [missing])
    assert article["content"] == _text(FANGXUN[0])
    assert "'pages/missing/failed': 1" in stderr


class StallingSite(FixtureSite):
    """The fixtures; a request for `stall` hangs until released, and says it has arrived."""

    def __init__(self, stall: str) -> None:
        super().__init__(load_fixtures(FIXTURES))
        self.stall, self.reached, self.released = stall, threading.Event(), threading.Event()

    def find(self, url):
        if url == self.stall and not self.released.is_set():
            self.reached.set()
            self.released.wait(300)
        return super().find(url)


def _killed_at_the_last_page(first: list[str], then: list[str]) -> subprocess.CompletedProcess:
    """Run `first` through the fixture proxy and SIGKILL it once it asks for FANGXUN's last
    page (held until then: the item rides in that in-flight request), then run `then` to
    its end and return it."""
    site = StallingSite(_meta(FANGXUN[-1])["url"])
    proxy = FixtureProxy(site).start_in_thread()
    env = {**os.environ, **proxy.proxy_env()}
    try:
        victim = subprocess.Popen(first, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            assert site.reached.wait(240), "the crawl never asked for the chain's last page"
        finally:
            victim.send_signal(signal.SIGKILL)
            victim.wait(60)
        site.released.set()
        return subprocess.run(then, cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)
    finally:
        proxy.shutdown()


def _is_whole(article: dict) -> bool:
    return article["pages"] == len(FANGXUN) and article["content"] == "\n".join(_text(f) for f in FANGXUN)


def test_killed_mid_chain_and_resumed_emits_the_article_once(tmp_path):
    """kill -9 while the chain's last page is being fetched (page 1 and 2 done), then resume
    from JOBDIR: one item, all pages."""
    out = tmp_path / "out.jsonl"
    args = [sys.executable, "-m", "scrapy", "crawl", "people", "-o", f"{out}:jsonlines", "-s", f"JOBDIR={tmp_path / 'job'}",
            "-s", f"DEDUP_STORE_PATH={tmp_path / 'dedup.sqlite'}", "-s", "AUTOTHROTTLE_ENABLED=False"]
    resumed = _killed_at_the_last_page(args, args)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert "resume/rescheduled" in resumed.stderr  # the journal gave page 1 back: the chain was lost
    items = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    urls = [url_key(item["url"]) for item in items]  # the home page links one story with ?spm= too
    assert len(urls) == len(set(urls))  # every article once in the union of both runs
    assert set(urls) == {url_key(fixture_url(f)) for f in fixture_pages("article") if f.parent.name == "people"}, resumed.stderr[-6000:]
    assert _is_whole(next(i for i in items if i["url"] == _meta(FANGXUN[0])["url"]))


def _worker(n: int, redis_url: str, tmp_path) -> list[str]:
    return [sys.executable, "-m", "scrapy", "crawl", "people", "-o", f"{tmp_path / f'w{n}.jsonl'}:jsonlines",
            "-s", f"REDIS_URL={redis_url}", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "REDIS_WORKER_TTL=3",
            "-s", "REDIS_IDLE_BEFORE_CLOSE=3", "-s", f"DEDUP_STORE_PATH={tmp_path / 'unused.sqlite'}"]


def test_a_worker_killed_mid_chain_leaves_the_chain_to_another(redis_url, tmp_path):
    """Redis: worker 0 is SIGKILLed while it fetches the chain's last page; worker 1 recovers
    the request and emits the article, once."""
    survivor = _killed_at_the_last_page(_worker(0, redis_url, tmp_path), _worker(1, redis_url, tmp_path))
    assert survivor.returncode == 0, survivor.stderr[-3000:]
    assert "'redis/recovered_requests'" in survivor.stderr
    items = [json.loads(line) for n in range(2) if (tmp_path / f"w{n}.jsonl").exists()
             for line in (tmp_path / f"w{n}.jsonl").read_text("utf-8").splitlines()]
    [chained] = [i for i in items if i["url"] == _meta(FANGXUN[0])["url"]]
    assert _is_whole(chained)
    assert not {_meta(f)["url"] for f in FANGXUN[1:]} & {i["url"] for i in items}
