"""Field values read through a profile's selectors, with page-wide fallbacks."""
from __future__ import annotations

import json
import re
from typing import Callable, Iterator

from lxml import etree

from . import bylines, dates, dom
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
                text = dom.untagged(match)
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
        texts.extend(_near_title(title_element, hidden_elements(page)))
    return [t for t in texts if t]


# The text nodes after the headline, blank ones too (they separate words of different
# elements: '<a>某报</a>\n<img>北京' is '某报 北京'): 360 hold the 60 that are not blank
# even in pretty-printed markup with five blank nodes between words.
_FOLLOWING_TEXT = etree.XPath("following::text()[position() <= 360]")
_NEAR_TITLE_NODES = 60


_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)


def hidden_elements(page: Page) -> frozenset[etree._Element]:
    """The elements that hide themselves (style display:none / visibility:hidden, the hidden
    attribute), found in C once per page (until the fallback edits the tree): every
    `hidden` question of the page is then set lookups, not attribute reads and a regex
    for each ancestor."""
    return page.memo("hidden", lambda: frozenset(e for e in dom.STYLED(page.root) if _hidden_itself(e)))


def hidden(element: etree._Element | None, hiding: frozenset[etree._Element]) -> bool:
    """Inside an element no reader sees (one of `hiding`, from hidden_elements): search
    engine copies of the info line carry the site editor's name as 作者."""
    return bool(hiding) and element is not None and (
        element in hiding or any(ancestor in hiding for ancestor in element.iterancestors()))


def _near_title(title_element: etree._Element, hiding: frozenset[etree._Element], window: int = 400) -> list[str]:
    """The lines right after the headline, in document order, however deeply nested:
    Chinese sites print the date / 来源 / 作者 line there. A line gathers the text nodes
    under one block element, so a label and its linked value stay together."""
    lines: list[str] = []
    current: list[str] = []
    block = None
    size = nodes = 0
    blank = False
    for text in _FOLLOWING_TEXT(title_element):
        if not text.strip():
            blank = True
            continue
        nodes += 1
        if nodes > _NEAR_TITLE_NODES:
            break
        holder = text.getparent()
        if hidden(holder, hiding):
            continue
        if text.is_tail:
            holder = holder.getparent() if holder is not None else None
        while holder is not None and holder.tag not in dom.BLOCK_TAGS:
            holder = holder.getparent()
        if holder is not block and current:
            lines.append(dom.squeeze("".join(current)))
            current = []
        elif blank:
            current.append(" ")
        blank = False
        block = holder
        current.append(str(text))
        size += len(text.strip())
        if size >= window:
            break
    if current:
        lines.append(dom.squeeze("".join(current)))
    return [line for line in lines if line]


_LABELLED_DATE = re.compile(r"(?:发布|发稿|更新|出版|发表|录入|上传)?(?:时间|日期)\s*[:：]\s*(?=(?:19|20)\d{2})")
# The elements in the body whose id or class holds date or time, with a short text: found
# from the matching attributes (their parents, in document order), two to three times faster
# in libxml2 than testing every element's attributes.
_DATE_ELEMENTS = (
    "(//body//*/@id[contains(., 'date') or contains(., 'time')] | //body//*/@class[contains(., 'date') or contains(., 'time')])"
    "/parent::*[string-length(normalize-space()) < 60]",
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
    # The page's visible lines, walked once for every field (hidden copies are not shown).
    for match in _LABELLED_DATE.finditer(to_simplified(" ".join(_visible_lines(page)))):
        raw = match.string[match.end(): match.end() + 40]
        value = dates.parse_date(raw)
        if value:
            return value, raw
    hiding = hidden_elements(page)
    shown = [dom.text_of(e) for e in page.select(_DATE_ELEMENTS[0]) if not hidden(e, hiding)]
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
) -> str | None:
    """A 来源 / 作者 / 编辑 value: the profile's element, else a labelled info line."""
    text, _ = first_text(page, selectors)
    value = parse_selected(text) if text else None
    for info in infos:
        if value:
            break
        value = parse_info(info)
    return value


def credits(
    page: Page, profile: SiteProfile | None, infos: list[str], title_element: etree._Element | None,
    author_selectors: tuple[str, ...] = (),
) -> tuple[str | None, str | None, str | None]:
    """(source, author, editor) as the header shows them, by a numbered cascade per field:
    1. the profile's own label words ([labels]), in the info lines and anywhere after the
       headline: the site has said that is how it prints the field;
    2. the profile's selectors; 3. labelled info lines (for the editor, 责任编辑 / 责编 only);
    4. elements after the headline whose class names the field (span.source, p.media-name,
       span.author), or the source printed unlabelled after the date (2024-05-10 09:57 某某网);
    5. the editor, on a site no profile knows: a 责任编辑 / 责编 line anywhere after the
       headline, which beats a plain 编辑 line (a column's credit block); a profile knows
       where its site's editor is; 6. a plain 编辑 / 选稿 info line.
    What the article's own lines say comes next (engine), and `remaining` last."""
    heading = dom.text_of(title_element) if title_element is not None else None
    site = {kind: bylines.site_reader(kind, getattr(profile, f"{kind}_labels") if profile else ())
            for kind in ("source", "author", "editor")}
    lines = _lines_after(page, heading) if any(site.values()) or profile is None else []
    source, author, editor = (_first_value(infos + lines, site[kind]) for kind in ("source", "author", "editor"))
    source = source or labelled_field(page, profile.source if profile else (), infos, bylines.source_from,
                                      bylines.source_label)
    author = author or labelled_field(page, (profile.author if profile else ()) + author_selectors, infos,
                                      bylines.author_of_element, bylines.author_from)
    editor = editor or labelled_field(page, profile.editor if profile else (), infos, bylines.editor_from,
                                      bylines.strong_editor_from)
    if title_element is not None and not (source and author):
        following, hiding = _classed_after(title_element), hidden_elements(page)
        source = source or _classed(following, hiding, _SOURCE_CLASS, bylines.source_from) or _dated_source(infos)
        author = author or _classed(following, hiding, _AUTHOR_CLASS, bylines.author_of_element)
    if not editor and profile is None:
        editor = _first_value(lines, bylines.strong_editor_from)
    return source, author, editor or _first_value(infos, bylines.editor_from)


def _first_value(lines: list[str], read: Callable[[str], str | None] | None) -> str | None:
    """The first value `read` finds in `lines`."""
    return next(filter(None, map(read, lines)), None) if read else None


def remaining(
    page: Page, title: str | None, source: str | None, author: str | None, editor: str | None
) -> tuple[str | None, str | None, str | None]:
    """The last resorts, for what neither the header nor the article's lines gave: a labelled
    来源 / 编辑 line anywhere after the headline (a footer box), the author of a credit line
    there that also names the source ('本文来源：某报 作者：林小川'), then the page's metadata."""
    if not (source and author and editor):
        lines = _lines_after(page, title)
        source = source or _first_value(lines, bylines.source_label)
        editor = editor or _first_value(lines, bylines.editor_from)
        author = author or _first_value(lines, _credited_author)
    source = source or bylines.source_from(page.meta("ContentSource", "source") or "")
    return source, author or _meta_author(page, source), editor


def _credited_author(line: str) -> str | None:
    """The 作者 of a line that names the source too: the article's credit line. A 作者 line
    alone, anywhere after the headline, may be another story's or a comment's."""
    return bylines.author_from(line) if bylines.source_label(line) else None


_SOURCE_CLASS = ("source", "laiyuan", "medianame", "sourcename")
_AUTHOR_CLASS = ("author", "writer", "zuozhe")
_FOLLOWING = etree.XPath("following::*[position() <= 120]")


def _classed_after(title_element: etree._Element) -> list[tuple[etree._Element, str]]:
    """The elements after the headline with a class or id, each with the two as one
    lowercased string without - and _: read once for both the source and the author."""
    found = []
    for element in _FOLLOWING(title_element):
        klass, ident = element.get("class"), element.get("id")
        if isinstance(element.tag, str) and (klass or ident):
            found.append((element, f"{klass or ''} {ident or ''}".lower().replace("-", "").replace("_", "")))
    return found


def _classed(following: list[tuple[etree._Element, str]], hiding: frozenset[etree._Element],
             words: tuple[str, ...], parse: Callable[[str], str | None]) -> str | None:
    """The innermost visible element after the headline (`following`, from _classed_after)
    whose class or id holds one of `words`."""
    matches = [element for element, attrs in following if any(w in attrs for w in words)]
    holding = {ancestor for match in matches for ancestor in match.iterancestors()}  # not innermost
    for element in matches:
        text = dom.text_of(element) if element not in holding else ""
        if text and len(text) <= 40 and not hidden(element, hiding):
            value = parse(text)
            if value:
                return value
    return None


_DATED_NAME = re.compile(
    r"^\s*(?:19|20)\d{2}\s*[-年/.]\s*\d{1,2}\s*[-月/.]\s*\d{1,2}\s*日?\s*(?:\d{1,2}[:：]\d{2}(?::\d{2})?)?"
    r"\s+(?P<v>[\u3400-\u9fff][\u3400-\u9fff·\-A-Za-z]{1,15})\s*$"
)


# After the date a platform may print where the writer posted from: 来自某省, 发布于某市, 某省.
_POSTED_FROM = re.compile(r"^(?:来自|发布于|发自|IP)|[省市区县州]$")


def _dated_source(infos: list[str]) -> str | None:
    """The info line that is a date and a name and nothing else: the name is the 来源."""
    for info in infos:
        match = _DATED_NAME.match(info)
        name = match.group("v") if match else ""
        if name and not _POSTED_FROM.search(name) and not bylines.PLACE.match(name):
            return name
    return None


_BODY = etree.XPath("//body")


def _lines_after(page: Page, heading: str | None, max_len: int = 80) -> list[str]:
    """The page's short visible lines after the headline (the whole page when it is not
    found): what comes before it is navigation and other stories."""
    lines = _visible_lines(page)
    if heading and heading in lines:
        lines = lines[lines.index(heading) + 1:]
    return [line for line in lines if len(line) <= max_len]


def _visible_lines(page: Page) -> list[str]:
    """Text lines of the page in document order, one per block, hidden and script text
    aside; walked once per page (the header's fields and the last resorts both read them)."""
    return page.memo("visible_lines", lambda: _walk_lines(page.root, hidden_elements(page)))


def _walk_lines(root: etree._Element, hidden: frozenset[etree._Element]) -> list[str]:
    bodies = _BODY(root)
    if not bodies:
        return []
    lines: list[str] = []
    current: list[str] = []  # only non-empty strings: most blocks end with nothing to flush

    def flush() -> None:
        if current:
            line = dom.squeeze("".join(current))
            if line:
                lines.append(line)
            current.clear()

    def walk(element: etree._Element) -> None:
        tag = element.tag
        if not isinstance(tag, str) or tag in dom.SKIP_TAGS or element in hidden:
            return
        block = tag in dom.BLOCK_TAGS or tag == "br"
        if block:
            flush()
        if text := element.text:  # each read of .text or .tail builds a new string: one each
            current.append(text)
        for child in element:
            walk(child)
            if tail := child.tail:
                current.append(tail)
        if block:
            flush()

    walk(bodies[0])
    flush()
    return lines


def _hidden_itself(element: etree._Element) -> bool:
    return element.get("hidden") is not None or bool(_HIDDEN_STYLE.search(element.get("style") or ""))


# Read from the page's text: the parsed tree holds no scripts (dom.parse drops them).
_LD_JSON = re.compile(r"<script[^>]+application/ld\+json[^>]*>(.*?)</script>", re.IGNORECASE | re.DOTALL)
# A site or outlet named where a person should be: 某某网, 某某日报, chinanews.
_OUTLET_NAME = re.compile(r"(?:网|报|社|台|新闻|频道|中心|杂志|周刊|客户端|号)$|^[a-z0-9.\-]+$")


def _meta_author(page: Page, source: str | None) -> str | None:
    """Author named only in the metadata: <meta name=author>, article:author, JSON-LD author.
    Sites fill these with their own name or the outlet (the 来源) as often as with a
    person: only names that are people's count, and none the <title> or site name carries."""
    site = f"{page.html_title().replace(page.title_from_head() or '', '')} {page.meta('og:site_name') or ''}"
    for raw in (page.meta("author", "article:author", "byline"), *_ld_authors(page)):
        value = bylines.author_of_element(raw) if raw else None
        if value and value != source and not any(_OUTLET_NAME.search(n) or n in site for n in value.split("、")):
            return value
    return None


def _ld_authors(page: Page) -> Iterator[str]:
    for script in _LD_JSON.findall(page.text):
        try:
            data = json.loads(script)
        except ValueError:
            continue
        for item in data if isinstance(data, list) else [data]:
            authors = item.get("author") if isinstance(item, dict) else None
            for author in authors if isinstance(authors, list) else [authors]:
                name = author.get("name") if isinstance(author, dict) else author
                if isinstance(name, str):
                    yield name
