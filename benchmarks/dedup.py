"""Dedup benchmark: detector precision / recall by strength, store lookup speed and size.

    python -m benchmarks.dedup [CORPUS_DIR] [--sizes 100000,1000000,10000000] [--stores sqlite,redis]

Articles: the gold bodies of the corpus and the fixtures' expected contents (not the
fixtures' reposts). Half are stored; near-duplicates of the stored half are made by
character edits, truncation and added noise at several strengths and must find their
original; the other half are distinct articles and must find nothing. Then templated
documents (benchmarks/templated.py: 3 templates x 30) pass the pipeline one by one and
must all be new, and their reposts must find them. Then each store (SQLite, and Redis on a
throwaway redis-server) is filled with random signatures to each size, as a bulk import
(`add_committed`, --batch articles a write), and lookups per second and bytes per article
(SQLite: the file; Redis: INFO used_memory) are measured.
"""
from __future__ import annotations

import argparse
from contextlib import contextmanager
import itertools
import json
import os
import random
import tempfile
import time
from pathlib import Path

import numpy as np
from scrapy import Spider
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from crawler.dedup.fingerprint import MIN_CONTRADICTIONS, NUM_PERM, Fingerprint, contradicted, find_marks, pack_marks
from crawler.dedup.pipeline import DedupPipeline
from crawler.dedup.runtime import DedupStoreExtension
from crawler.dedup import compact
from crawler.dedup.store import SQLiteStore
from crawler.distributed.store import RedisStore
from testbench.localservers import redis_server
from crawler.items import Article

from .templated import DATELINES, documents

ROOT = Path(__file__).resolve().parent.parent
FILLER = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经"
NOISE = ("相关推荐 热点推荐 图片推荐 特别声明：本页文字由平台作者自行上传，平台只负责存放与展示。"
         "日本最后的阵地崩溃 走向可耻的终点 记者：中国女排围绕朱婷到底发生什么 河南投资30亿挖出亚洲最大湖泊 ")


def articles(corpus: Path) -> list[str]:
    texts = [json.loads(p.read_text("utf-8")).get("body") or "" for p in sorted(corpus.glob("*/*.gold.json"))]
    texts += [json.loads((p / "expected.json").read_text("utf-8"))["content"] for p in sorted((ROOT / "fixtures").glob("*/*"))
              if (p / "expected.json").is_file() and not json.loads((p / "meta.json").read_text("utf-8")).get("duplicate_of")]
    unique = list(dict.fromkeys(t for t in texts if len(t) >= 200))
    random.Random(1).shuffle(unique)
    return unique


def edit(text: str, rate: float, rng: random.Random) -> str:
    chars = list(text)
    for _ in range(int(len(chars) * rate)):
        i = rng.randrange(len(chars))
        op = rng.random()
        if op < 0.5:
            chars[i] = rng.choice(FILLER)
        elif op < 0.75:
            chars.insert(i, rng.choice(FILLER))
        elif len(chars) > 1:
            del chars[i]
    return "".join(chars)


VARIANTS = {
    "edit 2%": lambda t, r: edit(t, 0.02, r),
    "edit 5%": lambda t, r: edit(t, 0.05, r),
    "edit 10%": lambda t, r: edit(t, 0.10, r),
    "edit 20%": lambda t, r: edit(t, 0.20, r),
    "truncate to 80%": lambda t, r: t[: int(len(t) * 0.8)],
    "truncate to 50%": lambda t, r: t[: int(len(t) * 0.5)],
    "noise +20%": lambda t, r: t + (NOISE * 10)[: int(len(t) * 0.2)],
    "noise +50%": lambda t, r: (NOISE * 20)[: int(len(t) * 0.25)] + t + (NOISE * 20)[: int(len(t) * 0.25)],
    "edit 5% + noise 20%": lambda t, r: edit(t, 0.05, r) + (NOISE * 10)[: int(len(t) * 0.2)],
}


# How other sites republish a templated document: a dateline of their own before it,
# light edits, the tail (signature block, contacts) cut off.
TEMPLATED_REPOSTS = {
    "dateline + edit 2%": lambda t, r: r.choice(DATELINES) + edit(t, 0.02, r),
    "dateline + edit 10%": lambda t, r: r.choice(DATELINES) + edit(t, 0.10, r),
    "edit 5% + cut to 70%": lambda t, r: edit(t, 0.05, r)[: int(len(t) * 0.7)],
    "dateline + noise +20%": lambda t, r: r.choice(DATELINES) + t + (NOISE * 10)[: int(len(t) * 0.2)],
}


def recall(pipeline: DedupPipeline, originals: dict[str, str], variants: dict, rng: random.Random) -> tuple[int, int, int]:
    """One table row per variant kind: how many copies found their original, how many another
    article. Also returns the most identifiers a copy and its original contradicted (per side)."""
    found_all = wrong_all = most = 0
    for name, make in variants.items():
        found = wrong = 0
        for url, text in originals.items():
            copy = Fingerprint.of(make(text, rng))
            match = pipeline._match({f"//query/{name}/{url}"}, copy)[1]
            found += match == url
            wrong += match is not None and match != url
            most = max(most, _contradicted(find_marks(text), copy.marks))
        found_all, wrong_all = found_all + found, wrong_all + wrong
        print(f"{name:22s} {found / len(originals):7.3f} {wrong:6d}")
    return found_all, wrong_all, most


def templated(pipeline: DedupPipeline, stats) -> tuple[dict[str, str], int]:
    """Each templated document through the pipeline in turn, as a crawl of one site meets them.
    Returns the documents kept, and the fewest identifiers two of one template contradicted."""
    print(f"{'template':22s} {'documents':>9s} {'merged':>6s} {'near, kept by identifiers':>26s}")
    kept: dict[str, str] = {}
    pairs: list[int] = []
    for kind, texts in documents().items():
        before = stats.get_value("dedup/distinct/identifiers", 0)
        merged = 0
        for i, text in enumerate(texts):
            url = f"http://gov.example/{kind}/{i}.html"
            title, _, content = text.partition("\n")
            item = pipeline.process_item(Article(url=url, canonical_url=url, site="municipal", title=title,
                                                 content=content, content_html="", extractor="benchmark"))
            merged += item.duplicate_of is not None
            if item.duplicate_of is None:
                kept[url] = content
        distinct = stats.get_value("dedup/distinct/identifiers", 0) - before
        pairs += [_contradicted(a, b) for a, b in itertools.combinations(map(find_marks, texts), 2)]
        print(f"{_cell(kind, 22)} {len(texts):9d} {merged:6d} {distinct:26d}")
    return kept, min(pairs)


def _contradicted(a: tuple, b: tuple) -> int:
    """Identifiers contradicted on the side with fewer: what MIN_CONTRADICTIONS is set against."""
    return min(contradicted(a, b), contradicted(b, a))


def _cell(text: str, width: int) -> str:
    """Left-justified for a terminal, where a CJK character takes two columns."""
    return text + " " * (width - sum(1 + (ord(c) >= 0x2E80) for c in text))


def detector(corpus: Path) -> None:
    texts = articles(corpus)
    stored, distinct = texts[: len(texts) // 2], texts[len(texts) // 2:]
    crawler = get_crawler(Spider, {"DEDUP_STORE_PATH": ":memory:", "DEDUP_KEEP_DUPLICATES": True,
                                   "EXTENSIONS": {DedupStoreExtension: 0}})
    pipeline = build_from_crawler(DedupPipeline, crawler)  # the default thresholds
    originals = {f"stored:{i}": t for i, t in enumerate(stored)}
    pipeline.store.add_many((f"//{url}", url, Fingerprint.of(t)) for url, t in originals.items())
    rng = random.Random(42)
    print(f"detector: {len(stored)} stored articles, {len(distinct)} distinct articles, "
          f"{len(VARIANTS)} variant kinds x {len(stored)} near-duplicates")
    print(f"{'variant':22s} {'recall':>7s} {'wrong':>6s}")
    true_pos, false_pos, most = recall(pipeline, originals, VARIANTS, rng)
    print(f"recall overall: {true_pos / (len(VARIANTS) * len(stored)):.3f}")
    flagged = sum(pipeline._match({f"//distinct/{i}"}, Fingerprint.of(t))[1] is not None for i, t in enumerate(distinct))
    print(f"distinct articles flagged as duplicates: {flagged} of {len(distinct)}")

    print("\ntemplated documents (benchmarks/templated.py), passed through the pipeline one by one")
    kept, fewest = templated(pipeline, crawler.stats)
    count = sum(map(len, documents().values()))
    print(f"false merges among templated documents: {count - len(kept)} of {count}")
    print(f"reposts of templated documents: {len(TEMPLATED_REPOSTS)} kinds x {len(kept)}")
    print(f"{'variant':22s} {'recall':>7s} {'wrong':>6s}")
    found, wrong, most_templated = recall(pipeline, kept, TEMPLATED_REPOSTS, rng)
    print(f"identifiers contradicted (per side, MIN_CONTRADICTIONS = {MIN_CONTRADICTIONS}): two templated "
          f"documents at least {fewest}; a copy and its original at most {max(most, most_templated)}")
    true_pos += found
    false_pos += wrong + flagged + count - len(kept)
    print(f"precision overall: {true_pos / max(1, true_pos + false_pos):.4f}")


# Article URLs of the kinds crawled (a city portal, a paper, a portal's self-media, a news
# site), ~66 characters on average, with their identifiers: ~130 bytes packed, the corpus median
# being 137 (crawler/dedup/fingerprint.py: MARK_SPAN).
URLS = ("http://www.{city}.gov.cn/xxgk/zcwj/{y}{m:02d}/t{y}{m:02d}{d:02d}_{n}.html",
        "http://politics.people.com.cn/n1/{y}/{m:02d}{d:02d}/c1001-{n}.html",
        "https://www.163.com/dy/article/{h}.html",
        "https://news.sina.com.cn/c/{y}-{m:02d}-{d:02d}/doc-i{h}.shtml")
CITIES = ("ziyang", "mianyang", "luzhou", "nanchong", "yibin", "deyang", "suining", "guangan")


def url(n: int) -> str:
    y, m, d = 2015 + n % 11, 1 + n % 12, 1 + n % 28
    return URLS[n % 4].format(city=CITIES[n % 8], y=y, m=m, d=d, n=40_000_000 + n, h=f"{n * 2654435761 % 16**12:012x}")


def marks(n: int) -> tuple:
    """Identifiers as a government notice has them (文号, dates, a phone, a credit code, an amount)."""
    return (("府发", f"2024{n % 97}", "号关"), ("日期", f"2024年{1 + n % 12}月{1 + n % 28}", "日印"),
            ("电话", f"0832{n % 10**7:07d}", "传真"), ("代码", f"91{n:016d}", "法定"), ("罚款", f"{n % 99991}", "元整"))


# Distinct record texts (URL and identifiers, deflated) the fill cycles through: deflating
# each of 10^7 would take most of the fill's time, and a text's size is what counts here.
# Every article still has its own signature, URL-key and exact hashes, hence its own slots.
TEXTS = 1 << 17


def fill(store, count: int, size: int, rng: np.random.Generator, batch_size: int) -> None:
    """Random signatures (they share no band by chance), stored a batch at a time as a bulk
    import does (`add_committed`; on Redis one transaction a batch)."""
    texts = [compact.text(url(n), marks(n)) for n in range(min(TEXTS, size))]
    while count < size:
        batch = min(batch_size, size - count)
        signatures = rng.integers(0, 1 << 32, size=(batch, NUM_PERM), dtype=np.uint32)
        keys, exacts = (rng.integers(0, 1 << 56, size=batch, dtype=np.uint64) for _ in range(2))
        store.add_committed(keys, exacts, [texts[(count + i) % len(texts)] for i in range(batch)],
                            np.full(batch, 500), signatures)
        count += batch


def lookups_per_second(store, rng: np.random.Generator, cpu, count: int = 2000) -> tuple[float, float]:
    """A new article's lookups in the pipeline: its URL, its exact hash, its near candidates.
    Per second of the clock, and per second of CPU (`cpu`: this process's and the server's):
    the machine is shared, so the clock also counts the others' turns."""
    queries = [Fingerprint(f"q{i}", s, 500) for i, s in
               enumerate(rng.integers(0, 1 << 32, size=(count, NUM_PERM), dtype=np.uint32))]
    start, used = time.perf_counter(), cpu()
    for i, query in enumerate(queries):
        store.lookup([f"//query/{i}"], query)
    return count / (time.perf_counter() - start), count / (cpu() - used)


def store_speed(sizes: list[int], backends: list[str], batch: int) -> None:
    print(f"\nstores, random signatures, URLs like {url(1234567)} (average "
          f"{np.mean([len(url(n)) for n in range(1000)]):.0f} characters), identifiers "
          f"{np.mean([len(pack_marks(marks(n)).encode()) for n in range(1000)]):.0f} bytes packed; "
          "a lookup = URL key + exact hash + MinHash bands; machine: "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start")
    print(f"{'store':7s} {'stored':>9s} {'fill s':>8s} {'lookups/s':>10s} {'per CPU-s':>10s} {'MB':>8s} "
          f"{'bytes/article':>13s} {'load':>5s}")
    for backend in backends:
        with (_redis_store() if backend == "redis" else _sqlite_store()) as (store, used, cpu):
            rng = np.random.default_rng(3)
            count, base = 0, used()
            for size in sorted(sizes):
                start = time.perf_counter()
                fill(store, count, size, rng, batch)
                seconds, count = time.perf_counter() - start, size
                taken = used() - base
                rate, per_cpu = lookups_per_second(store, rng, cpu)
                print(f"{backend:7s} {size:9d} {seconds:8.1f} {rate:10.0f} {per_cpu:10.0f} {taken / 2**20:8.0f} "
                      f"{taken / size:13.0f} {os.getloadavg()[0]:5.1f}", flush=True)


@contextmanager
def _sqlite_store():
    """A store file; its size on disk (database and write-ahead log, after a checkpoint)."""
    with tempfile.TemporaryDirectory(prefix="dedup-bench-", dir=os.environ.get("DEDUP_BENCH_DIR")) as folder:
        store = SQLiteStore(Path(folder) / "store.sqlite")

        def used() -> int:
            store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            return sum(f.stat().st_size for f in Path(folder).iterdir())

        yield store, used, time.process_time
        store.close()


@contextmanager
def _redis_store():
    """A throwaway redis-server; its INFO memory used_memory."""
    with redis_server() as address:
        store = RedisStore(address, socket_timeout=600)  # a write of 10^6 articles is a long transaction
        yield store, lambda: store.server.info("memory")["used_memory"], lambda: time.process_time() + sum(
            store.server.info("cpu")[k] for k in ("used_cpu_user", "used_cpu_sys"))
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--stores", default="sqlite,redis")
    parser.add_argument("--batch", type=int, default=1_000_000,
                        help="articles a bulk write (a batch appends to each bucket it touches once)")
    parser.add_argument("--detector", action=argparse.BooleanOptionalAction, default=True)
    args = parser.parse_args()
    if args.detector:
        detector(args.corpus)
    store_speed([int(s) for s in args.sizes.split(",") if s], args.stores.split(","), args.batch)


if __name__ == "__main__":
    main()
