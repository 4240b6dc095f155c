"""JOBDIR crawls: no page fetched twice, nothing fetched again once finished, and a crawl
SIGKILLed mid-way and resumed until done emits every article exactly once."""
import json
from collections import Counter

import pytest
from scrapy import Spider
from scrapy.utils.test import get_crawler

from testbench.faults import Fault
from crawler.feeds import trim_partial_line
from testbench.fixtureproxy import FixtureProxy
from crawler.resume import Journal
from testbench.robustness import resume_drill
from testbench.synthetic import SyntheticSite
from tests.conftest import run_scrapy

RETRY_TIMES = 1


@pytest.fixture
def site():
    """40 articles, one cut short (a failed download), one behind a 500, one redirecting to itself."""
    synthetic = SyntheticSite(40)
    articles = sorted(f"http://{key}" for key in synthetic.pages if "/n1/" in key)
    faulty = {articles[0]: ("short-body", RETRY_TIMES + 1), articles[1]: ("status", RETRY_TIMES + 1),
              articles[2]: ("redirect-loop", 1)}
    for url, (kind, _) in faulty.items():
        synthetic.pages[url.split("://", 1)[1]] = Fault(kind, status=500)
    proxy = FixtureProxy(synthetic).start_in_thread()
    yield synthetic, proxy, {url: fetches for url, (_, fetches) in faulty.items()}
    proxy.shutdown()


def crawl(proxy, tmp_path, *extra):
    result = run_scrapy(["crawl", "people", "-o", f"{tmp_path / 'out.jsonl'}:jsonlines", "-s", f"JOBDIR={tmp_path / 'job'}",
                         "-s", f"DEDUP_STORE_PATH={tmp_path / 'dedup.sqlite'}", "-s", "AUTOTHROTTLE_ENABLED=False",
                         "-s", f"RETRY_TIMES={RETRY_TIMES}", "-s", "LOG_LEVEL=INFO", *extra], env_extra=proxy.proxy_env())
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stderr


def test_a_jobdir_crawl_stopped_and_resumed_fetches_each_page_once_and_nothing_once_finished(site, tmp_path):
    synthetic, proxy, faulty = site
    first = crawl(proxy, tmp_path, "-s", "CLOSESPIDER_ITEMCOUNT=10")  # a clean stop mid-way
    assert "'finish_reason': 'closespider_itemcount'" in first
    second = crawl(proxy, tmp_path)
    assert "'finish_reason': 'finished'" in second and "resume/rescheduled" not in second
    fetches = Counter(url for url in proxy.requested if not url.endswith("/robots.txt"))
    assert {url: n for url, n in fetches.items() if n > 1} == {url: n for url, n in faulty.items() if n > 1}
    assert set(fetches) >= {f"http://{key}" for key in synthetic.pages}
    # Every page's outcome was seen: 404s, a failed download, a redirect to a page already known.
    assert "resume/unaccounted" not in first + second
    emitted = [json.loads(line)["url"] for line in (tmp_path / "out.jsonl").read_text("utf-8").splitlines()]
    assert len(emitted) == len(set(emitted)) == 40 - len(faulty)

    since = len(proxy.requested)
    third = crawl(proxy, tmp_path)  # the JOBDIR's crawl is over: nothing to fetch, robots.txt included
    assert proxy.requested[since:] == []
    assert "'finish_reason': 'finished'" in third


def test_killed_and_resumed_crawl_emits_every_article_once(tmp_path):
    drill, kills = resume_drill(tmp_path, seed=11)
    assert kills >= 3, "the drill must really kill the crawl mid-way, several times"
    assert drill.lost == 0, drill.notes  # not None: it finished by itself, within the bound on runs
    assert (drill.crashes, drill.duplicates) == (0, 0)
    assert drill.notes == [drill.notes[-1]] and drill.notes[-1].startswith(f"killed {kills} times")  # every line whole


def test_trim_partial_line(tmp_path):
    path = tmp_path / "f.jsonl"
    path.write_bytes(b'{"a": 1}\n{"b": 2}\n{"c": ')
    assert trim_partial_line(path) == 6
    assert path.read_bytes() == b'{"a": 1}\n{"b": 2}\n'
    assert trim_partial_line(path) == 0
    path.write_bytes(b'{"half')
    trim_partial_line(path)
    assert path.read_bytes() == b""


def test_a_close_with_retries_still_waiting_resumes_as_after_a_kill(tmp_path):
    """Retries waiting for their Retry-After are in no queue at a clean stop: the journal
    then makes the next run schedule again every unfinished page, as after a kill."""
    settings = {"JOBDIR": str(tmp_path / "job"), "EXTENSIONS": {Journal: 0}}
    journal = get_crawler(Spider, settings).get_extension(Journal)
    assert not journal.killed
    journal.lost()
    journal.spider_closed(None, "shutdown")
    assert get_crawler(Spider, settings).get_extension(Journal).killed
    clean = get_crawler(Spider, settings).get_extension(Journal)
    clean.spider_closed(None, "shutdown")
    assert not get_crawler(Spider, settings).get_extension(Journal).killed
