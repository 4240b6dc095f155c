"""The extractors the scoreboard compares: ours and the peers, behind one signature."""
from __future__ import annotations

import time
from typing import Callable

from lxml import html

from .evaluation import Prediction
from .extract import ExtractOptions, NotArticle, Registry, extract
from .extract.decode import UndecodableError, decode_html

System = Callable[[bytes, str], Prediction]


def ours(body: bytes, url: str, options: ExtractOptions = ExtractOptions()) -> Prediction:
    try:
        article = extract(body, url, options=options)
    except NotArticle:
        return Prediction(False)
    return Prediction(True, article.title, article.published_at, article.content)


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


def trafilatura_system(body: bytes, url: str) -> Prediction:
    import trafilatura

    document = trafilatura.bare_extraction(_text(body), url=url, with_metadata=True, include_comments=False)
    if document is None or not getattr(document, "text", None):
        return Prediction(False)
    return Prediction(True, document.title, document.date, document.text)


def readability_system(body: bytes, url: str) -> Prediction:
    from readability import Document

    try:
        document = Document(_text(body), url=url)
        summary = document.summary(html_partial=True)
        title = document.short_title()
    except Exception:  # readability raises bare Exceptions on odd input
        return Prediction(False)
    tree = html.fragment_fromstring(summary, create_parent="div")
    lines = [" ".join(t.split()) for t in tree.itertext()]
    return Prediction(True, title, None, "\n".join(line for line in lines if line))


def available(fallback: bool = False) -> dict[str, System]:
    """Ours (or, with `fallback`, ours without profiles) always; each peer when its
    package is installed (the `eval` extra)."""
    systems: dict[str, System] = {"fallback": fallback_only} if fallback else {"ours": ours}
    try:
        import trafilatura  # noqa: F401

        systems["trafilatura"] = trafilatura_system
    except ImportError:
        pass
    systems["readability"] = readability_system
    return systems


def timed(system: System, body: bytes, url: str) -> Prediction:
    start = time.perf_counter()
    prediction = system(body, url)
    prediction.seconds = time.perf_counter() - start
    return prediction
