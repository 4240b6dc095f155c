from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from ..extract import ExtractOptions, NotArticle, Registry, extract
from ..extract.page import Page
from ..extract.profiles import ProfileError


class Command(ScrapyCommand):
    """Extract saved pages to JSON Lines: one line per page, the article or the reason it is not one."""

    requires_project = True
    requires_crawler_process = False
    default_settings = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "PATH... [--url URL] [-O FILE]"

    def short_desc(self) -> str:
        return "Extract articles from saved HTML files to JSON Lines"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--url", help="URL the page was saved from (default: its canonical link)")
        parser.add_argument("-O", "--output", help="write to FILE (default: standard output)")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if not args:
            raise UsageError("give at least one saved page")
        if opts.url and len(args) > 1:
            raise UsageError("--url names one page; give one PATH with it")
        settings = self.settings
        try:
            registry = Registry.load(*settings.getlist("EXTRACT_PROFILE_DIRS"))
        except ProfileError as exc:
            raise UsageError(str(exc)) from exc
        options = ExtractOptions(script=settings.get("EXTRACT_SCRIPT", "t2s"), registry=registry)
        out = open(opts.output, "w", encoding="utf-8") if opts.output else sys.stdout
        try:
            for path in map(Path, args):
                out.write(json.dumps(extract_file(path, opts.url, options), ensure_ascii=False) + "\n")
        finally:
            if out is not sys.stdout:
                out.close()


def extract_file(path: Path, url: str | None, options: ExtractOptions) -> dict:
    """The JSON record for one saved page; never raises for a bad page."""
    try:
        body = path.read_bytes()
    except OSError as exc:
        return {"path": str(path), "error": "unreadable", "detail": str(exc)}
    if not url:
        try:
            url = Page.load(body, path.resolve().as_uri()).canonical_url()
        except NotArticle:
            url = path.resolve().as_uri()
    try:
        record = asdict(extract(body, url, options=options))
    except NotArticle as exc:
        return {"path": str(path), "url": url, "not_article": exc.reason, "detail": exc.detail}
    except Exception as exc:  # one bad page must not stop the batch
        return {"path": str(path), "url": url, "error": "extractor_failed", "detail": repr(exc)}
    return {"path": str(path), **record}
