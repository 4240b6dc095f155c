"""The dedup store: seen URLs and article fingerprints, persistent across runs.

The default is one SQLite file under .scrapy/, compact (schema 2, below): an article takes
its row (URL, hashes, a 16-bit signature, identifiers) and 34 six-byte index entries in
bucket rows, and a lookup reads a fixed number of buckets whatever the store's size. The
store is an interface (`DedupStore`); crawler/distributed/store.py implements it on Redis
in the same format.

Crash safety: an article's rows are written *pending* when it passes the pipeline, and
*committed* once every feed meant for it has stored it (crawler/feeds.py: FeedLedger); a
failed feed leaves them pending, and they are deleted when the feeds close. A run killed
before that leaves pending rows; the next run settles them against the local feed files
(rows whose URL is in every feed are committed, the rest deleted), so the store never
holds an article a feed lacks, and never forgets one the feeds hold.
"""
from __future__ import annotations

import hashlib
import math
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, NamedTuple, Protocol

import numpy as np

from ..state import state_path
from .fingerprint import BANDS, ROWS, STORED_DTYPE, Fingerprint, Mark, in_band, pack_marks, stored_signature, unpack_marks


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
# The index of the compact schema (2): one table of buckets, each a packed array of
# (article id, 16-bit tag) entries, 6 bytes each. An article has one entry per band and one
# each for its URL key and its exact hash ("slots"); a slot's 56-bit hash picks the bucket
# and the tag. A lookup reads its buckets and keeps the entries with the right tag; the rows
# it then reads are checked (the band's rows, the URL key's or exact hash's full hash), so a
# tag that agrees by chance (one entry in 65,536) changes no answer. A row per band key
# (schema 1) took ~600 bytes an article in B-tree cells; an entry takes 6 bytes, plus its
# share of the bucket's row.
BUCKET_BITS = 20  # ~300 entries a bucket (a 2 kB row) at 10^7 articles
_ENTRY = np.dtype([("article", "<u4"), ("tag", "<u2")])
KEY_SLOT, EXACT_SLOT = BANDS, BANDS + 1  # slot numbers after the bands'
_MASK = (1 << 56) - 1
# A band's hash, all bands at once (32 blake2b calls took a third of a lookup): a random
# linear hash of its four values, then mixed. Two bands that differ yet agree on bucket and
# tag only add a candidate that `in_band` refuses.
_MULTIPLIERS = np.random.default_rng(20261201).integers(0, 1 << 62, size=ROWS, dtype=np.uint64) * np.uint64(2) + np.uint64(1)


def slot_hash(text: str) -> int:
    """A 56-bit hash of a URL key or an exact hash."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=7).digest(), "big")


def _bucket(slot, value):
    """Bucket of a slot's 56-bit hash: its upper bits, shifted by the slot (ints or uint64 arrays)."""
    return ((value >> 16) + slot * 0x9E3779B1) & ((1 << BUCKET_BITS) - 1)


def place(slot: int, value: int) -> tuple[int, int]:
    """The bucket and tag of a slot's 56-bit hash."""
    return _bucket(slot, value & _MASK), value & 0xFFFF


def band_places(signatures: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The bucket and tag of each band of full signatures, (n, NUM_PERM) -> two (n, BANDS) arrays."""
    rows = signatures.reshape(-1, BANDS, ROWS).astype(np.uint64)
    with np.errstate(over="ignore"):  # uint64 arithmetic wraps, as the hash wants
        value = (rows * _MULTIPLIERS).sum(axis=2, dtype=np.uint64)
        value ^= value >> np.uint64(31)
        value *= np.uint64(0xBF58476D1CE4E5B9)
        value ^= value >> np.uint64(29)
    value &= np.uint64(_MASK)
    buckets = _bucket(np.arange(BANDS, dtype=np.uint64), value)
    return buckets, (value & np.uint64(0xFFFF)).astype(np.uint16)


def slots(keys: list[int], exacts: list[int], signatures: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every slot of n articles (their bands, URL key and exact hash; slot_hash values for
    the last two): buckets and tags, two (n, BANDS + 2) arrays, all at once."""
    buckets, tags = band_places(signatures)
    hashes = np.array([keys, exacts], dtype=np.uint64).T.reshape(-1, 2)
    extra = _bucket(np.array([KEY_SLOT, EXACT_SLOT], dtype=np.uint64), hashes)
    return (np.hstack([buckets, extra]).astype(np.uint32),
            np.hstack([tags, (hashes & np.uint64(0xFFFF)).astype(np.uint16)]))


def grouped(articles: np.ndarray, buckets: np.ndarray, tags: np.ndarray) -> list[tuple[int, bytes]]:
    """The entries of these articles' slots ((n, slots) buckets and tags), one packed run per
    bucket: what is appended to each bucket, in one write per bucket a batch."""
    entries = np.empty(buckets.size, dtype=_ENTRY)
    entries["article"] = np.repeat(articles, buckets.shape[1])
    entries["tag"] = tags.ravel()
    order = np.argsort(buckets.ravel(), kind="stable")
    flat, packed = buckets.ravel()[order], entries[order].tobytes()
    starts = np.flatnonzero(np.r_[True, flat[1:] != flat[:-1]])
    bounds = (np.r_[starts, flat.size] * _ENTRY.itemsize).tolist()
    return [(b, packed[bounds[n]: bounds[n + 1]]) for n, b in enumerate(flat[starts].tolist())]


def band_hits(buckets: list[int], tags: np.ndarray, entries: list[bytes | None]) -> list[tuple[int, int]]:
    """(band, article) for each entry with its band's tag in its band's bucket, by band then
    by article: schema 1's order (the pipeline takes the first near one that is no distinct document)."""
    blobs = [blob or b"" for blob in entries]
    array = np.frombuffer(b"".join(blobs), dtype=_ENTRY)
    band = np.repeat(np.arange(BANDS), [len(blob) // _ENTRY.itemsize for blob in blobs])
    hit = array["tag"] == tags[band]
    ids, band = array["article"][hit], band[hit]
    order = np.lexsort((ids, band))
    return list(zip(band[order].tolist(), ids[order].tolist()))


def in_order(pairs: list[tuple[int, int]], signature: np.ndarray, stored: dict[int, Stored]) -> list[Stored]:
    """The articles of band_hits that do share the band (its tag did not agree by chance)."""
    chosen = dict.fromkeys(i for band, i in pairs if i in stored and in_band(signature, stored[i].signature, band))
    return [stored[i] for i in chosen]


def tagged(entries: bytes, tag: int) -> list[int]:
    """The article ids of a bucket's entries with this tag."""
    array = np.frombuffer(entries, dtype=_ENTRY)
    return array["article"][array["tag"] == tag].tolist()


# Articles rewritten a batch at a time: a batch appends to each bucket once, rewriting its row,
# so fewer, larger batches write less (10^7 articles in batches of 10,000 rewrote the whole
# index a thousand times); 200,000 hold ~250 MB in memory.
MIGRATION_BATCH = 200_000


def _compact(db: sqlite3.Connection) -> None:
    """Schema 2: the compact store. Rows of schema 1 are rewritten (hashes for the URL key and
    exact hash, 16-bit signatures, bucketed slots), once: 20,000 articles took 38 s on the
    loaded 2-core machine of the README's Scale section, so a million would take half an hour."""
    db.execute("ALTER TABLE articles RENAME TO articles_v1")
    for statement in _COMPACT_SCHEMA:
        db.execute(statement)
    store = _Writer(db)
    rows = db.execute("SELECT id, key, url, exact, size, signature, marks, added_at, pending FROM articles_v1")
    for n, (article, key, url, exact, size, signature, marks, added, pending) in enumerate(rows, start=1):
        fingerprint = Fingerprint(exact, np.frombuffer(signature, dtype=np.uint32), size, unpack_marks(marks))
        store.insert(article, key, url, fingerprint, math.ceil(added), pending)
        if n % MIGRATION_BATCH == 0:
            store.flush()
    store.flush()
    db.execute("DROP TABLE articles_v1")
    db.execute("DROP TABLE bands")


_COMPACT_SCHEMA = (
    """CREATE TABLE articles2 (
        id INTEGER PRIMARY KEY,
        key INTEGER NOT NULL,    -- slot_hash of the URL key
        exact INTEGER NOT NULL,  -- slot_hash of the exact (SHA-1) hash
        url TEXT NOT NULL,
        size INTEGER NOT NULL,
        signature BLOB NOT NULL, -- stored_signature: 128 x 16 bits
        marks TEXT NOT NULL DEFAULT '',
        added_at INTEGER NOT NULL,
        pending INTEGER NOT NULL DEFAULT 1)""",
    "CREATE INDEX articles2_pending ON articles2(pending) WHERE pending = 1",
    # A pending article's buckets, to take its entries out if it is dropped; deleted once it
    # is committed. Not a column: a row that shrank when committed would leave its page a
    # third empty.
    "CREATE TABLE pending_slots (article INTEGER PRIMARY KEY, buckets BLOB NOT NULL)",
    "CREATE TABLE buckets (bucket INTEGER PRIMARY KEY, entries BLOB NOT NULL)",
)

# Schema changes after the first release, applied in order to any store whose
# `PRAGMA user_version` is lower (a new store starts at 0 too): an SQL statement, or a
# function of the connection.
_MIGRATIONS = (
    # 1: the identifiers beside the signature (Fingerprint.marks, packed). Older rows have
    # none, so a templated document is still taken for their duplicate, as before.
    "ALTER TABLE articles ADD COLUMN marks TEXT NOT NULL DEFAULT ''",
    _compact,
)


class _Writer:
    """Inserts articles a batch at a time: their rows, then their slot entries with one
    append per bucket (an append rewrites the bucket's row, so once a batch, not once an entry)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self.rows: list[tuple] = []
        self.signatures: list[np.ndarray] = []

    def insert(self, article: int, key: str, url: str, fingerprint: Fingerprint, added: int, pending: int = 1) -> None:
        self.rows.append((article, slot_hash(key), slot_hash(fingerprint.exact), url, fingerprint.size,
                          stored_signature(fingerprint.signature).tobytes(), pack_marks(fingerprint.marks), added, pending))
        self.signatures.append(fingerprint.signature)

    def flush(self) -> None:
        if not self.rows:
            return
        ids = np.array([row[0] for row in self.rows], dtype=np.uint32)
        buckets, tags = slots([row[1] for row in self.rows], [row[2] for row in self.rows], np.stack(self.signatures))
        self.db.executemany("INSERT INTO articles2 (id, key, exact, url, size, signature, marks, added_at, pending) "
                            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", self.rows)
        self.db.executemany("INSERT INTO pending_slots VALUES (?, ?)",
                            [(row[0], buckets[n].astype("<u4").tobytes()) for n, row in enumerate(self.rows) if row[8]])
        self.db.executemany(
            "INSERT INTO buckets VALUES (?, ?) ON CONFLICT (bucket) DO UPDATE SET entries = CAST(entries || excluded.entries AS BLOB)",
            grouped(ids, buckets, tags))
        self.rows.clear()
        self.signatures.clear()


_COLUMNS = "id, url, size, signature, marks"


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
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        # A batch's bucket writes grow the write-ahead log to ~150 MB, and SQLite keeps the
        # file at its largest unless told: cut back to 64 MB after each checkpoint.
        self.db.execute("PRAGMA journal_size_limit = 67108864")
        # A lookup reads 34 bucket rows at random: read them through a memory map (2 GB, the
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
        if version < len(_MIGRATIONS):
            # The tables a migration dropped (schema 1's took ~1.9 kB an article) leave their
            # pages free inside the file: give them back to the disk, once.
            self.db.execute("VACUUM")

    def _slot(self, slot: int, value: int, check: str, arg: object, extra: str = "") -> list[tuple]:
        """The rows behind one slot whose column `check` equals arg (the tag may agree by chance)."""
        bucket, tag = place(slot, value)
        found = self.db.execute("SELECT entries FROM buckets WHERE bucket = ?", (bucket,)).fetchone()
        ids = tagged(found[0], tag) if found else []
        if not ids:
            return []
        return self.db.execute(f"SELECT {_COLUMNS} FROM articles2 WHERE id IN ({','.join('?' * len(ids))}) "
                               f"AND {check} = ? {extra}", (*ids, arg)).fetchall()

    def url_seen(self, key: str, newer_than: float | None = None) -> str | None:
        value = slot_hash(key)
        rows = self._slot(KEY_SLOT, value, "key", value, f"AND added_at >= {float(newer_than or 0)!r}")
        return rows[0][1] if rows else None

    def find_exact(self, exact: str) -> str | None:
        value = slot_hash(exact)
        rows = self._slot(EXACT_SLOT, value, "exact", value)
        return rows[0][1] if rows else None

    def near_candidates(self, fingerprint: Fingerprint) -> list[Stored]:
        buckets, tags = (a[0] for a in band_places(fingerprint.signature))
        buckets = buckets.tolist()
        found = dict(self.db.execute(
            f"SELECT bucket, entries FROM buckets WHERE bucket IN ({','.join('?' * len(buckets))})", buckets).fetchall())
        pairs = band_hits(buckets, tags, [found.get(b) for b in buckets])
        if not pairs:
            return []
        ids = sorted({i for _, i in pairs})
        rows = self.db.execute(f"SELECT {_COLUMNS} FROM articles2 WHERE id IN ({','.join('?' * len(ids))})",
                               ids).fetchall()
        return in_order(pairs, fingerprint.signature, {
            r[0]: Stored(r[0], r[1], r[2], np.frombuffer(r[3], dtype=STORED_DTYPE), unpack_marks(r[4])) for r in rows})

    def lookup(self, keys: Iterable[str], fingerprint: Fingerprint, newer_than: float | None = None) -> Lookup:
        """In process, the three one after the other, stopping at the first found."""
        seen = next(filter(None, (self.url_seen(key, newer_than) for key in keys)), None)
        if seen:
            return Lookup(seen, None, [])
        exact = self.find_exact(fingerprint.exact)
        return Lookup(None, exact, [] if exact else self.near_candidates(fingerprint))

    def add(self, key: str, url: str, fingerprint: Fingerprint) -> None:
        self.add_many([(key, url, fingerprint)])

    def add_many(self, entries: Iterable[tuple[str, str, Fingerprint]]) -> None:
        """Insert pending articles with their slot entries, in one transaction."""
        now = math.ceil(time.time())
        writer = _Writer(self.db)
        self.db.execute("BEGIN IMMEDIATE")  # the ids below stay ours until the commit
        (first,) = self.db.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM articles2").fetchone()
        for article, (key, url, fingerprint) in enumerate(entries, start=first):
            writer.insert(article, key, url, fingerprint, now)
        writer.flush()
        self.db.commit()

    def commit_pending(self, urls: Iterable[str] | None = None) -> int:
        if urls is None:
            changed = self.db.execute("UPDATE articles2 SET pending = 0 WHERE pending = 1").rowcount
        else:
            changed = sum(self.db.execute("UPDATE articles2 SET pending = 0 WHERE pending = 1 AND url = ?",
                                          (u,)).rowcount for u in urls)
        self._forget_slots()
        self.db.commit()
        return changed

    def _forget_slots(self) -> None:
        """Committed articles' pending_slots rows are no longer needed."""
        self.db.execute("DELETE FROM pending_slots WHERE article IN "
                        "(SELECT article FROM pending_slots JOIN articles2 ON id = article WHERE pending = 0)")

    def settle_pending(self, written_urls: set[str]) -> tuple[int, int]:
        """After a killed run: commit the pending rows the feeds hold, delete the rest."""
        pending = self.db.execute("SELECT id, url FROM articles2 WHERE pending = 1").fetchall()
        kept = [(i,) for i, u in pending if u in written_urls]
        dropped = {i for i, u in pending if u not in written_urls}
        self.db.executemany("UPDATE articles2 SET pending = 0 WHERE id = ?", kept)
        self._unindex(dropped)
        self.db.executemany("DELETE FROM articles2 WHERE id = ?", [(i,) for i in dropped])
        self.db.executemany("DELETE FROM pending_slots WHERE article = ?", [(i,) for i in dropped])
        self._forget_slots()
        self.db.commit()
        return len(kept), len(dropped)

    def _unindex(self, articles: set[int]) -> None:
        """Take these pending articles' entries out of their buckets."""
        buckets: set[int] = set()
        for article in articles:
            row = self.db.execute("SELECT buckets FROM pending_slots WHERE article = ?", (article,)).fetchone()
            buckets.update(np.frombuffer(row[0], dtype="<u4").tolist())
        for bucket in buckets:
            (entries,) = self.db.execute("SELECT entries FROM buckets WHERE bucket = ?", (bucket,)).fetchone()
            array = np.frombuffer(entries, dtype=_ENTRY)
            self.db.execute("UPDATE buckets SET entries = ? WHERE bucket = ?",
                            (array[~np.isin(array["article"], list(articles))].tobytes(), bucket))

    def has_pending(self) -> bool:
        """Rows a killed run left pending (read through the partial index)."""
        return self.db.execute("SELECT 1 FROM articles2 WHERE pending = 1 LIMIT 1").fetchone() is not None

    def close(self) -> None:
        self.db.close()
