"""scrapy offline: the bundled fixtures crawled through the fixture proxy (a checkout only).

Found as crawler.commands.offline: crawler/commands/ walks this folder when the checkout's
testbench package is importable, so this module imports the bench by absolute names.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from scrapy.commands import ScrapyCommand

from testbench import FIXTURES_DIR, fixtureproxy

# Every spider with the arguments that point it at the bundled fixtures.
PLAN = (
    ("people", []),
    ("netease", []),
    ("municipal", ["-a", "site=ziyang"]),
    ("municipal", ["-a", "site=mianyang"]),
)


class Command(ScrapyCommand):
    """Crawl the bundled fixtures offline: a proxy on 127.0.0.1 answers the sites' real
    URLs from fixtures/, and each spider runs as `scrapy crawl` would, through it."""

    requires_project = True
    requires_crawler_process = False

    def syntax(self) -> str:
        return "[-O FILE] [SPIDER ...]"

    def short_desc(self) -> str:
        return "Crawl the bundled fixtures through a local proxy, to JSON Lines"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("-O", "--output", default="out.jsonl", help="JSON Lines file (overwritten)")
        parser.add_argument("--fixtures", type=Path, default=FIXTURES_DIR)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        proxy = fixtureproxy.start(opts.fixtures)
        out = Path(opts.output)
        out.write_text("", encoding="utf-8")
        env = {**os.environ, **proxy.proxy_env()}
        # A fresh dedup store: the demo crawl is the same every time it runs.
        store = Path(tempfile.mkdtemp(prefix="offline-")) / "dedup.sqlite"
        failed = []
        for name, extra in plan(opts.fixtures, args):
            command = [sys.executable, "-m", "scrapy", "crawl", name, *extra, "-o", f"{out}:jsonlines",
                       "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "LOG_LEVEL=INFO", "-s", f"DEDUP_STORE_PATH={store}"]
            print("$", " ".join(command[1:]), flush=True)
            if subprocess.run(command, env=env).returncode != 0:
                failed.append(name)
        lines = out.read_text("utf-8").splitlines()
        print(f"{len(lines)} articles written to {out}")
        proxy.shutdown()
        self.exitcode = 1 if failed else 0


def plan(fixtures: Path, only: list[str]) -> list[tuple[str, list[str]]]:
    """The crawls to run: the site spiders, and the generic one over the fallback and
    government-CMS fixtures (no spider starts from those sites)."""
    metas = sorted(fixtures.glob("fallback/*/meta.json")) + sorted(fixtures.glob("gov/*/meta.json"))
    generic_urls = [json.loads(p.read_text("utf-8"))["url"] for p in metas]
    steps = list(PLAN)
    if generic_urls:
        steps.append(("generic", ["-a", "urls=" + ",".join(generic_urls)]))
    return [(name, extra) for name, extra in steps if not only or name in only]
