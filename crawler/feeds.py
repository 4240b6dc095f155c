"""Feed storages that survive a killed crawl and say what they really stored.

Every scheme of FEED_STORAGES is one of ours. The exporter writes to a `_CheckedFile`:
every byte reaches the storage's file, or the feed is marked failed. A failed open, write
or store logs ONE error line naming the feed and the error, counts `feed/failed` and
`feed/failed/<uri>`, and makes the store raise `FeedFailed` (so Scrapy counts
`feedexport/failed_count/<Storage>` and never logs "Stored ... feed" over a broken file).
Nothing raises into FeedExporter.item_scraped, so a dead feed costs no traceback per item
and the other feeds still get every item.

The `FeedLedger` tells the dedup store (crawler/dedup/pipeline.py) which articles every
feed that should hold them has really stored: a local file at once (its writes are
unbuffered), a remote or compressed feed (FTP, S3, GCS, stdout, postprocessing) only
once its store succeeded.
"""
from __future__ import annotations

import contextlib
import io
import json
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit, urlunsplit

from itemadapter import ItemAdapter
from scrapy import Spider, signals
from scrapy.extensions.feedexport import (FeedExporter, FileFeedStorage, FTPFeedStorage, GCSFeedStorage, ItemFilter,
                                          S3FeedStorage, StdoutFeedStorage)
from scrapy.utils.defer import ensure_awaitable
from scrapy.utils.misc import load_object
from w3lib.url import file_uri_to_path

logger = logging.getLogger(__name__)


class FeedFailed(Exception):
    """A feed's store refused because the feed failed (already logged)."""


class _AlreadyLogged(logging.Filter):
    """Scrapy logs "Error storing ... feed" with a traceback for the FeedFailed our store
    raises; the one line the feed's failure deserves was already logged (by FeedLedger)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], FeedFailed))


_ALREADY_LOGGED = _AlreadyLogged()


def safe_uri(uri: str) -> str:
    """The feed URI without its password, fit for a log line and a stats key."""
    parts = urlsplit(uri)
    if not parts.password:
        return uri
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{parts.username}@{host}" if parts.username else host))


def _item_filter(options: dict[str, Any]) -> ItemFilter:
    return load_object(options.get("item_filter", ItemFilter))(options)


class Feed:
    """One opened storage (one batch of one FEEDS entry) as the ledger sees it."""

    def __init__(self, ledger: "FeedLedger", uri: str, options: dict[str, Any], immediate: bool) -> None:
        self.ledger = ledger
        self.uri = safe_uri(uri)
        # FeedExporter hands every batch of one FEEDS entry the same options dict.
        self.entry = id(options)
        self.filter = _item_filter(options)
        self.immediate = immediate and not options.get("postprocessing")
        self.error: str | None = None
        self.written = 0   # bytes that reached the file
        self.checked = 0   # `written` when the ledger last looked
        self.grew = False  # written to while the last item was exported
        self.awaiting: list[str] = []  # article URLs that count once the store succeeds

    def fail(self, exc: BaseException) -> None:
        if self.error is None:
            self.error = f"{type(exc).__name__}: {exc}"
            self.ledger.failed(self)


class FeedLedger:
    """Per crawler: the feeds opened, and which articles every feed meant for them stored."""

    def __init__(self, crawler) -> None:
        self.stats = crawler.stats
        self.entries = {uri: _item_filter(options) for uri, options in crawler.settings.getdict("FEEDS").items()}
        self.feeds: list[Feed] = []
        self.outstanding: dict[str, int] = {}  # URL -> remote feeds yet to store it
        self.listeners: list[Callable[[list[str]], Any]] = []
        logging.getLogger("scrapy.extensions.feedexport").addFilter(_ALREADY_LOGGED)  # once: same object

    @classmethod
    def of(cls, crawler) -> "FeedLedger":
        ledger = getattr(crawler, "_feed_ledger", None)
        if ledger is None:
            ledger = crawler._feed_ledger = cls(crawler)
        return ledger

    def subscribe(self, listener: Callable[[list[str]], Any]) -> None:
        """`listener(urls)` is called with the articles every feed has stored."""
        self.listeners.append(listener)

    def end_signal(self, crawler) -> object:
        """The signal after which no feed stores anything more. Without a FeedExporter
        (Scrapy disables it on an unknown or unusable scheme) every feed has failed."""
        if any(isinstance(e, FeedExporter) for e in crawler.extensions.middlewares):
            return signals.feed_exporter_closed
        for uri in self.entries:
            self._log_failure(safe_uri(uri), "feed exports are disabled (see Scrapy's error above)")
        return signals.spider_closed

    def opened(self, feed: Feed) -> None:
        self.feeds.append(feed)

    def failed(self, feed: Feed) -> None:
        self._log_failure(feed.uri, feed.error or "")
        for url in feed.awaiting:
            self.outstanding.pop(url, None)
        feed.awaiting.clear()

    def _log_failure(self, uri: str, error: str) -> None:
        logger.error("Feed failed: %s: %s (its articles are not marked as seen: the next run emits them)", uri, error)
        self.stats.inc_value("feed/failed")
        self.stats.inc_value(f"feed/failed/{uri if urlsplit(uri).scheme else 'file:' + uri}")

    def stored(self, feed: Feed) -> None:
        done = []
        for url in feed.awaiting:
            if url in self.outstanding:
                self.outstanding[url] -= 1
                if not self.outstanding[url]:
                    done.append(url)
                    del self.outstanding[url]
        feed.awaiting.clear()
        self._confirm(done)

    def landed(self, item: Any) -> None:
        """item_scraped, after FeedExporter's handler (connected first) exported the item:
        which feeds hold it? Each FEEDS entry that accepts it must, in its current batch."""
        url = ItemAdapter(item).get("url")
        current: dict[int, Feed] = {}
        for feed in self.feeds:
            feed.grew, feed.checked = feed.written > feed.checked, feed.written
            current[feed.entry] = feed  # a later batch of the entry replaces the earlier
        self.feeds = list(current.values())  # closed batches are done with: keep the loop short
        holders = [f for f in current.values() if f.filter.accepts(item)]
        expected = sum(1 for entry in self.entries.values() if entry.accepts(item))
        if not url or len(holders) < expected or any(f.error or (f.immediate and not f.grew) for f in holders):
            return
        remote = [f for f in holders if not f.immediate]
        if not remote:
            self._confirm([url])
            return
        self.outstanding[url] = len(remote)
        for feed in remote:
            feed.awaiting.append(url)

    def _confirm(self, urls: list[str]) -> None:
        if urls:
            for listener in self.listeners:
                listener(urls)


class _CheckedFile:
    """The exporter's file: a write reaches the file in full, or fails the feed and every
    later write is dropped (a half-written line must not be followed by more)."""

    def __init__(self, file: IO[bytes], feed: Feed) -> None:
        self._file = file
        self._feed = feed

    def write(self, data: bytes) -> int:
        if self._feed.error is None:
            try:
                view = memoryview(data)
                while view:  # an unbuffered file may take less than asked (a nearly full disk)
                    taken = self._file.write(view)
                    if not taken:
                        raise OSError("the file took no bytes")
                    view = view[taken:]
            except Exception as exc:
                self._feed.fail(exc)
            else:
                self._feed.written += len(data)
        return len(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._file, name)


class ReportingStorage:
    """Mixin for a Scrapy feed storage: open, writes and store report to the FeedLedger."""

    immediate = False  # True: a write is in its final place once it returns

    @classmethod
    def from_crawler(cls, crawler, uri: str, *, feed_options: dict[str, Any] | None = None) -> "ReportingStorage":
        parent = super()
        if hasattr(parent, "from_crawler"):
            storage = parent.from_crawler(crawler, uri, feed_options=feed_options)
        else:
            storage = cls(uri, feed_options=feed_options)
        storage.feed = Feed(FeedLedger.of(crawler), uri, feed_options or {}, cls.immediate)
        return storage

    def open(self, spider: Spider) -> IO[bytes]:
        self.feed.ledger.opened(self.feed)
        try:
            file = super().open(spider)
        except Exception as exc:
            self.feed.fail(exc)
            file = io.BytesIO()  # the exporter writes on into nothing; the store fails
        return _CheckedFile(file, self.feed)

    async def store(self, file: IO[bytes]) -> None:
        if self.feed.error is None:
            try:
                file.flush()
                await ensure_awaitable(super().store(file))
            except Exception as exc:
                self.feed.fail(exc)
        if self.feed.error is not None:
            with contextlib.suppress(Exception):
                file.close()
            raise FeedFailed(f"{self.feed.uri}: {self.feed.error}")
        self.feed.ledger.stored(self.feed)


class _AppendSafeFile(FileFeedStorage):
    """A local feed file, written unbuffered. Appending to a file that a killed run left mid-line first cuts
    that half-written line, so a resumed crawl never glues two records together (the
    article it held is fetched again: the dedup store forgot it, see crawler/dedup)."""

    def open(self, spider: Spider) -> IO[bytes]:
        if self.write_mode == "ab":
            trim_partial_line(Path(self.path))
        path = Path(self.path)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Unbuffered: each exported line is in the file when the write returns, so the
        # ledger can count the article as stored at once.
        return path.open(self.write_mode, buffering=0)


class SafeFileFeedStorage(ReportingStorage, _AppendSafeFile):
    immediate = True


class ReportingFTPFeedStorage(ReportingStorage, FTPFeedStorage):
    pass


class ReportingS3FeedStorage(ReportingStorage, S3FeedStorage):
    pass


class ReportingGCSFeedStorage(ReportingStorage, GCSFeedStorage):
    pass


class ReportingStdoutFeedStorage(ReportingStorage, StdoutFeedStorage):
    pass  # stdout is buffered: its articles count once the store has flushed it


def trim_partial_line(path: Path) -> int:
    """Truncate `path` after its last newline; return the bytes removed."""
    if not path.is_file():
        return 0
    size = path.stat().st_size
    with path.open("rb+") as handle:
        position = size
        while position > 0:
            step = min(65536, position)
            handle.seek(position - step)
            chunk = handle.read(step)
            newline = chunk.rfind(b"\n")
            if newline >= 0:
                keep = position - step + newline + 1
                break
            position -= step
        else:
            keep = 0
        if keep < size:
            handle.truncate(keep)
            handle.flush()
            os.fsync(handle.fileno())
    return size - keep


def local_feed_paths(feeds: dict) -> list[str] | None:
    """The absolute paths of FEEDS when every feed is a local file that can be read back
    (what a killed run did write); None when one cannot (remote, stdout, a %(time)s name)."""
    paths = []
    for uri in feeds:
        parts = urlsplit(str(uri))
        if parts.scheme not in ("", "file") or "%(" in str(uri):
            return None
        paths.append(str(Path(file_uri_to_path(str(uri)) if parts.scheme == "file" else str(uri)).absolute()))
    return paths


def urls_in_every_feed(feeds: dict) -> set[str]:
    """Article URLs that every feed of FEEDS holds, read from local JSON Lines / JSON files.
    A feed that cannot be read back holds none that can be proved."""
    return _in_every(local_feed_paths(feeds) or [], lambda path: path.read_text("utf-8", errors="replace").splitlines())


def urls_at_end_of_every(paths: list[str], lines: int = 16) -> set[str]:
    """Article URLs among the last `lines` lines of every local feed in `paths`: where the
    articles whose store rows were not yet committed sit (a local feed's writes are each
    followed by the commit, so a kill leaves at most the last one or two without theirs)."""
    return _in_every(paths, lambda path: _last_lines(path, lines))


def _in_every(paths: list[str], read: Callable[[Path], list[str]]) -> set[str]:
    held: set[str] | None = None
    for name in paths:
        path = Path(name)
        urls = _urls_of(read(path)) if path.is_file() else set()
        held = urls if held is None else held & urls
    return held or set()


def _last_lines(path: Path, lines: int, block: int = 1 << 16) -> list[str]:
    with path.open("rb") as handle:
        end = handle.seek(0, os.SEEK_END)
        start, data = end, b""
        while start and data.count(b"\n") <= lines:
            start = max(0, start - block)
            handle.seek(start)
            data = handle.read(end - start)
    text = data.decode("utf-8", errors="replace").splitlines()
    return text[-lines:]  # a first line cut mid-way fails to parse and is skipped


def _urls_of(lines: list[str]) -> set[str]:
    urls: set[str] = set()
    for line in lines:
        line = line.strip().rstrip(",")
        if line.startswith("{"):
            try:
                urls.add(json.loads(line)["url"])
            except (ValueError, KeyError, TypeError):
                continue  # a half-written last line
    return urls
