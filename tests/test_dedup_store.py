import sqlite3
import time

import pytest

from crawler.dedup.fingerprint import Fingerprint, band_keys
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
    store.add("//x.cn/b.html", "http://x.cn/b.html", Fingerprint.of(ARTICLE + "资府发〔2024〕12号"))
    store.close()
    reopened = SQLiteStore(path)  # already current: nothing applied twice
    assert sorted(len(c.marks) for c in reopened.near_candidates(Fingerprint.of(ARTICLE))) == [0, 1]


def test_redis_articles_stored_before_identifiers_have_none(redis_url):
    store = RedisStore(redis_url)
    fingerprint = Fingerprint.of(ARTICLE)
    store.server.hset("dedup:article:http://x.cn/a.html", mapping={"size": fingerprint.size,
                                                                   "signature": fingerprint.signature.tobytes()})
    store.server.sadd(f"dedup:band:{band_keys(fingerprint.signature)[0]}", "http://x.cn/a.html")
    assert [(c.url, c.marks) for c in store.near_candidates(fingerprint)] == [("http://x.cn/a.html", ())]


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
