"""Source, author and editor values out of Chinese info lines."""
from __future__ import annotations

import re

_SEP = r"\s*[:：]\s*"
_STOP = r"(?=\s{2,}|\s+(?:来源|作者|记者|编辑|责编|责任编辑|浏览|点击|发布|时间|字号|日期)|[|｜]|$)"
SOURCE_LABEL = re.compile(r"(?:本文|信息|文章)?来源" + _SEP + r"(?P<v>.+?)" + _STOP)
AUTHOR_LABEL = re.compile(r"(?:作者|记者|撰文|文|通讯员)" + _SEP + r"(?P<v>.+?)" + _STOP)
EDITOR_LABEL = re.compile(r"(?:责任编辑|责编|编辑)" + _SEP + r"(?P<v>.+?)" + _STOP)
_REPORTER_PREFIX = re.compile(r"^(?:本报|本台|本网|新华社|人民网|中新网)?(?:特约)?(?:记者|通讯员|实习生|作者)\s*")
_NAME_SPLIT = re.compile(r"\s*[、，,;；/]\s*")


def _clean(value: str) -> str | None:
    value = value.strip(" \t\u3000\xa0()（）[]【】")
    return value or None


def labelled(pattern: re.Pattern[str], text: str | None) -> str | None:
    if not text:
        return None
    match = pattern.search(" ".join(text.split()) if "\n" in text else text)
    return _clean(match.group("v")) if match else None


def source_from(text: str | None) -> str | None:
    """来源 value, or the whole text when it is a bare short name."""
    found = labelled(SOURCE_LABEL, text)
    if found or not text:
        return found
    bare = _clean(" ".join(text.split()))
    return bare if bare and len(bare) <= 30 and ":" not in bare and "：" not in bare else None


def editor_from(text: str | None) -> str | None:
    found = labelled(EDITOR_LABEL, text)
    return _names(found) if found else None


def author_from(text: str | None) -> str | None:
    """Author names; a bare byline such as '本报记者 王乐文 方 敏' counts too."""
    if not text:
        return None
    found = labelled(AUTHOR_LABEL, text)
    if found:
        return _names(found)
    bare = " ".join(text.replace("\u3000", " ").split(" "))
    if _REPORTER_PREFIX.match(bare.strip()) and len(bare) < 60:
        return _names(_REPORTER_PREFIX.sub("", bare.strip()))
    return None


def _names(value: str) -> str | None:
    tokens = []
    for chunk in _NAME_SPLIT.split(value.strip()):
        chunk = _REPORTER_PREFIX.sub("", chunk.strip())
        tokens.extend(t for t in chunk.split() if t)
    names: list[str] = []
    for token in tokens:
        # Two-character names are padded with spaces to line up with three: '方  敏'.
        if len(token) == 1 and names and len(names[-1]) == 1:
            names[-1] += token
        else:
            names.append(token)
    return "、".join(names) or None
