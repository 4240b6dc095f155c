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


def load_labelled(root: Path) -> list[GoldPage]:
    """The labelled article / not-article set (fixtures/labelled): labels only, no body."""
    labels = json.loads((root / "labels.json").read_text("utf-8"))
    return [GoldPage(root / "pages" / f"{name}.html", "labelled", label["url"],
                     {"is_article": label["is_article"], "title": label.get("title"), "published_at": None})
            for name, label in sorted(labels.items())]


@dataclass
class Prediction:
    """What one system said about one page."""

    is_article: bool
    title: str | None = None
    published_at: str | None = None
    body: str | None = None
    seconds: float = 0.0


@dataclass
class PageScore:
    page: GoldPage
    system: str
    prediction: Prediction
    body: PRF | None            # None for list pages
    title_ok: bool | None
    date_ok: bool | None        # None where gold has no date
    list_ok: bool | None        # None for articles


def score_page(page: GoldPage, system: str, prediction: Prediction) -> PageScore:
    gold = page.gold
    if not gold.get("is_article", True):
        return PageScore(page, system, prediction, None, None, None, not prediction.is_article)
    if not prediction.is_article:
        return PageScore(page, system, prediction, PRF(0.0, 0.0, 0.0), False,
                         False if gold.get("published_at") else None, None)
    date_ok = date_match(prediction.published_at, gold["published_at"]) if gold.get("published_at") else None
    return PageScore(page, system, prediction, body_prf(prediction.body, gold.get("body")),
                     title_match(prediction.title, gold.get("title")), date_ok, None)


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


@dataclass(frozen=True)
class Summary:
    pages: int
    precision: float | None
    recall: float | None
    f1: float | None
    title: float | None
    date: float | None
    lists: float | None
    ms_per_page: float | None


def summarise(scores: list[PageScore]) -> Summary:
    bodies = [s.body for s in scores if s.body is not None]
    return Summary(
        pages=len(scores),
        precision=_mean([b.precision for b in bodies]),
        recall=_mean([b.recall for b in bodies]),
        f1=_mean([b.f1 for b in bodies]),
        title=_mean([float(s.title_ok) for s in scores if s.title_ok is not None]),
        date=_mean([float(s.date_ok) for s in scores if s.date_ok is not None]),
        lists=_mean([float(s.list_ok) for s in scores if s.list_ok is not None]),
        ms_per_page=_mean([s.prediction.seconds * 1000 for s in scores]),
    )


@dataclass(frozen=True)
class Rejections:
    """How well a system says "not an article": precision and recall of that answer."""

    precision: float | None         # of the pages it rejected, the share that are not articles
    recall: float | None            # of the pages that are not articles, the share it rejected
    rejected_articles: tuple[str, ...]
    missed_lists: tuple[str, ...]
    articles: int
    lists: int


def rejections(scores: list[PageScore]) -> Rejections:
    lists = [s for s in scores if not s.page.gold.get("is_article", True)]
    articles = [s for s in scores if s.page.gold.get("is_article", True)]
    caught = [s for s in lists if not s.prediction.is_article]
    wrongly = [s for s in articles if not s.prediction.is_article]
    said = len(caught) + len(wrongly)
    return Rejections(
        precision=len(caught) / said if said else None,
        recall=len(caught) / len(lists) if lists else None,
        rejected_articles=tuple(s.page.path.stem for s in wrongly),
        missed_lists=tuple(s.page.path.stem for s in lists if s.prediction.is_article),
        articles=len(articles), lists=len(lists),
    )


def format_rejections(rows: list[tuple[str, str, Rejections]]) -> str:
    """'not an article' precision / recall per page set and system, and what was wrong."""
    lines = ["not an article: precision / recall",
             f"{'pages':12s}  {'system':11s}  {'precision':>9s}  {'recall':>6s}  articles rejected  lists missed"]
    for name, system, r in rows:
        cells = ["-" if v is None else f"{v:.3f}" for v in (r.precision, r.recall)]
        lines.append(f"{name:12s}  {system:11s}  {cells[0]:>9s}  {cells[1]:>6s}  "
                     f"{len(r.rejected_articles):>4d} of {r.articles:<4d}      {len(r.missed_lists):>3d} of {r.lists}")
    return "\n".join(lines)


def format_table(rows: list[tuple[str, str, Summary]]) -> str:
    """A fixed-width table: category, system, then the figures ('-' where none apply)."""
    header = ("category", "system", "pages", "P", "R", "F1", "title", "date", "lists", "ms/page")
    lines = [header]
    for category, system, s in rows:
        cells = [s.precision, s.recall, s.f1, s.title, s.date, s.lists]
        lines.append((category, system, str(s.pages), *("-" if c is None else f"{c:.3f}" for c in cells),
                      "-" if s.ms_per_page is None else f"{s.ms_per_page:.1f}"))
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    return "\n".join("  ".join(cell.ljust(w) if i < 2 else cell.rjust(w) for i, (cell, w) in enumerate(zip(line, widths)))
                     for line in lines)
