"""Dedup benchmark: detector precision / recall by strength, store lookup speed and size.

    python -m benchmarks.dedup [CORPUS_DIR] [--sizes 100000,1000000]

Articles: the gold bodies of the corpus and the fixtures' expected contents. Half are
stored; near-duplicates of the stored half are made by character edits, truncation and
added noise at several strengths and must find their original; the other half are
distinct articles and must find nothing. Then the store is filled with random
signatures to each size, and lookups per second, disk and memory are measured.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import tempfile
import time
from pathlib import Path

import numpy as np

from crawler.dedup.fingerprint import NUM_PERM, Fingerprint
from crawler.dedup.pipeline import DedupPipeline
from crawler.dedup.store import SQLiteStore

ROOT = Path(__file__).resolve().parent.parent
FILLER = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经"
NOISE = ("相关推荐 热点推荐 图片推荐 特别声明：以上内容为自媒体平台用户上传并发布，本平台仅提供信息存储服务。"
         "日本最后的阵地崩溃 走向可耻的终点 记者：中国女排围绕朱婷到底发生什么 河南投资30亿挖出亚洲最大湖泊 ")


def articles(corpus: Path) -> list[str]:
    texts = [json.loads(p.read_text("utf-8")).get("body") or "" for p in sorted(corpus.glob("*/*.gold.json"))]
    texts += [json.loads(p.read_text("utf-8"))["content"] for p in sorted((ROOT / "fixtures").glob("*/*/expected.json"))]
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


def detector(corpus: Path) -> None:
    texts = articles(corpus)
    stored, distinct = texts[: len(texts) // 2], texts[len(texts) // 2:]
    store = SQLiteStore(":memory:")
    pipeline = DedupPipeline(store, stats=None, keep=False, jaccard=0.45, containment=0.85, min_shingles=150)
    store.add_many((f"//stored/{i}", f"stored:{i}", Fingerprint.of(t)) for i, t in enumerate(stored))
    rng = random.Random(42)
    print(f"detector: {len(stored)} stored articles, {len(distinct)} distinct articles, "
          f"{len(VARIANTS)} variant kinds x {len(stored)} near-duplicates")
    print(f"{'variant':22s} {'recall':>7s} {'wrong':>6s}")
    true_pos = false_pos = 0
    for name, make in VARIANTS.items():
        found = wrong = 0
        for i, text in enumerate(stored):
            reason, match = pipeline._match({f"//query/{name}/{i}"}, Fingerprint.of(make(text, rng)))
            found += match == f"stored:{i}"
            wrong += match is not None and match != f"stored:{i}"
        true_pos += found
        false_pos += wrong
        print(f"{name:22s} {found / len(stored):7.3f} {wrong:6d}")
    flagged = sum(pipeline._match({f"//distinct/{i}"}, Fingerprint.of(t))[1] is not None for i, t in enumerate(distinct))
    false_pos += flagged
    print(f"distinct articles flagged as duplicates: {flagged} of {len(distinct)}")
    print(f"precision overall: {true_pos / max(1, true_pos + false_pos):.4f}")


def store_speed(sizes: list[int]) -> None:
    print("\nstore: SQLite, random signatures; lookups = exact hash + MinHash band query")
    print(f"{'stored':>9s} {'fill s':>8s} {'lookups/s':>10s} {'disk MB':>8s} {'max RSS MB':>10s}")
    rng = np.random.default_rng(3)
    folder = Path(tempfile.mkdtemp(prefix="dedup-bench-"))
    store = SQLiteStore(folder / "store.sqlite")
    count = 0
    for size in sorted(sizes):
        start = time.perf_counter()
        while count < size:
            batch = min(20000, size - count)
            signatures = rng.integers(0, 1 << 32, size=(batch, NUM_PERM), dtype=np.uint32)
            store.add_many((f"//k/{count + i}", f"u{count + i}", Fingerprint(f"{count + i:040x}", sig, 500))
                           for i, sig in enumerate(signatures))
            count += batch
        fill = time.perf_counter() - start
        queries = [Fingerprint(f"q{i}", s, 500) for i, s in
                   enumerate(rng.integers(0, 1 << 32, size=(2000, NUM_PERM), dtype=np.uint32))]
        start = time.perf_counter()
        for query in queries:
            store.find_exact(query.exact)
            store.near_candidates(query)
        rate = len(queries) / (time.perf_counter() - start)
        disk = sum(f.stat().st_size for f in folder.iterdir()) / 2**20
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"{size:9d} {fill:8.1f} {rate:10.0f} {disk:8.0f} {rss:10.0f}")
    store.close()
    for f in folder.iterdir():
        os.remove(f)
    folder.rmdir()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--sizes", default="100000,1000000")
    args = parser.parse_args()
    detector(args.corpus)
    store_speed([int(s) for s in args.sizes.split(",") if s])


if __name__ == "__main__":
    main()
