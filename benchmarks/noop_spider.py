"""The ceiling for benchmarks/crawl.py: the people spider's link following, nothing else."""
from scrapy.linkextractors import LinkExtractor

from crawler.spiders.people import PeopleSpider


class NoopSpider(PeopleSpider):
    name = "noop"

    def parse(self, response, **kwargs):
        patterns = [p.pattern for profile in self.profiles for p in (*profile.article_urls, *profile.list_urls)]
        for link in LinkExtractor(allow=patterns, allow_domains=self.allowed_domains).extract_links(response):
            yield response.follow(link.url, callback=self.parse)
