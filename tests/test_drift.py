"""A site that changed its template: the fallback carries it, and the crawl says so."""
import json

from testbench.fixtureproxy import FixtureProxy, FixtureSite, load_fixtures
from tests.conftest import FIXTURES, fixture_urls, run_scrapy

PEOPLE_ARTICLES = len(fixture_urls("people", "article"))


class DriftedSite(FixtureSite):
    """people.cn after a redesign: the article container and headline block renamed."""

    def find(self, url):
        fixture = super().find(url)
        if fixture is None or fixture.kind != "article":
            return fixture
        return _Served(fixture.body.replace(b"rm_txt_con", b"article-main").replace(b"rm_txt", b"art-wrap"),
                       fixture.content_type)


class _Served:
    def __init__(self, body, content_type):
        self.body, self.content_type = body, content_type


def _crawl(tmp_path, site, *settings):
    proxy = FixtureProxy(site).start_in_thread()
    try:
        out = tmp_path / "out.jsonl"
        result = run_scrapy(["crawl", "people", "-O", str(out), "-s", "AUTOTHROTTLE_ENABLED=False",
                             "-s", f"DEDUP_STORE_PATH={tmp_path / 'd.sqlite'}", "-s", "DRIFT_MIN_PAGES=3", *settings],
                            env_extra=proxy.proxy_env())
    finally:
        proxy.shutdown()
    return result, [json.loads(line) for line in out.read_text("utf-8").splitlines()]


def test_drift_is_counted_warned_and_can_fail_the_run(tmp_path):
    result, items = _crawl(tmp_path, DriftedSite(load_fixtures(FIXTURES)), "-s", "DRIFT_FAIL=True")
    carried = [i for i in items if i["extractor"] == "readability"]
    assert len(carried) >= 3  # the fallback carried the redesigned pages (the old /GB/ one still matches)
    assert f"'drift/people/fallback': {len(carried)}" in result.stderr
    assert (f"Profile 'people' failed on {len(carried) * 100 // PEOPLE_ARTICLES}% of its {PEOPLE_ARTICLES} article pages"
            in result.stderr)
    assert result.returncode == 2


def test_a_healthy_site_raises_no_alarm(tmp_path):
    result, items = _crawl(tmp_path, FixtureSite(load_fixtures(FIXTURES)), "-s", "DRIFT_FAIL=True")
    assert result.returncode == 0 and items
    assert f"'drift/people/profile': {PEOPLE_ARTICLES}" in result.stderr
    assert "may have changed its template" not in result.stderr
