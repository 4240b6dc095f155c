"""The dedup store: seen URLs and article fingerprints, persistent across runs.

The default is one SQLite file under .scrapy/, compact (schema 3, crawler/dedup/compact.py):
an article takes a record (checks, size, time, a 4-bit signature, its URL and identifiers
deflated) and 34 four-byte index entries in bucket rows, and a lookup reads a fixed number of
buckets whatever the store's size. The store is an interface (`DedupStore`);
crawler/distributed/store.py implements it on Redis in the same format.

Crash safety: an article's rows are written *pending* when it passes the pipeline, and
*committed* once every feed meant for it has stored it (crawler/feeds.py: FeedLedger); a
failed feed leaves them pending, and they are deleted when the feeds close. A run killed
before that leaves pending rows; the next run settles them against the local feed files
(rows whose URL is in every feed are committed, the rest deleted), so the store never
holds an article a feed lacks, and never forgets one the feeds hold.
"""
from __future__ import annotations

import math
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, NamedTuple, Protocol

import numpy as np

from ..state import state_path
from .compact import (EXACT_SLOT, KEY_SLOT, LOW_BITS, Record, band_places, check, decode, encode, grouped, place,
                      records, slot_hash, slots, tag_of, text, without)
from .fingerprint import Fingerprint, Mark, pack_signature, stored_signature, unpack_marks


@dataclass(frozen=True)
class Stored:
    id: int
    url: str
    size: int
    signature: np.ndarray
    marks: tuple[Mark, ...] = ()  # none for rows stored before identifiers were kept


class Lookup(NamedTuple):
    """What a new article meets in the store, in the pipeline's order: an article emitted at
    one of its URL keys, one with its exact text, the near candidates. Once one is found, a
    store may leave the later ones unread (None, [])."""
    url: str | None
    exact: str | None
    candidates: list[Stored]


class DedupStore(Protocol):
    def url_seen(self, key: str, newer_than: float | None = None) -> str | None: ...
    def find_exact(self, exact: str) -> str | None: ...
    def near_candidates(self, fingerprint: Fingerprint) -> list[Stored]: ...
    def lookup(self, keys: Iterable[str], fingerprint: Fingerprint, newer_than: float | None = None) -> Lookup: ...
    def add(self, key: str, url: str, fingerprint: Fingerprint) -> None: ...
    def commit_pending(self, urls: Iterable[str] | None = None) -> int: ...
    def settle_pending(self, written_urls: set[str]) -> tuple[int, int]: ...
    def has_pending(self) -> bool: ...
    def close(self) -> None: ...


_SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL,
    url TEXT NOT NULL,
    exact TEXT NOT NULL,
    size INTEGER NOT NULL,
    signature BLOB NOT NULL,
    added_at REAL NOT NULL,
    pending INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX IF NOT EXISTS articles_key ON articles(key);
CREATE INDEX IF NOT EXISTS articles_exact ON articles(exact);
CREATE INDEX IF NOT EXISTS articles_pending ON articles(pending) WHERE pending = 1;
CREATE TABLE IF NOT EXISTS bands (
    band_key INTEGER NOT NULL,
    article INTEGER NOT NULL,
    PRIMARY KEY (band_key, article)
) WITHOUT ROWID;
"""
# Articles rewritten a batch at a time: a batch appends to each bucket once, rewriting its row,
# so fewer, larger batches write less; 200,000 hold ~250 MB in memory.
MIGRATION_BATCH = 200_000


def _compact(db: sqlite3.Connection) -> None:
    """From schema 1 (a row per band key), straight to the compact format of schema 3: the
    full signatures give each article's slots (schema 2 went through here before)."""
    db.execute("ALTER TABLE articles RENAME TO articles_v1")
    _create_compact(db)
    writer = _Writer(db)
    rows = db.execute("SELECT id, key, url, exact, size, signature, marks, added_at, pending FROM articles_v1")
    for n, (article, key, url, exact, size, signature, marks, added, pending) in enumerate(rows, start=1):
        fingerprint = Fingerprint(exact, np.frombuffer(signature, dtype=np.uint32), size, unpack_marks(marks))
        writer.insert(article, slot_hash(key), url, fingerprint, math.ceil(added), bool(pending))
        if n % MIGRATION_BATCH == 0:
            writer.flush()
    writer.flush()
    db.execute("DROP TABLE articles_v1")
    db.execute("DROP TABLE bands")


def _from_schema_2(db: sqlite3.Connection) -> None:
    """Schema 2 (16-bit signatures, 6-byte entries) to 3: records, and each bucket's entries
    re-encoded, same bucket, tag cut to 12 bits (their 56-bit hashes place them the same way;
    band places cannot be recomputed from 16-bit signatures, and need not be). A store that
    came from schema 1 has no schema 2 tables: nothing to do."""
    if not db.execute("SELECT 1 FROM sqlite_master WHERE name = 'articles2'").fetchone():
        return
    _create_compact(db)
    rows = db.execute("SELECT id, key, exact, url, size, signature, marks, added_at FROM articles2 ORDER BY id")
    while batch := rows.fetchmany(MIGRATION_BATCH):
        ids, keys, exacts, urls, sizes, signatures, marks, added = zip(*batch)
        data = records(np.array(keys, dtype=np.uint64), np.array(exacts, dtype=np.uint64), np.array(sizes), np.array(added),
                       np.frombuffer(b"".join(signatures), dtype=np.uint16).reshape(len(batch), -1),
                       [text(u, unpack_marks(m)) for u, m in zip(urls, marks)])
        db.executemany("INSERT INTO records VALUES (?, ?)", zip(ids, data))
    db.execute("INSERT INTO pending SELECT article, buckets FROM pending_slots WHERE article IN "
               "(SELECT id FROM articles2 WHERE pending = 1)")
    old = np.dtype([("article", "<u4"), ("tag", "<u2")])
    for bucket, entries in db.execute("SELECT bucket, entries FROM buckets"):  # a row at a time: 2 GB at 10^7
        array = np.sort(np.frombuffer(entries, dtype=old), order="article", kind="stable")
        if array.size:
            words = encode(array["article"].astype(np.int64), tag_of(array["tag"].astype(np.int64)))
            db.execute("INSERT INTO index_buckets VALUES (?, ?, ?)", (bucket, words.tobytes(), int(array["article"][-1]) >> LOW_BITS))
    for table in ("articles2", "pending_slots", "buckets"):
        db.execute(f"DROP TABLE {table}")


def _create_compact(db: sqlite3.Connection) -> None:
    for statement in _COMPACT_SCHEMA:
        db.execute(statement)


_COMPACT_SCHEMA = (
    # crawler/dedup/compact.py: records(). One column: a row's header is then 3 bytes.
    "CREATE TABLE records (id INTEGER PRIMARY KEY, data BLOB NOT NULL)",
    # A pending article, with its buckets to take its entries out if it is dropped; deleted
    # once it is committed.
    "CREATE TABLE pending (article INTEGER PRIMARY KEY, buckets BLOB NOT NULL)",
    # Entries and headers (compact.py), and the generation of the last block, which tells an
    # append whether its run's first header is needed.
    "CREATE TABLE index_buckets (bucket INTEGER PRIMARY KEY, words BLOB NOT NULL, generation INTEGER NOT NULL)",
)

# Schema changes after the first release, applied in order to any store whose
# `PRAGMA user_version` is lower (a new store starts at 0 too): an SQL statement, or a
# function of the connection.
_MIGRATIONS = (
    # 1: the identifiers beside the signature (Fingerprint.marks, packed). Older rows have
    # none, so a templated document is still taken for their duplicate, as before.
    "ALTER TABLE articles ADD COLUMN marks TEXT NOT NULL DEFAULT ''",
    _compact,
    _from_schema_2,
)
# A bucket row grows to 1.3 kB at 10^7 articles; with 4 kB pages a row over 1 kB spills into
# an overflow page of its own. 16 kB pages keep rows of up to 4 kB (3 x 10^7 articles) whole.
PAGE_SIZE = 16384


class _Writer:
    """Inserts articles a batch at a time: their records, then their slot entries with one
    append per bucket (an append rewrites the bucket's row, so once a batch, not once an entry)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self.articles: list[tuple[int, int, int, bytes, int, int, bool]] = []  # id, key, exact, text, size, added, pending
        self.signatures: list[np.ndarray] = []

    def insert(self, article: int, key: int, url: str, fingerprint: Fingerprint, added: int, pending: bool = True) -> None:
        """`key`: the slot_hash of the URL key."""
        self.articles.append((article, key, slot_hash(fingerprint.exact), text(url, fingerprint.marks),
                              fingerprint.size, added, pending))
        self.signatures.append(fingerprint.signature)

    def flush(self) -> None:
        if self.articles:
            ids, keys, exacts, texts, sizes, added, pending = zip(*self.articles)
            write(self.db, np.array(ids, dtype=np.int64), np.array(keys, dtype=np.uint64), np.array(exacts, dtype=np.uint64),
                  list(texts), np.array(sizes), np.array(added), np.stack(self.signatures), np.array(pending))
        self.articles.clear()
        self.signatures.clear()


def write(db: sqlite3.Connection, ids: np.ndarray, keys: np.ndarray, exacts: np.ndarray, texts: list[bytes],
          sizes: np.ndarray, added: np.ndarray, signatures: np.ndarray, pending: np.ndarray) -> None:
    """n articles (ascending ids) at once: records, pending rows, one append to each bucket."""
    buckets, tags = slots(keys, exacts, signatures)
    db.executemany("INSERT INTO records VALUES (?, ?)", zip(ids.tolist(), records(keys, exacts, sizes, added, signatures, texts)))
    db.executemany("INSERT INTO pending VALUES (?, ?)",
                   [(i, buckets[n].astype("<u4").tobytes()) for n, i in enumerate(ids.tolist()) if pending[n]])
    db.executemany(
        "INSERT INTO index_buckets VALUES (?1, ?2, ?3) ON CONFLICT (bucket) DO UPDATE SET generation = ?3, "
        "words = CAST(words || CASE WHEN generation = ?4 THEN substr(?2, 5) ELSE ?2 END AS BLOB)",
        grouped(ids, buckets, tags))


def _hits(places: list[tuple[int, int]], found: dict[int, bytes]) -> tuple[np.ndarray, np.ndarray]:
    """(place index, article) of each entry with its place's tag in its place's bucket
    (`found`: the buckets' words)."""
    present = [n for n, (bucket, _) in enumerate(places) if bucket in found]
    which, articles, _ = decode([found[places[n][0]] for n in present], np.array([places[n][1] for n in present]))
    return np.array(present, dtype=np.int64)[which], articles


def places_of(keys: list[int], exact: int | None, fingerprint: Fingerprint | None) -> list[tuple[int, int]]:
    """The buckets and tags a lookup reads, in `answer`'s order: the URL keys' (slot_hash
    values), the exact hash's, the bands' (either left out when None)."""
    places = [place(KEY_SLOT, k) for k in keys] + ([place(EXACT_SLOT, exact)] if exact is not None else [])
    if fingerprint is not None:
        buckets, tags = band_places(fingerprint.signature)
        places += list(zip(buckets[0].tolist(), tags[0].tolist()))
    return places


def answer(keys: list[int], exact: int | None, fingerprint: Fingerprint | None, newer_than: float | None,
           slot_of: np.ndarray, articles: np.ndarray, records: dict[int, Record]) -> Lookup:
    """A lookup's answer from the hits of its places (`places_of`; `slot_of`: which place)
    and the records they name, checked: both stores answer through here."""
    def url_of(index: int, field: str, wanted: int, since: float = 0) -> str | None:
        rows = (records.get(a) for a in articles[slot_of == index].tolist())
        return next((r.text()[0] for r in rows if r and getattr(r, field) == wanted and r.added >= since), None)

    since = float(newer_than or 0)
    seen = next(filter(None, (url_of(n, "key", check(k), since) for n, k in enumerate(keys))), None)
    same = url_of(len(keys), "exact", check(exact)) if exact is not None else None
    if fingerprint is None:
        return Lookup(seen, same, [])
    first = len(keys) + (exact is not None)
    bands = slot_of >= first
    packed = pack_signature(stored_signature(fingerprint.signature))
    # By band, then article: schema 1's order (the pipeline takes the first near one that is
    # no distinct document); those whose tag agreed by chance refused.
    chosen = dict.fromkeys(a for band, a in sorted(zip((slot_of[bands] - first).tolist(), articles[bands].tolist()))
                           if a in records and records[a].in_band(packed, band))
    return Lookup(seen, same, [_stored(a, records[a]) for a in chosen])


def _stored(article: int, record: Record) -> Stored:
    url, marks = record.text()
    return Stored(article, url, record.size, record.signature, marks)


class SQLiteStore:
    @classmethod
    def from_crawler(cls, crawler) -> "SQLiteStore":
        """DEDUP_STORE_PATH, else dedup.sqlite in the project's .scrapy folder (under Scrapyd,
        the working folder's)."""
        return cls(crawler.settings.get("DEDUP_STORE_PATH") or state_path("dedup.sqlite"))

    def __init__(self, path: str | Path = ":memory:") -> None:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(str(path))
        self.db.execute(f"PRAGMA page_size = {PAGE_SIZE}")  # a new file only; an older one is vacuumed to it
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        # A batch's bucket writes grow the write-ahead log to ~150 MB, and SQLite keeps the
        # file at its largest unless told: cut back to 64 MB after each checkpoint.
        self.db.execute("PRAGMA journal_size_limit = 67108864")
        # A lookup reads 35 bucket rows at random: read them through a memory map (2 GB, the
        # most this SQLite build maps) and keep 64 MB of pages in the process, rather than a
        # read() call each. Measured at 10^5 articles: 1,100 lookups/s without, 1,700 with.
        self.db.execute("PRAGMA mmap_size = 2147418112")
        self.db.execute("PRAGMA cache_size = -65536")
        self._migrate()

    def _migrate(self) -> None:
        """Bring an older store up to date, once, even with several processes opening it."""
        self.db.execute("BEGIN IMMEDIATE")  # re-read the version under the write lock
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version == 0:
            for statement in filter(str.strip, _SCHEMA.split(";")):
                self.db.execute(statement)
        for migration in _MIGRATIONS[version:]:
            migration(self.db) if callable(migration) else self.db.execute(migration)
        self.db.execute(f"PRAGMA user_version = {len(_MIGRATIONS)}")
        self.db.commit()
        if 0 < version < len(_MIGRATIONS):
            # The tables a migration dropped leave their pages free inside the file: give them
            # back to the disk, once, with the pages made PAGE_SIZE (which WAL mode forbids).
            self.db.execute("PRAGMA journal_mode=DELETE")
            self.db.execute(f"PRAGMA page_size = {PAGE_SIZE}")
            self.db.execute("VACUUM")
            self.db.execute("PRAGMA journal_mode=WAL")

    def _lookup(self, keys: list[int], exact: int | None, fingerprint: Fingerprint | None,
                newer_than: float | None = None) -> Lookup:
        """`places_of` these, read in one query of their buckets and one of the records their hits name."""
        places = places_of(keys, exact, fingerprint)
        wanted = sorted({b for b, _ in places})
        found = dict(self.db.execute(
            f"SELECT bucket, words FROM index_buckets WHERE bucket IN ({','.join('?' * len(wanted))})", wanted).fetchall())
        slot_of, articles = _hits(places, found)
        ids = sorted(set(articles.tolist()))
        rows = self.db.execute(f"SELECT id, data FROM records WHERE id IN ({','.join('?' * len(ids))})",
                               ids).fetchall() if ids else []
        return answer(keys, exact, fingerprint, newer_than, slot_of, articles, {i: Record(d) for i, d in rows})

    def url_seen(self, key: str, newer_than: float | None = None) -> str | None:
        return self._lookup([slot_hash(key)], None, None, newer_than).url

    def find_exact(self, exact: str) -> str | None:
        return self._lookup([], slot_hash(exact), None).exact

    def near_candidates(self, fingerprint: Fingerprint) -> list[Stored]:
        return self._lookup([], None, fingerprint).candidates

    def lookup(self, keys: Iterable[str], fingerprint: Fingerprint, newer_than: float | None = None) -> Lookup:
        """All three in one read of their buckets."""
        return self._lookup([slot_hash(k) for k in keys], slot_hash(fingerprint.exact), fingerprint, newer_than)

    def add(self, key: str, url: str, fingerprint: Fingerprint) -> None:
        self.add_many([(key, url, fingerprint)])

    def add_many(self, entries: Iterable[tuple[str, str, Fingerprint]]) -> None:
        """Insert pending articles with their slot entries, in one transaction."""
        now = math.ceil(time.time())
        writer = _Writer(self.db)
        self.db.execute("BEGIN IMMEDIATE")  # the ids below stay ours until the commit
        (first,) = self.db.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM records").fetchone()
        for article, (key, url, fingerprint) in enumerate(entries, start=first):
            writer.insert(article, slot_hash(key), url, fingerprint, now)
        writer.flush()
        self.db.commit()

    def add_committed(self, keys: np.ndarray, exacts: np.ndarray, texts: list[bytes], sizes: np.ndarray,
                      signatures: np.ndarray) -> None:
        """Articles stored at once as committed, without the pending step (no feed involved):
        a bulk import, and how benchmarks.dedup fills 10^7. keys, exacts: slot_hash values;
        texts: compact.text of URL and identifiers; signatures full, (n, NUM_PERM)."""
        self.db.execute("BEGIN IMMEDIATE")
        (first,) = self.db.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM records").fetchone()
        write(self.db, np.arange(first, first + len(texts), dtype=np.int64), keys, exacts, texts, sizes,
              np.full(len(texts), math.ceil(time.time())), signatures, np.zeros(len(texts), dtype=bool))
        self.db.commit()

    def _pending(self) -> list[tuple[int, str]]:
        return [(i, Record(data).text()[0]) for i, data in
                self.db.execute("SELECT id, data FROM records JOIN pending ON id = article").fetchall()]

    def commit_pending(self, urls: Iterable[str] | None = None) -> int:
        if urls is None:
            changed = self.db.execute("DELETE FROM pending").rowcount
        else:
            chosen = set(urls)
            changed = self.db.executemany("DELETE FROM pending WHERE article = ?",
                                          [(i,) for i, url in self._pending() if url in chosen]).rowcount
        self.db.commit()
        return changed

    def settle_pending(self, written_urls: set[str]) -> tuple[int, int]:
        """After a killed run: commit the pending rows the feeds hold, delete the rest."""
        pending = self._pending()
        kept = [(i,) for i, u in pending if u in written_urls]
        dropped = {i for i, u in pending if u not in written_urls}
        self._unindex(dropped)
        self.db.executemany("DELETE FROM records WHERE id = ?", [(i,) for i in dropped])
        self.db.executemany("DELETE FROM pending WHERE article = ?", kept + [(i,) for i in dropped])
        self.db.commit()
        return len(kept), len(dropped)

    def _unindex(self, articles: set[int]) -> None:
        """Take these pending articles' entries out of their buckets."""
        buckets: set[int] = set()
        for article in articles:
            row = self.db.execute("SELECT buckets FROM pending WHERE article = ?", (article,)).fetchone()
            buckets.update(np.frombuffer(row[0], dtype="<u4").tolist())
        for bucket in buckets:
            (words,) = self.db.execute("SELECT words FROM index_buckets WHERE bucket = ?", (bucket,)).fetchone()
            self.db.execute("UPDATE index_buckets SET words = ?, generation = ? WHERE bucket = ?",
                            (*without(words, articles), bucket))

    def has_pending(self) -> bool:
        """Articles a killed run left pending."""
        return self.db.execute("SELECT 1 FROM pending LIMIT 1").fetchone() is not None

    def close(self) -> None:
        self.db.close()

