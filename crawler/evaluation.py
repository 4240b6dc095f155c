"""Scoring extraction against a gold corpus (the rule of ../shared/corpus/README.md)."""
from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
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


def _moment(value: str) -> datetime | None:
    """An ISO 8601 date or date-time; a naive time is the page's own clock, China time."""
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_CHINA)
    return moment.astimezone(_CHINA)


_CHINA = timezone(timedelta(hours=8))


def date_match(predicted: str | None, gold: str | None) -> bool:
    """The same instant to the minute, offsets applied (a time without an offset is
    taken as China time, the clock the page shows); date only where gold has only a date."""
    if not gold:
        return True
    moment = _moment(predicted) if predicted else None
    if moment is None:
        return False
    if "T" not in gold:
        return moment.date().isoformat() == gold[:10]
    wanted = _moment(gold)
    return wanted is not None and moment.replace(second=0, microsecond=0) == wanted.replace(second=0, microsecond=0)


# Names are compared as sets: '林小川、苏禾', '苏禾 林小川' and '林小川,苏禾' are one answer.
_NAME_SEPARATORS = re.compile(r"[\s、，,;；/|｜&＆]+")
# A CMS's internal editor code beside a name ('苏禾_NN5678', '苏禾 PX101') is not part of
# the name: both spellings count as the name; a bare code is compared as it is.
_EDITOR_CODE = re.compile(r"^[A-Za-z]{1,5}\d{2,}$")


def name_set(text: str | None) -> frozenset[str]:
    tokens_ = [t for t in _NAME_SEPARATORS.split(to_simplified(text or "").strip()) if t]
    names = [re.sub(r"_[A-Za-z]{1,5}\d+$", "", t) for t in tokens_]
    without_codes = [n for n in names if not _EDITOR_CODE.match(n)]
    return frozenset(without_codes or names)


def names_match(predicted: str | None, gold: str | None) -> bool:
    return bool(predicted) and name_set(predicted) == name_set(gold)


def source_match(predicted: str | None, gold: str | None) -> bool:
    """Exact after the title's normalisation: '人民网－人民日报' is '人民网-人民日报'."""
    return bool(predicted) and normalised_title(predicted) == normalised_title(gold)


# The fields scored besides the body, and how each is compared.
FIELDS = ("title", "published_at", "source", "author", "editor")
_MATCHERS = {
    "title": title_match, "published_at": date_match, "source": source_match,
    "author": names_match, "editor": names_match,
}


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
    """What one system said about one page. `reports` names the fields the system has
    at all: a field it never reports is n/a in the table, not a miss."""

    is_article: bool
    title: str | None = None
    published_at: str | None = None
    body: str | None = None
    seconds: float = 0.0
    source: str | None = None
    author: str | None = None
    editor: str | None = None
    reports: frozenset[str] = frozenset(FIELDS)


@dataclass
class PageScore:
    page: GoldPage
    system: str
    prediction: Prediction
    body: PRF | None            # None for list pages
    list_ok: bool | None        # None for articles
    # Field name -> right or not; None where gold lacks the field or the system never reports it.
    fields: dict[str, bool | None] = field(default_factory=dict)

    @property
    def title_ok(self) -> bool | None:
        return self.fields.get("title")

    @property
    def date_ok(self) -> bool | None:
        return self.fields.get("published_at")


def score_page(page: GoldPage, system: str, prediction: Prediction) -> PageScore:
    gold = page.gold
    if not gold.get("is_article", True):
        return PageScore(page, system, prediction, None, not prediction.is_article)
    checks: dict[str, bool | None] = {}
    for name in FIELDS:
        if not gold.get(name) or name not in prediction.reports:
            checks[name] = None
        else:
            checks[name] = prediction.is_article and _MATCHERS[name](getattr(prediction, name), gold[name])
    body = body_prf(prediction.body, gold.get("body")) if prediction.is_article else PRF(0.0, 0.0, 0.0)
    return PageScore(page, system, prediction, body, None, checks)


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


# Summary attribute -> the field it scores.
_SUMMARY_FIELDS = {"title": "title", "date": "published_at", "source": "source", "author": "author", "editor": "editor"}


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
    source: float | None = None
    author: float | None = None
    editor: float | None = None
    # Summary attributes the system never reports (n/a), as opposed to None: no gold page has it.
    unreported: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        """For --json: an unreported field is "n/a"."""
        values = {k: v for k, v in self.__dict__.items() if k != "unreported"}
        return {**values, **{k: "n/a" for k in self.unreported}}


def summarise(scores: list[PageScore]) -> Summary:
    bodies = [s.body for s in scores if s.body is not None]
    reported = set().union(*(s.prediction.reports for s in scores)) if scores else set(FIELDS)
    checks = {
        attr: _mean([float(s.fields[name]) for s in scores if s.fields.get(name) is not None])
        for attr, name in _SUMMARY_FIELDS.items()
    }
    return Summary(
        pages=len(scores),
        precision=_mean([b.precision for b in bodies]),
        recall=_mean([b.recall for b in bodies]),
        f1=_mean([b.f1 for b in bodies]),
        lists=_mean([float(s.list_ok) for s in scores if s.list_ok is not None]),
        ms_per_page=_mean([s.prediction.seconds * 1000 for s in scores]),
        unreported=tuple(attr for attr, name in _SUMMARY_FIELDS.items() if name not in reported),
        **checks,
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
    """A fixed-width table: category, system, then the figures ('-' where none apply,
    'n/a' for a field the system does not report)."""
    measures = ("precision", "recall", "f1", "title", "date", "source", "author", "editor", "lists")
    header = ("category", "system", "pages", "P", "R", "F1", "title", "date", "source", "author", "editor",
              "lists", "ms/page")
    lines = [header]
    for category, system, s in rows:
        cells = ["n/a" if m in s.unreported else "-" if getattr(s, m) is None else f"{getattr(s, m):.3f}"
                 for m in measures]
        lines.append((category, system, str(s.pages), *cells,
                      "-" if s.ms_per_page is None else f"{s.ms_per_page:.1f}"))
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    return "\n".join("  ".join(cell.ljust(w) if i < 2 else cell.rjust(w) for i, (cell, w) in enumerate(zip(line, widths)))
                     for line in lines)
