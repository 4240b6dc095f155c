"""Extraction speed beside the peers, on the same pages in the same process.

    python -m benchmarks.extract [CORPUS_DIR] [--rounds 3]

Runs our extract(), trafilatura, readability-lxml and a bare lxml parse of the same
bytes (the floor) over every page of the corpus (or fixtures/ when no corpus is there),
interleaved page by page and round by round, and prints pages per second, median and p95
ms per page per category, the ratios ours / trafilatura, fallback / trafilatura and ours /
bare parse, our
profile-path and fallback-path times, the fallback alone on every page (no profile, as on a
site never seen), and peak memory.
"""
from __future__ import annotations

import argparse
import resource
import statistics
import time
from collections import defaultdict
from pathlib import Path

from lxml import html as lxml_html

from crawler.evaluation import load_corpus
from crawler.extract import ExtractOptions, NotArticle, extract
from crawler.extract.decode import decode_html
from testbench.fixtureproxy import load_fixtures
from crawler.systems import NO_PROFILES, readability_system, trafilatura_system

ROOT = Path(__file__).resolve().parent.parent


def pages(corpus: Path) -> list[tuple[str, str, bytes]]:
    """(category, url, bytes) for every page: the gold corpus as `scrapy evaluate` reads
    it, else the fixtures as the fixture proxy serves them."""
    found = [(page.category, page.url, page.path.read_bytes()) for page in load_corpus(corpus)]
    return found or [(f.folder.parent.name, f.url, f.body) for f in load_fixtures()]


def ours(body: bytes, url: str, options: ExtractOptions = ExtractOptions()) -> str:
    try:
        return extract(body, url, options=options).extractor
    except NotArticle:
        return "rejected"


def fallback(body: bytes, url: str) -> str:
    """Ours with no profile: the speed a site never seen gets."""
    return ours(body, url, NO_PROFILES)


def bare_parse(body: bytes, url: str) -> None:
    """The floor: decode the bytes and build the lxml tree, nothing more.

    Bytes go through the same decoder as ours: libxml2 fed UTF-8 bytes under a gb2312
    meta stops at the first bad sequence, which would make a floor of an empty tree."""
    lxml_html.document_fromstring(decode_html(body)[0])


SYSTEMS = {"ours": ours, "fallback": fallback, "trafilatura": trafilatura_system, "readability": readability_system, "lxml parse": bare_parse}


def _fmt(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"{len(values) / sum(values):8.1f} {statistics.median(values) * 1000:8.2f} {p95 * 1000:8.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    items = pages(args.corpus)
    times: dict[tuple[str, str], list[float]] = defaultdict(list)
    paths: dict[str, list[float]] = defaultdict(list)
    # Per page, the path ours took, to set each path beside its own floor.
    floor: dict[str, list[float]] = defaultdict(list)
    alone: dict[str, list[float]] = defaultdict(list)
    for category, url, body in items:  # warm-up: imports, caches, OpenCC tables
        for system in SYSTEMS.values():
            system(body, url)
    for _ in range(args.rounds):
        for category, url, body in items:
            path = None
            for name, system in SYSTEMS.items():
                start = time.perf_counter()
                result = system(body, url)
                elapsed = time.perf_counter() - start
                times[(category, name)].append(elapsed)
                times[("overall", name)].append(elapsed)
                if name == "ours":
                    path = "profile" if result not in ("readability", "rejected") else result
                    paths[path].append(elapsed)
                elif name == "lxml parse":
                    floor[path].append(elapsed)
                elif name == "readability":
                    alone[path].append(elapsed)
    categories = sorted({c for c, _ in times if c != "overall"}) + ["overall"]
    print(f"{len(items)} pages x {args.rounds} rounds, interleaved")
    print(f"{'category':10s} {'system':12s} {'pages/s':>8s} {'median':>8s} {'p95 ms':>8s}")
    for category in categories:
        for name in SYSTEMS:
            print(f"{category:10s} {name:12s} {_fmt(times[(category, name)])}")
    print(f"\n{'category':10s} {'ours/trafilatura':>17s} {'fallback/trafilatura':>21s} {'ours/lxml parse':>16s}"
          "   (time ratios; lower is faster)")
    for category in categories:
        total = {name: sum(times[(category, name)]) for name in SYSTEMS}
        print(f"{category:10s} {total['ours'] / total['trafilatura']:17.3f} {total['fallback'] / total['trafilatura']:21.3f}"
              f" {total['ours'] / total['lxml parse']:16.2f}")
    overall = {name: sum(times[("overall", name)]) for name in SYSTEMS}
    print(f"\nthroughput: ours {overall['trafilatura'] / overall['ours']:.2f}x trafilatura's pages per second, "
          f"fallback alone {overall['trafilatura'] / overall['fallback']:.2f}x")
    for path, values in sorted(paths.items()):
        print(f"ours via {path:12s} {len(values) // args.rounds:4d} pages  mean {statistics.mean(values) * 1000:7.2f} ms"
              f"   = {sum(values) / sum(floor[path]):5.2f}x the bare parse, "
              f"{sum(values) / sum(alone[path]):5.2f}x readability alone, on those pages")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
