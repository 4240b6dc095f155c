"""extract(): HTML bytes and a URL in, an Article out, or NotArticle.

The cascade, and the `extractor` value each stage reports:
  1. the site profiles that serve the URL's host            -> profile name
  2. profiles whose template markers are in the markup      -> profile name
     (mirror sites copy a site's pages onto other hosts)
  3. the generic path: the story the page's own headline      -> "readability"
     introduces, by prose density (readability-lxml only where that and the headline
     disagree), cleaned by the same noise rules
A profile's result is kept only if it passes validation (a title, enough body); the
generic path rejects a page only on strong evidence (see _with_fallback, _headless).
"""
from __future__ import annotations

import copy
import dataclasses
import html as htmlmod
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable, Iterator
from urllib.parse import urljoin, urlsplit

from lxml import etree, html

from ..items import Article
from . import attachments, bylines, chinese, disclosure, dom, fields
from .fallback import (
    anchored_container, densest_container, first_prose_after, original_of, pointer_share, prose_scores,
    readability_container, settle_visibility,
)
from .noise import clean_blocks, drop_elements
from .page import _TITLE_SPLIT, NotArticle, Page
from .profiles import Registry, SiteProfile, default_registry
from .trace import Note, Trace

# (script, style and noscript never reach here: dom.parse strips them from every tree.)
# Forms and asides: readability drops them itself on the generic path, and no profile's body
# held one (inputs, selects and textareas hold no text of their own or sit in a form).
GLOBAL_NOISE = ("iframe", "button", "nav", "footer")
# Byline markup that blogs and CMS themes share (hAtom / WordPress / schema.org).
GENERIC_PUBLISHED = (
    "//time[contains(@class, 'publish') or contains(@class, 'entry-date') or @itemprop='datePublished' or @pubdate]/@datetime",
)
# (The rel and itemprop ones walk the attribute axis and take the attributes' parents: the
# same elements as //a[@rel='author'] and //*[@itemprop='author'], two to three times faster
# in libxml2 than testing every element.)
GENERIC_AUTHOR = ("//@rel[.='author']/parent::a", ".author .fn", ".byline .author", "//@itemprop[.='author']/..")


@dataclass(frozen=True)
class ExtractOptions:
    script: str = "t2s"            # "t2s": convert to Simplified; "keep": leave the page's script
    min_body_chars: int = 20
    max_bytes: int = 16 * 1024 * 1024  # larger pages are refused: no article needs more
    registry: Registry | None = None


@dataclass
class Draft:
    extractor: str
    site: str
    title: str | None
    blocks: list
    published_at: str | None = None
    published_at_raw: str | None = None
    source: str | None = None
    author: str | None = None
    editor: str | None = None
    fired: Counter = field(default_factory=Counter)
    own_headline: bool = True      # fallback only: the page heads the body with its own headline
    attachments: list = field(default_factory=list)
    document: dict = field(default_factory=dict)
    notes: list[Note] | None = None  # only when tracing: what was dropped and decided, and why


def extract(body: bytes, url: str, *, content_type: str | None = None,
            options: ExtractOptions = ExtractOptions(), trace: Trace | None = None) -> Article:
    """The article on the page, or NotArticle with the reason. A `trace` is filled with
    the stages tried and every drop and decision of the winning draft (`scrapy explain`)."""
    try:
        return _bounded(body, url, content_type, options, trace)
    except NotArticle as exc:
        if trace is not None:
            trace.rejected = (exc.reason, exc.detail)
        raise


def _bounded(body: bytes, url: str, content_type: str | None, options: ExtractOptions,
             trace: Trace | None) -> Article:
    if len(body) > options.max_bytes:
        raise NotArticle("too_large", f"{len(body)} bytes, more than {options.max_bytes}")
    try:
        return _extract(body, url, content_type, options, trace)
    except RecursionError:
        # Markup nested thousands deep (a broken or hostile page): the tree walks give up.
        raise NotArticle("too_deep", "elements nested too deep to walk") from None


def _extract(body: bytes, url: str, content_type: str | None, options: ExtractOptions,
             trace: Trace | None) -> Article:
    page = Page.load(body, url, content_type)
    if page.looks_like_error_page():
        raise NotArticle("error_page", page.html_title())
    registry = options.registry or default_registry()
    failures = []
    for profile in _candidate_profiles(page, registry):  # lazy: markers only if URLs fail
        draft = _with_profile(page, profile, trace is not None)
        problem = _validate(draft, options)
        if problem is None:
            return _finish(page, draft, options, trace)
        failures.append(f"{profile.name}: {problem}")
        if trace is not None:
            trace.attempts.append((profile.name, problem[1]))
            trace.notes = draft.notes
    if any(p.is_list_url(url) for p in registry.for_url(url)):
        raise NotArticle("list_page", "URL is a known list page")
    notes = None
    if trace is not None:
        notes = trace.notes = []  # the fallback's own, kept when it rejects the page
    draft = _with_fallback(page, notes)
    if trace is not None:
        trace.notes = draft.notes
    problem = _validate(draft, options) or _headless(draft)
    if problem:
        raise NotArticle(problem[0], "; ".join(failures + [problem[1]]))
    return _finish(page, draft, options, trace)


def _candidate_profiles(page: Page, registry: Registry) -> Iterator[SiteProfile]:
    by_url = registry.for_url(page.url)
    by_pattern = [p for p in registry.concrete() if not p.hosts and p.is_article_url(page.url)]
    yield from by_url
    yield from by_pattern
    for profile in registry.concrete():
        if profile not in by_url and profile not in by_pattern and profile.markers and any(
            page.select(m) for m in profile.markers
        ):
            yield profile


def _with_profile(page: Page, profile: SiteProfile, tracing: bool = False) -> Draft:
    title, title_element = fields.first_text(page, profile.title)
    if title:
        title = _strip_suffixes(title, profile)
    else:
        title, title_element = page.headline()
        title = title or page.title_from_head()
    infos = fields.info_texts(page, profile, title_element)
    published, raw = fields.published(page, profile, infos)
    draft = Draft(profile.name, profile.site, title, [], published, raw, notes=[] if tracing else None)
    container = None
    for selector in profile.body:
        matches = page.select(selector)
        if matches:
            container = copy.deepcopy(matches[0])
            if tracing:
                draft.notes.append(Note("decision", "body", (f"body selector {selector!r} of profile {profile.name}",)))
            break
    draft.source, draft.author, draft.editor = fields.credits(page, profile, infos, title_element)
    draft.attachments = attachments.in_blocks(page, profile.attachments)
    draft.document = disclosure.read(page, profile.disclosure)
    if container is not None:
        drop_elements(container, GLOBAL_NOISE + profile.noise, draft.fired, draft.notes)
        _clean_into(draft, container, page.url)
    return draft


def _with_fallback(page: Page, notes: list[Note] | None = None) -> Draft:
    """The story the page's own headline introduces, or NotArticle when the page's main
    block is a list of links to other pages. With `notes`, say what was hidden and how
    the main block was found."""
    revealed = settle_visibility(page.root, notes)
    page.edited()
    title, headline = _fallback_headline(page)  # a visible one: hidden copies are gone
    scores = prose_scores(page.root)
    leaf, anchored, pointing = _anchor(page, scores, headline)
    if anchored is None:
        main = densest_container(scores)
        main = _headline_box(headline) if main is None else main
        main = _readability_origin(page) if main is None else main
        pointing = _pointing(main, page.url) if main is not None else 0.0
    if notes is not None:
        notes.extend(_main_block_notes(headline, leaf, anchored, pointing))
    if pointing >= LINK_LIST_SHARE:
        # The page's main block (the one the headline opens, else the densest prose) is a
        # list of links. Decided before readability runs: index pages are the largest
        # pages of a crawl. Read in the page itself, where the links are: readability
        # strips linked headlines from what it returns.
        raise NotArticle("list_page", f"{pointing:.0%} of the main block's text points to other pages")
    fields_only = _fallback_fields(page, title, headline)
    fields_only.notes = notes
    draft = _body(page, fields_only, scores, headline, leaf, anchored)
    if revealed:
        draft.fired["fallback:revealed-hidden"] += revealed
    draft.own_headline = headline is not None and _own_headline(page, headline)
    return draft


def _anchor(page: Page, scores: dict, headline: etree._Element | None) -> tuple:
    """(the first prose after the headline, the container it opens, that container's
    pointer share), or (None, None, None)."""
    leaf = first_prose_after(page.root, headline) if headline is not None else None
    if leaf is None:
        return None, None, None
    anchored = anchored_container(scores, headline, leaf)
    pointing = _pointing(anchored, page.url)
    if pointing >= LINK_LIST_SHARE:
        # A teaser of other stories (a box of links between headline and body): it
        # anchors nothing, and proves nothing either.
        return None, None, None
    return leaf, anchored, pointing


# The characters a headline's own box adds to it (a date or 来源 line) before it holds a body.
HEADLINE_BOX_EXTRA = 20


def _headline_box(headline: etree._Element | None) -> etree._Element | None:
    """The main block of a page with no prose outside its chrome (a table-only document, a
    list whose only sentences are its footer's): the box the headline heads, its nearest
    ancestor holding more than the headline."""
    if headline is None:
        return None
    own = dom.text_length(headline)
    # More than the headline and a date line beside it: what it heads, not its own box.
    return next((a for a in headline.iterancestors() if dom.text_length(a) > 2 * own + HEADLINE_BOX_EXTRA), None)


def _readability_pick(page: Page) -> etree._Element | None:
    """readability's pick (a detached tree), or None; run once per page, as both the
    list-page decision and the body may ask for it."""
    def pick() -> etree._Element | None:
        try:
            return readability_container(page)
        except NotArticle:
            return None
        finally:
            # Readability drops the elements it deems hidden from the page's own tree: what
            # was read from it (meta tags, <title>) is read again. (The visible lines come
            # out the same: the walk skips those elements too.)
            page.edited()
    return page.memo("readability", pick)


def _readability_origin(page: Page) -> etree._Element | None:
    """The main block of a page with neither prose outside its chrome nor a headline box:
    readability's pick, found in the page, where the links are."""
    picked = _readability_pick(page)
    return original_of(page.root, picked) if picked is not None else None


def _main_block_notes(headline, leaf, anchored, pointing: float) -> list[Note]:
    """The headline anchor and the link-density decision, as a user reads them."""
    notes = []
    if headline is None:
        notes.append(Note("decision", "headline-anchor", (
            "no headline that <title> repeats: the densest prose is the main block (readability's pick without prose)",)))
    elif anchored is None:
        notes.append(Note("decision", "headline-anchor", (
            f"headline <{headline.tag}> {dom.text_of(headline)[:60]!r} anchors nothing (no prose after it, or only a box of links):"
            " the densest prose is the main block, else the box the headline heads",)))
    else:
        notes.append(Note("decision", "headline-anchor", (
            f"headline <{headline.tag}> {dom.text_of(headline)[:60]!r} opens the prose {dom.text_of(leaf)[:40]!r}"
            f" in <{anchored.tag} class={anchored.get('class') or ''!r} id={anchored.get('id') or ''!r}>",)))
    verdict = "a list page" if pointing >= LINK_LIST_SHARE else "not a list page"
    notes.append(Note("decision", "link-density", (
        f"{pointing:.0%} of the main block's text points to other pages: {verdict} (the line is {LINK_LIST_SHARE:.0%})",)))
    return notes


def _body(page: Page, fields_only: Draft, scores: dict, headline, leaf, anchored) -> Draft:
    """The densest prose container when it holds the first prose after the headline: two
    measures of our own agree, and readability-lxml (as slow as a whole extractor) is not
    asked. Only where they disagree, or the page has no headline to anchor on, is
    readability's pick sought, as before: it must hold that first prose, and the densest
    block replaces it when that holds far more article text (the second opinion is sought
    only when readability's text is short: that is where it misfires). When neither
    holds it (readability took a longer recommended story or a "more news" feed), the
    body is the container on the path from the headline to that prose that holds most."""
    dense = densest_container(scores)
    if dense is not None and (leaf is None or dense is leaf or dense in leaf.iterancestors()):
        draft = _cleaned(fields_only, _own_pick(scores, dense, headline, leaf), page.url, leaf)
        draft.fired["fallback:prose"] += 1
        return draft
    if leaf is not None:
        dense = None  # the densest block is elsewhere: a feed or another story
    picked = _readability_pick(page)
    if picked is not None and leaf is not None and not _holds_text(picked, leaf):
        picked = None
    draft = None
    if picked is not None:
        # Readability drops data tables it judges sparse; the table belongs to the story.
        # (Looked for only when the page has more data rows than the pick: most pages have none.)
        rows = _data_rows(picked)
        origin = original_of(page.root, picked) if _data_rows(page.root) > rows else None
        table_lost = origin is not None and _data_rows(origin) > rows
        draft = _cleaned(fields_only, copy.deepcopy(origin) if table_lost else picked, page.url)
        if table_lost:
            draft.fired["fallback:table-kept"] += 1
    if dense is not None and (draft is None or _text_length(draft) < 1500):
        second = _cleaned(fields_only, copy.deepcopy(dense), page.url)
        if draft is None or _text_length(second) > 2 * _text_length(draft):
            second.fired["fallback:density"] += 1
            draft = second
    if draft is None and anchored is not None:
        draft = _cleaned(fields_only, copy.deepcopy(anchored), page.url)
        draft.fired["fallback:headline"] += 1
    if draft is None:
        raise NotArticle("no_article_body", "readability found nothing")
    return draft


# A sibling of the densest block joins the body when it holds at least this share of the
# block's prose: a story split over several sections (WeChat) or pages of a CMS. The
# share readability-lxml uses for the same join.
SIBLING_SHARE = 0.2


def _own_pick(scores: dict, dense: etree._Element, headline, leaf) -> etree._Element:
    """The body as a detached copy: the densest prose block and its siblings that hold a
    good share of prose too, without the headline's own box."""
    parent = dense.getparent()
    parts = [dense] if parent is None else [
        s for s in parent if s is dense or scores.get(s, 0) >= SIBLING_SHARE * scores[dense]]
    if len(parts) == 1:
        return _without_header(dense, headline, leaf)
    wrapper = html.Element("div")
    wrapper.extend(_without_header(part, headline, leaf) for part in parts)
    return wrapper


def _without_header(container: etree._Element, headline: etree._Element, leaf: etree._Element) -> etree._Element:
    """A copy of a body block without the headline's own box (the headline, its subtitle
    and info line, printed above the story) when the block holds it."""
    box = None
    if headline is None or leaf is None:
        return copy.deepcopy(container)
    for ancestor in (headline, *headline.iterancestors()):
        if ancestor is container:
            break
        if leaf in ancestor.iterdescendants():
            return copy.deepcopy(container)
        box = ancestor
    else:
        return copy.deepcopy(container)  # the headline sits outside the block
    if box is None:
        return copy.deepcopy(container)
    relative = container.getroottree().getpath(box)[len(container.getroottree().getpath(container)):]
    copied = copy.deepcopy(container)
    found = copied.xpath("." + relative)
    if found:
        found[0].drop_tree()  # its tail stays
    return copied


def _data_rows(element: etree._Element) -> int:
    return sum(1 for row in element.iter("tr") if not dom.is_layout_row(row) and len(row.findall("td")) + len(row.findall("th")) >= 2)


def _holds_text(container: etree._Element, leaf: etree._Element) -> bool:
    """Whether a detached copy (readability's output) holds the leaf's text."""
    wanted = dom.compact(dom.text_of(leaf))[:40]
    return bool(wanted) and wanted in dom.compact(dom.text_of(container))



def _own_headline(page: Page, headline: etree._Element) -> bool:
    """A headline the page gives itself: not a link to another page (a logo linking home,
    a teaser), and not the site name that ends <title>."""
    here = {_page_key(page.url), _page_key(page.canonical_url()), _page_key(page.meta("og:url") or page.url)}
    for link in [*headline.iterancestors("a"), *headline.iter("a")]:
        href = (link.get("href") or "").strip()
        if href and not href.startswith(("#", "javascript")) and _page_key(urljoin(page.url, href)) not in here \
                and dom.text_length(link) >= dom.text_length(headline) / 2:
            return False
    text = dom.compact(dom.text_of(headline))
    segments = [dom.compact(s) for s in _TITLE_SPLIT.split(page.html_title()) if dom.compact(s)]
    return not (len(segments) > 1 and text not in segments[0] and any(text in s for s in segments[1:]))


def _page_key(url: str) -> str:
    """A page's address without what does not change the page: scheme, www., query
    (tracking parameters), fragment, a trailing slash."""
    parts = urlsplit(url)
    return (parts.hostname or "").removeprefix("www.") + parts.path.rstrip("/")


def _fallback_headline(page: Page) -> tuple[str | None, etree._Element | None]:
    """The headline of a page no profile knows, and its element when the page shows it."""
    title, title_element = page.headline()
    if not title:
        title = page.title_from_head()
        title_element = _element_with_text(page.root, title) if title else None
    return title, title_element


def _fallback_fields(page: Page, title: str | None, title_element: etree._Element | None) -> Draft:
    """Title, date, source, author and editor of a page no profile knows; no body yet."""
    infos = fields.info_texts(page, None, title_element)
    published, raw = fields.published(page, None, infos, GENERIC_PUBLISHED)
    draft = Draft("readability", "generic", title, [], published, raw)
    draft.source, draft.author, draft.editor = fields.credits(page, None, infos, title_element, GENERIC_AUTHOR)
    draft.attachments = attachments.in_blocks(page, ())
    draft.document = disclosure.read(page)
    return draft


def _cleaned(fields_only: Draft, container, base_url: str, leaf: etree._Element | None = None) -> Draft:
    """A candidate body, cleaned; with the first prose `leaf`, the story starts there."""
    notes = None if fields_only.notes is None else list(fields_only.notes)  # each candidate its own
    draft = dataclasses.replace(fields_only, blocks=[], fired=Counter(), notes=notes)
    drop_elements(container, GLOBAL_NOISE, draft.fired, draft.notes)
    _clean_into(draft, container, base_url, dom.compact(dom.text_of(leaf))[:40] if leaf is not None else None)
    return draft


def _pointing(element: etree._Element, base_url: str) -> float:
    """pointer_share of an element of the page, its widgets dropped (on a copy)."""
    if next(element.iter("a"), None) is None:
        # No link, no block with link text: nothing points anywhere, and the copy, the
        # widget drop and the block walk (most gov articles' main block) can be skipped.
        return 0.0
    container = copy.deepcopy(element)
    drop_elements(container, GLOBAL_NOISE, Counter())
    return pointer_share(dom.blocks_of(container, base_url))


def _element_with_text(root: etree._Element, text: str) -> etree._Element | None:
    wanted = len(text.replace(" ", ""))
    for element in root.iter("h1", "h2", "h3", "div", "p", "td"):
        if dom.text_length(element) == wanted and dom.text_of(element) == text:
            return element
    return None


def _clean_into(draft: Draft, container: etree._Element, base_url: str, starts: str | None = None) -> None:
    draft.attachments = attachments.merged(attachments.in_body(container, base_url), draft.attachments)
    disclosure.drop_block(container, draft.fired)
    blocks = dom.blocks_of(container, base_url)
    if starts:
        blocks = _from_first_prose(blocks, starts, draft)
    cleaned = clean_blocks(blocks, draft.fired, draft.title, draft.notes)
    draft.blocks = cleaned.blocks
    draft.editor = draft.editor or cleaned.captured.get("editor")
    draft.author = draft.author or cleaned.captured.get("author") or bylines.body_author(
        [b.text for b in draft.blocks if b.kind == "p"])
    # A 来源 line inside the article names the original outlet; the info line may only
    # name the account that reposted it (网易号). Unless the info line names that outlet
    # too, with where it reported from: '某报(广州)' says more than the article's '某报'.
    captured = cleaned.captured.get("source")
    if captured and not _with_place(draft.source, captured):
        draft.source = captured


def _with_place(source: str | None, outlet: str) -> bool:
    """Whether `source` is `outlet` and a place in brackets: '某报(广州)', '某报（北京）'."""
    return bool(source) and re.fullmatch(rf"{re.escape(outlet)}\s*[(（][^()（）]{{1,8}}[)）]", source) is not None


def _from_first_prose(blocks: list, starts: str, draft: Draft) -> list:
    """The story starts at the first prose after the headline: link lines before it in the
    body block (a player's title, a gallery link, teasers) point elsewhere and are dropped.
    A document's title, its 文号 or a lead line before that prose are no links: they stay."""
    first = next((i for i, b in enumerate(blocks) if b.kind != "img" and starts in dom.compact(b.text)), 0)
    kept = []
    for index, block in enumerate(blocks):
        if index < first and block.kind != "img" and block.link_chars >= 0.5 * len(block.text):
            draft.fired["fallback:before-story"] += 1
            if draft.notes is not None:
                draft.notes.append(Note("line", "before-story", (block.text,)))
        else:
            kept.append(block)
    return kept


def _strip_suffixes(title: str, profile: SiteProfile) -> str:
    for suffix in profile.title_suffixes:
        if title.endswith(suffix) and len(title) > len(suffix):
            title = title[: -len(suffix)].rstrip()
    return title


def _text_length(draft: Draft) -> int:
    return sum(len(b.text) for b in draft.blocks if b.kind != "img")


def _validate(draft: Draft, options: ExtractOptions) -> tuple[str, str] | None:
    if not draft.title:
        return ("no_title", f"{draft.extractor}: no title")
    if _text_length(draft) < options.min_body_chars:
        return ("no_article_body", f"{draft.extractor}: body shorter than {options.min_body_chars} chars")
    return None


# The main block is a list of links when at least this share of its text points to other
# pages (fallback.pointer_share). Articles measure under 0.15 and list pages over 0.75 (the
# labelled set and the corpus, `scrapy evaluate`): the line sits in the middle.
LINK_LIST_SHARE = 0.5
# A page with no headline of its own is an article only with this much prose.
HEADLESS_MIN_CHARS = 200


def _headless(draft: Draft) -> tuple[str, str] | None:
    """A page without a headline of its own that offers little prose: an index whose
    biggest text is a teaser."""
    if not draft.own_headline and _text_length(draft) < HEADLESS_MIN_CHARS:
        return ("no_article_body", f"no headline of its own and only {_text_length(draft)} chars of text")
    return None


def _finish(page: Page, draft: Draft, options: ExtractOptions, trace: Trace | None = None) -> Article:
    if trace is not None:
        trace.stage, trace.notes, trace.kept = draft.extractor, draft.notes, list(draft.blocks)
    convert = options.script == "t2s"
    draft.source, draft.author, draft.editor = fields.remaining(
        page, draft.title, draft.source, draft.author, draft.editor)

    def norm(value: str | None) -> str | None:
        if value is None:
            return None
        value, _ = chinese.strip_pinyin_glosses(value)
        value = dom.squeeze(value)
        return chinese.to_simplified(value) if convert else value

    normed = {id(b): norm(b.text) for b in draft.blocks if b.kind != "img"}  # once a line
    blocks = [b for b in draft.blocks if b.kind == "img" or normed[id(b)]]
    lines, parts, images = [], [], []
    for index, block in enumerate(blocks):
        if block.kind == "img":
            caption = _caption_after(blocks, index)
            images.append({"url": block.src, "caption": normed[id(caption)] if caption else None})
            continue
        text = normed[id(block)]
        lines.append(text)
        parts.append(_html_block(block, text, norm))
    parts = _tables(_attach_images(blocks, parts, images))
    content = "\n".join(lines)
    language = "zh-Hans" if convert or not chinese.has_traditional(content) else "zh-Hant"
    fired = dict(draft.fired)
    return Article(
        url=page.url,
        canonical_url=page.canonical_url(),
        site=draft.site,
        title=norm(draft.title) or "",
        content=content,
        content_html="\n".join(parts),
        extractor=draft.extractor,
        published_at=draft.published_at,
        published_at_raw=draft.published_at_raw,
        source=norm(draft.source),
        author=norm(draft.author),
        editor=norm(draft.editor),
        images=images,
        attachments=[{**a, "name": norm(a["name"])} for a in draft.attachments],
        document={key: norm(value) for key, value in draft.document.items()},
        language=language,
        noise_removed=fired,
    )


def _caption_after(blocks: list, index: int):
    """The caption of the image at `index`: the line after it when styled as a caption,
    or short and not a sentence of the article."""
    if index + 1 < len(blocks):
        nxt = blocks[index + 1]
        if nxt.kind == "p" and len(nxt.text) <= 80 and (
            nxt.caption_hint or nxt.centered or (len(nxt.text) <= 40 and not nxt.text.endswith(_SENTENCE_END))
        ):
            return nxt
    return None


_SENTENCE_END = ("。", "！", "？", "…", "”", "」", "!", "?", ".")


def _html_block(block, text: str, norm: Callable[[str], str | None]) -> str:
    if block.kind == "row":
        return "<tr>" + "".join(f"<td>{htmlmod.escape(norm(cell) or '')}</td>" for cell in block.cells) + "</tr>"
    tag = "h3" if block.kind == "h" else "p"
    return f"<{tag}>{htmlmod.escape(text)}</{tag}>"


def _tables(parts: list[str]) -> list[str]:
    """Consecutive table rows of content_html, wrapped in one <table> each."""
    out: list[str] = []
    for part, is_row in ((p, p.startswith("<tr>")) for p in parts):
        if is_row and out and out[-1].endswith("</tr></table>"):
            out[-1] = out[-1][: -len("</table>")] + part + "</table>"
        else:
            out.append(f"<table>{part}</table>" if is_row else part)
    return out


def _attach_images(blocks: list, parts: list[str], images: list[dict]) -> list[str]:
    """Rebuild content_html in order with <figure> for images."""
    out, text_index, image_index = [], 0, 0
    for index, block in enumerate(blocks):
        if block.kind == "img":
            image = images[image_index]
            image_index += 1
            figure = f'<figure><img src="{htmlmod.escape(image["url"])}">'
            if image["caption"]:
                figure += f"<figcaption>{htmlmod.escape(image['caption'])}</figcaption>"
            out.append(figure + "</figure>")
        else:
            out.append(parts[text_index])
            text_index += 1
    return out
