"""The readability-lxml fallback, for pages no profile knows or a profile failed on."""
from __future__ import annotations

import logging

from lxml import html
from readability import Document

from .page import NotArticle, Page

logging.getLogger("readability.readability").setLevel(logging.WARNING)


def readability_container(page: Page) -> html.HtmlElement:
    """The element readability picks as the article, as a detached tree."""
    try:
        summary = Document(page.text, url=page.url).summary(html_partial=True)
    except Exception as exc:  # readability raises bare Exceptions on odd input
        raise NotArticle("no_article_body", f"readability failed: {exc.__class__.__name__}") from None
    if not summary or not summary.strip():
        raise NotArticle("no_article_body", "readability found nothing")
    return html.fragment_fromstring(summary, create_parent="div")
