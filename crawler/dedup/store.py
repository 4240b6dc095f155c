"""The dedup store: seen URLs and article fingerprints, persistent across runs.

The default is one SQLite file under .scrapy/. Its near-duplicate index is the MinHash
band table: a lookup reads the rows of 32 band keys through a B-tree index, so its cost
grows with log(n), not n. The store is an interface (`DedupStore`); another backend
(e.g. Redis) implements the same methods.

Crash safety: an article's rows are written *pending* when it passes the pipeline, and
*committed* once every feed meant for it has stored it (crawler/feeds.py: FeedLedger); a
failed feed leaves them pending, and they are deleted when the feeds close. A run killed
before that leaves pending rows; the next run settles them against the local feed files
(rows whose URL is in every feed are committed, the rest deleted), so the store never
holds an article a feed lacks, and never forgets one the feeds hold.
"""
from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Protocol

import numpy as np

from ..state import state_path
from .fingerprint import Fingerprint, Mark, band_keys, pack_marks, unpack_marks


@dataclass(frozen=True)
class Stored:
    id: int
    url: str
    size: int
    signature: np.ndarray
    marks: tuple[Mark, ...] = ()  # none for rows stored before identifiers were kept


class DedupStore(Protocol):
    def url_seen(self, key: str, newer_than: float | None = None) -> str | None: ...
    def find_exact(self, exact: str) -> str | None: ...
    def near_candidates(self, fingerprint: Fingerprint) -> list[Stored]: ...
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
# Schema changes after the first release, applied in order to any store whose
# `PRAGMA user_version` is lower; existing rows keep working with the defaults.
_MIGRATIONS = (
    # 1: the identifiers beside the signature (Fingerprint.marks, packed). Older rows have
    # none, so a templated document is still taken for their duplicate, as before.
    "ALTER TABLE articles ADD COLUMN marks TEXT NOT NULL DEFAULT ''",
)


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
        self.db.executescript(_SCHEMA)
        self._migrate()

    def _migrate(self) -> None:
        """Bring an older store up to date, once, even with several processes opening it."""
        self.db.execute("BEGIN IMMEDIATE")  # re-read the version under the write lock
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        for statement in _MIGRATIONS[version:]:
            self.db.execute(statement)
        self.db.execute(f"PRAGMA user_version = {len(_MIGRATIONS)}")
        self.db.commit()

    def url_seen(self, key: str, newer_than: float | None = None) -> str | None:
        row = self.db.execute(
            "SELECT url FROM articles WHERE key = ? AND added_at >= ? LIMIT 1", (key, newer_than or 0)
        ).fetchone()
        return row[0] if row else None

    def find_exact(self, exact: str) -> str | None:
        row = self.db.execute("SELECT url FROM articles WHERE exact = ? LIMIT 1", (exact,)).fetchone()
        return row[0] if row else None

    def near_candidates(self, fingerprint: Fingerprint) -> list[Stored]:
        keys = band_keys(fingerprint.signature)
        rows = self.db.execute(
            f"SELECT DISTINCT a.id, a.url, a.size, a.signature, a.marks FROM bands b JOIN articles a ON a.id = b.article "
            f"WHERE b.band_key IN ({','.join('?' * len(keys))})",
            keys,
        ).fetchall()
        return [Stored(r[0], r[1], r[2], np.frombuffer(r[3], dtype=np.uint32), unpack_marks(r[4])) for r in rows]

    def add(self, key: str, url: str, fingerprint: Fingerprint) -> None:
        self.add_many([(key, url, fingerprint)])

    def add_many(self, entries: Iterable[tuple[str, str, Fingerprint]]) -> None:
        """Insert pending articles with their band keys, in one transaction."""
        now = time.time()
        for key, url, fingerprint in entries:
            cursor = self.db.execute(
                "INSERT INTO articles (key, url, exact, size, signature, marks, added_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (key, url, fingerprint.exact, fingerprint.size, fingerprint.signature.tobytes(),
                 pack_marks(fingerprint.marks), now),
            )
            self.db.executemany("INSERT INTO bands VALUES (?, ?)",
                                [(k, cursor.lastrowid) for k in band_keys(fingerprint.signature)])
        self.db.commit()

    def commit_pending(self, urls: Iterable[str] | None = None) -> int:
        if urls is None:
            changed = self.db.execute("UPDATE articles SET pending = 0 WHERE pending = 1").rowcount
        else:
            changed = sum(self.db.execute("UPDATE articles SET pending = 0 WHERE pending = 1 AND url = ?",
                                          (u,)).rowcount for u in urls)
        self.db.commit()
        return changed

    def settle_pending(self, written_urls: set[str]) -> tuple[int, int]:
        """After a killed run: commit the pending rows the feeds hold, delete the rest."""
        pending = self.db.execute("SELECT id, url FROM articles WHERE pending = 1").fetchall()
        kept = [(i,) for i, u in pending if u in written_urls]
        dropped = [(i,) for i, u in pending if u not in written_urls]
        self.db.executemany("UPDATE articles SET pending = 0 WHERE id = ?", kept)
        for (article,) in dropped:
            signature = self.db.execute("SELECT signature FROM articles WHERE id = ?", (article,)).fetchone()[0]
            keys = band_keys(np.frombuffer(signature, dtype=np.uint32))
            self.db.executemany("DELETE FROM bands WHERE band_key = ? AND article = ?", [(k, article) for k in keys])
        self.db.executemany("DELETE FROM articles WHERE id = ?", dropped)
        self.db.commit()
        return len(kept), len(dropped)

    def has_pending(self) -> bool:
        """Rows a killed run left pending (read through the partial index)."""
        return self.db.execute("SELECT 1 FROM articles WHERE pending = 1 LIMIT 1").fetchone() is not None

    def close(self) -> None:
        self.db.close()
