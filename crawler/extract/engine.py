"""extract(): HTML bytes and a URL in, an Article out, or NotArticle.

The cascade, and the `extractor` value each stage reports:
  1. the site profiles that serve the URL's host            -> profile name
  2. profiles whose template markers are in the markup      -> profile name
     (mirror sites copy a site's pages onto other hosts)
  3. readability-lxml, cleaned by the same noise rules      -> "readability"
A stage's result is kept only if it passes validation (a title, enough body).
"""
from __future__ import annotations

import copy
import dataclasses
import html as htmlmod
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterator

from lxml import etree

from ..items import Article
from . import attachments, bylines, chinese, disclosure, dom, fields
from .fallback import densest_container, readability_container
from .noise import clean_blocks, drop_elements
from .page import NotArticle, Page
from .profiles import Registry, SiteProfile, default_registry

GLOBAL_NOISE = (
    "script", "style", "noscript", "iframe", "form", "button", "input", "select", "textarea",
    "nav", "footer", "aside",
)
# Byline markup that blogs and CMS themes share (hAtom / WordPress / schema.org).
GENERIC_PUBLISHED = (
    "//time[contains(@class, 'publish') or contains(@class, 'entry-date') or @itemprop='datePublished' or @pubdate]/@datetime",
)
GENERIC_AUTHOR = ("//a[@rel='author']", ".author .fn", ".byline .author", "//*[@itemprop='author']")


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
    attachments: list = field(default_factory=list)
    document: dict = field(default_factory=dict)


def extract(body: bytes, url: str, *, content_type: str | None = None,
            options: ExtractOptions = ExtractOptions()) -> Article:
    """The article on the page, or NotArticle with the reason."""
    if len(body) > options.max_bytes:
        raise NotArticle("too_large", f"{len(body)} bytes, more than {options.max_bytes}")
    try:
        return _extract(body, url, content_type, options)
    except RecursionError:
        # Markup nested thousands deep (a broken or hostile page): the tree walks give up.
        raise NotArticle("too_deep", "elements nested too deep to walk") from None


def _extract(body: bytes, url: str, content_type: str | None, options: ExtractOptions) -> Article:
    page = Page.load(body, url, content_type)
    if page.looks_like_error_page():
        raise NotArticle("error_page", page.html_title())
    registry = options.registry or default_registry()
    failures = []
    for profile in _candidate_profiles(page, registry):  # lazy: markers only if URLs fail
        draft = _with_profile(page, profile)
        problem = _validate(draft, options)
        if problem is None:
            return _finish(page, draft, options)
        failures.append(f"{profile.name}: {problem}")
    if any(p.is_list_url(url) for p in registry.for_url(url)):
        raise NotArticle("list_page", "URL is a known list page")
    if _index_page(page):
        raise NotArticle("list_page", "links everywhere and no paragraph of article length")
    draft = _with_readability(page)
    problem = _validate(draft, options) or _list_like(page, draft)
    if problem:
        raise NotArticle(problem[0], "; ".join(failures + [problem[1]]))
    return _finish(page, draft, options)


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


def _with_profile(page: Page, profile: SiteProfile) -> Draft:
    title, title_element = fields.first_text(page, profile.title)
    if title:
        title = _strip_suffixes(title, profile)
    else:
        title, title_element = page.headline()
        title = title or page.title_from_head()
    infos = fields.info_texts(page, profile, title_element)
    published, raw = fields.published(page, profile, infos)
    container = None
    for selector in profile.body:
        matches = page.select(selector)
        if matches:
            container = copy.deepcopy(matches[0])
            break
    draft = Draft(profile.name, profile.site, title, [], published, raw)
    draft.source = fields.labelled_field(page, profile.source, infos, bylines.source_from,
                                         bylines.source_label,
                                         ("ContentSource", "source"))
    draft.author = fields.labelled_field(page, profile.author, infos, bylines.author_of_element, bylines.author_from)
    draft.editor = fields.labelled_field(page, profile.editor, infos, bylines.editor_from, bylines.editor_from)
    draft.attachments = attachments.in_blocks(page, profile.attachments)
    draft.document = disclosure.read(page, profile.disclosure)
    if container is not None:
        drop_elements(container, GLOBAL_NOISE + profile.noise, draft.fired)
        _clean_into(draft, container, page.url)
    return draft


def _with_readability(page: Page) -> Draft:
    """Readability's pick, unless the densest prose block holds far more article text.

    The second opinion is only sought when readability's text is short: that is where it
    misfires (a sidebar picked, or nothing), and the check costs a pass over the page."""
    fields_only = _fallback_fields(page)
    try:
        draft = _cleaned(fields_only, readability_container(page), page.url)
    except NotArticle:
        draft = None
    if draft is None or _text_length(draft) < 1500:
        dense = densest_container(page.root)
        if dense is not None:
            second = _cleaned(fields_only, copy.deepcopy(dense), page.url)
            if draft is None or _text_length(second) > 2 * _text_length(draft):
                second.fired["fallback:density"] += 1
                return second
    if draft is None:
        raise NotArticle("no_article_body", "readability found nothing")
    return draft


def _fallback_fields(page: Page) -> Draft:
    """Title, date, source, author and editor of a page no profile knows; no body yet."""
    title, title_element = page.headline()
    if not title:
        title = page.title_from_head()
        title_element = _element_with_text(page.root, title) if title else None
    infos = fields.info_texts(page, None, title_element)
    published, raw = fields.published(page, None, infos, GENERIC_PUBLISHED)
    draft = Draft("readability", "generic", title, [], published, raw)
    draft.source = fields.labelled_field(page, (), infos, bylines.source_from,
                                         bylines.source_label, ("source",))
    draft.author = fields.labelled_field(page, GENERIC_AUTHOR, infos, bylines.author_of_element, bylines.author_from)
    draft.editor = fields.labelled_field(page, (), infos, bylines.editor_from, bylines.editor_from)
    draft.attachments = attachments.in_blocks(page, ())
    draft.document = disclosure.read(page)
    return draft


def _cleaned(fields_only: Draft, container, base_url: str) -> Draft:
    draft = dataclasses.replace(fields_only, blocks=[], fired=Counter())
    drop_elements(container, GLOBAL_NOISE, draft.fired)
    _clean_into(draft, container, base_url)
    return draft


def _element_with_text(root: etree._Element, text: str) -> etree._Element | None:
    wanted = len(text.replace(" ", ""))
    for element in root.iter("h1", "h2", "h3", "div", "p", "td"):
        if dom.text_length(element) == wanted and dom.text_of(element) == text:
            return element
    return None


def _clean_into(draft: Draft, container: etree._Element, base_url: str) -> None:
    draft.attachments = attachments.merged(attachments.in_body(container, base_url), draft.attachments)
    disclosure.drop_block(container, draft.fired)
    cleaned = clean_blocks(dom.blocks_of(container, base_url), draft.fired, draft.title)
    draft.blocks = cleaned.blocks
    draft.editor = draft.editor or cleaned.captured.get("editor")
    draft.author = draft.author or cleaned.captured.get("author") or _credit_author(draft.blocks)
    # A 来源 line inside the article names the original outlet; the info line may only
    # name the account that reposted it (网易号).
    draft.source = cleaned.captured.get("source") or draft.source


def _credit_author(blocks: list) -> str | None:
    for block in [b for b in blocks if b.kind == "p"][-2:][::-1]:
        found = bylines.closing_credit_author(block.text)
        if found:
            return found
    return None


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


_PARAGRAPHS = etree.XPath("//p | //td | //div[not(div or p or table or ul)]")


def _index_page(page: Page) -> bool:
    """An index page, told cheaply before the fallback runs: most of its text is links and
    no block holds a paragraph of prose."""
    body = page.root.find(".//body")
    if body is None:
        return False
    total = dom.text_length(body)
    links = sum(dom.text_length(a) for a in body.iter("a"))
    if not total or links / total < 0.6:
        return False
    for block in _PARAGRAPHS(page.root):
        length = dom.text_length(block)
        if length >= 150 and length - sum(dom.text_length(a) for a in block.iter("a")) >= 150:
            return False
    return True


def _list_like(page: Page, draft: Draft) -> tuple[str, str] | None:
    """Readability always returns something; on index pages it is a link list."""
    body = page.root.find(".//body")
    if body is None:
        return None
    links = sum(dom.text_length(a) for a in body.iter("a"))
    total = dom.text_length(body) or 1
    text = _text_length(draft)
    paragraphs = [b for b in draft.blocks if b.kind == "p" and len(b.text) >= 40]
    if links / total > 0.55 and (text < 400 or len(paragraphs) < 3):
        return ("list_page", f"link text is {links / total:.0%} of the page")
    if text < 200 and not paragraphs:
        return ("no_article_body", "no paragraph of article length")
    return None


def _finish(page: Page, draft: Draft, options: ExtractOptions) -> Article:
    convert = options.script == "t2s"

    def norm(value: str | None) -> str | None:
        if value is None:
            return None
        value, _ = chinese.strip_pinyin_glosses(value)
        value = dom.squeeze(value)
        return chinese.to_simplified(value) if convert else value

    blocks = [b for b in draft.blocks if b.kind == "img" or norm(b.text)]
    lines, parts, images = [], [], []
    for index, block in enumerate(blocks):
        if block.kind == "img":
            caption = _caption_after(blocks, index)
            images.append({"url": block.src, "caption": norm(caption.text) if caption else None})
            continue
        text = norm(block.text)
        lines.append(text)
        parts.append(_html_block(block, text))
    parts = _attach_images(blocks, parts, images)
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


def _html_block(block, text: str) -> str:
    tag = "h3" if block.kind == "h" else "p"
    return f"<{tag}>{htmlmod.escape(text)}</{tag}>"


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
