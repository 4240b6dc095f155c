"""The ceiling for benchmarks/crawl.py: the people spider's link following, nothing else."""
from crawler.spiders.people import PeopleSpider


class NoopSpider(PeopleSpider):
    name = "noop"

    def parse(self, response, **kwargs):
        # The links the people spider follows from this page, so both runs fetch the same
        # pages (on the made-up site every article URL extracts as an article).
        yield from self.follow_links(response, is_article=self.is_article_url(response.url))
