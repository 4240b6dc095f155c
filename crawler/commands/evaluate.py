from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from scrapy.utils.conf import closest_scrapy_cfg

from ..evaluation import (
    PageScore, format_rejections, format_table, load_corpus, load_labelled, rejections, score_page, summarise,
)
from ..systems import available, timed

# Both relative to the project folder (scrapy.cfg's), not to this file, which an installed
# wheel puts in site-packages: the gold corpus beside it, and the labelled set of our own
# replica pages (fixtures/labelled/README.md), which a checkout has and the wheel does not.
DEFAULT_CORPUS = Path("..", "shared", "corpus")
LABELLED = Path("fixtures", "labelled")


class Command(ScrapyCommand):
    """Score the extractor against a gold corpus, beside trafilatura, GNE and readability-lxml."""

    requires_project = True
    requires_crawler_process = False
    default_settings = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "[CORPUS_DIR] [--fallback-only] [--systems ours,trafilatura,gne,readability] [--pages] [--json FILE]"

    def short_desc(self) -> str:
        return "Print body P/R/F1, title, date, source, author, editor and list-page scores per category"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--systems", default="", help="comma-separated subset of the systems to run")
        parser.add_argument("--pages", action="store_true", help="also print one line per page")
        parser.add_argument("--json", dest="json_out", help="write the summary as JSON to FILE")
        parser.add_argument("--fallback-only", action="store_true",
                            help="run ours with no site profile at all (system 'fallback'), as on a site never seen")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        project = Path(closest_scrapy_cfg() or "scrapy.cfg").resolve().parent
        root = Path(args[0]) if args else project / DEFAULT_CORPUS
        if not root.is_dir():
            raise UsageError(f"no corpus at {root}")
        systems = available(fallback=opts.fallback_only)
        if opts.systems:
            unknown = set(opts.systems.split(",")) - set(systems)
            if unknown:
                raise UsageError(f"unknown or unavailable systems: {sorted(unknown)}")
            systems = {k: v for k, v in systems.items() if k in opts.systems.split(",")}
        pages = load_corpus(root)
        scores = _run(pages, systems)
        if opts.pages:
            print(_page_lines(scores))
        rows = []
        categories = sorted({p.category for p in pages})
        for category in [*categories, "overall"]:
            for name in systems:
                chosen = [s for s in scores if s.system == name and category in (s.page.category, "overall")]
                rows.append((category, name, summarise(chosen)))
        print(format_table(rows))
        labelled = _run(load_labelled(project / LABELLED), systems) if (project / LABELLED).is_dir() else []
        print()
        print(format_rejections([(where, name, rejections([s for s in found if s.system == name]))
                                 for where, found in (("corpus", scores), ("labelled set", labelled)) if found
                                 for name in systems]))
        if opts.json_out:
            table = defaultdict(dict)
            for category, name, summary in rows:
                table[category][name] = summary.as_dict()
            Path(opts.json_out).write_text(json.dumps(table, indent=1), "utf-8")


def _run(pages: list, systems: dict) -> list[PageScore]:
    scores: list[PageScore] = []
    for page in pages:
        body = page.path.read_bytes()
        # Interleaved page by page, so that machine load falls on every system alike.
        for name, system in systems.items():
            scores.append(score_page(page, name, timed(system, body, page.url)))
    return scores


def _page_lines(scores: list[PageScore]) -> str:
    lines = []
    for s in scores:
        body = f"F1={s.body.f1:.3f}" if s.body else f"list={'ok' if s.list_ok else 'MISSED'}"
        checks = " ".join(f"{name}={_mark(ok) if name in s.prediction.reports else 'n/a'}"
                          for name, ok in s.fields.items())
        lines.append(f"{s.page.category}/{s.page.path.stem:36s} {s.system:12s} {body} {checks}".rstrip())
    return "\n".join(lines)


def _mark(ok: bool | None) -> str:
    return "-" if ok is None else "ok" if ok else "MISSED"
