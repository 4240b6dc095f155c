"""One dedup store per crawler, shared by the seen-URL middleware and the pipeline."""
from __future__ import annotations

import time

from scrapy.utils.misc import build_from_crawler, load_object

from .store import DedupStore
from .urls import url_key


def store_for(crawler) -> DedupStore:
    """DEDUP_STORE, built once per crawler through its from_crawler."""
    store = getattr(crawler, "_dedup_store", None)
    if store is None:
        store = build_from_crawler(load_object(crawler.settings.get("DEDUP_STORE", "crawler.dedup.store.SQLiteStore")), crawler)
        crawler._dedup_store = store
    return store


def url_emitted(crawler, url: str) -> str | None:
    """The URL an article at `url` was emitted as less than DEDUP_URL_TTL_DAYS ago (0: ever),
    None if it was not (or dedup is off)."""
    if not crawler.settings.getbool("DEDUP_ENABLED", True):
        return None
    days = crawler.settings.getfloat("DEDUP_URL_TTL_DAYS", 30)
    return store_for(crawler).url_seen(url_key(url), time.time() - days * 86400 if days > 0 else None)
