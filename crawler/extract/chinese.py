"""Chinese script normalisation: mirror-page pinyin glosses and Traditional → Simplified."""
from __future__ import annotations

import re
from pathlib import Path
from functools import lru_cache

# A CJK character followed by a parenthesised pinyin syllable carrying a tone mark,
# as mirror sites print them: 產業(yè), 地區(qū). Real parentheses, (區), (2024) or
# (app), have no tone-marked vowel and are left alone.
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
_VOWELS = "aeiouü" + _TONED
# One pinyin syllable: an optional initial, one to three vowels (one tone-marked), an optional final.
_SYLLABLE = rf"(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?(?=[{_VOWELS}]*[{_TONED}ü])[{_VOWELS}]{{1,3}}(?:ng|n|r)?"
PINYIN_GLOSS = re.compile(rf"(?<=[\u3400-\u9fff\uf900-\ufaff])[(（]\s*{_SYLLABLE}\s*[)）]")


def strip_pinyin_glosses(text: str) -> tuple[str, int]:
    """Remove glosses; return the text and how many were removed."""
    return PINYIN_GLOSS.subn("", text)


@lru_cache(maxsize=1)
def _converter():
    from opencc import OpenCC

    return OpenCC("t2s")


@lru_cache(maxsize=1)
def _traditional_chars() -> frozenset[str]:
    """Characters t2s may change: a cheap test that spares most text the slow converter."""
    import opencc

    table = Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
    chars = set()
    for line in table.read_text("utf-8").splitlines():
        key, _, values = line.partition("\t")
        if key and values.split() != [key]:
            chars.add(key)
    return frozenset(chars)


def has_traditional(text: str) -> bool:
    return not _traditional_chars().isdisjoint(text)


@lru_cache(maxsize=16384)  # the same lines are read by several field readers and rules
def to_simplified(text: str) -> str:
    if not text or not has_traditional(text):
        return text
    return _converter().convert(text)
