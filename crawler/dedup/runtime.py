"""One dedup store per crawler, shared by the seen-URL middleware, the spiders' link
lookups and the pipeline, with the one rule of DEDUP_URL_TTL_DAYS (`emitted`, `lookup`)."""
from __future__ import annotations

from typing import Iterable

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.misc import build_from_crawler, load_object

from .fingerprint import Fingerprint
from .store import DedupStore, Lookup
from .urls import seen_since, url_key


class DedupStoreExtension:
    """EXTENSIONS entry that owns the crawler's DEDUP_STORE: built once (extensions are
    built before every middleware and pipeline), found with `crawler.get_extension`, and
    closed at engine_stopped, after every spider_closed handler (the pipeline's commit,
    the feeds' settling) has run."""

    def __init__(self, store: DedupStore, ttl_days: float) -> None:
        self.store = store
        self.ttl_days = ttl_days
        # URL key -> URL of articles a dead worker's feed holds though its store rows never
        # reached the store (a kill between the two): emitted, as far as this crawl goes.
        self.adopted: dict[str, str] = {}

    @classmethod
    def from_crawler(cls, crawler) -> "DedupStoreExtension":
        if not crawler.settings.getbool("DEDUP_ENABLED", True):
            raise NotConfigured
        store_class = load_object(crawler.settings.get("DEDUP_STORE", "crawler.dedup.store.SQLiteStore"))
        extension = cls(build_from_crawler(store_class, crawler), crawler.settings.getfloat("DEDUP_URL_TTL_DAYS", 30))
        crawler.signals.connect(extension.close, signal=signals.engine_stopped)
        return extension

    def close(self) -> None:
        self.store.close()

    def emitted(self, key: str) -> str | None:
        """The URL the article of URL key `key` was emitted as less than DEDUP_URL_TTL_DAYS
        ago (0 or less: ever), None if it was not."""
        return self.store.url_seen(key, seen_since(self.ttl_days))

    def adopt(self, urls: Iterable[str]) -> None:
        """Articles another process wrote to its feed before it died, their store rows lost
        with it (crawler/distributed/scheduler.py): the pipeline drops them as `recovered`."""
        self.adopted.update((url_key(url), url) for url in urls)

    def adopted_as(self, keys: Iterable[str]) -> str | None:
        return next((self.adopted[key] for key in keys if key in self.adopted), None)

    def lookup(self, keys: Iterable[str], fingerprint: Fingerprint) -> Lookup:
        """A new article's URL keys (under the same TTL rule), exact hash and near
        candidates in one store call (on Redis, one round trip)."""
        return self.store.lookup(keys, fingerprint, seen_since(self.ttl_days))


def dedup_for(crawler) -> DedupStoreExtension:
    """The crawler's dedup store and TTL rule; NotConfigured when the extension is not enabled."""
    extension = crawler.get_extension(DedupStoreExtension)
    if extension is None:
        raise NotConfigured("dedup needs crawler.dedup.runtime.DedupStoreExtension in EXTENSIONS")
    return extension


def url_emitted(crawler, url: str) -> str | None:
    """`emitted` for a URL, None when dedup is off."""
    extension = crawler.get_extension(DedupStoreExtension) if crawler.settings.getbool("DEDUP_ENABLED", True) else None
    if extension is None:  # dedup off, or its store not enabled (DedupPipeline says so at start)
        return None
    return extension.emitted(url_key(url))
