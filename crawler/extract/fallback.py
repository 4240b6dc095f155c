"""The readability-lxml fallback, for pages no profile knows or a profile failed on."""
from __future__ import annotations

import logging
import re

from lxml import html
from readability import Document

from . import dom
from .page import NotArticle, Page

logging.getLogger("readability.readability").setLevel(logging.WARNING)


def readability_container(page: Page) -> html.HtmlElement:
    """The element readability picks as the article, as a detached tree."""
    try:
        # Our tree, not the text: no second parse. No url either: links are resolved later,
        # once, for the few images kept. Readability drops hidden elements from the tree.
        summary = Document(page.root).summary(html_partial=True)
    except Exception as exc:  # readability raises bare Exceptions on odd input
        raise NotArticle("no_article_body", f"readability failed: {exc.__class__.__name__}") from None
    if not summary or not summary.strip():
        raise NotArticle("no_article_body", "readability found nothing")
    return html.fragment_fromstring(summary, create_parent="div")


_CJK_PUNCT = re.compile(r"[，。；！？、：“”]")
_LEAF_BLOCKS = ("p", "div", "td", "li", "section", "article", "span", "font")


def densest_container(root: html.HtmlElement) -> html.HtmlElement | None:
    """The element holding the most paragraph-like prose: a second opinion beside readability.

    Each leaf text block (no block children) with Chinese sentence punctuation gives its
    non-link length to its parent, and half to the grandparent: the container of a
    story's paragraphs collects most, a link list or a sidebar almost nothing.
    """
    scores: dict[html.HtmlElement, float] = {}
    for element in root.iter(*_LEAF_BLOCKS):
        if any(isinstance(c.tag, str) and c.tag in dom.BLOCK_TAGS for c in element):
            continue
        text = element.text_content()
        if len(text) < 10 or not _CJK_PUNCT.search(text):
            continue
        links = sum(dom.text_length(a) for a in element.iter("a"))
        plain = dom.text_length(element) - links
        if plain <= 0:
            continue
        parent = element.getparent()
        if parent is None:
            continue
        # Text written straight into a container with <br>s makes the container the leaf.
        holder = element if element.find("br") is not None and plain > 200 else parent
        scores[holder] = scores.get(holder, 0) + plain
        grand = holder.getparent()
        if grand is not None:
            scores[grand] = scores.get(grand, 0) + plain / 2
    if not scores:
        return None
    return max(scores, key=scores.get)
