"""Multi-page articles: one item for page 1's URL with the text of every page, in order.

Sites split long stories: people.cn `c1001-30497000-2.html`, NetEase `…KQ_2.html` (its
`div.ep-pages` bar), TRS `t20240305_1203456_1.html`, any CMS with a "1 2 3 … 下一页"
bar. A later page is its first page's URL with `-N` / `_N` before the extension, and
its first page links to it.

Exactly-once: page 1's callback does not emit the item; it sends the item along, in
cb_kwargs, with the request for page 2, and so on; the last page's callback (or the
errback of a page that cannot be fetched) emits it. The chain's requests are ordinary
requests: JOBDIR pickles them with their cb_kwargs, Redis queues them the same way. If a
kill loses a chain, page 1 (an article URL not in the dedup store) is what the resume
journal schedules again; a chain that survives in the queue as well yields a second
item for the same URL, which the dedup pipeline drops. A later page met on its own (a
link from a list, a rescheduled journal row) is never emitted: its first page is
requested instead, through the usual seen-filter.
"""
from __future__ import annotations

import re
from typing import Any, AsyncIterator, Iterable
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy.http import Response, TextResponse

from ..extract import NotArticle, attachments
from ..extract.pool import ExtractionFailed
from ..items import Article

_NUMBERED = re.compile(r"^(?P<stem>.*[^/])(?P<sep>[-_])(?P<n>\d{1,3})(?P<ext>\.s?html?)$")
_PLAIN = re.compile(r"^(?P<stem>.*[^/])(?P<ext>\.s?html?)$")
MAX_PAGES = 50  # a bar that never ends (a calendar, a broken CMS) stops here


def _split(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return f"{(parts.hostname or '').lower()}:{parts.port or ''}", parts.path


def page_number(first_url: str, url: str) -> int | None:
    """N when `url` is page N of the article whose first page is `first_url` (page 1 is 0)."""
    first_host, first_path = _split(first_url)
    host, path = _split(url)
    plain = _PLAIN.match(first_path)
    if host != first_host or plain is None:
        return None
    if path == first_path:
        return 0
    numbered = _NUMBERED.match(path)
    if numbered and numbered["stem"] == plain["stem"] and numbered["ext"] == plain["ext"]:
        return int(numbered["n"])
    return None


def first_page_url(url: str) -> str | None:
    """The URL page 1 would have if `url` is a numbered later page, else None."""
    parts = urlsplit(url)
    numbered = _NUMBERED.match(parts.path)
    if numbered is None:
        return None
    return parts._replace(path=numbered["stem"] + numbered["ext"], query="", fragment="").geturl()


def _links(response: TextResponse) -> Iterable[str]:
    for href in response.xpath("//a/@href").getall():
        href = href.strip()
        if href and not href.startswith(("javascript:", "#", "mailto:")):
            yield urljoin(response.url, href)


def next_page(response: TextResponse, first_url: str, current: int) -> str | None:
    """The page after `current` that this page links to: the smallest numbered page above it."""
    name = _PLAIN.match(urlsplit(first_url).path)
    stem = name["stem"].rsplit("/", 1)[-1].encode() if name else b""
    if not stem or (stem + b"-" not in response.body and stem + b"_" not in response.body):
        return None  # most articles: a byte search, and no second parse of the page
    numbers = {}
    for link in _links(response):
        number = page_number(first_url, link)
        if number is not None and current < number <= MAX_PAGES:
            numbers.setdefault(number, link)
    return numbers[min(numbers)] if numbers else None


def later_page_of(response: TextResponse) -> str | None:
    """Page 1's URL when this response is a later page of an article (it links back to it)."""
    first = first_page_url(response.url)
    if first is None:
        return None
    return first if any(page_number(first, link) == 0 for link in _links(response)) else None


class MultiPage:
    """Mixed into ArticleSpider: chains the pages of an article before it is emitted."""

    def start_chain(self, response: TextResponse, article: Article) -> Iterable[Any]:
        """The item itself, or the request for its page 2 carrying it."""
        following = next_page(response, article.url, 0) if self.is_article_url(article.url) else None
        if following is None:
            yield article
        else:
            yield self._page_request(following, article, 0)

    def _page_request(self, url: str, article: Article, current: int) -> scrapy.Request:
        # dont_filter: a later page the crawl already met by a link must still be fetched for
        # this chain; dont_dedup: the dedup store knows article URLs, never later pages;
        # depth_reset: DEPTH_LIMIT bounds link following, and must never cut a chain short.
        return scrapy.Request(url, callback=self.parse_page, errback=self.page_failed, dont_filter=True,
                              cb_kwargs={"article": article, "current": current},
                              meta={"dont_dedup": True, "depth_reset": True})

    async def parse_page(self, response: Response, article: Article, current: int) -> AsyncIterator[Any]:
        number = page_number(article.url, response.url) or current + 1
        more = await self.article_part(response)
        if more is None:
            self._missing(article, response.url, "unreadable")
        else:
            _append(article, more)
        following = next_page(response, article.url, number) if isinstance(response, TextResponse) else None
        if following is not None and article.pages + len(article.pages_missing) < MAX_PAGES:
            yield self._page_request(following, article, number)
        else:
            yield self._emit(article)

    def page_failed(self, failure) -> Iterable[Article]:
        """A later page that cannot be fetched: the item is emitted with what it has, marked."""
        request = failure.request
        article = request.cb_kwargs["article"]
        self._missing(article, request.url, "failed")
        yield self._emit(article)

    async def article_part(self, response: Response) -> Article | None:
        """A later page's article part; None (counted) when the page holds none."""
        if not isinstance(response, TextResponse):
            return None
        try:
            return await self.extraction.extract(response)
        except NotArticle as exc:
            self.crawler.stats.inc_value(f"pages/rejected/{exc.reason}")
        except ExtractionFailed as exc:  # an extractor bug costs one page, never the article
            self.extraction_failed(response, exc)
        return None

    def extraction_failed(self, response: Response, exc: ExtractionFailed) -> None:
        self.crawler.stats.inc_value(f"extract/error/{exc.kind}")
        self.logger.error("Extraction failed on %s: %s", response.url, exc.detail)

    def _emit(self, article: Article) -> Article:
        self.crawler.stats.inc_value("pages/articles")
        self.crawler.stats.inc_value("pages/merged", article.pages - 1)
        return article

    def _missing(self, article: Article, url: str, why: str) -> None:
        article.pages_missing.append(url)
        self.crawler.stats.inc_value(f"pages/missing/{why}")
        self.logger.warning("Page %s of %s is missing (%s)", url, article.url, why)


def _append(article: Article, more: Article) -> None:
    article.content = "\n".join(filter(None, (article.content, more.content)))
    article.content_html = "\n".join(filter(None, (article.content_html, more.content_html)))
    known = {image["url"] for image in article.images}
    article.images += [image for image in more.images if image["url"] not in known]
    article.attachments = attachments.merged(article.attachments, more.attachments)
    for rule, count in more.noise_removed.items():
        article.noise_removed[rule] = article.noise_removed.get(rule, 0) + count
    article.pages += 1
