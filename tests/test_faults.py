"""A site where a share of responses fail, served by a fault-injecting proxy on 127.0.0.1:
every article that could be fetched is emitted, and the stats say what failed and why."""
import json

import pytest

from testbench.faults import KINDS, Fault
from testbench.fixtureproxy import FixtureProxy
from crawler.retryafter import retry_after_seconds
from testbench.robustness import FAULTS, fault_drill
from testbench.synthetic import SyntheticSite
from tests.conftest import run_scrapy


def test_crawl_through_faults_emits_every_fetchable_article(tmp_path):
    drill, log = fault_drill(tmp_path)
    assert (drill.crashes, drill.lost, drill.duplicates) == (0, 0, 0), drill.notes
    assert {spec["kind"] for spec in FAULTS.values()} == set(KINDS)
    stats = log[log.rfind("Dumping Scrapy stats"):]
    for key in ("'retry/count'", "'retry/max_reached'", "'retry/reason_count/retry_after_429': 1",
                "'retry_after/waited_seconds': 1.0", "'downloader/response_status_count/502'",
                "DownloadTimeoutError", "ResponseDataLossError", "'dupefilter/filtered'"):
        assert key in stats, key
    assert "exceeded DOWNLOAD_MAXSIZE" in log and "during decompression" in log  # the gzip bomb


@pytest.mark.parametrize("value,expected", [
    ("1", 1.0), ("120", 120.0), ("", None), ("soon", None),
    ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),  # a date in the past: retry now
])
def test_retry_after_values(value, expected):
    assert retry_after_seconds(value) == expected


def test_a_retry_after_wait_does_not_hold_up_the_other_requests(tmp_path):
    """One download at a time, and the first list page answers 429 Retry-After: 5 once:
    other pages are fetched between the 429 and its retry (waiting inside the download
    would let none through), and every article still comes out."""
    site = SyntheticSite(12)
    waited = "www.people.com.cn/GB/bench/index99.html"  # the scheduler's LIFO queue takes it first
    site.pages[waited] = Fault(kind="retry-after", body=site.pages[waited].body, times=1, delay=5)
    proxy = FixtureProxy(site).start_in_thread()
    out = tmp_path / "out.jsonl"
    try:
        result = run_scrapy(["crawl", "people", "-O", str(out), "-s", "AUTOTHROTTLE_ENABLED=False",
                             "-s", "CONCURRENT_REQUESTS=1", "-s", f"DEDUP_STORE_PATH={tmp_path / 'd.sqlite'}",
                             # The retry goes first once it is due, so its place in the order is
                             # its due time: right after the 429 if the wait blocked the download.
                             "-s", "RETRY_PRIORITY_ADJUST=1"],
                            env_extra=proxy.proxy_env())
    finally:
        proxy.shutdown()
    assert result.returncode == 0, result.stderr[-3000:]
    fetches = [i for i, url in enumerate(proxy.requested) if url == f"http://{waited}"]
    assert len(fetches) == 2  # the 429, then the retry
    assert fetches[1] - fetches[0] > 1  # pages fetched meanwhile
    assert "'retry_after/waited_seconds': 5.0" in result.stderr
    emitted = {json.loads(line)["url"] for line in out.read_text("utf-8").splitlines()}
    assert emitted == {f"http://{key}" for key in site.pages if "/n1/" in key}
