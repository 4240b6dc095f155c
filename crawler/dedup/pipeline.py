"""Drop (or mark) items that repeat an article already emitted: same URL, same text,
or nearly the same text (another site's repost, a mirror's Traditional copy), unless the
near text puts other identifiers in the same places (another document of one template)."""
from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from urllib.parse import urlsplit

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.exceptions import DropItem, NotConfigured

from .fingerprint import Fingerprint, distinct_documents
from .runtime import store_for
from .store import Stored
from .urls import url_key

logger = logging.getLogger(__name__)


class DedupPipeline:
    def __init__(self, store, stats, keep: bool, jaccard: float, containment: float, min_shingles: int,
                 ttl_seconds: float | None = None) -> None:
        self.store = store
        self.ttl = ttl_seconds
        self.stats = stats
        self.keep = keep
        self.jaccard = jaccard
        self.containment = containment
        self.min_shingles = min_shingles

    @classmethod
    def from_crawler(cls, crawler) -> "DedupPipeline":
        settings = crawler.settings
        if not settings.getbool("DEDUP_ENABLED", True):
            raise NotConfigured
        pipeline = cls(
            store_for(crawler), crawler.stats,
            keep=settings.getbool("DEDUP_KEEP_DUPLICATES", False),
            jaccard=settings.getfloat("DEDUP_NEAR_JACCARD", 0.45),
            containment=settings.getfloat("DEDUP_NEAR_CONTAINMENT", 0.85),
            min_shingles=settings.getint("DEDUP_NEAR_MIN_SHINGLES", 150),
            ttl_seconds=settings.getfloat("DEDUP_URL_TTL_DAYS", 30) * 86400 or None,
        )
        # Before any feed is opened (and an -O feed truncated): settle a killed run's rows.
        feeds = _local_feed_paths(settings.getdict("FEEDS"))
        kept, dropped = pipeline.store.settle_pending(_urls_in(feeds))
        if kept or dropped:
            logger.info("dedup store: %d pending articles confirmed in the feeds, %d forgotten", kept, dropped)
        # FeedExporter's item_scraped handler was connected first: when ours runs, the item's
        # line is in the (unbuffered) feed file, so its rows can become permanent.
        crawler.signals.connect(pipeline.item_written, signal=signals.item_scraped)
        crawler.signals.connect(pipeline.commit, signal=signals.feed_slot_closed)
        if not feeds and not settings.getdict("FEEDS"):
            crawler.signals.connect(pipeline.commit, signal=signals.spider_closed)
        return pipeline

    def commit(self, *args, **kwargs) -> None:
        """The feed holding the items is complete: their rows become permanent."""
        self.store.commit_pending()

    def item_written(self, item, **kwargs) -> None:
        self.store.commit_pending([ItemAdapter(item).get("url")])

    def process_item(self, item):
        adapter = ItemAdapter(item)
        url = adapter.get("url")
        keys = {url_key(url), url_key(adapter.get("canonical_url") or url)}
        fingerprint = Fingerprint.of(adapter.get("content") or "", adapter.get("title") or "")
        reason, earlier = self._match(keys, fingerprint)
        if reason is None:
            self.store.add(url_key(adapter.get("canonical_url") or url), url, fingerprint)
            self.stats.inc_value("dedup/new")
            return item
        logger.info("Duplicate (%s) of %s: %s", reason, earlier, url)
        if self.keep:
            self.stats.inc_value(f"dedup/kept/{reason}")
            adapter["duplicate_of"] = earlier
            return item
        self.stats.inc_value(f"dedup/dropped/{reason}")
        raise DropItem(f"duplicate ({reason}) of {earlier}")

    def _match(self, keys: set[str], fingerprint: Fingerprint) -> tuple[str | None, str | None]:
        newer_than = time.time() - self.ttl if self.ttl else None
        for key in keys:
            earlier = self.store.url_seen(key, newer_than)
            if earlier:
                return "url", earlier
        earlier = self.store.find_exact(fingerprint.exact)
        if earlier:
            return "exact", earlier
        near = [c for c in self.store.near_candidates(fingerprint) if self._near(fingerprint, c)]
        for candidate in near:
            # Near-identical prose with other identifiers in its places: another document of
            # the same template (a 处罚决定书 for another party), not a copy of this one.
            if not distinct_documents(fingerprint.marks, candidate.marks):
                return "near", candidate.url
        if near:
            logger.debug("Near %s, but its identifiers differ: a distinct document", near[0].url)
            self.stats.inc_value("dedup/distinct/identifiers")
        return None, None

    def _near(self, fingerprint: Fingerprint, candidate: Stored) -> bool:
        if fingerprint.jaccard(candidate.signature) >= self.jaccard:
            return True
        return (min(fingerprint.size, candidate.size) >= self.min_shingles
                and fingerprint.containment(candidate.signature, candidate.size) >= self.containment)


def _local_feed_paths(feeds: dict) -> list[Path]:
    paths = []
    for uri in feeds:
        parts = urlsplit(str(uri))
        if parts.scheme in ("", "file") and "%(" not in str(uri):
            paths.append(Path(parts.path if parts.scheme == "file" else str(uri)))
    return paths


def _urls_in(paths: list[Path]) -> set[str]:
    """Article URLs present in JSON Lines / JSON feed files (what a killed run did write)."""
    urls: set[str] = set()
    for path in paths:
        if not path.is_file():
            continue
        for line in path.read_text("utf-8", errors="replace").splitlines():
            line = line.strip().rstrip(",")
            if line.startswith("{"):
                try:
                    urls.add(json.loads(line)["url"])
                except (ValueError, KeyError, TypeError):
                    continue  # a half-written last line
    return urls
