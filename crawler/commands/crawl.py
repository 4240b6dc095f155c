from __future__ import annotations

import argparse

from scrapy.commands.crawl import Command as ScrapyCrawl

DRIFT_EXIT_CODE = 2
FEED_FAILED_EXIT_CODE = 3


class Command(ScrapyCrawl):
    """Scrapy's crawl, plus exit codes for scheduled runs: 3 when a feed failed to store
    its items (stats `feed/failed`, crawler/feeds.py), else 2 when DRIFT_FAIL is set and a
    site profile failed on more of its pages than DRIFT_WARN_RATE allows."""

    def _create_crawler(self, spidercls):
        crawler = super()._create_crawler(spidercls)
        self.crawlers = [*getattr(self, "crawlers", []), crawler]
        return crawler

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        super().run(args, opts)
        if self.exitcode:
            return
        stats = [c.stats for c in getattr(self, "crawlers", [])]
        if any(s.get_value("feed/failed") for s in stats):
            self.exitcode = FEED_FAILED_EXIT_CODE
        elif any(s.get_value("drift/failed") for s in stats):
            self.exitcode = DRIFT_EXIT_CODE
