"""One dedup store per crawler, shared by the seen-URL middleware and the pipeline."""
from __future__ import annotations

from scrapy.utils.misc import load_object
from scrapy.utils.project import data_path

from .store import DedupStore


def store_for(crawler) -> DedupStore:
    store = getattr(crawler, "_dedup_store", None)
    if store is None:
        settings = crawler.settings
        path = settings.get("DEDUP_STORE_PATH") or data_path("dedup.sqlite", createdir=True)
        store = load_object(settings.get("DEDUP_STORE", "crawler.dedup.store.SQLiteStore"))(path)
        crawler._dedup_store = store
    return store
