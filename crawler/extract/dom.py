"""One parse per page, and the walk from an article element to text blocks."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urljoin

from cssselect import HTMLTranslator
from lxml import etree, html

_PARSER = html.HTMLParser(
    remove_comments=True, remove_pis=True, no_network=True, huge_tree=True, recover=True
)
# One element class for every tag, chosen in C: lxml.html's default lookup runs Python for
# each element proxy (to give <form> and <input> their own classes, which nothing here
# uses), and walks over a page create tens of thousands of proxies.
_PARSER.set_element_class_lookup(etree.ElementDefaultClassLookup(
    element=html.HtmlElement, comment=html.HtmlComment, pi=html.HtmlProcessingInstruction, entity=html.HtmlEntity))
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*>", re.IGNORECASE)
# A stray </html> or </body> mid-file (server-side includes) would end the document there.
_EARLY_END = re.compile(r"</(?:html|body)\s*>", re.IGNORECASE)

BLOCK_TAGS = frozenset(
    "address article aside blockquote body caption center dd div dl dt fieldset figcaption figure "
    "footer form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section table tbody td th thead "
    "tfoot tr ul".split()
)
HEADING_TAGS = frozenset("h1 h2 h3 h4 h5 h6".split())
SKIP_TAGS = frozenset(
    "script style noscript template iframe frame frameset object embed svg canvas button input "
    "select option textarea head title meta link map area audio source track".split()
)
# The elements with a style or a hidden attribute, in document order, each once: the
# attributes' parents. Walking the attribute axis is two to three times faster in libxml2
# than testing every element (//*[@style or @hidden]).
STYLED = etree.XPath("(//@style | //@hidden)/..")
_SPACE = re.compile(r"[ \t\r\n\f\v\u3000\xa0\u2002\u2003\u2009\u200b\ufeff]+")


def parse(text: str) -> html.HtmlElement:
    """A document tree, whatever the markup's state."""
    text = _EARLY_END.sub("", _XML_DECL.sub("", text, count=1).replace("\x00", ""))
    if not text.strip():
        raise ValueError("empty document")
    root = html.document_fromstring(text, parser=_PARSER)
    if root is None:
        raise ValueError("unparseable document")
    # Never text: dropped once here, so every later text read can be a C-level one.
    etree.strip_elements(root, "script", "style", "noscript", "template", etree.Comment, with_tail=False)
    return root


@lru_cache(maxsize=1024)
def compile_selector(selector: str) -> etree.XPath:
    """CSS, or XPath when the selector starts like one; compiled once."""
    if selector.startswith(("/", "(", "./")):
        return etree.XPath(selector)
    return etree.XPath(HTMLTranslator().css_to_xpath(selector))


def select(root: etree._Element, selector: str) -> list:
    return compile_selector(selector)(root)


def squeeze(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


# A tag: '<' then a letter or '/'. '<<人民日报>>' and 'a < b' are text, not markup.
_TAG = re.compile(r"</?[A-Za-z][^<>]*>")


def untagged(value: str) -> str:
    """An attribute value with the markup some CMSs leave in it taken out, squeezed:
    <meta name="ArticleTitle" content="A<div>B</div>"> is the title "AB"."""
    return squeeze(_TAG.sub("", value))


_NON_WORD = re.compile(r"[\W_]+")


def compact(text: str) -> str:
    """Only the letters, digits and characters: for comparing texts however they are spaced."""
    return _NON_WORD.sub("", text)


_BLOCK_OR_BR = tuple(sorted(BLOCK_TAGS | {"br"}))


def _has_block(element: etree._Element) -> bool:
    """Whether a block (or <br>) sits under the element: lxml's tag filter stops at the
    first, in C; an XPath testing each descendant against every block tag cost about five
    times as much per call, and a leaf needs no look at all."""
    return len(element) > 0 and next(element.iterdescendants(*_BLOCK_OR_BR), None) is not None


def text_of(element: etree._Element) -> str:
    """Visible text of an element: inline markup adds no space, block boundaries do."""
    if not _has_block(element):
        return squeeze(element.text_content())
    parts: list[str] = []

    def walk(node: etree._Element) -> None:
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag and tag not in SKIP_TAGS:
            block = tag in BLOCK_TAGS or tag == "br"
            if block:
                parts.append(" ")
            parts.append(node.text or "")
            for child in node:
                walk(child)
                parts.append(child.tail or "")
            if block:
                parts.append(" ")

    walk(element)
    return squeeze("".join(parts))


def text_length(element: etree._Element) -> int:
    """Characters of visible text, spaces aside: for density measures, where speed counts."""
    return chars(element.text_content())


def chars(text: str) -> int:
    """Characters of a text, spaces aside."""
    return len(_SPACE.sub("", text))


@dataclass
class Block:
    kind: str  # "p", "h" (subheading), "img", "row" (table row)
    text: str = ""
    src: str | None = None
    centered: bool = False
    caption_hint: bool = False
    link_chars: int = 0  # characters of the text that sit inside <a>
    cells: tuple[str, ...] = ()  # a table row's cells, for content_html


def _is_centered(element: etree._Element) -> bool:
    style = (element.get("style") or "").replace(" ", "").lower()
    cls = (element.get("class") or "").lower()
    return (
        "text-align:center" in style
        or element.get("align", "").lower() == "center"
        or element.tag == "center"
        or "center" in cls
    )


_CAPTION_CLASS = re.compile(r"caption|pic_?txt|img_?desc|imgtxt|pictext|tuzhu|illustrat", re.I)


def blocks_of(element: etree._Element, base_url: str) -> list[Block]:
    """Flatten an article element into paragraphs, headings, images and table rows."""
    out: list[Block] = []
    buf: list[str] = []
    state = {"centered": False, "caption": False, "heading": False, "link": 0}

    def add(text: str | None, in_link: bool) -> None:
        if text:
            buf.append(text)
            if in_link:
                state["link"] += len(squeeze(text))

    def flush() -> None:
        text = squeeze("".join(buf))
        buf.clear()
        if text:
            kind = "h" if state["heading"] else "p"
            out.append(Block(kind, text, centered=state["centered"], caption_hint=state["caption"],
                             link_chars=min(state["link"], len(text))))
        state["link"] = 0

    def walk(node: etree._Element, centered: bool, caption: bool, in_link: bool) -> None:
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag in SKIP_TAGS or not tag:
            add(node.tail, in_link)
            return
        is_block = tag in BLOCK_TAGS or tag == "br"
        if tag == "img":
            src = node.get("data-original") or node.get("data-src") or node.get("src")
            if src and not src.startswith("data:"):
                flush()
                out.append(Block("img", squeeze(node.get("alt") or ""), src=urljoin(base_url, src)))
        elif tag == "tr" and not is_layout_row(node):
            flush()
            cells = [text_of(cell) for cell in node if cell.tag in ("td", "th")]
            if any(cells):
                text = " ".join(c for c in cells if c)
                linked = sum(len(squeeze(a.text_content())) for a in node.iter("a"))
                out.append(Block("row", text, link_chars=min(linked, len(text)), cells=tuple(cells)))
            add(node.tail, in_link)
            return
        if is_block:
            flush()
            centered = centered or _is_centered(node)
            caption = caption or tag == "figcaption" or bool(_CAPTION_CLASS.search(node.get("class") or ""))
            state["centered"], state["caption"] = centered, caption
            state["heading"] = tag in HEADING_TAGS or _only_bold(node)
        inside = in_link or tag == "a"
        add(node.text, inside)
        for child in node:
            walk(child, centered, caption, inside)
        if is_block:
            flush()
            state["heading"] = False
        add(node.tail, in_link)

    walk(element, _is_centered(element), False, False)
    flush()
    return out


def _only_bold(node: etree._Element) -> bool:
    """A paragraph whose whole text sits in <strong>/<b>: an in-text subheading."""
    if node.tag != "p":
        return False
    own = (node.text or "").strip()
    if own:
        return False
    children = [c for c in node if isinstance(c.tag, str)]
    if not children or any(c.tag not in ("strong", "b", "font", "span") for c in children):
        return False
    if any((c.tail or "").strip() for c in children):
        return False
    return any(next(c.iter("strong", "b"), None) is not None for c in children)  # itself or inside


def is_layout_row(row: etree._Element) -> bool:
    """Old CMS pages lay out whole articles in tables; such rows hold blocks, not cells."""
    # lxml's tag filter, in C, stops at the first (five ElementPath finds ran in Python).
    return next(row.iterdescendants("table", "p", "div", "img", "br"), None) is not None
