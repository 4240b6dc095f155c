"""Crawl throughput: the full pipeline against a no-op spider over the same local site.

    python -m benchmarks.crawl [--articles 5000]

A proxy on 127.0.0.1 serves a made-up people.cn: the home page links 100 list pages,
which link the articles. Each article is a people.cn fixture page with its own title and
its own body of made-up sentences (random common characters with Chinese punctuation),
so deduplication keeps them all. Both
runs are real `scrapy crawl` processes through the proxy, as a user runs them; pages per
second and peak RSS come from each run's stats.
"""
from __future__ import annotations

import argparse
import os
import random
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from crawler.fixtureproxy import FixtureProxy

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "fixtures" / "people" / "politics_n1" / "page.html"
LISTS = 100


@dataclass(frozen=True)
class Page:
    body: bytes
    content_type: str = "text/html; charset=GBK"


class SyntheticSite:
    """URL -> page, all in memory."""

    def __init__(self, articles: int) -> None:
        self.pages: dict[str, Page] = {}
        template = TEMPLATE.read_bytes().decode("gb18030")
        rng = random.Random(5)
        urls = [f"http://politics.people.com.cn/n1/2024/{1 + i // 500:02d}{1 + i % 28:02d}/c1001-{40000000 + i}.html"
                for i in range(articles)]
        for i, url in enumerate(urls):
            body = "".join(f"<p>{_sentence(rng)}</p>" for _ in range(8))
            page = re.sub(r"(<div class=\"rm_txt_con cf\">).*?(<div class=\"edit)", lambda m: m.group(1) + body + m.group(2),
                          template, count=1, flags=re.S)
            page = re.sub(r"<h1>.*?</h1>", f"<h1>基准测试文章第{i}号</h1>", page, count=1, flags=re.S)
            self.pages[_key(url)] = Page(page.encode("gb18030"))
        per_list = -(-articles // LISTS)
        for n in range(LISTS):
            links = "".join(f'<li><a href="{u}">文章{n}-{j}</a></li>' for j, u in enumerate(urls[n * per_list:(n + 1) * per_list]))
            self.pages[_key(f"http://www.people.com.cn/GB/bench/index{n}.html")] = Page(
                f"<html><head><title>列表{n}</title></head><body><ul>{links}</ul></body></html>".encode("gb18030"))
        home = "".join(f'<a href="/GB/bench/index{n}.html">列表{n}</a>' for n in range(LISTS))
        self.pages[_key("http://www.people.com.cn/")] = Page(f"<html><body>{home}</body></html>".encode("gb18030"))

    def find(self, url: str) -> Page | None:
        return self.pages.get(_key(url))


def _key(url: str) -> str:
    return url.split("://", 1)[1].split("#")[0]


_CHARS = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处府队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严"


def _sentence(rng: random.Random) -> str:
    """A made-up sentence: no two articles share enough of them to look alike."""
    clauses = ["".join(rng.choices(_CHARS, k=rng.randint(8, 18))) for _ in range(rng.randint(2, 4))]
    return "，".join(clauses) + "。"


def run(args: list[str], proxy: FixtureProxy, workdir: Path) -> dict:
    log = workdir / f"{args[0]}.log"
    env = {**os.environ, **proxy.proxy_env()}
    settings = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS=16", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16",
                "-s", f"DEDUP_STORE_PATH={workdir / (args[0] + '.sqlite')}", "-s", "LOG_LEVEL=INFO",
                "-s", f"LOG_FILE={log}"]
    subprocess.run([sys.executable, "-m", "scrapy", *args, *settings], cwd=ROOT, env=env, check=True)
    text = log.read_text("utf-8")
    stats = {}
    for name in ("response_received_count", "elapsed_time_seconds", "memusage/max", "item_scraped_count"):
        match = re.search(rf"'{re.escape(name)}': ([\d.]+)", text)
        stats[name] = float(match.group(1)) if match else 0.0
    return stats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=5000)
    args = parser.parse_args()
    site = SyntheticSite(args.articles)
    proxy = FixtureProxy(site).start_in_thread()
    workdir = Path(tempfile.mkdtemp(prefix="crawl-bench-"))
    noop = run(["runspider", str(ROOT / "benchmarks" / "noop_spider.py")], proxy, workdir)
    full = run(["crawl", "people", "-O", str(workdir / "out.jsonl")], proxy, workdir)
    proxy.shutdown()
    print(f"site: {args.articles} articles, {LISTS} list pages, served from {proxy.url}")
    print(f"{'run':22s} {'pages':>6s} {'items':>6s} {'seconds':>8s} {'pages/s':>8s} {'peak RSS MB':>12s}")
    for name, stats in (("no-op spider", noop), ("full pipeline (people)", full)):
        rate = stats["response_received_count"] / stats["elapsed_time_seconds"]
        print(f"{name:22s} {stats['response_received_count']:6.0f} {stats['item_scraped_count']:6.0f} "
              f"{stats['elapsed_time_seconds']:8.1f} {rate:8.1f} {stats['memusage/max'] / 2**20:12.0f}")
    ratio = (full["response_received_count"] / full["elapsed_time_seconds"]) / (
        noop["response_received_count"] / noop["elapsed_time_seconds"])
    print(f"full / no-op pages per second: {ratio:.2f}")


if __name__ == "__main__":
    main()
