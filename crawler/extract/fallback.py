"""The readability-lxml fallback, for pages no profile knows or a profile failed on."""
from __future__ import annotations

import logging
import re
from collections import Counter
from typing import Iterator

from lxml import html
from readability import Document

from . import dom
from .noise import matching_rule
from .page import NotArticle, Page
from .trace import Note, element_note

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
_SENTENCE_PUNCT = re.compile(r"[，。；！？]")
_LEAF_BLOCKS = ("p", "div", "td", "li", "section", "article", "span", "font")
# Inline styles that hide an article until the page's scripts run (WeChat's #js_content):
# readability drops such elements, so they are revealed first. display:none stays hidden:
# templates, pop-ups and duplicate mobile blocks use it far more than articles do.
_SCRIPT_HIDDEN = re.compile(r"(?:^|;)\s*(?:visibility\s*:\s*hidden|opacity\s*:\s*0(?:\.0*)?)\s*(?=;|$)", re.I)


def settle_visibility(root: html.HtmlElement, notes: list[Note] | None = None) -> int:
    """Show what scripts would show, drop what stays hidden; how many elements were shown.

    Inline visibility:hidden / opacity:0 is removed (readability would drop the element);
    elements with the `hidden` attribute or display:none are dropped, as readability does,
    before any block is scored. With `notes`, say what each drop removed."""
    shown = 0
    for element in dom.STYLED(root):  # in C: the few elements with a style or `hidden`
        if element.getparent() is None:
            continue
        style = element.get("style") or ""
        if element.get("hidden") is not None or _DISPLAY_NONE.search(style):
            if notes is not None:
                why = "hidden attribute" if element.get("hidden") is not None else "display:none"
                notes.append(element_note("hidden", why, element))
            element.drop_tree()
        elif _SCRIPT_HIDDEN.search(style):
            element.set("style", _SCRIPT_HIDDEN.sub("", style))
            shown += 1
    return shown


_DISPLAY_NONE = re.compile(r"(?:^|;)\s*display\s*:\s*none", re.I)


def _leaves(root: html.HtmlElement) -> Iterator[tuple[html.HtmlElement, html.HtmlElement, int, bool]]:
    """(leaf, holder, length, claimed) for each leaf text block: claimed when a noise rule
    claims its line (copyright / ICP, breadcrumb, 来源 ...), else its non-link length, 0
    when it has no Chinese punctuation (a label, a link, a table cell)."""
    # The elements with a block child, found from the blocks (in C) rather than by
    # testing every candidate's children in Python.
    containers = {block.getparent() for block in root.iter(*dom.BLOCK_TAGS)}
    for element in root.iter(*_LEAF_BLOCKS):
        if element in containers:
            continue
        text = element.text_content()
        parent = element.getparent()
        if len(text) < 8 or parent is None:
            continue
        line = dom.squeeze(text)
        length = len(line) - line.count(" ")  # dom.chars(text): squeezing left one space per run
        if matching_rule(line) is not None:
            yield element, parent, length, True
            continue
        if not _CJK_PUNCT.search(text):
            continue
        links = sum(dom.text_length(a) for a in element.iter("a"))
        plain = length - links  # the text read once
        if plain <= 0:
            continue
        # Text written straight into a container with <br>s makes the container the leaf.
        holder = element if plain > 200 and element.find("br") is not None else parent  # few are that long
        yield element, holder, plain, False


def prose_scores(root: html.HtmlElement) -> dict[html.HtmlElement, float]:
    """How much paragraph-like prose each element holds.

    Each leaf text block (no block children) with Chinese punctuation gives its non-link
    length to its parent, and half to the grandparent: the container of a story's
    paragraphs collects most, a link list or a sidebar almost nothing. Lines a noise rule
    claims give nothing, and neither does a box whose claimed lines outweigh its prose: a
    footer's address or disclaimer beside its copyright and ICP lines is the page's
    chrome, so a footer is never the article block (a list page whose teasers carry no
    sentence punctuation would otherwise read as a footer-sized article).
    """
    claimed: dict[html.HtmlElement, int] = {}
    prose: list[tuple[html.HtmlElement, int]] = []
    for _, holder, length, is_claimed in _leaves(root):
        if is_claimed:
            claimed[holder] = claimed.get(holder, 0) + length
        else:
            prose.append((holder, length))
    own = Counter()
    for holder, plain in prose:
        own[holder] += plain
    scores: dict[html.HtmlElement, float] = {}
    for holder, plain in prose:
        if claimed.get(holder, 0) >= own[holder]:
            continue
        scores[holder] = scores.get(holder, 0) + plain
        grand = holder.getparent()
        if grand is not None:
            scores[grand] = scores.get(grand, 0) + plain / 2
    return scores


def densest_container(scores: dict[html.HtmlElement, float]) -> html.HtmlElement | None:
    """The element holding the most prose: a second opinion beside readability."""
    return max(scores, key=scores.get) if scores else None


def first_prose_after(root: html.HtmlElement, headline: html.HtmlElement) -> html.HtmlElement | None:
    """The first leaf of prose the headline introduces: after it in document order, with a
    sentence of its own (not link text) that no noise rule claims (date / 来源 lines)."""
    inside = set(headline.iter())
    headline_text = dom.compact(headline.text_content())
    passed = False
    for element in root.iter(*_LEAF_BLOCKS, headline.tag):
        if element is headline:
            passed = True
            continue
        if not passed or element in inside:
            continue
        if any(isinstance(c.tag, str) and c.tag in dom.BLOCK_TAGS for c in element):
            continue
        own = dom.squeeze(element.text_content())
        for link in element.iter("a"):
            own = own.replace(dom.squeeze(link.text_content()), "", 1)
        if len(own) >= 8 and _SENTENCE_PUNCT.search(own) and matching_rule(own) is None \
                and dom.compact(own) not in headline_text:  # the headline printed again (a sticky bar)
            return element
    return None


def anchored_container(scores: dict[html.HtmlElement, float], headline: html.HtmlElement,
                       leaf: html.HtmlElement) -> html.HtmlElement:
    """The container of the story the headline introduces: from the first prose leaf after
    the headline up to the element holding both, the ancestor holding most prose. A longer
    feed or recommended story elsewhere on the page is not on that path."""
    top = set(headline.iterancestors())
    chain = [leaf]
    for ancestor in leaf.iterancestors():
        chain.append(ancestor)
        if ancestor in top:
            break
    return max(chain, key=lambda e: scores.get(e, 0))


def pointer_share(blocks: list[dom.Block]) -> float:
    """The share of a block's text that points to other pages: lines that are mostly link
    text (headlines of other stories), the teaser lines printed right under them, and a
    teaser closed by a read-more link ([详细] 阅读全文>>). An article's own paragraphs, even
    with links inside, point nowhere. Only lines with Chinese text count (dates and page
    numbers say nothing either way); counting stops at a recommendation heading once the
    article has begun, as the cleaning cuts there."""
    lines = [b for b in blocks if b.kind != "img" and (len(_CJK.findall(b.text)) >= 2 or _READ_MORE.match(b.text))]
    own = pointing = 0
    for index, block in enumerate(lines):
        rule = matching_rule(block.text)
        if rule is not None and rule.cut_rest and own >= 20:
            break
        linked = block.link_chars >= 0.5 * len(block.text)
        after_link = index > 0 and lines[index - 1].link_chars >= 0.5 * len(lines[index - 1].text)
        nxt = lines[index + 1] if index + 1 < len(lines) else None
        read_more = nxt is not None and nxt.link_chars and _READ_MORE.match(nxt.text) is not None
        if linked or after_link or read_more:
            pointing += len(block.text)
        else:
            own += len(block.text)
    return pointing / (own + pointing) if own + pointing else 0.0


_READ_MORE = re.compile(r"^\W*(?:(?:阅读全文|查看全文|全文|详细|详情|更多|阅读更多|查看更多|点击查看|more)\W*|>>|»)\W*$", re.I)
_CJK = re.compile(r"[\u3400-\u9fff]")
_TEXT_LEAVES = (*_LEAF_BLOCKS, "h1", "h2", "h3", "h4", "h5", "h6", "th", "dd", "dt", "a", "em", "strong", "b")


def original_of(root: html.HtmlElement, picked: html.HtmlElement) -> html.HtmlElement | None:
    """Where readability's detached pick sits in the page: the element holding both its
    first and its last line. Readability strips headline links from what it returns, so
    whether the block is a list of links is read from the page itself."""
    lines = [dom.compact(b.text) for b in dom.blocks_of(picked, "") if b.kind != "img"]
    lines = [line[:30] for line in lines if len(line) >= 10]
    if not lines:
        return None
    first = last = None
    for element in root.iter(*_TEXT_LEAVES):
        if any(isinstance(c.tag, str) and c.tag in dom.BLOCK_TAGS for c in element):
            continue
        text = dom.compact(element.text_content())
        if first is None:
            if lines[0] in text:
                first = element
            else:
                continue
        if lines[-1] in text:
            last = element  # the first occurrence after `first`: the pick is one stretch
            break
    if first is None or last is None:
        return None
    ancestors = {first, *first.iterancestors()}
    return next((e for e in (last, *last.iterancestors()) if e in ancestors), None)

