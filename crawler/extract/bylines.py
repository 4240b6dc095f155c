"""Source, author and editor values out of Chinese info lines."""
from __future__ import annotations

import re

from .chinese import to_simplified

_SEP = r"\s*[:：]\s*"
_STOP = (r"(?=\s{2,}|\s*(?:来源|作者|记者|编辑|责编|责任编辑|审核|校对|审校|终审|初审|复审|监制|摄影|通讯员|浏览|点击"
         r"|发布|时间|字号|日期)\s*[:：]|\s+(?:来源|作者|记者|编辑|责编|浏览|点击|发布|时间|字号|日期)|[|｜]|$)")
SOURCE_LABEL = re.compile(r"(?:本文|信息|文章)?来源" + _SEP + r"(?P<v>.+?)" + _STOP)
AUTHOR_LABEL = re.compile(r"(?:作者|记者|撰文|文|通讯员)" + _SEP + r"(?P<v>.+?)" + _STOP)
EDITOR_LABEL = re.compile(r"(?:责任编辑|责编|编辑)" + _SEP + r"(?P<v>.+?)" + _STOP)
_REPORTER_PREFIX = re.compile(r"^[\u4e00-\u9fff]{0,12}?(?:特约)?(?:记者|通讯员|实习生|作者)\s*")
_CREDIT_WORDS = {"文", "图", "文图", "摄", "摄影", "报道", "供图", "整理", "视频"}
_TRAILING_CREDIT = re.compile(r"\s+(?:文/图|图/文|文图|摄影|摄|报道|供图)\s*$")
_ROLE = re.compile(r"^[\u4e00-\u9fff]{0,12}?(?:特约)?(?:记者|通讯员|实习生|摄影|见习记者)$")
# Names only: CJK names of up to four characters (or Latin words), separated by spaces or 、.
_NAMES_ONLY = re.compile(r"^(?:[\u4e00-\u9fff·]{1,4}|[A-Za-z][A-Za-z.\-]*)(?:[\s、，,]+(?:[\u4e00-\u9fff·]{1,4}|[A-Za-z][A-Za-z.\-]*))*[\s)）]*$")
_NAME_SPLIT = re.compile(r"\s*[、，,;；]\s*|\s+(?:文/图|图/文)$")


def _matchable(text: str | None) -> str | None:
    """Labels are matched in Simplified: a Traditional page's 來源 / 責編 / 記者 count too."""
    return to_simplified(text) if text else text


_PAIRS = {")": "(", "）": "（", "]": "[", "】": "【"}


def _clean(value: str) -> str | None:
    """Trim spaces and brackets that wrap the value, keep brackets that belong to it: 中证网(北京)."""
    value = value.strip(" \t\u3000\xa0")
    while value and value[-1] in _PAIRS and value.count(_PAIRS[value[-1]]) < value.count(value[-1]):
        value = value[:-1].rstrip()
    while value and value[0] in _PAIRS.values() and value.count(value[0]) > sum(
        value.count(c) for c, o in _PAIRS.items() if o == value[0]
    ):
        value = value[1:].lstrip()
    value = value.strip(" \t\u3000\xa0")
    return value or None


def labelled(pattern: re.Pattern[str], text: str | None) -> str | None:
    text = _matchable(text)
    if not text:
        return None
    match = pattern.search(" ".join(text.split()) if "\n" in text else text)
    return _clean(match.group("v")) if match else None


def source_from(text: str | None) -> str | None:
    """来源 value, or the whole text when it is a bare short name."""
    text = _matchable(text)
    found = source_label(text)
    if found or not text:
        return found
    bare = _clean(" ".join(text.split()))
    return bare if bare and len(bare) <= 30 and ":" not in bare and "：" not in bare else None


def source_label(text: str | None) -> str | None:
    """The labelled 来源 value; source names hold no spaces, what follows one is other info."""
    found = labelled(SOURCE_LABEL, text)
    return _clean(found.split()[0]) if found else None


def editor_from(text: str | None) -> str | None:
    found = labelled(EDITOR_LABEL, text)
    return _names(found) if found else None


def author_from(text: str | None) -> str | None:
    """Author names from a labelled or reporter-prefixed line: '作者：X', '本报记者 王乐文 方 敏'."""
    text = _matchable(text)
    if not text:
        return None
    found = labelled(AUTHOR_LABEL, text)
    if found:
        return _names(found)
    bare = text.replace("\u3000", " ").strip()
    if _REPORTER_PREFIX.match(bare) and len(bare) < 60:
        rest = _REPORTER_PREFIX.sub("", bare)
        # '记者从全会上获悉，…' is a sentence, not a byline: only names may follow.
        if _NAMES_ONLY.match(_TRAILING_CREDIT.sub("", rest)):
            return _names(rest)
    return None


_BARE_NAMES = re.compile(r"^[\u3400-\u9fffA-Za-z·・ 　、,，]{2,30}$")


def author_of_element(text: str | None) -> str | None:
    """An element that holds only the byline: its bare text is the author."""
    text = _matchable(text)
    found = author_from(text)
    if found or not text:
        return found
    bare = " ".join(text.split())
    return _names(bare) if _BARE_NAMES.match(bare) else None


# A byline printed as the body's first or last line: '新京报记者 张文倩 邓琦'.
BYLINE_LINE = re.compile(
    r"^[\s(（【]*(?:[\u4e00-\u9fff]{0,8}?(?:记者|通讯员|实习生))\s*"
    r"(?=[^)）】]*?[\u4e00-\u9fff·]{2})(?![^)）】]*摄\s*[)）】]*$)"  # a real name; not a photo credit
    r"[\u4e00-\u9fff·]{1,4}(?:[\s、，]+[\u4e00-\u9fff·]{1,4}){0,7}[\s)）】]*$"
)


def byline_author(text: str) -> str | None:
    text = _matchable(text)
    return _names(text.strip(" (（【)）】"))


def _names(value: str) -> str | None:
    tokens = []
    for chunk in _NAME_SPLIT.split(value.strip()):
        chunk = _REPORTER_PREFIX.sub("", chunk.strip())
        tokens.extend(t for t in chunk.split() if t and t not in _CREDIT_WORDS and not _ROLE.match(t))
    names: list[str] = []
    for token in tokens:
        # Two-character names are padded with spaces to line up with three: '方  敏'.
        if len(token) == 1 and names and len(names[-1]) == 1:
            names[-1] += token
        else:
            names.append(token)
    return "、".join(names) or None


# The reporter credit closing a Chinese news story: '...（绵阳日报社融媒体记者 袁媛 李桥臻）'.
CLOSING_CREDIT = re.compile(
    r"[（(]\s*(?P<v>[^（()）]{0,14}?(?:记者|通讯员)[^（()）]{2,30}?)\s*[)）][。.]?\s*$"
)


def closing_credit_author(paragraph: str) -> str | None:
    paragraph = _matchable(paragraph)
    match = CLOSING_CREDIT.search(paragraph)
    return _names(match.group("v")) if match else None
