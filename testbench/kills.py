"""A crawl that kills itself at the worst moment, for the drills that prove nothing is lost
or emitted twice across a kill.

`KillAfterFeedLine` (an EXTENSIONS entry ordered after Scrapy's FeedExporter, so that its
item_scraped handler runs after the exporter's and before the dedup pipeline's commit)
SIGKILLs its own process right after the KILL_AFTER_ITEMS-th article has reached the feed,
before its dedup rows are committed and before its page leaves the in-flight record: the
one window a kill can hit between the feed and the store.
"""
from __future__ import annotations

import os
import signal

from scrapy import signals
from scrapy.exceptions import NotConfigured


class KillAfterFeedLine:
    def __init__(self, after: int) -> None:
        self.after = after
        self.seen = 0

    @classmethod
    def from_crawler(cls, crawler) -> "KillAfterFeedLine":
        after = crawler.settings.getint("KILL_AFTER_ITEMS")
        if after <= 0:
            raise NotConfigured
        extension = cls(after)
        crawler.signals.connect(extension.item_scraped, signal=signals.item_scraped)
        return extension

    def item_scraped(self, item, **kwargs) -> None:
        self.seen += 1
        if self.seen == self.after:
            os.kill(os.getpid(), signal.SIGKILL)
