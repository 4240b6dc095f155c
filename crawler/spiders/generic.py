from pathlib import Path
from urllib.parse import urlsplit

from scrapy.exceptions import UsageError

from ..extract.profiles import host_of
from ..safety import Refusals, host_refusal
from .base import ARTICLE_LIKE, ArticleSpider


class GenericSpider(ArticleSpider):
    """Any site: ``-a urls=URL[,URL...]`` or ``-a url_file=FILE`` (one URL a line).

    Each page goes through the profile cascade and the readability fallback. From a
    page that is not an article, it follows same-host links that look like articles.
    """

    name = "generic"
    arguments = {**ArticleSpider.arguments, "urls": "URL[,URL...], the pages to start from",
                 "url_file": "FILE, start URLs one a line (# comments)"}
    # URLs come from the user, Redis or the pages: crawler.safety guards every connection.
    refuse_private_addresses = True

    def __init__(self, *args, urls: str = "", url_file: str | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        given = [u.strip() for u in urls.split(",") if u.strip()]
        if url_file:
            try:
                lines = Path(url_file).read_text("utf-8").splitlines()
            except (OSError, UnicodeDecodeError) as exc:
                raise UsageError(f"generic spider cannot read url_file {url_file}: {exc}") from exc
            given += [line.strip() for line in lines if line.strip() and not line.startswith("#")]
        bad = [u for u in given if not is_http(u)]
        if bad:
            raise UsageError(f"generic spider takes http(s) URLs only: {bad}")
        self.given_urls = given

    def setup_profiles(self) -> None:
        if not self.given_urls and not self.crawler.settings.get("REDIS_URL"):
            raise UsageError("generic spider needs -a urls=URL[,URL...] or -a url_file=FILE "
                             "(or, on Redis, URLs pushed to generic:start_urls)")
        private = [u for u in self.given_urls if self.refused(u)]
        if private:
            raise UsageError(f"generic spider refuses loopback and private addresses: {private} "
                             "(set GENERIC_ALLOW_PRIVATE=True to allow them)")
        self.profiles = []
        self.start_urls = self.given_urls
        self.use_hosts(filter(None, map(host_of, self.given_urls)))

    def refused(self, url: str) -> str | None:
        """Why the URL's host is refused from its spelling (crawler/safety.py), unless allowed."""
        if self.crawler.settings.getbool("GENERIC_ALLOW_PRIVATE", False):
            return None
        return host_refusal(urlsplit(url).hostname or "")

    def pushed_request(self, url: str):
        if not is_http(url):
            self.logger.warning("Refused a start URL pushed to Redis (not http(s)): %s", url)
        elif reason := self.refused(url):
            Refusals.of(self.crawler).refuse(urlsplit(url).hostname or "", reason, url)
        else:
            return super().pushed_request(url)
        self.crawler.stats.inc_value("redis/start_urls_refused")
        return None

    def is_article_url(self, url: str) -> bool:
        return bool(ARTICLE_LIKE.search(url))

    def follow_links(self, response, is_article):
        if is_article:
            return
        # URLs pushed to Redis name no hosts up front: stay on the page's own host.
        yield from self.requests_for_links(response, [ARTICLE_LIKE.pattern], self.link_hosts or [host_of(response.url)])


def is_http(url: str) -> bool:
    return urlsplit(url).scheme in ("http", "https")

