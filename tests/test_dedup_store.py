import sqlite3
import struct
import time

import numpy as np

import pytest
import redis

from crawler.dedup.fingerprint import Fingerprint, band_keys, pack_marks, unpack_marks
from crawler.dedup import compact
from crawler.dedup import store as dedup_store
from crawler.dedup.compact import band_values, slot_hash
from crawler.dedup.store import _MIGRATIONS, _SCHEMA, SQLiteStore
from crawler.distributed.store import RedisStore
from tests.test_dedup_fingerprint import ARTICLE, OTHER


@pytest.mark.parametrize("committed", [False, True], ids=["pending", "committed"])
@pytest.mark.parametrize("backend", ["sqlite", "redis"])
def test_url_exact_and_near_lookups(backend, committed, tmp_path, request):
    if backend == "redis":
        store = RedisStore(request.getfixturevalue("redis_url"))
    else:
        store = SQLiteStore(tmp_path / "d.sqlite")
    fingerprint = Fingerprint.of(ARTICLE, title="资府发〔2024〕12号")
    assert fingerprint.marks
    store.add("//x.cn/a.html", "http://x.cn/a.html", fingerprint)
    if committed:
        store.commit_pending()
    assert store.url_seen("//x.cn/a.html") == "http://x.cn/a.html"
    assert store.url_seen("//x.cn/b.html") is None
    assert store.url_seen("//x.cn/a.html", newer_than=time.time() + 60) is None  # older than the TTL
    assert store.find_exact(fingerprint.exact) == "http://x.cn/a.html"
    assert [(c.url, c.marks) for c in store.near_candidates(Fingerprint.of(ARTICLE[:-10]))] == [
        ("http://x.cn/a.html", fingerprint.marks)]
    assert store.near_candidates(Fingerprint.of(OTHER)) == []
    # The pipeline's one call (on Redis one round trip): the same answers.
    assert store.lookup(["//x.cn/b.html", "//x.cn/a.html"], fingerprint).url == "http://x.cn/a.html"
    assert store.lookup(["//x.cn/a.html"], fingerprint, newer_than=time.time() + 60).url is None
    assert store.lookup(["//x.cn/b.html"], fingerprint)[:2] == (None, "http://x.cn/a.html")
    copy = store.lookup(["//x.cn/b.html"], Fingerprint.of(ARTICLE[:-10]))
    assert (copy.url, copy.exact, [c.url for c in copy.candidates]) == (None, None, ["http://x.cn/a.html"])
    assert store.lookup(["//x.cn/b.html"], Fingerprint.of(OTHER)) == (None, None, [])


def test_a_store_from_before_identifiers_is_migrated_once(tmp_path):
    path = tmp_path / "d.sqlite"
    old = sqlite3.connect(path)
    old.executescript(_SCHEMA)  # the first release's tables, user_version 0
    signature = Fingerprint.of(ARTICLE).signature
    row = old.execute("INSERT INTO articles (key, url, exact, size, signature, added_at, pending) "
                      "VALUES ('//x.cn/a.html', 'http://x.cn/a.html', 'e', 300, ?, 0, 0)", (signature.tobytes(),))
    old.executemany("INSERT INTO bands VALUES (?, ?)", [(k, row.lastrowid) for k in band_keys(signature)])
    old.commit()
    old.close()
    store = SQLiteStore(path)
    assert store.db.execute("PRAGMA user_version").fetchone()[0] == len(_MIGRATIONS)
    assert [(c.url, c.marks) for c in store.near_candidates(Fingerprint.of(ARTICLE))] == [("http://x.cn/a.html", ())]
    assert store.url_seen("//x.cn/a.html") == store.find_exact("e") == "http://x.cn/a.html"
    assert not store.has_pending()  # it was committed, and stays so
    store.add("//x.cn/b.html", "http://x.cn/b.html", Fingerprint.of(ARTICLE + "资府发〔2024〕12号"))
    store.close()
    reopened = SQLiteStore(path)  # already current: nothing applied twice
    assert sorted(len(c.marks) for c in reopened.near_candidates(Fingerprint.of(ARTICLE))) == [0, 1]


@pytest.mark.parametrize("schema", [1, 2])
def test_redis_keys_of_a_former_layout_are_not_read_and_a_warning_says_so(schema, redis_url, caplog):
    fingerprint = Fingerprint.of(ARTICLE)
    server = redis.Redis.from_url(redis_url)
    if schema == 1:
        server.sadd(f"dedup:band:{band_keys(fingerprint.signature)[0]}", "http://x.cn/a.html")
    else:  # a bucket of 6-byte entries and a hash of records
        bucket, _ = compact.place(compact.KEY_SLOT, slot_hash("//x.cn/a.html"))
        server.set(f"dedup:b:{bucket}", struct.pack("<IH", 1, slot_hash("//x.cn/a.html") & 0xFFFF))
        server.hset("dedup:a:0", "1", b"an old record")
    store = RedisStore(redis_url)
    assert "former layout" in caplog.text and (f"dedup:{'band' if schema == 1 else 'a'}:*" in caplog.text)
    assert store.near_candidates(fingerprint) == [] and store.url_seen("//x.cn/a.html") is None
    store.add("//x.cn/a.html", "http://x.cn/a.html", fingerprint)
    assert store.commit_pending() == 1 and store.url_seen("//x.cn/a.html") == "http://x.cn/a.html"


@pytest.mark.parametrize("backend", ["sqlite", "redis"])
def test_crowded_buckets_answer_each_article_and_only_it(backend, tmp_path, request, monkeypatch):
    """Four buckets for 60 articles x 34 slots: every lookup meets other articles' entries,
    some with its tag, and must still answer exactly what was stored."""
    monkeypatch.setattr(compact, "BUCKET_BITS", 2)
    store = RedisStore(request.getfixturevalue("redis_url")) if backend == "redis" else SQLiteStore(tmp_path / "d.sqlite")
    texts = [f"第{i}号文章。" + ARTICLE[i * 7:] + OTHER[: i * 5] for i in range(60)]
    fingerprints = [Fingerprint.of(t) for t in texts]
    for i, fingerprint in enumerate(fingerprints):
        store.add(f"//x.cn/{i}.html", f"http://x.cn/{i}.html", fingerprint)
    store.commit_pending()
    for i, fingerprint in enumerate(fingerprints):
        assert store.url_seen(f"//x.cn/{i}.html") == f"http://x.cn/{i}.html"
        assert store.find_exact(fingerprint.exact) == f"http://x.cn/{i}.html"
        found = [c.url for c in store.near_candidates(fingerprint)]
        expected = [f"http://x.cn/{j}.html" for j, other in enumerate(fingerprints)
                    if set(band_keys(other.signature)) & set(band_keys(fingerprint.signature))]
        assert sorted(found) == sorted(expected) and f"http://x.cn/{i}.html" in found
    assert store.url_seen("//x.cn/none.html") is None and store.find_exact("0" * 40) is None


def test_a_dropped_pending_article_leaves_no_entry_in_a_shared_bucket(tmp_path, monkeypatch):
    monkeypatch.setattr(compact, "BUCKET_BITS", 2)
    store = SQLiteStore(tmp_path / "d.sqlite")
    store.add("//x.cn/a.html", "http://x.cn/a.html", Fingerprint.of(ARTICLE))
    store.add("//x.cn/b.html", "http://x.cn/b.html", Fingerprint.of(OTHER))
    assert store.settle_pending({"http://x.cn/a.html"}) == (1, 1)
    _, articles, _ = compact.decode([w for (w,) in store.db.execute("SELECT words FROM index_buckets")])
    assert articles.tolist() == [1] * 34  # a's 34 slots, nothing of b's
    assert store.db.execute("SELECT COUNT(*) FROM pending").fetchone()[0] == 0  # a's committed, b's gone
    assert store.url_seen("//x.cn/a.html") and not store.url_seen("//x.cn/b.html")


def test_pending_rows_persist_only_when_committed_or_found_in_a_feed(tmp_path):
    path = tmp_path / "d.sqlite"
    store = SQLiteStore(path)
    store.add("//x.cn/a.html", "http://x.cn/a.html", Fingerprint.of(ARTICLE))
    store.add("//x.cn/b.html", "http://x.cn/b.html", Fingerprint.of(OTHER))
    store.close()  # killed: nothing committed
    reopened = SQLiteStore(path)
    assert reopened.settle_pending({"http://x.cn/a.html"}) == (1, 1)
    assert reopened.url_seen("//x.cn/a.html") and not reopened.url_seen("//x.cn/b.html")
    assert reopened.near_candidates(Fingerprint.of(OTHER)) == []  # its bands went too
    assert not reopened.has_pending()  # settled: the next run reads no feed back


def test_redis_store_shares_what_is_committed_and_keeps_pending_rows_private(redis_url):
    ours, theirs = RedisStore(redis_url), RedisStore(redis_url)
    fingerprint = Fingerprint.of(ARTICLE)
    ours.add("//x.cn/a.html", "http://x.cn/a.html", fingerprint)
    assert theirs.url_seen("//x.cn/a.html") is None and theirs.find_exact(fingerprint.exact) is None
    assert ours.commit_pending() == 1
    assert theirs.url_seen("//x.cn/a.html") == "http://x.cn/a.html"
    assert theirs.find_exact(fingerprint.exact) == "http://x.cn/a.html"
    assert [c.url for c in theirs.near_candidates(Fingerprint.of(ARTICLE[:-10]))] == ["http://x.cn/a.html"]
    assert theirs.near_candidates(Fingerprint.of(OTHER)) == []


def test_the_default_store_is_a_file_in_the_data_folder(tmp_path, monkeypatch):
    from scrapy.utils.test import get_crawler

    monkeypatch.chdir(tmp_path)  # outside any project, as a deployed egg runs
    monkeypatch.delenv("SCRAPY_SETTINGS_MODULE", raising=False)
    store = SQLiteStore.from_crawler(get_crawler(settings_dict={"DEDUP_STORE_PATH": None}))
    store.add("//x.cn/a.html", "http://x.cn/a.html", Fingerprint.of(ARTICLE))
    store.commit_pending()
    store.close()
    assert (tmp_path / ".scrapy" / "dedup.sqlite").is_file()
    assert SQLiteStore(tmp_path / ".scrapy" / "dedup.sqlite").url_seen("//x.cn/a.html")


def test_inside_a_project_the_store_lives_in_its_scrapy_folder(tmp_path, monkeypatch):
    from scrapy.utils.test import get_crawler

    (tmp_path / "scrapy.cfg").write_text("[settings]\ndefault = crawler.settings\n")
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    monkeypatch.setenv("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    SQLiteStore.from_crawler(get_crawler(settings_dict={"DEDUP_STORE_PATH": None})).close()
    assert (tmp_path / ".scrapy" / "dedup.sqlite").is_file()


def _schema_1_store(path, articles: list[tuple[str, str, Fingerprint, int]]) -> None:
    """A store as the release before the compact format wrote it (user_version 1: identifiers kept)."""
    old = sqlite3.connect(path)
    old.executescript(_SCHEMA)
    old.execute(_MIGRATIONS[0])
    old.execute("PRAGMA user_version = 1")
    for key, url, fingerprint, pending in articles:
        row = old.execute("INSERT INTO articles (key, url, exact, size, signature, marks, added_at, pending) "
                          "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                          (key, url, fingerprint.exact, fingerprint.size, fingerprint.signature.tobytes(),
                           pack_marks(fingerprint.marks), time.time(), pending))
        old.executemany("INSERT INTO bands VALUES (?, ?)", [(k, row.lastrowid) for k in band_keys(fingerprint.signature)])
    old.commit()
    old.close()


def _answers(store, queries: list[tuple[str, Fingerprint]]) -> list:
    return [(store.url_seen(key), store.find_exact(fp.exact), [(c.url, c.size, c.marks) for c in store.near_candidates(fp)])
            for key, fp in queries]


def test_a_migrated_store_and_a_redis_store_answer_as_the_old_store_did(tmp_path, redis_url):
    """Schema 1 (one row per band key) rewritten to the compact format, and the same articles
    committed to Redis: the same answers, candidates in the same order, for copies, for
    unrelated texts and for templated documents that share most bands."""
    texts = [f"第{i}号文章。" + ARTICLE[i * 7:] + OTHER[: i * 5] for i in range(12)]
    fingerprints = [Fingerprint.of(t, title=f"资府发〔2024〕{i}号") for i, t in enumerate(texts)]
    articles = [(f"//x.cn/{i}.html", f"http://x.cn/{i}.html", fp, int(i == 11)) for i, fp in enumerate(fingerprints)]
    _schema_1_store(tmp_path / "old.sqlite", articles)
    old = sqlite3.connect(tmp_path / "old.sqlite")
    queries = [(key, Fingerprint.of(texts[i][:-8])) for i, (key, *_) in enumerate(articles)]
    queries += [("//x.cn/none.html", Fingerprint.of(OTHER + "另一篇")), ("//x.cn/3.html", fingerprints[3])]
    # What the old schema answered: its band table, in its order (by band key, then article).
    expected = []
    for key, fp in queries:
        keys = band_keys(fp.signature)
        rows = old.execute(f"SELECT DISTINCT a.url, a.size, a.marks FROM bands b JOIN articles a ON a.id = b.article "
                           f"WHERE b.band_key IN ({','.join('?' * len(keys))}) AND a.pending = 0", keys).fetchall()
        url = old.execute("SELECT url FROM articles WHERE key = ? AND pending = 0", (key,)).fetchone()
        exact = old.execute("SELECT url FROM articles WHERE exact = ? AND pending = 0", (fp.exact,)).fetchone()
        expected.append((url and url[0], exact and exact[0], [(u, s, unpack_marks(m)) for u, s, m in rows]))
    assert any(len(near) > 1 for *_, near in expected), "some queries meet several stored articles"

    migrated = SQLiteStore(tmp_path / "old.sqlite")
    assert migrated.has_pending() and migrated.settle_pending(set()) == (0, 1)  # the pending one is forgotten
    shared = RedisStore(redis_url)
    for key, url, fp, pending in articles[:-1]:
        shared.add(key, url, fp)
    shared.commit_pending()
    assert _answers(migrated, queries) == _answers(shared, queries) == expected


def _schema_2_store(path, articles: list[tuple[str, str, Fingerprint, int]]) -> None:
    """A store as the release before this one wrote it (user_version 2: 16-bit signatures,
    6-byte entries (article, 16-bit tag) in the same buckets)."""
    old = sqlite3.connect(path)
    old.executescript("""
        CREATE TABLE articles2 (id INTEGER PRIMARY KEY, key INTEGER NOT NULL, exact INTEGER NOT NULL, url TEXT NOT NULL,
            size INTEGER NOT NULL, signature BLOB NOT NULL, marks TEXT NOT NULL DEFAULT '', added_at INTEGER NOT NULL,
            pending INTEGER NOT NULL DEFAULT 1);
        CREATE INDEX articles2_pending ON articles2(pending) WHERE pending = 1;
        CREATE TABLE pending_slots (article INTEGER PRIMARY KEY, buckets BLOB NOT NULL);
        CREATE TABLE buckets (bucket INTEGER PRIMARY KEY, entries BLOB NOT NULL);
        PRAGMA user_version = 2;""")
    entries: dict[int, bytes] = {}
    for article, (key, url, fingerprint, pending) in enumerate(articles, start=1):
        hashes = [slot_hash(key), slot_hash(fingerprint.exact)]
        old.execute("INSERT INTO articles2 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (article, *hashes, url, fingerprint.size, fingerprint.signature.astype(np.uint16).tobytes(),
                     pack_marks(fingerprint.marks), int(time.time()), pending))
        values = [*band_values(fingerprint.signature)[0].tolist(), *hashes]
        buckets = [compact._bucket(slot, value) for slot, value in enumerate(values)]
        for bucket, value in zip(buckets, values):
            entries[bucket] = entries.get(bucket, b"") + struct.pack("<IH", article, value & 0xFFFF)
        if pending:
            old.execute("INSERT INTO pending_slots VALUES (?, ?)", (article, np.array(buckets, dtype="<u4").tobytes()))
    old.executemany("INSERT INTO buckets VALUES (?, ?)", entries.items())
    old.commit()
    old.close()


def test_a_store_of_schema_2_is_migrated_and_answers_as_a_new_store_and_redis(tmp_path, redis_url):
    """16-bit signatures and 6-byte entries rewritten to schema 3 in place (tags cut to 12
    bits, the buckets kept): the same answers as the same articles stored anew in SQLite and
    on Redis, near candidates in the same order; the pending one is still pending."""
    texts = [f"第{i}号文章。" + ARTICLE[i * 7:] + OTHER[: i * 5] for i in range(12)]
    fingerprints = [Fingerprint.of(t, title=f"资府发〔2024〕{i}号") for i, t in enumerate(texts)]
    articles = [(f"//x.cn/{i}.html", f"http://x.cn/{i}.html", fp, int(i == 11)) for i, fp in enumerate(fingerprints)]
    _schema_2_store(tmp_path / "old.sqlite", articles)
    migrated = SQLiteStore(tmp_path / "old.sqlite")
    assert migrated.db.execute("PRAGMA user_version").fetchone()[0] == len(_MIGRATIONS)
    assert migrated.db.execute("PRAGMA page_size").fetchone()[0] == dedup_store.PAGE_SIZE
    assert migrated.has_pending() and migrated.settle_pending(set()) == (0, 1)
    fresh, shared = SQLiteStore(tmp_path / "new.sqlite"), RedisStore(redis_url)
    for store in (fresh, shared):
        for key, url, fp, _ in articles[:-1]:
            store.add(key, url, fp)
        store.commit_pending()
    queries = [(key, Fingerprint.of(texts[i][:-8])) for i, (key, *_) in enumerate(articles)]
    queries += [("//x.cn/none.html", Fingerprint.of(OTHER + "另一篇")), ("//x.cn/3.html", fingerprints[3])]
    expected = _answers(fresh, queries)
    assert any(len(near) > 1 for *_, near in expected) and any(exact for _, exact, _ in expected)
    assert _answers(migrated, queries) == _answers(shared, queries) == expected


@pytest.mark.parametrize("backend", ["sqlite", "redis"])
def test_articles_numbered_across_a_generation_are_told_apart(backend, tmp_path, request, monkeypatch):
    """Article ids on both sides of 2^20 (a bucket entry keeps the low 20 bits, a header the
    rest), written in three batches into crowded buckets: each still answers itself only."""
    monkeypatch.setattr(compact, "BUCKET_BITS", 3)
    if backend == "redis":
        store = RedisStore(request.getfixturevalue("redis_url"))
        store.server.set("dedup:ids", (1 << compact.LOW_BITS) - 20)
    else:
        store = SQLiteStore(tmp_path / "d.sqlite")
        store.db.execute("INSERT INTO records VALUES (?, x'')", ((1 << compact.LOW_BITS) - 20,))  # no entries name it
        store.db.commit()
    fingerprints = [Fingerprint.of(f"第{i}号文章。" + ARTICLE[i * 3:] + OTHER[: i * 4]) for i in range(45)]
    for batch in range(3):
        for i in range(batch * 15, batch * 15 + 15):
            store.add(f"//x.cn/{i}.html", f"http://x.cn/{i}.html", fingerprints[i])
        store.commit_pending()
    for i, fingerprint in enumerate(fingerprints):
        found = store.lookup([f"//x.cn/{i}.html"], fingerprint)
        assert found.url == f"http://x.cn/{i}.html"
        assert store.find_exact(fingerprint.exact) == f"http://x.cn/{i}.html"
        expected = {f"http://x.cn/{j}.html" for j, other in enumerate(fingerprints)
                    if set(band_keys(other.signature)) & set(band_keys(fingerprint.signature))}
        assert {c.url for c in store.near_candidates(fingerprint)} == expected
