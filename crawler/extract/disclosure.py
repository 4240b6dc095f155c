"""The 政府信息公开 block: 索引号, 主题分类, 发布机构, 成文日期, 发文字号, 有效性.

Most government CMSs print it above the text as label: value pairs, in a table
(`<td>索 引 号：</td><td>…</td>`), a list (`<li><span>发文机关：</span>…</li>`) or one line
(`索引号：… 主题分类：…`). It is read from the labels themselves, so any template works;
a profile's `disclosure` selectors only narrow where to look. Inside the article body
the block is dropped: it is metadata, not text.
"""
from __future__ import annotations

import re
from collections import Counter

from lxml import etree

from . import dom
from .dates import parse_date
from .page import Page

LABELS: dict[str, tuple[str, ...]] = {
    "index_number": ("索引号",),
    "topic": ("主题分类", "信息分类", "主题类别", "分类"),
    "issuer": ("发布机构", "发文机关", "发文单位", "制发机关", "发布单位"),
    "written_at": ("成文日期", "成文时间"),
    "document_number": ("发文字号", "发文文号", "文号"),
    "valid": ("有效性",),
}
_FIELD_OF = {label: key for key, labels in LABELS.items() for label in labels}
# A label starts the text or follows a space; its characters may be spaced out (索 引 号).
_ALTERNATIVES = "|".join(r"\s*".join(label) for label in sorted(_FIELD_OF, key=len, reverse=True))
_LABEL = re.compile(r"(?:^|(?<=\s))(" + _ALTERNATIVES + r")\s*[:：]")
# A cell that is only a label may omit the colon (<dt>索引号</dt><dd>…</dd>).
_BARE_LABEL = re.compile(r"\s*(" + _ALTERNATIVES + r")\s*")
_ANY_LABEL = re.compile(_ALTERNATIVES)
# Pieces of the labels that survive &nbsp; spacing, looked for in the source before any walk.
_SOURCE_HINTS = ("索", "成文", "发文", "文号", "有效性", "效&nbsp;性", "效 性", "分类", "机构", "单位", "机关")
_CELL_TAGS = ("td", "th", "li", "dt", "dd", "span", "label", "strong", "b", "em", "font", "p", "div")
_MAX_VALUE = 120
_MAX_BLOCK = 1500  # characters: a block that long is an article that mentions the labels


def read(page: Page, selectors: tuple[str, ...] = ()) -> dict[str, str]:
    """The block's fields, those the page shows; {} when it shows none. What the profile's
    `disclosure` elements say comes first; the rest of the page fills what they lack."""
    # Most news pages: the tree's text holds no label, and that is read first, as it is
    # shorter than the source, which the hints scan whole whenever they are absent.
    if not _ANY_LABEL.search(page.root.text_content()) or not any(hint in page.text for hint in _SOURCE_HINTS):
        return {}
    scopes = [element for selector in selectors for element in page.select(selector)] + [page.root]
    found: dict[str, str] = {}
    for scope in scopes:
        for element in scope.iter(_CELL_TAGS):
            if element.text and _ANY_LABEL.search(element.text):  # labels open their own cell
                for key, value in _pairs(element):
                    found.setdefault(key, value)
    if "written_at" in found:
        written = parse_date(found["written_at"])
        if written is None:
            del found["written_at"]
        else:
            found["written_at"] = written[:10]
    return found


_BLOCKS = ("table", "ul", "dl", "div")


def drop_block(container: etree._Element, fired: Counter) -> None:
    """Remove disclosure blocks under `container`: the smallest elements holding two labels."""
    if not _ANY_LABEL.search(container.text_content()):
        return  # most pages: one pass over the text, and done
    bare = _bare_labels(container)
    if len(_keys_in(container, bare)) < 2:
        return
    # Only blocks short enough to be one are read (their inner blocks are shorter still),
    # and each block's labels once, not once per ancestor.
    small = [e for e in container.iterdescendants(*_BLOCKS) if dom.text_length(e) <= _MAX_BLOCK]
    holds = {e: len(_keys_in(e, bare)) >= 2 for e in small}
    for element in small:
        if element.getparent() is None or any(holds[inner] for inner in element.iterdescendants(*_BLOCKS)):
            continue
        if holds[element]:
            element.drop_tree()  # lxml.html: the text after it stays
            fired["element:disclosure"] += 1


_LABEL_CELLS = ("dt", "th", "td", "span", "label")


def _bare_labels(container: etree._Element) -> dict[etree._Element, str]:
    """The cells under `container` that hold only a label, each with its field: read once,
    though every block around a cell asks (a table in a div in the body: three times)."""
    found = {}
    for cell in container.iter(*_LABEL_CELLS):
        bare = _BARE_LABEL.fullmatch(dom.text_of(cell))
        if bare:
            found[cell] = _FIELD_OF[_compact(bare.group(1))]
    return found


def _keys_in(element: etree._Element, bare: dict[etree._Element, str]) -> set[str]:
    """The fields an element labels: in its text, and in its label-only cells (`bare`)."""
    keys = {_FIELD_OF[_compact(m.group(1))] for m in _LABEL.finditer(dom.text_of(element))}
    keys.update(bare[cell] for cell in element.iter(*_LABEL_CELLS) if cell in bare)
    return keys


def _pairs(element: etree._Element) -> list[tuple[str, str]]:
    """The label: value pairs of an element whose own text opens with a label."""
    text = dom.text_of(element)
    bare = _BARE_LABEL.fullmatch(text) if element.tag in _LABEL_CELLS else None
    if bare:
        value = _value_after(element)
        return [(_FIELD_OF[_compact(bare.group(1))], value)] if value and len(value) <= _MAX_VALUE else []
    if len(text) > _MAX_BLOCK or not _LABEL.search(text):
        return []
    matches = list(_LABEL.finditer(text))
    pairs = []
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
        value = text[match.end():end].strip()
        if not value and index == len(matches) - 1:
            value = _value_after(element)
        if value and len(value) <= _MAX_VALUE and not _LABEL.match(value):
            pairs.append((_FIELD_OF[_compact(match.group(1))], value))
    return pairs


def _value_after(element: etree._Element) -> str:
    """The value of a label cell: the text after it, else the next cell."""
    tail = dom.squeeze(element.tail or "")
    if tail:
        return tail
    following = element.getnext()
    while following is not None and not isinstance(following.tag, str):
        following = following.getnext()
    return dom.text_of(following) if following is not None else ""


def _compact(label: str) -> str:
    return re.sub(r"\s+", "", label)
