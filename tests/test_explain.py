"""`scrapy explain` and the extractor's trace: every text block with its verdict, shown by a browser."""
import json
import shutil
import subprocess
import threading
from dataclasses import asdict
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
from lxml import html

from crawler.extract import NotArticle, extract
from crawler.extract.trace import Trace
from tests.conftest import FIXTURES, fixture_pages, fixture_url, run_scrapy

MONEY = FIXTURES / "netease" / "money_2015"  # a data table, an app promo, a 重点推荐 link block


def _outcome(folder, trace=None):
    try:
        return asdict(extract((folder / "page.html").read_bytes(), fixture_url(folder), trace=trace))
    except NotArticle as exc:
        return exc.reason


@pytest.mark.parametrize("folder", fixture_pages(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_tracing_changes_no_result(folder):
    trace = Trace()
    assert _outcome(folder, trace) == _outcome(folder)
    assert trace.stage is not None or trace.rejected is not None


def test_trace_names_the_link_density_decision_of_a_list_page():
    trace = Trace()
    assert _outcome(FIXTURES / "fallback" / "index", trace) == "list_page"
    assert trace.rejected[0] == "list_page"
    decisions = {n.rule: n.texts[0] for n in trace.notes if n.kind == "decision"}
    assert "a list page" in decisions["link-density"] and "headline-anchor" in decisions


def _dom_in_chromium(report, tmp_path):
    """The report as headless Chromium loaded and laid it out."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("headless Chromium is missing: apt-get install -y chromium")
    result = subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={tmp_path / 'profile'}",
         "--dump-dom", report.resolve().as_uri()],
        capture_output=True, timeout=180)
    assert result.returncode == 0, result.stderr[-2000:]
    return html.fromstring(result.stdout.decode("utf-8"))


def _blocks(root):
    return [(b.get("data-verdict"), b.get("data-rule"), b.find_class("why")[0].text_content(),
             b.find_class("text")[0].text_content()) for b in root.find_class("block")]


def test_report_shows_each_block_with_its_verdict_in_chromium(tmp_path):
    expected = json.loads((MONEY / "expected.json").read_text("utf-8"))
    report = tmp_path / "report.html"
    result = run_scrapy(["explain", str(MONEY / "page.html"), "-o", str(report), "--url", fixture_url(MONEY)])
    assert result.returncode == 0, result.stderr
    root = _dom_in_chromium(report, tmp_path)
    assert root.get_element_by_id("stage").text_content() == "Chosen by the site profile 'netease'"
    assert root.find_class("field-title")[0].text_content() == expected["title"]
    assert root.find_class("field-editor")[0].text_content() == expected["editor"]
    blocks = _blocks(root)
    kept = [text for verdict, _, _, text in blocks if verdict == "kept"]
    first_paragraph = expected["content"].splitlines()[0]
    assert first_paragraph in kept  # the article's text, marked chosen
    assert "\n".join(kept) == expected["content"]
    # A noise line with its rule's name; the recommendation block after it, cut with the reason.
    heading = next(b for b in blocks if b[3] == "重点推荐")
    assert heading[:2] == ("line", "recommend-heading") and "recommend-heading" in heading[2]
    cut = [b for b in blocks if b[0] == "cut"]
    assert len(cut) >= 3 and all("recommend-heading" in why for _, _, why, _ in cut)
    assert any("公积金" in text for *_, text in cut)
    # An element dropped by a profile selector, named by it; nothing left without a verdict.
    credit = next(b for b in blocks if b[3].startswith("本文来源"))
    assert credit[:2] == ("element", "div.ep-source") and "div.ep-source" in credit[2]
    assert all(verdict for verdict, *_ in blocks)


def test_fallback_report_names_the_fallback_and_the_line_rule(tmp_path):
    folder = FIXTURES / "fallback" / "portal_article"
    report = tmp_path / "report.html"
    assert run_scrapy(["explain", str(folder / "page.html"), "-o", str(report), "--url", fixture_url(folder)]).returncode == 0
    root = html.fromstring(report.read_text("utf-8"))
    assert root.get_element_by_id("stage").text_content().startswith("Chosen by the fallback")
    assert ("line", "editor-line") in {b[:2] for b in _blocks(root)}
    assert "headline-anchor" in root.find_class("decisions")[0].text_content()


@pytest.fixture
def fixture_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(SimpleHTTPRequestHandler, directory=str(FIXTURES)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_explain_fetches_a_url_through_scrapy(tmp_path, fixture_server):
    report = tmp_path / "report.html"
    result = run_scrapy(["explain", f"{fixture_server}/netease/money_2015/page.html", "-o", str(report)])
    assert result.returncode == 0, result.stderr
    root = html.fromstring(report.read_text("utf-8"))
    assert ("line", "recommend-heading") in {b[:2] for b in _blocks(root)}


def test_explain_usage_errors(tmp_path):
    result = run_scrapy(["explain", str(tmp_path / "missing.html")])
    assert result.returncode == 2 and "cannot read" in result.stderr
    # A URL that answers nothing: said, and a failing exit code, not an empty report.
    result = run_scrapy(["explain", "http://127.0.0.1:9/page.html",  # the discard port: nothing listens "-o", str(tmp_path / "r.html"),
                         "-s", "RETRY_ENABLED=False"])
    assert result.returncode == 1 and "no report written" in result.stderr
    assert not (tmp_path / "r.html").exists()
