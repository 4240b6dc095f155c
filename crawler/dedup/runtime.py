"""One dedup store per crawler, shared by the seen-URL middleware and the pipeline."""
from __future__ import annotations

from scrapy.utils.misc import build_from_crawler, load_object

from .store import DedupStore


def store_for(crawler) -> DedupStore:
    """DEDUP_STORE, built once per crawler through its from_crawler."""
    store = getattr(crawler, "_dedup_store", None)
    if store is None:
        store = build_from_crawler(load_object(crawler.settings.get("DEDUP_STORE", "crawler.dedup.store.SQLiteStore")), crawler)
        crawler._dedup_store = store
    return store
