"""附件: the documents an article links to (PDF, Word, WPS, spreadsheets, archives, OFD).

Government notices carry their real content in attachments, so a dropped link is lost
content. A link is an attachment when it sits in the article's body or in an attachment
block (a profile's `attachments` selectors, an element whose class names 附件, or one
labelled 附件 / 相关附件), and its target or its text names a document type. Links in
navigation (nav, header, footer, menus) never count: a portal's 下载中心.pdf is not the
article's.
"""
from __future__ import annotations

import re
from urllib.parse import unquote, urljoin, urlsplit

from lxml import etree

from . import dom
from .page import Page

DOCUMENT_TYPES = ("pdf", "doc", "docx", "wps", "xls", "xlsx", "et", "ppt", "pptx", "zip", "rar", "7z", "ofd", "txt", "csv")
_EXTENSION = re.compile(r"\.(" + "|".join(DOCUMENT_TYPES) + r")$", re.IGNORECASE)
# Class / id words of attachment blocks, whole words of the attribute.
_BLOCK_ATTR = re.compile(r"(?:^|[\s_\-])(?:fujian|fj|attach|attachs|attachment|attachments|appendix|enclosure|xgfj|files?)(?:$|[\s_\-]|\d)",
                         re.IGNORECASE)
_LABEL = re.compile(r"^\s*(?:相关)?附\s*件(?:\s*\d+)?\s*[:：]?\s*$|^\s*(?:相关)?附件(?:下载|列表)?\s*[:：]")
_NAVIGATION_TAGS = {"nav", "header", "footer", "aside"}
_NAVIGATION_ATTR = re.compile(r"(?:^|[\s_\-])(?:nav|navbar|menu|footer|foot|header|topbar|sidebar|breadcrumb|crumbs|"
                              r"friend|links|yqlj|daohang|dh|bottom)(?:$|[\s_\-]|\d)", re.IGNORECASE)


def in_body(container: etree._Element, base_url: str) -> list[dict]:
    """Document links inside the article's own body."""
    return _collect([container], base_url)


def in_blocks(page: Page, selectors: tuple[str, ...]) -> list[dict]:
    """Document links in the page's attachment blocks: the profile's, and those told by
    class or by a 附件 label."""
    if "附件" not in page.text and not any(page.select(selector) for selector in selectors):
        return []  # no 附件 label anywhere: a substring scan, and done
    scopes = [element for selector in selectors for element in page.select(selector)]
    return _collect(scopes + _blocks(page.root), page.url)


def merged(first: list[dict], then: list[dict]) -> list[dict]:
    """Both lists in order, each URL once."""
    seen = {a["url"] for a in first}
    return first + [a for a in then if a["url"] not in seen]


def _collect(scopes: list[etree._Element], base_url: str) -> list[dict]:
    found: dict[str, dict] = {}
    for scope in scopes:
        for link in scope.iter("a"):
            attachment = _attachment(link, base_url)
            if attachment is not None and attachment["url"] not in found and not _in_navigation(link):
                found[attachment["url"]] = attachment
    return list(found.values())


def _blocks(root: etree._Element) -> list[etree._Element]:
    """Attachment blocks: by class or id, or the parent of a 附件： label."""
    blocks = []
    for element in root.iter("div", "ul", "ol", "p", "span", "td", "dl", "section", "table", "h3", "h4", "h5", "strong", "b"):
        attrs = f"{element.get('class') or ''} {element.get('id') or ''}"
        if attrs.strip() and _BLOCK_ATTR.search(attrs):
            blocks.append(element)
        elif element.text and _LABEL.search(element.text) and element.getparent() is not None:
            blocks.append(element if element.find(".//a") is not None else element.getparent())
    return blocks


def _attachment(link: etree._Element, base_url: str) -> dict | None:
    href = (link.get("href") or "").strip()
    if not href or href.startswith(("javascript:", "mailto:", "#")):
        return None
    url = urljoin(base_url, href)
    if urlsplit(url).scheme not in ("http", "https"):
        return None
    name = dom.squeeze(link.text_content()) or dom.squeeze(link.get("title") or "")
    kind = _type_of(unquote(urlsplit(url).path)) or _type_of(name)
    if kind is None:
        return None
    return {"url": url, "name": name or unquote(urlsplit(url).path.rsplit("/", 1)[-1]), "type": kind}


def _type_of(text: str) -> str | None:
    match = _EXTENSION.search(text.strip())
    return match.group(1).lower() if match else None


def _in_navigation(element: etree._Element) -> bool:
    for ancestor in element.iterancestors():
        if ancestor.tag in _NAVIGATION_TAGS:
            return True
        attrs = f"{ancestor.get('class') or ''} {ancestor.get('id') or ''}"
        if attrs.strip() and _NAVIGATION_ATTR.search(attrs):
            return True
    return False
