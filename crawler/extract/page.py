"""A decoded, parsed page and the page-wide facts every extractor reads."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable, TypeVar
from urllib.parse import urljoin

from lxml import etree, html

from . import dom
from .decode import UndecodableError, decode_html


class NotArticle(Exception):
    """The page is not an article; `reason` is a short stats-friendly code."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail

    def __reduce__(self):  # pickled from extraction worker processes (crawler/extract/pool.py)
        return type(self), (self.reason, self.detail)


# The separators between a headline and the site's name. A lone em dash is one; a doubled
# one (——, the 破折号) is Chinese punctuation inside a headline, before its subtitle.
_TITLE_SPLIT = re.compile(r"\s*(?:--|_|\||｜|–|(?<!—)—(?!—)|-{1}(?=[^\d]))\s*")
_ERROR_TITLE = re.compile(
    r"(?:^|[\s_\-|:：])(?:404|403|500)(?:$|[\s_\-|!！:：]|\s*(?:错误|not|error|页面))|页面不存在|页面未找到"
    r"|找不到(?:该|此|您要访问的)?页面|not\s+found|您访问的页面|错误页|出错了|页面已删除", re.I)


# Tested on each class or id value alone, so ^bt$ (拼音 biaoti) means a value that is just
# "bt": it never matched while the pattern ran on the class and id joined by a space.
_TITLE_CLASS = re.compile(r"title|tit\d|headline|biaoti|^bt$|hdtitle|newstit|arttit", re.I)


# Where headlines are: h1-h3, and these tags when their class or id names a title. Walked
# with lxml's tag filter in document order: an XPath union of these sorts thousands of nodes.
_HEADLINE_TAGS = ("h1", "h2", "h3", "div", "span", "p", "td", "strong", "b", "font")


def _headline_element(element, title_named: frozenset[str]) -> bool:
    """For elements of _HEADLINE_TAGS (the walk's tag filter): a heading, or a class or id
    among the page's values that name a title. Two attribute reads and two set lookups:
    the pattern ran once per distinct value, not once per element."""
    return element.tag in ("h1", "h2", "h3") or element.get("class") in title_named or element.get("id") in title_named


# Plain strings: only joined, and a smart string (which knows its element) costs an object more.
_ALL_IDS = etree.XPath("//@id", smart_strings=False)
_ALL_CLASSES = etree.XPath("//@class", smart_strings=False)
# The class and id words a CSS selector requires: div.post_info -> .post_info; #endText.
_SELECTOR_TOKENS = re.compile(r"[.#][\w-]+")
_ATTRIBUTE_TESTS = re.compile(r"\[[^\]]*\]")  # a[href*='.com'] names no class


_T = TypeVar("_T")


@dataclass
class Page:
    url: str
    text: str
    encoding: str
    root: html.HtmlElement
    # Facts read from the tree by whole-page walks, which several stages ask for.
    _memo: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def memo(self, key: str, compute: Callable[[], _T]) -> _T:
        """compute(), once per page until the tree is edited."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def edited(self) -> None:
        """The tree changed (the fallback drops hidden elements): forget what was read."""
        self._memo.clear()

    @classmethod
    def load(cls, body: bytes, url: str, content_type: str | None = None) -> "Page":
        if not body or not body.strip():
            raise NotArticle("empty", "no bytes in the response body")
        try:
            text, encoding = decode_html(body, content_type)
        except UndecodableError as exc:
            raise NotArticle("binary", str(exc)) from None
        if "<" not in text[:65536]:
            raise NotArticle("not_html", "no markup in the page")
        try:
            root = dom.parse(text)
        except (ValueError, TypeError) as exc:
            raise NotArticle("unparseable", str(exc)) from None
        return cls(url, text, encoding, root)

    @cached_property
    def _attribute_values(self) -> tuple[list[str], list[str]]:
        """Every class and id value of the page, read once: hidden elements the fallback
        drops later leave a superset, which only costs a lookup that finds nothing."""
        return _ALL_CLASSES(self.root), _ALL_IDS(self.root)

    @cached_property
    def _attribute_words(self) -> str:
        """Every class word and id of the page as one space-padded string, built in C."""
        classes, ids = self._attribute_values
        words = " ".join(classes) + " " + " #".join(("", *ids))
        return " " + " ".join(words.split()) + " "

    @cached_property
    def _title_named(self) -> frozenset[str]:
        """The class and id values that name a title (_TITLE_CLASS), each value tested once:
        templates repeat a few values over hundreds of elements."""
        classes, ids = self._attribute_values
        return frozenset(value for value in {*classes, *ids} if _TITLE_CLASS.search(value))

    def _has(self, token: str) -> bool:
        key = token[1:] if token.startswith(".") else token
        return f" {key} " in self._attribute_words

    def select(self, selector: str) -> list:
        """dom.select on the whole page, skipping outright a CSS selector that names a class
        or id the page does not have: most of a profile's selectors, on most pages."""
        if not selector.startswith(("/", "(", "./")):
            needed = _SELECTOR_TOKENS.findall(_ATTRIBUTE_TESTS.sub("", selector))
            if needed and not all(self._has(token) for token in needed):
                return []
        return dom.select(self.root, selector)

    def meta(self, *names: str) -> str | None:
        """Content of the first <meta name|property=...> present, by preference."""
        metas = self.memo("meta", self._read_metas)
        return next((metas[key] for key in map(str.lower, names) if key in metas), None)

    def _read_metas(self) -> dict[str, str]:
        """Each meta key (name, property or itemprop, lowercased) with the content of its
        first <meta> that has one: a walk of the tree for all the meta() calls of a page."""
        found: dict[str, str] = {}
        for element in self.root.iter("meta"):
            key = (element.get("name") or element.get("property") or element.get("itemprop") or "").lower()
            if key not in found and (element.get("content") or "").strip():
                found[key] = dom.untagged(element.get("content"))
        return found

    def canonical_url(self) -> str:
        return self.memo("canonical_url", self._read_canonical_url)

    def _read_canonical_url(self) -> str:
        for link in self.root.iter("link"):
            if "canonical" in (link.get("rel") or "").lower().split() and link.get("href", "").strip():
                return urljoin(self.url, link.get("href").strip())
        return self.url

    def html_title(self) -> str:
        """<title>, read once per page (until edited): half a dozen stages ask for it."""
        return self.memo("html_title", self._read_html_title)

    def _read_html_title(self) -> str:
        element = self.root.find(".//title")
        return dom.squeeze(element.text_content()) if element is not None else ""

    def title_from_head(self) -> str | None:
        """The headline part of <title>: the first segment, before the site name."""
        full = self.meta("og:title", "ArticleTitle") or self.html_title()
        if not full:
            return None
        parts = [p for p in _TITLE_SPLIT.split(full) if p]
        return parts[0] if parts and len(parts[0]) >= 4 else max(parts, key=len, default=full)

    def headline(self) -> tuple[str | None, object]:
        """The headline element: the longest heading-like text that <title> repeats.

        Pages put their headline in h1, h2, span.Title, div.tit2 ...; <title> nearly always
        repeats it with the site name added, so agreement with <title> picks it out from
        logos and section names. Returns (text, element); (None, None) when nothing agrees.
        """
        head = dom.compact(self.meta("og:title", "ArticleTitle") or "") + dom.compact(self.html_title())
        if not head:
            return None, None
        best, best_element = None, None
        title_named = self._title_named
        for element in self.root.iter(*_HEADLINE_TAGS):
            if not _headline_element(element, title_named) or not 4 <= dom.text_length(element) <= 160:
                continue
            text = dom.text_of(element)
            if not 4 <= len(text) <= 160:
                continue
            if dom.compact(text) in head and (best is None or len(text) > len(best)):
                best, best_element = text, element
        return best, best_element

    def looks_like_error_page(self) -> bool:
        title = self.html_title()
        if not title or not _ERROR_TITLE.search(title):
            return False
        body = self.root.find(".//body")
        return body is None or len(dom.text_of(body)) < 2000
