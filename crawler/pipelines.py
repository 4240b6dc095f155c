"""Item pipelines."""
from __future__ import annotations

from itemadapter import ItemAdapter
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http.request import NO_CALLBACK
from scrapy.pipelines.files import FilesPipeline


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


class AttachmentFilesPipeline(FilesPipeline):
    """Scrapy's FilesPipeline fed from `attachments`: each document is fetched with the
    crawl and its attachment gains the stored `path` and the `checksum` (MD5). Off unless
    FILES_STORE is set (FilesPipeline raises NotConfigured without it). A document that
    cannot be fetched stays listed without a path, counted as files/attachment_failed."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "AttachmentFilesPipeline":
        if not crawler.settings.get("FILES_STORE"):
            raise NotConfigured  # no message: off by default is not worth a warning per crawl
        return super().from_crawler(crawler)

    def get_media_requests(self, item, info) -> list[Request]:
        return [Request(a["url"], callback=NO_CALLBACK) for a in ItemAdapter(item).get("attachments") or []]

    def item_completed(self, results, item, info):
        item = super().item_completed(results, item, info)
        for attachment, (ok, value) in zip(ItemAdapter(item).get("attachments") or [], results):
            if ok:
                attachment.update(path=value["path"], checksum=value["checksum"])
            else:
                self.crawler.stats.inc_value("files/attachment_failed")
        return item
