"""Bad input gets a clear reason, never a crash: extract(), a crawl, and `scrapy extract`."""
import json
import re

import pytest

from crawler.extract import NotArticle, extract
from testbench.fixtureproxy import FixtureProxy
from testbench.robustness import ARTICLE_URL as URL
from testbench.robustness import bad_input_drill, bad_pages
from tests.conftest import FIXTURES, run_scrapy

BAD_PAGES = bad_pages()


@pytest.mark.parametrize("name", sorted(BAD_PAGES))
def test_extract_gives_an_article_or_a_reason(name):
    body, content_type, reasons = BAD_PAGES[name]
    if reasons is None:
        article = extract(body, URL.format(1), content_type=content_type)
        assert article.title and len(article.content) > 100
        assert "\ufffd" not in article.title
    else:
        with pytest.raises(NotArticle) as caught:
            extract(body, URL.format(1), content_type=content_type)
        assert caught.value.reason in reasons


class _Served:
    def __init__(self, body: bytes, content_type: str) -> None:
        self.body, self.content_type = body, content_type


class BadSite:
    """people.cn with a home page linking one good article and every bad page."""

    def __init__(self) -> None:
        article = (FIXTURES / "people" / "politics_n1" / "page.html").read_bytes()
        self.pages = {URL.format(100 + i): _Served(body, ctype)
                      for i, (body, ctype, _) in enumerate(BAD_PAGES.values())}
        self.good = [URL.format(99)]
        self.pages[self.good[0]] = _Served(article, "text/html; charset=GBK")
        links = "".join(f'<a href="{u}">文章</a>' for u in self.pages)
        self.pages["http://www.people.com.cn/"] = _Served(f"<html><body>{links}</body></html>".encode(), "text/html")

    def find(self, url: str):
        return self.pages.get(url.replace("https://", "http://"))


def test_a_crawl_through_bad_pages_emits_the_rest_and_counts_every_reason(tmp_path):
    site = BadSite()
    proxy = FixtureProxy(site).start_in_thread()
    try:
        out = tmp_path / "out.jsonl"
        result = run_scrapy(["crawl", "people", "-O", str(out), "-s", "AUTOTHROTTLE_ENABLED=False",
                             "-s", f"DEDUP_STORE_PATH={tmp_path / 'd.sqlite'}"], env_extra=proxy.proxy_env())
    finally:
        proxy.shutdown()
    assert result.returncode == 0
    urls = {json.loads(line)["url"] for line in out.read_text("utf-8").splitlines()}
    articles = {URL.format(100 + i) for i, (_, _, r) in enumerate(BAD_PAGES.values()) if r is None}
    # The good article and the damaged-but-readable pages all carry one story: one is
    # emitted, the others are dropped as its duplicates, and nothing is lost on the way.
    dropped = sum(int(n) for n in re.findall(r"'dedup/dropped/\w+': (\d+)", result.stderr))
    assert len(urls) == 1 and urls <= articles | set(site.good)
    assert len(urls) + dropped == len(articles) + 1
    assert "extract/error" not in result.stderr and "Traceback" not in result.stderr
    for reason in ("empty", "binary", "too_large", "error_page", "list_page"):
        assert f"'extract/rejected/{reason}'" in result.stderr or f"'extract/rejected/{reason}" in result.stderr, reason


def test_extract_command_survives_every_bad_page(tmp_path):
    paths = []
    for name, (body, _, _) in BAD_PAGES.items():
        path = tmp_path / f"{name}.html"
        path.write_bytes(body)
        paths.append(str(path))
    out = tmp_path / "out.jsonl"
    result = run_scrapy(["extract", *paths, "-O", str(out)])
    assert result.returncode == 0, result.stderr[-2000:]
    records = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert len(records) == len(paths)
    assert not any(r.get("error") for r in records)


def test_the_drill_counts_no_crash_and_no_loss():
    drill = bad_input_drill()
    assert drill.tried == len(BAD_PAGES)
    assert (drill.crashes, drill.lost, drill.notes) == (0, 0, [])
