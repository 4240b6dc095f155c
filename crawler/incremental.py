"""Incremental crawling: fetch what is new since the last run, not the whole site.

- A date window (`-a since=...`): what is known to be older is neither fetched nor emitted.
- Feeds (RSS / Atom, read by feedparser) and sitemaps (Scrapy's own parser, news sitemaps
  and sitemap indexes) as start points, their dates used for the window.
- Which links of a page are new (unseen in the dedup store, inside the window), and which
  of its list links are its next pages (not followed once a page links nothing new).
- The HTTP cache policy that revalidates list, feed and sitemap pages (a 304 when unchanged)
  and never caches anything else.
"""
from __future__ import annotations

import io
import re
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterable
from urllib.parse import parse_qsl, urlsplit

import feedparser
from scrapy import signals
from scrapy.exceptions import UsageError
from scrapy.extensions.httpcache import FilesystemCacheStorage, RFC2616Policy
from scrapy.http import Request, Response
from scrapy.settings import Settings
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap

from .dedup.urls import url_key
from .extract.dates import CHINA, date_from_url, parse_date
from .state import state_path

#: Request meta key: a list, feed or sitemap page, kept in the HTTP cache and revalidated.
REVALIDATE = "revalidate"

_AGE = re.compile(r"(\d+)\s*([wdhm])")
_AGE_UNITS = {"w": timedelta(weeks=1), "d": timedelta(days=1), "h": timedelta(hours=1), "m": timedelta(minutes=1)}


def parse_since(value: str, now: datetime | None = None) -> datetime:
    """The `since` spider argument as an aware datetime, or a UsageError saying the forms."""
    text = value.strip().lower()
    age = _AGE.fullmatch(text)
    if age:
        return (now or datetime.now(timezone.utc)) - int(age.group(1)) * _AGE_UNITS[age.group(2)]
    try:
        moment = datetime.fromisoformat(text.upper())
    except ValueError:
        raise UsageError("since must be a date (2024-05-01), a date and time (2024-05-01T08:00, China time unless "
                         f"it names an offset) or an age (2d, 12h, 30m, 1w), not {value!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=CHINA)


def as_moment(value: str | None) -> datetime | None:
    """The latest instant an ISO 8601 (or Chinese-form) date may stand for: a date without a
    time is its whole day in China time, so it ends at the next midnight there."""
    iso = (value or "").strip()
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        iso = parse_date(iso) or ""
        if not iso:
            return None
        moment = datetime.fromisoformat(iso)
    if len(iso) <= 10:  # a date only
        moment += timedelta(days=1)
    return moment if moment.tzinfo else moment.replace(tzinfo=CHINA)


@dataclass(frozen=True)
class Window:
    """Publication dates from `since` on; no bound when since is None."""

    since: datetime | None = None

    def admits(self, published: str | None) -> bool:
        """False only when `published` is known to be before the window (no date: admitted)."""
        if self.since is None:
            return True
        moment = as_moment(published)
        return moment is None or moment > self.since


def link_dates(response: Response) -> dict[str, str]:
    """Link URL -> the date a list page shows beside it (in the same li, tr, dd or dt, when
    that holds this one link), for the list pages that print dates next to their links."""
    dates: dict[str, str] = {}
    for row in response.xpath("//li|//tr|//dd|//dt"):
        hrefs = row.xpath(".//a/@href").getall()
        if len(hrefs) == 1:
            found = parse_date(" ".join(row.xpath(".//text()").getall()))
            if found:
                dates.setdefault(response.urljoin(hrefs[0]), found)
    return dates


def link_date(url: str, shown: dict[str, str]) -> str | None:
    """The date a link is known by: the one its list shows, else the one its URL carries."""
    return shown.get(url) or date_from_url(url)


def is_next_page(page: str, link: str) -> bool:
    """Whether `link` is another page of the list `page`: the same folder and a file name
    that differs only in digits and separators (index.html, index2.html, index_3.shtml), or
    the same path with only page parameters changed (?page=2, ?pageNum=3, ?p=4; not ?catid=5,
    another section)."""
    a, b = urlsplit(page), urlsplit(link)
    if a.netloc != b.netloc:
        return False
    if a.path == b.path:
        qa, qb = dict(parse_qsl(a.query)), dict(parse_qsl(b.query))
        changed = {k for k in qa.keys() | qb.keys() if qa.get(k) != qb.get(k)}
        return bool(changed) and all(_PAGE_PARAMETER.search(k) for k in changed)
    folder_a, _, name_a = a.path.rpartition("/")
    folder_b, _, name_b = b.path.rpartition("/")
    return folder_a == folder_b and _stem(name_a) == _stem(name_b)


_PAGE_PARAMETER = re.compile(r"page|^(?:p|pn|pi|cp|start|offset)$", re.I)


def _stem(name: str) -> str:
    return re.sub(r"[\d_-]+", "", name)


_ROOT_TAG = re.compile(rb"<(?:[\w.-]+:)?([A-Za-z][\w.-]*)")
_PROLOGUE = re.compile(rb"<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>]*>", re.S | re.I)
_KINDS = {b"rss": "feed", b"feed": "feed", b"RDF": "feed", b"urlset": "sitemap", b"sitemapindex": "sitemap"}


def document_body(response: Response, max_size: int) -> bytes:
    """The response body, gunzipped when it is a gzip file (sitemap.xml.gz)."""
    body = response.body
    return gunzip(body, max_size=max_size) if body[:2] == b"\x1f\x8b" else body


def document_kind(body: bytes) -> str | None:
    """"feed" or "sitemap" by the document's root element (whatever its Content-Type), else None."""
    head = _PROLOGUE.sub(b"", body[:4096].lstrip(b"\xef\xbb\xbf \t\r\n"))
    match = _ROOT_TAG.match(head.lstrip())
    return _KINDS.get(match.group(1)) if match else None


@dataclass(frozen=True)
class Entry:
    url: str
    published: str | None = None  # ISO 8601
    sitemap: bool = False         # a sitemap listed by a sitemap index, not a page


def feed_entries(body: bytes, base_url: str) -> list[Entry]:
    """The entries of an RSS or Atom feed: link and publication (else update) date."""
    # A file object, never a string: feedparser fetches a string that looks like a URL.
    parsed = feedparser.parse(io.BytesIO(body), response_headers={"content-location": base_url})
    entries = []
    for entry in parsed.entries:
        if not entry.get("link"):
            continue
        stamp = entry.get("published_parsed") or entry.get("updated_parsed")
        published = datetime(*stamp[:6], tzinfo=timezone.utc).isoformat() if stamp else None
        entries.append(Entry(entry["link"], published))
    return entries


class _NewsSitemap(Sitemap):
    """Scrapy's sitemap parser, also reading the news:publication_date inside news:news
    (it keeps only the text of each direct child of <url>)."""

    def _process_sitemap_element(self, elem):
        published = [el.text.strip() for el in elem.iter() if self._get_tag_name(el) == "publication_date" and el.text]
        entry = super()._process_sitemap_element(elem)
        if entry is not None and published:
            entry["publication_date"] = published[0]
        return entry


def sitemap_entries(body: bytes) -> list[Entry]:
    """A sitemap's pages, or a sitemap index's sitemaps, with news publication date or lastmod.

    A lastmod is when the page (or the sitemap) last changed, never before it was published:
    one before the window means nothing in it is new."""
    sitemap = _NewsSitemap(body)
    is_index = sitemap.type == "sitemapindex"
    return [Entry(d["loc"], d.get("publication_date") or d.get("lastmod") or None, is_index) for d in sitemap]


class RevalidatePolicy(RFC2616Policy):
    """RFC 2616 caching for the requests marked REVALIDATE (list, feed and sitemap pages)
    only, revalidated on every use: a list page fresh by its own headers can still have
    gained an article since, so the server is always asked (If-Modified-Since /
    If-None-Match), and an unchanged page costs a 304. Article pages are never cached: the
    dedup store is what skips those already emitted, and nothing stale is served as new."""

    def should_cache_request(self, request: Request) -> bool:
        return bool(request.meta.get(REVALIDATE)) and super().should_cache_request(request)

    def is_cached_response_fresh(self, cachedresponse: Response, request: Request) -> bool:
        for validator, condition in ((b"Last-Modified", b"If-Modified-Since"), (b"ETag", b"If-None-Match")):
            if validator in cachedresponse.headers:
                request.headers[condition] = cachedresponse.headers[validator]
        return False


class StateCacheStorage(FilesystemCacheStorage):
    """Scrapy's file-system HTTP cache, with a relative HTTPCACHE_DIR under state_path: in a
    Scrapyd job Scrapy's own data_path finds no scrapy.cfg, and the cache would be off."""

    def __init__(self, settings) -> None:
        own = Settings(settings.copy_to_dict())  # the crawler's are frozen by now
        own.set("HTTPCACHE_DIR", state_path(settings["HTTPCACHE_DIR"]))
        super().__init__(own)


def new_links(urls: Iterable[str], shown: dict[str, str], window: Window, seen) -> tuple[list[str], list[str]]:
    """(new, older): of article links `urls`, those unseen (`seen(url)` false) and inside the
    window, and those whose known date is before it."""
    new, older = [], []
    for url in urls:
        if not window.admits(link_date(url, shown)):
            older.append(url)
        elif not seen(url):
            new.append(url)
    return new, older


class PublishedDates:
    """Publication dates of articles found before the window: never emitted, so not in the
    dedup store, yet their date does not change. Remembered, a later run knows them as old
    without fetching them, and a list page of such links (printing no dates) as exhausted.
    One SQLite file: INCREMENTAL_DATES_PATH, else .scrapy/published.sqlite beside the dedup store."""

    def __init__(self, path: str) -> None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path)
        self.db.execute("CREATE TABLE IF NOT EXISTS published (key TEXT PRIMARY KEY, published TEXT NOT NULL)")
        self.db.commit()

    @classmethod
    def from_crawler(cls, crawler) -> "PublishedDates":
        dates = cls(crawler.settings.get("INCREMENTAL_DATES_PATH") or state_path("published.sqlite"))
        crawler.signals.connect(dates.close, signal=signals.spider_closed)
        return dates

    def get(self, url: str) -> str | None:
        row = self.db.execute("SELECT published FROM published WHERE key = ?", (url_key(url),)).fetchone()
        return row[0] if row else None

    def put(self, url: str, published: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO published (key, published) VALUES (?, ?)", (url_key(url), published))
        self.db.commit()

    def close(self, *args, **kwargs) -> None:
        self.db.close()
