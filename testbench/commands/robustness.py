"""scrapy robustness: the drills of testbench/robustness.py (a checkout only).

Found as crawler.commands.robustness, like offline.py beside it.
"""
from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from scrapy.commands import ScrapyCommand

from testbench.robustness import bad_input_drill, fault_drill, resume_drill


class Command(ScrapyCommand):
    """Run the robustness drills and print what they tried, what crashed and what was lost."""

    requires_project = True
    requires_crawler_process = False
    default_settings = {"LOG_ENABLED": False}

    def short_desc(self) -> str:
        return "Bad pages, a fault-injecting site and SIGKILL resumes: crashes, losses, duplicates"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--seed", type=int, default=11, help="seed of the kill points (new articles per killed run)")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        workdir = Path(tempfile.mkdtemp(prefix="robustness-"))
        drills = [bad_input_drill(), fault_drill(workdir)[0], resume_drill(workdir, seed=opts.seed)[0]]
        print(f"{'drill':20s} {'tried':>6s} {'crashes':>8s} {'items lost':>11s} {'duplicates':>11s}  notes")
        for drill in drills:
            lost = "-" if drill.lost is None else str(drill.lost)  # "-": the crawl did not finish (see notes)
            print(f"{drill.name:20s} {drill.tried:6d} {drill.crashes:8d} {lost:>11s} {drill.duplicates:11d}  "
                  + "; ".join(drill.notes))
        self.exitcode = int(any(d.crashes or d.lost is None or d.lost or d.duplicates for d in drills))
