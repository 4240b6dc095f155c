"""Scoring extraction against a gold corpus (the rule of ../shared/corpus/README.md)."""
from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from .extract.chinese import to_simplified

_TOKEN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]|[A-Za-z]+|\d+")


def tokens(text: str | None) -> Counter:
    """Bag of tokens: each CJK character one token, each Latin or digit run one token."""
    return Counter(_TOKEN.findall(to_simplified(text or "")))


@dataclass(frozen=True)
class PRF:
    precision: float
    recall: float
    f1: float


def body_prf(predicted: str | None, gold: str | None) -> PRF:
    p, g = tokens(predicted), tokens(gold)
    if not p and not g:
        return PRF(1.0, 1.0, 1.0)
    overlap = sum((p & g).values())
    precision = overlap / sum(p.values()) if p else 0.0
    recall = overlap / sum(g.values()) if g else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return PRF(precision, recall, f1)


def normalised_title(text: str | None) -> str:
    return "".join(_TOKEN.findall(to_simplified(text or "")))


def title_match(predicted: str | None, gold: str | None) -> bool:
    return normalised_title(predicted) == normalised_title(gold)


def date_match(predicted: str | None, gold: str | None) -> bool:
    """To the minute; date only where gold has only a date."""
    if not gold:
        return True
    if not predicted:
        return False
    if "T" not in gold:
        return predicted[:10] == gold[:10]
    return predicted[:16] == gold[:16]


@dataclass(frozen=True)
class GoldPage:
    path: Path
    category: str
    url: str
    gold: dict


def load_corpus(root: Path) -> list[GoldPage]:
    pages = []
    for gold_path in sorted(root.glob("*/*.gold.json")):
        html_path = gold_path.with_name(gold_path.name.replace(".gold.json", ".html"))
        if not html_path.exists():
            continue
        gold = json.loads(gold_path.read_text("utf-8"))
        category = gold.get("category") or gold_path.parent.name
        url = gold.get("url") or f"http://unknown.invalid/{category}/{html_path.name}"
        pages.append(GoldPage(html_path, category, url, gold))
    return pages
