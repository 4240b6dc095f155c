import ipaddress
from pathlib import Path
from urllib.parse import urlsplit

from scrapy.exceptions import UsageError

from ..extract.profiles import host_of
from .base import ARTICLE_LIKE, ArticleSpider


class GenericSpider(ArticleSpider):
    """Any site: ``-a urls=URL[,URL...]`` or ``-a url_file=FILE`` (one URL a line).

    Each page goes through the profile cascade and the readability fallback. From a
    page that is not an article, it follows same-host links that look like articles.
    """

    name = "generic"
    arguments = {**ArticleSpider.arguments, "urls": "URL[,URL...], the pages to start from",
                 "url_file": "FILE, start URLs one a line (# comments)"}

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

    def refused(self, url: str) -> bool:
        return (not self.crawler.settings.getbool("GENERIC_ALLOW_PRIVATE", False)
                and is_private_host(urlsplit(url).hostname or ""))

    def pushed_request(self, url: str):
        if not is_http(url) or self.refused(url):
            self.crawler.stats.inc_value("redis/start_urls_refused")
            self.logger.warning("Refused a start URL pushed to Redis: %s", url)
            return None
        return super().pushed_request(url)

    def is_article_url(self, url: str) -> bool:
        return bool(ARTICLE_LIKE.search(url))

    def follow_links(self, response, is_article):
        if is_article:
            return
        # URLs pushed to Redis name no hosts up front: stay on the page's own host.
        yield from self.requests_for_links(response, [ARTICLE_LIKE.pattern], self.link_hosts or [host_of(response.url)])


def is_http(url: str) -> bool:
    return urlsplit(url).scheme in ("http", "https")


_LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".lan", ".home.arpa")


def is_private_host(host: str) -> bool:
    """Loopback, private, link-local or reserved IP literals, and local-only names."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(_LOCAL_SUFFIXES):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_private or address.is_loopback or address.is_link_local or address.is_reserved
