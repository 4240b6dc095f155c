"""Template drift, made loud.

When a site changes its markup, its profile starts failing and the fallback takes over
quietly. The spider counts, per profile, how its article URLs came out:
`drift/<profile>/profile` (the profile extracted it), `drift/<profile>/fallback` (another
stage did) and `drift/<profile>/rejected` (nothing did). At the end of the crawl this
extension warns about every profile whose failure share passes DRIFT_WARN_RATE, and with
DRIFT_FAIL marks the crawl failed, which `scrapy crawl` turns into exit code 2.
"""
from __future__ import annotations

import logging
import re

from scrapy import signals
from scrapy.exceptions import NotConfigured

logger = logging.getLogger(__name__)
_KEY = re.compile(r"^drift/([^/]+)/(profile|fallback|rejected)$")


class DriftMonitor:
    def __init__(self, stats, warn_rate: float, min_pages: int, fail: bool) -> None:
        self.stats = stats
        self.warn_rate = warn_rate
        self.min_pages = min_pages
        self.fail = fail

    @classmethod
    def from_crawler(cls, crawler) -> "DriftMonitor":
        settings = crawler.settings
        if not settings.getbool("DRIFT_MONITOR_ENABLED", True):
            raise NotConfigured
        monitor = cls(crawler.stats, settings.getfloat("DRIFT_WARN_RATE", 0.3),
                      settings.getint("DRIFT_MIN_PAGES", 10), settings.getbool("DRIFT_FAIL", False))
        crawler.signals.connect(monitor.spider_closed, signal=signals.spider_closed)
        return monitor

    def failure_rates(self) -> dict[str, tuple[float, int]]:
        """profile -> (share of its article pages it did not extract, pages seen)."""
        counts: dict[str, dict[str, int]] = {}
        for key, value in self.stats.get_stats().items():
            match = _KEY.match(key)
            if match:
                counts.setdefault(match.group(1), {})[match.group(2)] = value
        rates = {}
        for profile, outcome in counts.items():
            total = sum(outcome.values())
            rates[profile] = ((outcome.get("fallback", 0) + outcome.get("rejected", 0)) / total, total)
        return rates

    def spider_closed(self, spider, reason: str) -> None:
        for profile, (rate, pages) in sorted(self.failure_rates().items()):
            if pages >= self.min_pages and rate > self.warn_rate:
                self.stats.set_value(f"drift/{profile}/failure_rate", round(rate, 3))
                logger.warning(
                    "Profile %r failed on %.0f%% of its %d article pages (fallback or rejected): "
                    "its site may have changed its template", profile, rate * 100, pages)
                if self.fail:
                    self.stats.set_value("drift/failed", True)
