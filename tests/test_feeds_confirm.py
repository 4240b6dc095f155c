"""The feed ledger and the dedup pipeline's confirm logic, driven storage by storage as
FeedExporter drives them (open, write per item, item_scraped, store). The real failing
feeds, through `scrapy crawl`, are in tests/test_feed_failures.py."""
import asyncio
import io
import json

import pytest
from scrapy.utils.misc import build_from_crawler

from crawler.dedup.pipeline import DedupPipeline
from crawler.feeds import FeedFailed, FeedLedger, ReportingStorage, SafeFileFeedStorage, safe_uri
from crawler.items import Article
from tests.test_dedup_fingerprint import ARTICLE, OTHER
from tests.test_dedup_pipeline import dedup_crawler


class _Remote:
    """A batch storage like FTP's: the items are sent at store time, or refused."""

    refuse: Exception | None = None

    def __init__(self, uri, *, feed_options=None):
        self.uri = uri

    def open(self, spider):
        return io.BytesIO()

    def store(self, file):
        if self.refuse:
            raise self.refuse


class RemoteStorage(ReportingStorage, _Remote):
    pass


class _Trickle(io.RawIOBase):
    """A raw file on a nearly full disk: takes at most 3 bytes a write, then none at all."""

    def __init__(self, budget: int) -> None:
        self.data = b""
        self.budget = budget

    def writable(self):
        return True

    def write(self, data):
        taken = bytes(data[:min(3, self.budget)])
        self.budget -= len(taken)
        self.data += taken
        return len(taken)


class _TrickleFile:
    def __init__(self, uri, *, feed_options=None):
        self.raw = _Trickle(budget=40)

    def open(self, spider):
        return self.raw

    def store(self, file):
        file.close()


class TrickleStorage(ReportingStorage, _TrickleFile):
    immediate = True


def _article(url, content=ARTICLE):
    return Article(url=url, canonical_url=url, site="people", title="t", content=content, content_html="",
                   extractor="people")


def _crawler(tmp_path, feeds):
    return dedup_crawler(tmp_path, FEEDS=feeds)


def _storage(crawler, cls, uri):
    # FeedExporter hands each storage the completed options dict of its FEEDS entry, the same
    # object for every batch of that entry.
    options = crawler.settings.getdict("FEEDS")[uri]
    return build_from_crawler(cls, crawler, uri, feed_options=options)


def _export(files, item):
    """What FeedExporter.item_scraped does per feed, then the ledger's handler."""
    for file in files:
        file.write(json.dumps({"url": item.url}).encode() + b"\n")


def _confirmed(crawler):
    seen = []
    FeedLedger.of(crawler).subscribe(seen.extend)
    return seen


def test_a_local_feed_confirms_each_item_once_its_line_is_written(tmp_path):
    crawler = _crawler(tmp_path, {str(tmp_path / "out.jsonl"): {"format": "jsonlines"}})
    seen = _confirmed(crawler)
    storage = _storage(crawler, SafeFileFeedStorage, str(tmp_path / "out.jsonl"))
    file = storage.open(None)
    ledger = FeedLedger.of(crawler)
    _export([file], _article("http://a.cn/1.html"))
    ledger.landed(_article("http://a.cn/1.html"))
    ledger.landed(_article("http://a.cn/2.html"))  # the exporter wrote nothing for it
    assert seen == ["http://a.cn/1.html"]
    asyncio.run(storage.store(file))
    assert (tmp_path / "out.jsonl").read_text() == '{"url": "http://a.cn/1.html"}\n'


def test_a_short_write_is_completed_and_a_full_disk_fails_the_feed_once(tmp_path):
    crawler = _crawler(tmp_path, {str(tmp_path / "out.jsonl"): {"format": "jsonlines"}})
    seen = _confirmed(crawler)
    storage = _storage(crawler, TrickleStorage, str(tmp_path / "out.jsonl"))
    file, raw = storage.open(None), storage.raw
    ledger = FeedLedger.of(crawler)
    for n in (1, 2, 3):
        _export([file], _article(f"http://a.cn/{n}.html"))
        ledger.landed(_article(f"http://a.cn/{n}.html"))
    assert raw.data.startswith(b'{"url": "http://a.cn/1.html"}\n')  # 3 bytes at a time, in full
    assert seen == ["http://a.cn/1.html"]  # the 2nd line hit the full disk, the 3rd was dropped
    assert len(raw.data) == 40
    assert crawler.stats.get_value("feed/failed") == 1
    assert crawler.stats.get_value(f"feed/failed/file:{tmp_path / 'out.jsonl'}") == 1
    with pytest.raises(FeedFailed, match="the file took no bytes"):
        asyncio.run(storage.store(file))


def test_an_unopenable_feed_takes_the_items_into_nothing_and_its_store_fails(tmp_path):
    (tmp_path / "afile").write_text("")
    uri = str(tmp_path / "afile" / "out.jsonl")
    crawler = _crawler(tmp_path, {uri: {"format": "jsonlines"}})
    seen = _confirmed(crawler)
    storage = _storage(crawler, SafeFileFeedStorage, uri)
    file = storage.open(None)  # no exception: FeedExporter would raise it per item
    _export([file], _article("http://a.cn/1.html"))
    FeedLedger.of(crawler).landed(_article("http://a.cn/1.html"))
    assert not seen
    assert storage.feed.error.startswith("FileExistsError")
    with pytest.raises(FeedFailed):
        asyncio.run(storage.store(file))


def test_with_a_remote_feed_an_item_counts_once_every_feed_stored_it(tmp_path):
    local, remote = str(tmp_path / "out.jsonl"), "ftp://u:secret@127.0.0.1:9/out.jsonl"
    crawler = _crawler(tmp_path, {local: {"format": "jsonlines"}, remote: {"format": "jsonlines"}})
    seen = _confirmed(crawler)
    ledger = FeedLedger.of(crawler)
    storages = [_storage(crawler, SafeFileFeedStorage, local), _storage(crawler, RemoteStorage, remote)]
    files = [s.open(None) for s in storages]
    for n in (1, 2):
        _export(files, _article(f"http://a.cn/{n}.html"))
        ledger.landed(_article(f"http://a.cn/{n}.html"))
    assert not seen  # in the local file, not yet sent
    asyncio.run(storages[0].store(files[0]))
    asyncio.run(storages[1].store(files[1]))
    assert seen == ["http://a.cn/1.html", "http://a.cn/2.html"]


def test_a_refused_remote_store_confirms_nothing_and_hides_the_password(tmp_path, caplog):
    local, remote = str(tmp_path / "out.jsonl"), "ftp://u:secret@127.0.0.1:9/out.jsonl"
    crawler = _crawler(tmp_path, {local: {"format": "jsonlines"}, remote: {"format": "jsonlines"}})
    seen = _confirmed(crawler)
    storages = [_storage(crawler, SafeFileFeedStorage, local), _storage(crawler, RemoteStorage, remote)]
    storages[1].refuse = ConnectionRefusedError(111, "Connection refused")
    files = [s.open(None) for s in storages]
    _export(files, _article("http://a.cn/1.html"))
    FeedLedger.of(crawler).landed(_article("http://a.cn/1.html"))
    asyncio.run(storages[0].store(files[0]))
    with pytest.raises(FeedFailed):
        asyncio.run(storages[1].store(files[1]))
    assert not seen
    failures = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Feed failed")]
    assert failures == ["Feed failed: ftp://u@127.0.0.1:9/out.jsonl: ConnectionRefusedError: [Errno 111] Connection "
                        "refused (its articles are not marked as seen: the next run emits them)"]
    assert "secret" not in caplog.text
    assert crawler.stats.get_value("feed/failed/ftp://u@127.0.0.1:9/out.jsonl") == 1


def test_a_feed_entry_that_never_received_the_item_blocks_it(tmp_path):
    first, second = str(tmp_path / "a.jsonl"), str(tmp_path / "b.jsonl")
    crawler = _crawler(tmp_path, {first: {"format": "jsonlines"}, second: {"format": "jsonlines"}})
    seen = _confirmed(crawler)
    storage = _storage(crawler, SafeFileFeedStorage, first)
    _export([storage.open(None)], _article("http://a.cn/1.html"))  # b.jsonl's exporter raised first
    FeedLedger.of(crawler).landed(_article("http://a.cn/1.html"))
    assert not seen


def test_a_new_batch_of_a_feed_replaces_the_closed_one(tmp_path):
    uri = str(tmp_path / "out-%(batch_id)d.jsonl")
    crawler = _crawler(tmp_path, {uri: {"format": "jsonlines", "batch_item_count": 1}})
    seen = _confirmed(crawler)
    ledger = FeedLedger.of(crawler)
    options = crawler.settings.getdict("FEEDS")[uri]
    for n in (1, 2):
        storage = build_from_crawler(SafeFileFeedStorage, crawler, uri % {"batch_id": n}, feed_options=options)
        file = storage.open(None)
        _export([file], _article(f"http://a.cn/{n}.html"))
        ledger.landed(_article(f"http://a.cn/{n}.html"))  # batch 1 is idle now, and not in the way
    assert seen == ["http://a.cn/1.html", "http://a.cn/2.html"]


def test_the_pipeline_keeps_what_every_feed_stored_and_forgets_the_rest(tmp_path):
    feed = str(tmp_path / "out.jsonl")
    crawler = _crawler(tmp_path, {feed: {"format": "jsonlines"}})
    pipeline = build_from_crawler(DedupPipeline, crawler)
    stored, lost = _article("http://a.cn/1.html"), _article("http://b.cn/2.html", OTHER)
    storage = _storage(crawler, SafeFileFeedStorage, feed)
    file = storage.open(None)
    ledger = FeedLedger.of(crawler)
    for item in (stored, lost):
        pipeline.process_item(item)
    _export([file], stored)
    ledger.landed(stored)
    ledger.landed(lost)  # never written
    asyncio.run(storage.store(file))
    pipeline.forget_unstored()
    assert crawler.stats.get_value("dedup/unstored") == 1
    again = build_from_crawler(DedupPipeline, dedup_crawler(tmp_path))
    assert again.store.url_seen("//a.cn/1.html") and not again.store.url_seen("//b.cn/2.html")


def test_a_killed_run_counts_only_articles_in_every_feed(tmp_path):
    local, remote = tmp_path / "a.jsonl", "ftp://u:p@127.0.0.1:9/x.jsonl"
    killed = build_from_crawler(DedupPipeline, dedup_crawler(tmp_path))
    killed.process_item(_article("http://a.cn/1.html"))
    local.write_text(json.dumps({"url": "http://a.cn/1.html"}) + "\n")
    killed.store.close()  # killed before the FTP feed was sent
    settled = build_from_crawler(DedupPipeline, _crawler(tmp_path, {str(local): {"format": "jsonlines"},
                                                                   remote: {"format": "jsonlines"}}))
    assert not settled.store.url_seen("//a.cn/1.html")  # the FTP feed cannot be read back: not proved stored


@pytest.mark.parametrize(("uri", "shown"), [("ftp://u:p%40ss@h:21/x", "ftp://u@h:21/x"), ("s3://b/k", "s3://b/k"),
                                            ("/tmp/x.jsonl", "/tmp/x.jsonl")])
def test_safe_uri_drops_the_password(uri, shown):
    assert safe_uri(uri) == shown
