"""Drop (or mark) items that repeat an article already emitted: same URL, same text,
or nearly the same text (another site's repost, a mirror's Traditional copy), unless the
near text puts other identifiers in the same places (another document of one template)."""
from __future__ import annotations

import logging

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.exceptions import DropItem, NotConfigured

from ..feeds import FeedLedger, urls_in_every_feed
from .fingerprint import Fingerprint, distinct_documents, fingerprint_of
from .runtime import DedupStoreExtension, dedup_for
from .store import Stored
from .urls import url_key

logger = logging.getLogger(__name__)


class DedupPipeline:
    def __init__(self, dedup: DedupStoreExtension, stats, keep: bool, jaccard: float, containment: float,
                 min_shingles: int) -> None:
        self.dedup = dedup
        self.store = dedup.store
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
            dedup_for(crawler), crawler.stats,
            keep=settings.getbool("DEDUP_KEEP_DUPLICATES", False),
            jaccard=settings.getfloat("DEDUP_NEAR_JACCARD", 0.45),
            containment=settings.getfloat("DEDUP_NEAR_CONTAINMENT", 0.85),
            min_shingles=settings.getint("DEDUP_NEAR_MIN_SHINGLES", 150),
        )
        # Before any feed is opened (and an -O feed truncated): settle a killed run's rows,
        # reading the feed files back only when there are some.
        feeds = settings.getdict("FEEDS")
        if pipeline.store.has_pending():
            kept, dropped = pipeline.store.settle_pending(urls_in_every_feed(feeds))
            logger.info("dedup store: %d pending articles confirmed in the feeds, %d forgotten", kept, dropped)
        if not feeds:  # the items go wherever the project's own pipelines send them
            crawler.signals.connect(pipeline.commit, signal=signals.spider_closed)
            return pipeline
        # An article's rows become permanent once every feed meant for it has stored it.
        ledger = FeedLedger.of(crawler)
        ledger.subscribe(pipeline.store.commit_pending)
        # FeedExporter's item_scraped handler was connected first (extensions are built
        # before pipelines): when the ledger's runs, the item has been exported.
        crawler.signals.connect(ledger.landed, signal=signals.item_scraped)
        crawler.signals.connect(pipeline.forget_unstored, signal=ledger.end_signal(crawler))
        return pipeline

    def commit(self, *args, **kwargs) -> None:
        """No feed: every article that passed is emitted; its rows become permanent."""
        self.store.commit_pending()

    def forget_unstored(self, *args, **kwargs) -> None:
        """The feeds are closed: an article some feed failed to store is not seen."""
        _, dropped = self.store.settle_pending(set())
        if dropped:
            self.stats.set_value("dedup/unstored", dropped)
            logger.warning("dedup store: %d articles not stored by every feed stay unseen: the next run emits them",
                           dropped)

    def process_item(self, item):
        adapter = ItemAdapter(item)
        url = adapter.get("url")
        key = url_key(adapter.get("canonical_url") or url)  # where the article is stored
        keys = {url_key(url), key}
        fingerprint, precomputed = fingerprint_of(item, adapter.get("content"), adapter.get("title"))
        if precomputed:
            self.stats.inc_value("extract/pool/fingerprinted")  # by the worker that extracted it
        reason, earlier = self._match(keys, fingerprint)
        adopted = self.dedup.adopted_as(keys) if reason != "url" else None
        if adopted:
            # A dead worker's feed holds it, but its rows died with it: committed now, so
            # that the store holds the article once, as the feeds do.
            self.store.add(key, url, fingerprint)
            self.store.commit_pending([url])
            self.stats.inc_value("dedup/dropped/recovered")
            raise DropItem(f"already in the feed of a worker that died: {adopted}")
        if reason is None:
            self.store.add(key, url, fingerprint)
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
        found = self.dedup.lookup(keys, fingerprint)
        if found.url:
            return "url", found.url
        if found.exact:
            return "exact", found.exact
        near = [c for c in found.candidates if self._near(fingerprint, c)]
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
