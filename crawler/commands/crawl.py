from __future__ import annotations

import argparse

from scrapy.commands.crawl import Command as ScrapyCrawl

DRIFT_EXIT_CODE = 2


class Command(ScrapyCrawl):
    """Scrapy's crawl, plus an exit code for scheduled runs: 2 when DRIFT_FAIL is set and a
    site profile failed on more of its pages than DRIFT_WARN_RATE allows."""

    def _create_crawler(self, spidercls):
        crawler = super()._create_crawler(spidercls)
        self.crawlers = [*getattr(self, "crawlers", []), crawler]
        return crawler

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        super().run(args, opts)
        if not self.exitcode and any(c.stats.get_value("drift/failed") for c in getattr(self, "crawlers", [])):
            self.exitcode = DRIFT_EXIT_CODE
