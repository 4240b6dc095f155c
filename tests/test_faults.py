"""A site where a share of responses fail, served by a fault-injecting proxy on 127.0.0.1:
every article that could be fetched is emitted, and the stats say what failed and why."""
import json
import re

from benchmarks.crawl import SyntheticSite
from crawler.faults import Fault, gzip_bomb
from crawler.fixtureproxy import FixtureProxy
from tests.conftest import run_scrapy

# article index -> how its server misbehaves; the others are healthy
FAULTS = {
    10: dict(kind="status", status=503, times=1),     # transient: retried, then fetched
    11: dict(kind="status", status=500, times=2),
    12: dict(kind="retry-after", delay=1, times=1),   # 429 Retry-After: 1, honoured
    13: dict(kind="trickle", delay=0.05),             # slow but complete
    14: dict(kind="status", status=502),              # permanent failures from here on
    15: dict(kind="reset"),
    16: dict(kind="hang", delay=4),
    17: dict(kind="short-body"),
    18: dict(kind="redirect-loop"),
    19: dict(kind="gzip-bomb"),
}
FETCHABLE = [i for i in range(20) if i not in FAULTS or FAULTS[i].get("times") or FAULTS[i]["kind"] == "trickle"]


class FaultySite(SyntheticSite):
    def __init__(self) -> None:
        super().__init__(20)
        gzip_bomb()  # built before the crawl: compressing it must not stall the proxy mid-crawl
        self.articles = sorted((k for k in self.pages if "/n1/" in k), key=lambda k: int(re.search(r"-(\d+)\.html", k)[1]))
        for index, spec in FAULTS.items():
            page = self.pages[self.articles[index]]
            self.pages[self.articles[index]] = Fault(body=page.body, content_type=page.content_type, **spec)


def test_crawl_through_faults_emits_every_fetchable_article(tmp_path):
    site = FaultySite()
    proxy = FixtureProxy(site).start_in_thread()
    try:
        out = tmp_path / "out.jsonl"
        result = run_scrapy(["crawl", "people", "-O", str(out), "-s", "AUTOTHROTTLE_ENABLED=False",
                             "-s", f"DEDUP_STORE_PATH={tmp_path / 'd.sqlite'}", "-s", "DOWNLOAD_TIMEOUT=1",
                             "-s", "RETRY_TIMES=2"], env_extra=proxy.proxy_env(), timeout=300)
    finally:
        proxy.shutdown()
    assert result.returncode == 0, result.stderr[-3000:]
    urls = {json.loads(line)["url"] for line in out.read_text("utf-8").splitlines()}
    assert urls == {f"http://{site.articles[i]}" for i in FETCHABLE}
    stats = result.stderr[result.stderr.rfind("Dumping Scrapy stats"):]
    assert "exceeded DOWNLOAD_MAXSIZE" in result.stderr and "during decompression" in result.stderr  # the gzip bomb
    for key in ("'retry/count'", "'retry/max_reached'", "'retry_after/waited_seconds'",
                "'downloader/response_status_count/502'", "'downloader/exception_type_count/"):
        assert key in stats, key
