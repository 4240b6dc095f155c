from pathlib import Path
from urllib.parse import urlsplit

from scrapy.exceptions import UsageError
from scrapy.linkextractors import LinkExtractor

from .base import ARTICLE_LIKE, ArticleSpider, hosts_of


class GenericSpider(ArticleSpider):
    """Any site: ``-a urls=URL[,URL...]`` or ``-a url_file=FILE`` (one URL a line).

    Each page goes through the profile cascade and the readability fallback. From a
    page that is not an article, it follows same-host links that look like articles.
    """

    name = "generic"

    def __init__(self, *args, urls: str = "", url_file: str | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        given = [u.strip() for u in urls.split(",") if u.strip()]
        if url_file:
            given += [line.strip() for line in Path(url_file).read_text("utf-8").splitlines()
                      if line.strip() and not line.startswith("#")]
        bad = [u for u in given if urlsplit(u).scheme not in ("http", "https")]
        if bad:
            raise UsageError(f"generic spider takes http(s) URLs only: {bad}")
        if not given:
            raise UsageError("generic spider needs -a urls=URL[,URL...] or -a url_file=FILE")
        self.given_urls = given

    def setup_profiles(self) -> None:
        self.profiles = []
        self.start_urls = self.given_urls
        self.allowed_domains = hosts_of(self.given_urls)

    def is_article_url(self, url: str) -> bool:
        return bool(ARTICLE_LIKE.search(url))

    def follow_links(self, response, is_article):
        if is_article:
            return
        extractor = LinkExtractor(allow=[ARTICLE_LIKE.pattern], allow_domains=self.allowed_domains, unique=True)
        for link in extractor.extract_links(response):
            yield response.follow(link.url, callback=self.parse)
