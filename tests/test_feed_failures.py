"""Real failing feeds through `scrapy crawl municipal -a site=ziyang` (5 articles, offline
fixture proxy): the crawl exits 3 with one line naming the feed and the error, and the
next run with a good feed and the same dedup store emits every article."""
import importlib.util
import json
import os
import socket

import pytest

from crawler.commands.crawl import FEED_FAILED_EXIT_CODE
from tests.conftest import fixture_urls, run_scrapy

ZIYANG = fixture_urls("ziyang", "article")


def _crawl(proxy, tmp_path, *feeds: str):
    return run_scrapy(["crawl", "municipal", "-a", "site=ziyang", *feeds, "-s", "AUTOTHROTTLE_ENABLED=False",
                       "-s", f"DEDUP_STORE_PATH={tmp_path / 'dedup.sqlite'}"], env_extra=proxy.proxy_env())


def _urls(path):
    return [json.loads(line)["url"] for line in path.read_text("utf-8").splitlines()]


def _assert_failed_once(result, shown_uri: str, error: str, good_feeds: int = 0) -> None:
    assert result.returncode == FEED_FAILED_EXIT_CODE, result.stderr[-3000:]
    lines = [line for line in result.stderr.splitlines() if "Feed failed:" in line]
    assert len(lines) == 1, lines
    assert f"ERROR: Feed failed: {shown_uri}: {error}" in lines[0]
    assert "Traceback" not in result.stderr  # no traceback per item, nor for the store
    assert result.stderr.count("Stored jsonl feed") == good_feeds  # never over the failed feed
    assert "'feed/failed': 1" in result.stderr
    assert "'dedup/unstored': 5" in result.stderr


def _assert_next_run_emits_everything(proxy, tmp_path):
    good = tmp_path / "good.jsonl"
    result = _crawl(proxy, tmp_path, "-O", str(good))
    assert result.returncode == 0, result.stderr[-3000:]
    assert sorted(_urls(good)) == sorted(ZIYANG)


@pytest.fixture
def closed_port():
    """A port on 127.0.0.1 bound but not listening: a connection to it is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


def _failing_feeds(tmp_path, closed_port):
    (tmp_path / "afile").write_text("a regular file\n", "utf-8")
    return {
        "full-disk": ("/dev/full:jsonl", "/dev/full", "OSError: [Errno 28] No space left on device"),
        "folder-is-a-file": (f"{tmp_path}/afile/out.jsonl:jsonl", f"{tmp_path}/afile/out.jsonl", "FileExistsError"),
        "ftp-refused": (f"ftp://user:pass@127.0.0.1:{closed_port}/out.jsonl:jsonl",
                        f"ftp://user@127.0.0.1:{closed_port}/out.jsonl", "ConnectionRefusedError"),
        "s3-without-boto3": ("s3://bucket/out.jsonl:jsonl", "s3://bucket/out.jsonl", "feed exports are disabled"),
    }


@pytest.mark.parametrize("case", ["full-disk", "folder-is-a-file", "ftp-refused", "s3-without-boto3"])
def test_a_failed_feed_exits_3_and_loses_no_article(case, fixture_proxy, tmp_path, closed_port):
    if case == "full-disk" and not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full on this system")
    if case == "s3-without-boto3" and importlib.util.find_spec("boto3"):
        pytest.skip("boto3 is installed: an S3 feed would go to the network")
    feed, shown, error = _failing_feeds(tmp_path, closed_port)[case]
    _assert_failed_once(_crawl(fixture_proxy, tmp_path, "-O", feed), shown, error)
    _assert_next_run_emits_everything(fixture_proxy, tmp_path)


def test_an_article_counts_only_once_every_feed_stored_it(fixture_proxy, tmp_path, closed_port):
    local = tmp_path / "local.jsonl"
    result = _crawl(fixture_proxy, tmp_path, "-O", str(local), "-O", f"ftp://u:p@127.0.0.1:{closed_port}/x.jsonl:jsonl")
    _assert_failed_once(result, f"ftp://u@127.0.0.1:{closed_port}/x.jsonl", "ConnectionRefusedError", good_feeds=1)
    assert sorted(_urls(local)) == sorted(ZIYANG)  # the good feed got everything all the same
    _assert_next_run_emits_everything(fixture_proxy, tmp_path)
