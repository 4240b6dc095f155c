"""A site where a share of responses fail, served by a fault-injecting proxy on 127.0.0.1:
every article that could be fetched is emitted, and the stats say what failed and why."""
import pytest

from crawler.faults import KINDS
from crawler.retryafter import retry_after_seconds
from crawler.robustness import FAULTS, fault_drill


def test_crawl_through_faults_emits_every_fetchable_article(tmp_path):
    drill, log = fault_drill(tmp_path)
    assert (drill.crashes, drill.lost, drill.duplicates) == (0, 0, 0)
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
