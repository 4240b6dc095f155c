"""The extractors the scoreboard compares: ours and the peers, behind one signature."""
from __future__ import annotations

import time
from typing import Callable

from lxml import html

from .evaluation import Prediction
from .extract import ExtractOptions, NotArticle, Registry, dates, extract
from .extract.decode import UndecodableError, decode_html

System = Callable[[bytes, str], Prediction]


def ours(body: bytes, url: str, options: ExtractOptions = ExtractOptions()) -> Prediction:
    try:
        article = extract(body, url, options=options)
    except NotArticle:
        return Prediction(False)
    return Prediction(True, article.title, article.published_at, article.content,
                      source=article.source, author=article.author, editor=article.editor)


# No profile at all: every page goes down the generic path, as on a site nobody described.
NO_PROFILES = ExtractOptions(registry=Registry())


def fallback_only(body: bytes, url: str) -> Prediction:
    """Ours as if no site profile existed: what a site never seen gets."""
    return ours(body, url, NO_PROFILES)


def _text(body: bytes) -> str:
    """Peers get the page decoded as ours is: decoding is not what the scoreboard compares."""
    try:
        return decode_html(body)[0]
    except UndecodableError:
        return ""


# trafilatura's best settings for the fields: htmldate's default output is a bare date;
# a format with the time of day and offset lets it report the minute, and the extensive
# search for the original (not last-modified) date is what finds Chinese info lines.
TRAFILATURA_DATES = {"extensive_search": True, "original_date": True, "outputformat": "%Y-%m-%dT%H:%M:%S%z"}
# trafilatura has no 来源 or 编辑 field; its `sitename` names the site, not the 来源 line.
TRAFILATURA_FIELDS = frozenset({"title", "published_at", "author"})


def trafilatura_system(body: bytes, url: str) -> Prediction:
    import trafilatura

    document = trafilatura.bare_extraction(_text(body), url=url, with_metadata=True, include_comments=False,
                                           date_extraction_params=TRAFILATURA_DATES)
    if document is None or not getattr(document, "text", None):
        return Prediction(False, reports=TRAFILATURA_FIELDS)
    return Prediction(True, document.title, document.date, document.text, author=document.author,
                      reports=TRAFILATURA_FIELDS)


# GNE (GeneralNewsExtractor) reports title, author and publish_time: no 来源 or 编辑.
GNE_FIELDS = frozenset({"title", "published_at", "author"})


def gne_system(body: bytes, url: str) -> Prediction:
    from gne import GeneralNewsExtractor

    try:
        result = GeneralNewsExtractor().extract(_text(body))
    except Exception:  # GNE raises NoContentException, and bare errors on odd markup
        return Prediction(False, reports=GNE_FIELDS)
    # GNE gives the time as the page prints it (2024年05月10日 08:31, 2024-05-10 08:31:00):
    # read with our date parser, so that only what GNE found is compared, not its format.
    return Prediction(True, result.get("title"), dates.parse_date(result.get("publish_time")),
                      result.get("content"), author=result.get("author") or None, reports=GNE_FIELDS)


# readability-lxml finds the article and its title, nothing else.
READABILITY_FIELDS = frozenset({"title"})


def readability_system(body: bytes, url: str) -> Prediction:
    from readability import Document

    try:
        document = Document(_text(body), url=url)
        summary = document.summary(html_partial=True)
        title = document.short_title()
    except Exception:  # readability raises bare Exceptions on odd input
        return Prediction(False, reports=READABILITY_FIELDS)
    tree = html.fragment_fromstring(summary, create_parent="div")
    lines = [" ".join(t.split()) for t in tree.itertext()]
    return Prediction(True, title, None, "\n".join(line for line in lines if line), reports=READABILITY_FIELDS)


def available(fallback: bool = False) -> dict[str, System]:
    """Ours (or, with `fallback`, ours without profiles) always; each peer when its
    package is installed (the `eval` extra)."""
    systems: dict[str, System] = {"fallback": fallback_only} if fallback else {"ours": ours}
    for name, system in (("trafilatura", trafilatura_system), ("gne", gne_system)):
        try:
            __import__(name)
        except ImportError:
            continue
        systems[name] = system
    systems["readability"] = readability_system
    return systems


def timed(system: System, body: bytes, url: str) -> Prediction:
    start = time.perf_counter()
    prediction = system(body, url)
    prediction.seconds = time.perf_counter() - start
    return prediction
