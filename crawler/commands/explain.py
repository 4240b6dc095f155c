"""scrapy explain: one HTML report of what extract() kept and dropped on a page, and why."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from scrapy.commands import ScrapyCommand
from scrapy.commands.fetch import Command as FetchCommand
from scrapy.exceptions import UsageError
from scrapy.http import Response
from w3lib.url import is_url

from ..explain import explain
from ..extract import ExtractOptions, NotArticle, Registry
from ..extract.page import Page
from ..extract.profiles import ProfileError


class Command(FetchCommand):
    """A saved page, or a URL fetched through Scrapy's downloader (as `scrapy fetch` does:
    proxies, headers and middlewares of the project apply)."""

    default_settings = {"LOG_LEVEL": "WARNING"}

    def syntax(self) -> str:
        return "PAGE_OR_URL [-o report.html] [--url URL]"

    def short_desc(self) -> str:
        return "Write an HTML report of what extraction kept and dropped on a page, and why"

    def long_desc(self) -> str:  # not fetch's, which it would inherit
        return ("Extract a saved page, or a URL fetched through Scrapy's downloader (the project's proxies, "
                "headers and middlewares apply), and write an HTML report: the article, which profile or "
                "path extracted it, and each block kept or dropped with the rule that decided.")

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        ScrapyCommand.add_options(self, parser)  # not fetch's --headers / --no-redirect
        parser.add_argument("-o", "--output", default="explain.html", help="report file (default: explain.html)")
        parser.add_argument("--url", help="URL a saved page came from (default: its canonical link)")
        parser.add_argument("--spider", help="fetch a URL with this spider's settings")
        parser.set_defaults(no_redirect=False, headers=False)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give one saved page or one http(s) URL")
        try:
            registry = Registry.load(*self.settings.getlist("EXTRACT_PROFILE_DIRS"))
        except ProfileError as exc:
            raise UsageError(str(exc)) from exc
        self._options = ExtractOptions(script=self.settings.get("EXTRACT_SCRIPT", "t2s"), registry=registry)
        self._output = Path(opts.output)
        target = args[0]
        if is_url(target) and target.startswith(("http://", "https://")):
            self._written = False
            super().run([target], opts)  # the report is written by _print_response
            if not self._written:
                print(f"no response from {target}: no report written (see the log above)", file=sys.stderr)
                self.exitcode = 1
            return
        path = Path(target)
        try:
            body = path.read_bytes()
        except OSError as exc:
            raise UsageError(f"cannot read {target}: {exc.strerror}") from None
        self._write(body, opts.url or _saved_url(body, path))

    def _print_response(self, response: Response, opts: argparse.Namespace) -> None:
        self._write(response.body, response.url)

    def _write(self, body: bytes, url: str) -> None:
        self._output.write_text(explain(body, url, self._options), encoding="utf-8")
        self._written = True
        print(f"report written to {self._output}")


def _saved_url(body: bytes, path: Path) -> str:
    """Where a saved page came from: its canonical link, else the file itself."""
    try:
        return Page.load(body, path.resolve().as_uri()).canonical_url()
    except NotArticle:
        return path.resolve().as_uri()
