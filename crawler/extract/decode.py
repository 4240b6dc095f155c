"""Bytes to text, the way Chinese sites actually serve them.

Declared charsets lie: pages saved from browsers declare gb2312 but hold UTF-8,
and gb2312 pages use GBK-only characters. Valid UTF-8 with non-ASCII bytes is
almost never anything else, so it wins over any declaration; the GB family is
read as GB18030, its superset.
"""
from __future__ import annotations

import codecs
import re

_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_\-]+)""", re.IGNORECASE
)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([a-zA-Z0-9_\-]+)", re.IGNORECASE)
_GB_FAMILY = {"gb2312", "gbk", "gb18030", "x-gbk", "cp936", "euc-cn", "hz-gb-2312"}
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


class UndecodableError(ValueError):
    """The bytes are not text in any encoding a web page could use."""


def _normalise_name(name: str | None) -> str | None:
    if not name:
        return None
    name = name.strip().lower()
    if name in _GB_FAMILY:
        return "gb18030"
    if name in {"big5", "big5-hkscs", "cp950", "x-x-big5"}:
        return "big5hkscs"
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def declared_charset(body: bytes, content_type: str | None = None) -> str | None:
    """The charset the page claims: the meta tag, else the HTTP header."""
    match = _META_CHARSET.search(body[:4096])
    if match:
        found = _normalise_name(match.group(1).decode("ascii", "ignore"))
        if found:
            return found
    if content_type:
        header = _HEADER_CHARSET.search(content_type)
        if header:
            return _normalise_name(header.group(1))
    return None


_CONTROL_BYTES = bytes(b for b in range(32) if b < 9 or b > 13)


def looks_binary(body: bytes) -> bool:
    """Images, archives and other non-text served as text/html."""
    head = body[:2048]
    if not head:
        return False
    if head.count(b"\x00") > len(head) // 100 + 2:
        return True
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    return controls > len(head) // 20


def decode_html(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Return (text, encoding used). Never raises for text-like input."""
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            return body.decode(encoding, errors="replace"), encoding
    if looks_binary(body):
        raise UndecodableError("binary content")
    try:
        text = body.decode("utf-8")
        return text, "utf-8"
    except UnicodeDecodeError:
        pass
    declared = declared_charset(body, content_type)
    for encoding in (declared, "gb18030", "big5hkscs"):
        if encoding and encoding != "utf-8":
            try:
                return body.decode(encoding), encoding
            except (UnicodeDecodeError, LookupError):
                continue
    # Damaged bytes in an otherwise readable page: keep what decodes.
    encoding = declared or "gb18030"
    if encoding == "utf-8" or _mostly_utf8(body):
        return body.decode("utf-8", errors="replace"), "utf-8"
    return body.decode(encoding, errors="replace"), encoding


def _mostly_utf8(body: bytes) -> bool:
    text = body.decode("utf-8", errors="replace")
    return text.count("\ufffd") * 200 < len(text)
