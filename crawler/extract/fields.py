"""Field values read through a profile's selectors, with page-wide fallbacks."""
from __future__ import annotations

from typing import Callable

from lxml import etree

from . import bylines, dates, dom
from .page import Page
from .profiles import SiteProfile

_PUBLISHED_META = (
    "article:published_time", "og:release_date", "publishdate", "pubdate", "PubDate",
    "publish_time", "publishtime", "datePublished", "ptime", "firstpublishedtime",
)
_INFO_HINT = ("time", "date", "info", "source", "pubtime", "publish", "laiyuan", "from", "author", "meta")


def first_text(root: etree._Element, selectors: tuple[str, ...]) -> tuple[str | None, etree._Element | None]:
    """Text of the first selector that matches something non-empty."""
    for selector in selectors:
        for match in dom.select(root, selector):
            if isinstance(match, str):
                text = dom.squeeze(match)
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
            texts.extend(dom.text_of(e) if not isinstance(e, str) else e for e in dom.select(page.root, selector))
    if title_element is not None:
        texts.extend(_near_title(title_element))
    return [t for t in texts if t]


def _near_title(title_element: etree._Element, limit: int = 8) -> list[str]:
    """Short texts just after the headline: where Chinese sites print the info line."""
    found: list[str] = []
    for element in title_element.itersiblings():
        text = dom.text_of(element) if isinstance(element.tag, str) else ""
        if text and len(text) <= 200:
            found.append(text)
        if len(found) >= limit or len(text) > 200:
            break
    parent = title_element.getparent()
    if not found and parent is not None and parent.tag not in ("body", "html"):
        return _near_title(parent, limit)
    return found


def published(
    page: Page, profile: SiteProfile | None, infos: list[str], selectors: tuple[str, ...] = ()
) -> tuple[str | None, str | None]:
    """(ISO value, raw text it came from)."""
    candidates: list[str] = []
    text, _ = first_text(page.root, profile.published if profile else selectors)
    if text:
        candidates.append(text)
    candidates.extend(t for t in infos if dates.has_date(t))
    meta = page.meta(*_PUBLISHED_META)
    for raw in candidates:
        # What the page shows wins: a date shown without a time stays date-only.
        value = dates.parse_date(raw)
        if value:
            return value, raw
    if meta:
        value = dates.parse_date(meta)
        if value:
            return value, meta
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
    text, _ = first_text(page.root, selectors)
    value = parse_selected(text) if text else None
    for info in infos:
        if value:
            break
        value = parse_info(info)
    if not value and meta_names:
        meta = page.meta(*meta_names)
        value = parse_selected(meta) if meta else None
    return value
