"""Field values read through a profile's selectors, with page-wide fallbacks."""
from __future__ import annotations

import re
from typing import Callable

from lxml import etree

from . import dates, dom
from .chinese import to_simplified
from .page import Page
from .profiles import SiteProfile

_PUBLISHED_META = (
    "article:published_time", "og:release_date", "publishdate", "pubdate", "PubDate",
    "publish_time", "publishtime", "datePublished", "ptime", "firstpublishedtime",
)
_INFO_HINT = ("time", "date", "info", "source", "pubtime", "publish", "laiyuan", "from", "author", "meta")


def first_text(page: Page, selectors: tuple[str, ...]) -> tuple[str | None, etree._Element | None]:
    """Text of the first selector that matches something non-empty."""
    for selector in selectors:
        for match in page.select(selector):
            if isinstance(match, str):
                # Attribute values sometimes carry markup: ArticleTitle="A<div>B</div>".
                text = dom.squeeze(re.sub(r"<[^>]+>", "", match))
                element = None
            else:
                text, element = dom.text_of(match), match
            if text:
                return text, element
    return None, None


def info_texts(page: Page, profile: SiteProfile | None, title_element: etree._Element | None) -> list[str]:
    """The info lines (date / 来源 / 作者) of the page, profile's first."""
    texts = []
    if profile:
        for selector in profile.info:
            texts.extend(dom.text_of(e) if not isinstance(e, str) else e for e in page.select(selector))
    if title_element is not None:
        texts.extend(_near_title(title_element))
    return [t for t in texts if t]


_FOLLOWING_TEXT = etree.XPath("following::text()[normalize-space()][position() <= 60]")


def _near_title(title_element: etree._Element, window: int = 400) -> list[str]:
    """The lines right after the headline, in document order, however deeply nested:
    Chinese sites print the date / 来源 / 作者 line there. A line gathers the text nodes
    under one block element, so a label and its linked value stay together."""
    lines: list[str] = []
    current: list[str] = []
    block = None
    size = 0
    for text in _FOLLOWING_TEXT(title_element):
        holder = text.getparent()
        if text.is_tail:
            holder = holder.getparent() if holder is not None else None
        while holder is not None and holder.tag not in dom.BLOCK_TAGS:
            holder = holder.getparent()
        if holder is not block and current:
            lines.append(dom.squeeze("".join(current)))
            current = []
        block = holder
        current.append(str(text))
        size += len(text.strip())
        if size >= window:
            break
    if current:
        lines.append(dom.squeeze("".join(current)))
    return [line for line in lines if line]


_LABELLED_DATE = re.compile(r"(?:发布|发稿|更新|出版|发表|录入|上传)?(?:时间|日期)\s*[:：]\s*(?=(?:19|20)\d{2})")
_DATE_ELEMENTS = (
    "//body//*[contains(@id, 'date') or contains(@id, 'time') or contains(@class, 'date')"
    " or contains(@class, 'time')][string-length(normalize-space()) < 60]",
)


def published(
    page: Page, profile: SiteProfile | None, infos: list[str], selectors: tuple[str, ...] = ()
) -> tuple[str | None, str | None]:
    """(ISO value, raw text it came from), by a numbered cascade:
    1. the profile's (or given) date selectors; 2. a labelled date (发布时间：...) in the
    info lines; 3. a date in a short info line; 4. a labelled date anywhere on the page;
    5. a date-like element (id / class date or time); 6. meta tags; 7. the URL."""
    text, _ = first_text(page, profile.published if profile else selectors)
    infos = [to_simplified(t) for t in infos]
    labelled = [t[m.end():] for t in infos for m in [_LABELLED_DATE.search(t)] if m]
    short = [t for t in infos if len(t) <= 80 and dates.has_date(t)]
    for raw in ([text] if text else []) + labelled + short:
        # What the page shows wins: a date shown without a time stays date-only.
        value = dates.parse_date(raw)
        if value:
            return value, raw
    body = page.root.find(".//body")
    if body is not None:
        for match in _LABELLED_DATE.finditer(to_simplified(dom.text_of(body))):
            raw = match.string[match.end(): match.end() + 40]
            value = dates.parse_date(raw)
            if value:
                return value, raw
    shown = [dom.text_of(e) for e in page.select(_DATE_ELEMENTS[0])]
    for raw in [*shown, page.meta(*_PUBLISHED_META)]:
        value = dates.parse_date(raw)
        if value:
            return value, raw
    return dates.date_from_url(page.url), None


def labelled_field(
    page: Page,
    selectors: tuple[str, ...],
    infos: list[str],
    parse_selected: Callable[[str], str | None],
    parse_info: Callable[[str], str | None],
    meta_names: tuple[str, ...] = (),
) -> str | None:
    """A 来源 / 作者 / 编辑 value: the profile's element, else a labelled info line, else meta."""
    text, _ = first_text(page, selectors)
    value = parse_selected(text) if text else None
    for info in infos:
        if value:
            break
        value = parse_info(info)
    if not value and meta_names:
        meta = page.meta(*meta_names)
        value = parse_selected(meta) if meta else None
    return value
