"""Project commands, found through COMMANDS_MODULE."""
from __future__ import annotations

import argparse

from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.crawler import Crawler
from scrapy.exceptions import UsageError

from ..extract.profiles import ProfileError

DRIFT_EXIT_CODE = 2
FEED_FAILED_EXIT_CODE = 3


class Command(ScrapyCrawl):
    """Scrapy's crawl, plus:

    - usage errors before the crawl starts. Scrapy 2.19 builds the spider inside the crawl's
      asyncio task, so a bad argument or profile ends as "Task exception was never retrieved"
      and a traceback. The spider is built once beforehand, on a crawler of its own, and what
      it refuses (UsageError, ProfileError) is a one-line error with exit code 2;
    - exit codes for scheduled runs: 3 when a feed failed to store its items (stats
      `feed/failed`, crawler/feeds.py), else 2 when DRIFT_FAIL is set and a site profile
      failed on more of its pages than DRIFT_WARN_RATE allows."""

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            super().run(args, opts)  # Scrapy's usage errors for the other counts
            return
        self.check_spider(args[0], opts.spargs)
        # Scrapy's run(), with the crawler made through the public create_crawler so that
        # its stats can be read once the crawl is over.
        crawler = self.crawler_process.create_crawler(args[0])
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
        elif crawler.stats.get_value("feed/failed"):
            self.exitcode = FEED_FAILED_EXIT_CODE
        elif crawler.stats.get_value("drift/failed"):
            self.exitcode = DRIFT_EXIT_CODE

    def check_spider(self, name: str, spargs: dict[str, str]) -> None:
        """Build the spider as the crawl will, on a throw-away Crawler (not the process's: that
        one may install the reactor), and raise what it refuses as a UsageError."""
        loader = self.crawler_process.spider_loader
        try:
            spidercls = loader.load(name)
        except KeyError:
            raise UsageError(f"unknown spider {name!r}; the spiders: {', '.join(sorted(loader.list()))}") from None
        try:
            spidercls.from_crawler(Crawler(spidercls, self.crawler_process.settings), **spargs)
        except ProfileError as exc:
            raise UsageError(str(exc)) from exc
