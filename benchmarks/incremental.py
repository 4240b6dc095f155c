"""Incremental crawling: a site that grows every day, crawled once a day for a month.

    python -m benchmarks.incremental [--days 30] [--backlog 30]

A proxy on 127.0.0.1 serves the made-up site of testbench/growingsite.py (about 13 new
articles a day over five sections: paginated lists, a list printing dates, a slow list, an
RSS feed, a news sitemap under a sitemap index) as it stands on simulated day d. Each day is
one real `scrapy crawl municipal -a site=growing -a since=<the last run's day>` with the
same dedup store and HTTP cache, as a daily cron job runs it. Per run: the requests the site
answered, of which 304s and changed list / feed / sitemap pages, the new articles emitted,
and whether the run met the target: fetches <= 1.5 x new articles + the list pages that
changed, every article published since the last run emitted once, none missed. The
first run is held to "once, none missed" only: it must read the old articles whose
date only their page shows (one section's lists and URLs show none) to learn it.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.crawl import FAST, ROOT
from testbench.fixtureproxy import FixtureProxy
from testbench.growingsite import GrowingSite


def crawl_day(site: GrowingSite, proxy: FixtureProxy, workdir: Path, since: str) -> list[str]:
    """One daily run; the URLs it emitted."""
    out = workdir / f"day{site.day}.jsonl"
    settings = [*FAST, "-s", f"DEDUP_STORE_PATH={workdir / 'dedup.sqlite'}", "-s", f"HTTPCACHE_DIR={workdir / 'httpcache'}", "-s", f"INCREMENTAL_DATES_PATH={workdir / 'published.sqlite'}",
                "-s", f"EXTRACT_PROFILE_DIRS={workdir / 'profiles'}", "-s", "LOG_LEVEL=WARNING"]
    subprocess.run([sys.executable, "-m", "scrapy", "crawl", "municipal", "-a", "site=growing", "-a", f"since={since}",
                    "-O", str(out), *settings], cwd=ROOT, env={**os.environ, **proxy.proxy_env()}, check=True)
    return [json.loads(line)["url"] for line in out.read_text("utf-8").splitlines()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--backlog", type=int, default=30, help="days of articles the site has before the first run")
    args = parser.parse_args()
    site = GrowingSite(backlog_days=args.backlog)
    proxy = FixtureProxy(site).start_in_thread()
    workdir = Path(tempfile.mkdtemp(prefix="bench-incremental-"))
    (workdir / "profiles").mkdir()
    (workdir / "profiles" / "growing.toml").write_text(site.profile_toml(), "utf-8")
    emitted_ever: list[str] = []
    print(f"site: {len(site.sections)} sections, {args.backlog} days of backlog, served from {proxy.url}; "
          f"each run: since = the last run's day")
    print(f"{'day':>3s} {'fetched':>7s} {'304':>4s} {'lists changed':>13s} {'new':>4s} {'fetched/new':>11s} "
          f"{'bound':>6s} {'missed':>6s} {'twice':>5s}")
    failures = 0
    for day in range(0, args.days + 1):
        site.day = day
        requested, answered = len(proxy.requested), len(site.answers)
        emitted = crawl_day(site, proxy, workdir, since=site.date_of(day - 1).isoformat())
        answers = site.answers[answered:]
        fetched = len(proxy.requested) - requested
        not_modified = sum(status == 304 for _, status in answers)
        articles = {a.url for a in site.published_on(day)} | ({a.url for a in site.published_on(day - 1)} if day == 0 else set())
        changed_lists = sum(status == 200 and not site.is_article(url) for url, status in answers)
        missed = len(articles - set(emitted))
        twice = len(emitted) - len(set(emitted)) + len(set(emitted) & set(emitted_ever))
        emitted_ever += emitted
        bound = 1.5 * len(emitted) + changed_lists
        # The first run reads the pages only they date (lists and URLs without dates): not held to the bound.
        ok = (fetched <= bound or day == 0) and not missed and not twice and set(emitted) == articles
        failures += not ok
        print(f"{day:3d} {fetched:7d} {not_modified:4d} {changed_lists:13d} {len(emitted):4d} "
              f"{fetched / max(len(emitted), 1):11.2f} {bound:6.1f} {missed:6d} {twice:5d}"
              f"{'  first run' if day == 0 else ''}{'' if ok else '  FAILED'}")
    proxy.shutdown()
    total = sum(1 for _ in emitted_ever)
    print(f"{args.days + 1} runs, {total} articles emitted, {len(set(emitted_ever))} distinct; "
          f"runs missing the target: {failures}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
