"""Extraction in worker processes (EXTRACT_WORKERS) against extraction in the reactor thread.

    python -m benchmarks.pool [--heavy 2500] [--light 3000]

Two made-up people.cn sites, their articles spread over HOSTS channel hosts (so no
per-domain limit caps the crawl), served by nginx from another process
(benchmarks/nginx_site.py; `apt-get install -y nginx`):

- heavy: pages the people profile does not fit (its body container renamed, its markers
  gone) under a sidebar of HEAVY_BLOCKS text blocks, so the readability fallback extracts
  them, as it does the corpus's slowest pages (100-400 KB, 90-190 ms); few links, so the
  reactor's own work (parsing, link following, dedup) stays small beside extraction;
- light: the people.cn template as benchmarks.crawl serves it, which the profile extracts
  in about 10 ms: extraction is not the bottleneck.

On each site three real `scrapy crawl` runs, AutoThrottle off: the no-op spider (the
ceiling: the same link following, no extraction), the pool off (EXTRACT_WORKERS=0) and the
default (EXTRACT_WORKERS=auto). Pages per second come from each run's stats; CPU, sampled
from /proc (benchmarks/cpu.py), is the crawl's with its workers' and nginx's, over the
run's wall time, in cores; and CPU per page fetched, the crawl's with its workers' and the
crawl process's own (the reactor thread, which bounds pages per second once the workers
extract), which a loaded machine changes less than it changes the rates (start-up
included: about a second of the run's CPU).
"""
from __future__ import annotations

import argparse
import random
import shutil
import tempfile
from pathlib import Path

from benchmarks.crawl import ROOT, run
from benchmarks.nginx_site import NginxSite
from crawler.extract.pool import usable_cores, worker_count
from testbench.synthetic import TEMPLATE, Page, _sentence, article_page

HOSTS = 32
HEAVY_BLOCKS = 200  # about 47 KB a page, about 100 ms of extraction on this machine


def write_pages(articles: int, heavy: bool) -> dict[str, Page]:
    """"host/path" -> Page: the articles, a list page per host, the home page linking the lists."""
    template = TEMPLATE.read_bytes().decode("gb18030")
    rng = random.Random(7)
    pages: dict[str, Page] = {}
    lists: dict[str, list[str]] = {}
    for i in range(articles):
        host, path = f"c{i % HOSTS}.people.com.cn", f"/n1/2024/0101/c1001-{40000000 + i}.html"
        html = article_page(template, f"基准测试文章第{i}号", rng)
        pages[host + path] = Page((unprofiled(html, rng) if heavy else html).encode("gb18030"))
        lists.setdefault(host, []).append(path)
    for host, paths in lists.items():
        links = "".join(f'<li><a href="{path}">文章</a></li>' for path in paths)
        pages[f"{host}/index.html"] = Page(f"<html><body><ul>{links}</ul></body></html>".encode("gb18030"))
    home = "".join(f'<a href="http://{host}/index.html">频道</a>' for host in lists)
    pages["www.people.com.cn/"] = Page(f"<html><body>{home}</body></html>".encode("gb18030"))
    return pages


def unprofiled(html: str, rng: random.Random) -> str:
    """The page with nothing the people profile selects or recognises, under a text-heavy sidebar."""
    html = html.replace('class="rm_txt_con cf"', 'class="art_text"').replace('id="rwb_navpath"', 'id="navpath"')
    sidebar = "".join(f"<div class='box b{j % 7}'><h4><span>{_sentence(rng)[:8]}</span></h4><ul><li><em>{j}</em>"
                      f"<span>{_sentence(rng)[:14]}</span></li><li><span>{_sentence(rng)[:10]}</span></li></ul></div>"
                      for j in range(HEAVY_BLOCKS))
    return html.replace("</body>", f"<div class='side'>{sidebar}</div></body>")


RUNS = (("no-op spider", ["runspider", str(ROOT / "benchmarks" / "noop_spider.py")]),
        ("pool off", ["crawl", "people", "-s", "EXTRACT_WORKERS=0"]),
        ("pool auto", ["crawl", "people", "-s", "EXTRACT_WORKERS=auto"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--heavy", type=int, default=2500, help="articles on the heavy site")
    parser.add_argument("--light", type=int, default=3000, help="articles on the light site")
    options = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-pool-"))
    workdir.chmod(0o755)  # nginx's worker may run as another user, and serves from below it
    print(f"{usable_cores()} usable cores; EXTRACT_WORKERS=auto gives {worker_count('auto', 16)} workers")
    print(f"{'site':6s} {'run':13s} {'pages':>6s} {'items':>6s} {'s':>6s} {'pages/s':>8s} {'crawl CPU':>11s} "
          f"{'CPU ms/page':>11s} {'reactor ms/page':>15s} {'nginx CPU':>11s}")
    try:
        for kind, articles in (("heavy", options.heavy), ("light", options.light)):
            if not articles:  # --heavy 0 or --light 0: that site is not measured
                continue
            server = NginxSite(write_pages(articles, heavy=kind == "heavy"), workdir / kind)
            rates = {}
            try:
                for name, args in RUNS:
                    label = f"{kind}-{name.replace(' ', '-')}"
                    out = ["-O", str(workdir / f"{label}.jsonl")] if args[0] == "crawl" else []
                    served = server.cpu_seconds()
                    stats = run([*args, *out], server, workdir, name=label)
                    rates[name] = stats["response_received_count"] / stats["elapsed_time_seconds"]
                    print(f"{kind:6s} {name:13s} {stats['response_received_count']:6.0f} {stats['item_scraped_count']:6.0f} "
                          f"{stats['elapsed_time_seconds']:6.1f} {rates[name]:8.1f} "
                          f"{stats['cpu_seconds'] / stats['wall_seconds']:5.2f} cores "
                          f"{1000 * stats['cpu_seconds'] / stats['response_received_count']:11.1f} "
                          f"{1000 * stats['own_cpu_seconds'] / stats['response_received_count']:15.1f} "
                          f"{(server.cpu_seconds() - served) / stats['wall_seconds']:5.2f} cores")
            finally:
                server.shutdown()
            print(f"{kind:6s} pool auto / pool off pages per second: {rates['pool auto'] / rates['pool off']:.2f} "
                  f"(no-op spider / pool off: {rates['no-op spider'] / rates['pool off']:.2f})")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
