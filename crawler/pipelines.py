"""Item pipelines."""
from __future__ import annotations

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler


class ExtractionStatsPipeline:
    """Counts how each item was extracted and which noise rules fired, so a site's
    failing profile shows in the stats (extract/profile/<name>, extract/fallback/...)."""

    def __init__(self, stats) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "ExtractionStatsPipeline":
        return cls(crawler.stats)

    def process_item(self, item):
        adapter = ItemAdapter(item)
        extractor = adapter.get("extractor")
        if extractor == "readability":
            self.stats.inc_value(f"extract/fallback/readability/{adapter.get('site')}")
        else:
            self.stats.inc_value(f"extract/profile/{extractor}")
        for rule, count in (adapter.get("noise_removed") or {}).items():
            self.stats.inc_value(f"noise/{rule}", count)
        return item
