"""A made-up news site that grows every day, for the incremental crawl tests and benchmark.

Served through the fixture proxy (testbench/fixtureproxy.py) as www.growing-news.cn, as it
stands on simulated day `site.day` (day 0 is DAY0; days before it are the backlog). Its
sections, each a different way for a crawler to learn what is new:

- politics: paginated list pages; article URLs carry their date (/n1/2024/0501/c1-...).
- society: paginated list pages that print each article's date; URLs carry none.
- culture: paginated list pages printing no dates, URLs carrying none: only the article
  page itself tells its date.
- notices: like politics but one article every third day, so its list is mostly unchanged.
- tech: an RSS feed of its latest articles (pubDate); no list pages for the crawler.
- economy: a news sitemap of its last two days (news:publication_date) and monthly archive
  sitemaps (lastmod), both listed by a sitemap index.

Every page carries Last-Modified and an ETag and answers If-None-Match / If-Modified-Since
with 304 when unchanged. The articles use the people.cn template (testbench/synthetic.py).
"""
from __future__ import annotations

import hashlib
import json
import random
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from email.utils import format_datetime, parsedate_to_datetime
from functools import cached_property

from crawler.extract.dates import CHINA
from .synthetic import TEMPLATE, article_page

HOST = "www.growing-news.cn"
BASE = f"http://{HOST}"
DAY0 = date(2024, 5, 1)
PER_PAGE = 10
FEED_SIZE = 20


@dataclass(frozen=True)
class Section:
    number: int
    name: str
    per_day: float
    dated_urls: bool = True
    shows_dates: bool = False
    start: str = "list"  # how a crawler enters it: "list", "feed" or "sitemap"


SECTIONS = (
    Section(1, "politics", 4),
    Section(2, "society", 3, dated_urls=False, shows_dates=True),
    Section(3, "notices", 1 / 3),
    Section(6, "culture", 2, dated_urls=False),
    Section(4, "tech", 3, dated_urls=False, start="feed"),
    Section(5, "economy", 3, dated_urls=False, start="sitemap"),
)


@dataclass(frozen=True)
class Article:
    section: Section
    index: int  # within its section, oldest first
    published: datetime

    @property
    def url(self) -> str:
        number = self.section.number * 100000 + self.index
        if self.section.dated_urls:
            return f"{BASE}/n1/{self.published:%Y/%m%d}/c{self.section.number}-{number}.html"
        return f"{BASE}/GB/{self.section.name}/{number}.html"

    @property
    def title(self) -> str:
        return f"{self.section.name}第{self.index}号"


class Answer:
    """A page with its validators; serve() is what the fixture proxy calls to answer it."""

    def __init__(self, site: "GrowingSite", url: str, body: bytes, content_type: str, modified: datetime) -> None:
        self.site, self.url, self.body, self.content_type = site, url, body, content_type
        self.modified = modified.replace(microsecond=0)
        self.etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'

    def unchanged_for(self, headers) -> bool:
        """RFC 7232 section 6: If-None-Match first; If-Modified-Since only without it."""
        if headers.get("If-None-Match"):
            return self.etag in [tag.strip() for tag in headers["If-None-Match"].split(",")]
        try:
            return bool(headers.get("If-Modified-Since")) and parsedate_to_datetime(headers["If-Modified-Since"]) >= self.modified
        except (TypeError, ValueError):
            return False

    def serve(self, handler, send_body: bool) -> None:
        status = 304 if self.unchanged_for(handler.headers) else 200
        self.site.answers.append((self.url, status))
        handler.send_response(status)
        handler.send_header("Last-Modified", format_datetime(self.modified.astimezone(timezone.utc), usegmt=True))
        handler.send_header("ETag", self.etag)
        if status == 304:
            handler.end_headers()
            return
        handler.send_header("Content-Type", self.content_type)
        handler.send_header("Content-Length", str(len(self.body)))
        handler.end_headers()
        if send_body:
            handler.wfile.write(self.body)


class GrowingSite:
    """The site on day `day`: `find(url)` for the fixture proxy. `answers` records (url, status)."""

    def __init__(self, backlog_days: int = 30, day: int = 0, sections: tuple[Section, ...] = SECTIONS) -> None:
        self.backlog_days = backlog_days
        self.day = day
        self.sections = sections
        self.answers: list[tuple[str, int]] = []

    @cached_property
    def template(self) -> str:
        # Without the template's ranking list: it links articles this site does not have.
        page = TEMPLATE.read_bytes().decode("gb18030")
        page = re.sub(r'<ul class="rm_ranking_list.*?</ul>', "", page, flags=re.S)
        return page

    def date_of(self, day: int) -> date:
        return DAY0 + timedelta(days=day)

    def articles(self, section: Section, until_day: int | None = None) -> list[Article]:
        """The section's articles published up to the end of `until_day` (today), oldest first."""
        last = self.day if until_day is None else until_day
        found = []
        for day in range(-self.backlog_days, last + 1):
            first, end = (int((day + self.backlog_days + k) * section.per_day + 1e-9) for k in (0, 1))
            for index in range(first, end):
                at = datetime.combine(self.date_of(day), datetime.min.time(), CHINA) + timedelta(hours=8, minutes=7 * (index % 60))
                found.append(Article(section, index, at))
        return found

    def published_on(self, day: int) -> list[Article]:
        return [a for s in self.sections for a in self.articles(s, day) if a.published.date() == self.date_of(day)]

    def start_points(self) -> dict[str, list[str]]:
        """The profile's start_urls, feeds and sitemaps."""
        return {"start_urls": [f"{BASE}/{s.name}/index.html" for s in self.sections if s.start == "list"],
                "feeds": [f"{BASE}/rss/{s.name}.xml" for s in self.sections if s.start == "feed"],
                "sitemaps": [f"{BASE}/sitemap_index.xml"] if any(s.start == "sitemap" for s in self.sections) else []}

    def profile_toml(self) -> str:
        """A site profile for it: the people.cn template and patterns, its own start points."""
        lines = ['name = "growing"', 'site = "municipal:growing"', 'extends = "people"', f'hosts = ["{HOST}"]']
        lines += [f"{key} = {json.dumps(urls)}" for key, urls in self.start_points().items()]
        return "\n".join(lines) + "\n"

    @staticmethod
    def is_article(url: str) -> bool:
        return bool(re.search(r"/n1/\d{4}/\d{4}/c\d+-\d+\.html$|/GB/\w+/\d+\.html$", url))

    def find(self, url: str) -> Answer | None:
        path = url.split(HOST, 1)[1] if HOST in url else None
        for pattern, make in self._routes():
            match = re.fullmatch(pattern, path or "")
            if match:
                answer = make(*match.groups())
                return answer and Answer(self, url, *answer)
        return None

    def _routes(self):
        return ((r"/(\w+)/index(\d*)\.html", self._list), (r"/rss/(\w+)\.xml", self._feed),
                (r"/sitemap_index\.xml", self._sitemap_index), (r"/sitemap-news\.xml", self._news_sitemap),
                (r"/sitemap-(\d{4})-(\d{2})\.xml", self._archive_sitemap),
                (r"/n1/\d{4}/\d{4}/c(\d+)-(\d+)\.html", self._article), (r"/GB/\w+/(\d+)\.html", self._article_by_number))

    def _section(self, name: str) -> Section | None:
        return next((s for s in self.sections if s.name == name), None)

    def _article(self, section_number: str, number: str):
        section = next((s for s in self.sections if s.number == int(section_number)), None)
        articles = self.articles(section) if section else []
        index = int(number) - int(section_number) * 100000
        if not 0 <= index < len(articles):
            return None
        article = articles[index]
        html = (article_page(self.template, article.title, random.Random(article.url))
                .replace('content="2024-06-12"', f'content="{article.published:%Y-%m-%d}"')
                .replace("2024年06月12日05:41", f"{article.published:%Y年%m月%d日%H:%M}"))
        return html.encode("gb18030"), "text/html; charset=GBK", article.published

    def _article_by_number(self, number: str):
        return self._article(str(int(number) // 100000), number)

    def _list(self, name: str, page: str):
        section = self._section(name)
        if section is None or section.start != "list":
            return None
        newest = self.articles(section)[::-1]
        page_number = int(page or 1)
        shown = newest[(page_number - 1) * PER_PAGE:page_number * PER_PAGE]
        if not shown:
            return None
        items = "".join(f'<li><a href="{a.url}">{a.title}</a>' + (f" <span>{a.published:%Y-%m-%d %H:%M}</span>" if section.shows_dates else "")
                        + "</li>" for a in shown)
        nav = "".join(f'<a href="/{name}/index{n if n > 1 else ""}.html">{label}</a>'
                      for n, label in ((page_number - 1, "上一页"), (page_number + 1, "下一页"))
                      if 1 <= n and (n - 1) * PER_PAGE < len(newest))
        html = f"<html><head><title>{name}</title></head><body><ul>{items}</ul><div class='page'>{nav}</div></body></html>"
        return html.encode("utf-8"), "text/html; charset=utf-8", newest[0].published

    def _feed(self, name: str):
        section = self._section(name)
        if section is None or section.start != "feed":
            return None
        latest = self.articles(section)[::-1][:FEED_SIZE]
        items = "".join(f"<item><title>{a.title}</title><link>{a.url}</link><pubDate>{format_datetime(a.published)}</pubDate></item>"
                        for a in latest)
        xml = f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{name}</title><link>{BASE}/</link>{items}</channel></rss>'
        return xml.encode("utf-8"), "application/rss+xml", latest[0].published

    def _sitemap_articles(self) -> list[Article]:
        return [a for s in self.sections if s.start == "sitemap" for a in self.articles(s)]

    def _sitemap_index(self):
        articles = self._sitemap_articles()
        months = sorted({(a.published.year, a.published.month) for a in articles})
        entries = [(f"{BASE}/sitemap-news.xml", articles[-1].published)]
        entries += [(f"{BASE}/sitemap-{y}-{m:02d}.xml", max(a.published for a in articles if (a.published.year, a.published.month) == (y, m)))
                    for y, m in months]
        body = "".join(f"<sitemap><loc>{loc}</loc><lastmod>{at.isoformat()}</lastmod></sitemap>" for loc, at in entries)
        xml = f'<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{body}</sitemapindex>'
        return xml.encode("utf-8"), "application/xml", articles[-1].published

    def _news_sitemap(self):
        articles = self._sitemap_articles()
        recent = [a for a in articles if a.published.date() >= self.date_of(self.day - 1)]
        body = "".join(f"<url><loc>{a.url}</loc><news:news><news:publication><news:name>growing</news:name>"
                       f"<news:language>zh</news:language></news:publication><news:publication_date>{a.published.isoformat()}"
                       f"</news:publication_date><news:title>{a.title}</news:title></news:news></url>" for a in recent)
        return self._urlset(body, articles[-1].published)

    def _archive_sitemap(self, year: str, month: str):
        articles = [a for a in self._sitemap_articles() if (a.published.year, a.published.month) == (int(year), int(month))]
        if not articles:
            return None
        body = "".join(f"<url><loc>{a.url}</loc><lastmod>{a.published.isoformat()}</lastmod></url>" for a in articles)
        return self._urlset(body, articles[-1].published)

    @staticmethod
    def _urlset(body: str, modified: datetime):
        xml = ('<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
               f'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">{body}</urlset>')
        return xml.encode("utf-8"), "application/xml", modified
