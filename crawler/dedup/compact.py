"""The dedup stores' compact format (schema 3), shared by SQLite (crawler/dedup/store.py) and
Redis (crawler/distributed/store.py), so that both answer the same lookups.

An article has 34 *slots*: its 32 LSH bands, its URL key and its exact hash. A slot's 56-bit
hash picks one of 2^BUCKET_BITS buckets and a 12-bit tag. A bucket is a run of 4-byte words:
an *entry* is (article's low 20 bits << 12 | tag); a *header* (tag field 0xFFF, which no
entry has) gives the article ids' upper bits (their *generation*, article >> 20) for the
entries after it. Entries are appended; a header only when the generation changes, which at
2^20 buckets is about once per 34 entries of a bucket, so an entry costs 4.1 bytes.

A lookup keeps the entries whose tag agrees and reads their articles' records, which are
checked (the band's stored rows, or 24 more bits of the URL key's or exact hash's hash):
bucket, tag and check together compare all 56 bits, as schema 2 did, and a tag agreeing by
chance (at 10^7 articles, ~3 a lookup) only costs a record read.

A record: both checks (3 bytes each), size, time added, the 4-bit signature (64 bytes), then
the URL and the identifiers, deflated with a preset dictionary of common URL and identifier
pieces (`_ZDICT`; fixed for the schema: stored records depend on it).
"""
from __future__ import annotations

import hashlib
import struct
import zlib
from typing import NamedTuple

import numpy as np

from .fingerprint import (BANDS, ROWS, STORED_BYTES, Fingerprint, Mark, pack_marks, pack_signature, stored_signature,
                          unpack_marks, unpack_signature)

BUCKET_BITS = 20  # ~330 entries (1.3 kB) a bucket at 10^7 articles
TAG_BITS = 12
HEADER_TAG = (1 << TAG_BITS) - 1  # marks a header word; an entry's tag 0xFFF is stored as 0xFFE
LOW_BITS = 32 - TAG_BITS  # an article's bits in an entry; the rest are its generation
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
    """Bucket of a slot's 56-bit hash: bits 16-35, shifted by the slot (ints or uint64 arrays)."""
    return ((value >> 16) + slot * 0x9E3779B1) & ((1 << BUCKET_BITS) - 1)


def tag_of(value):
    """Bits 0-11, HEADER_TAG excepted (ints or arrays)."""
    tag = value & HEADER_TAG
    return tag - (tag == HEADER_TAG)


def place(slot: int, value: int) -> tuple[int, int]:
    """The bucket and tag of a slot's 56-bit hash."""
    return _bucket(slot, value & _MASK), int(tag_of(value))


def check(value: int) -> int:
    """The 24 bits of a URL key's or exact hash's hash that bucket and tag leave out."""
    return ((value >> 36) << 4) | ((value >> 12) & 0xF)


def band_places(signatures: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The bucket and tag of each band of full signatures, (n, NUM_PERM) -> two (n, BANDS) arrays."""
    rows = signatures.reshape(-1, BANDS, ROWS).astype(np.uint64)
    with np.errstate(over="ignore"):  # uint64 arithmetic wraps, as the hash wants
        value = (rows * _MULTIPLIERS).sum(axis=2, dtype=np.uint64)
        value ^= value >> np.uint64(31)
        value *= np.uint64(0xBF58476D1CE4E5B9)
        value ^= value >> np.uint64(29)
    value &= np.uint64(_MASK)
    return _bucket(np.arange(BANDS, dtype=np.uint64), value), tag_of(value).astype(np.uint16)


def slots(keys: list[int], exacts: list[int], signatures: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every slot of n articles (their bands, URL key and exact hash; slot_hash values for
    the last two): buckets and tags, two (n, BANDS + 2) arrays, all at once."""
    buckets, tags = band_places(signatures)
    hashes = np.array([keys, exacts], dtype=np.uint64).T.reshape(-1, 2)
    extra = _bucket(np.array([KEY_SLOT, EXACT_SLOT], dtype=np.uint64), hashes)
    return (np.hstack([buckets, extra]).astype(np.uint32),
            np.hstack([tags, tag_of(hashes).astype(np.uint16)]))


# --- Buckets ---------------------------------------------------------------------------

class Run(NamedTuple):
    """What a batch appends to one bucket: words starting with a header of generation `first`;
    `last` is the generation of its last block (the bucket's, once appended)."""
    bucket: int
    words: bytes
    first: int
    last: int


def encode(articles: np.ndarray, tags: np.ndarray) -> np.ndarray:
    """Entries of articles (ascending) as words, a header wherever the generation changes and first."""
    if not articles.size:
        return np.empty(0, dtype="<u4")
    generation = articles >> LOW_BITS
    starts = np.flatnonzero(np.r_[True, generation[1:] != generation[:-1]])
    entries = ((articles & ((1 << LOW_BITS) - 1)) << TAG_BITS | tags).astype("<u4")
    headers = (generation[starts] << TAG_BITS | HEADER_TAG).astype("<u4")
    return np.insert(entries, starts, headers)


def grouped(articles: np.ndarray, buckets: np.ndarray, tags: np.ndarray) -> list[Run]:
    """The entries of these articles' slots ((n, slots) buckets and tags; articles ascending),
    one run per bucket: what is appended to each bucket, in one write per bucket a batch."""
    order = np.argsort(buckets.ravel(), kind="stable")  # stable: articles stay ascending
    flat = buckets.ravel()[order]
    ids = np.repeat(articles.astype(np.int64), buckets.shape[1])[order]
    cuts = np.flatnonzero(np.r_[True, flat[1:] != flat[:-1]])
    # Generation changes inside a bucket's run are rare (a batch spanning 2^20 ids): one
    # vectorised encode of everything, each bucket's run starting with a header.
    generation = ids >> LOW_BITS
    starts = np.union1d(cuts, np.flatnonzero(np.r_[False, generation[1:] != generation[:-1]]))
    words = np.insert(((ids & ((1 << LOW_BITS) - 1)) << TAG_BITS | tags.ravel()[order]).astype("<u4"),
                      starts, (generation[starts] << TAG_BITS | HEADER_TAG).astype("<u4")).tobytes()
    # A run's words in `words`: its entries plus the headers before them.
    bounds = (np.r_[cuts, flat.size] + np.searchsorted(starts, np.r_[cuts, flat.size])) * 4
    ends = np.r_[cuts[1:], flat.size] - 1
    return [Run(b, words[bounds[n]: bounds[n + 1]], f, l) for n, (b, f, l) in
            enumerate(zip(flat[cuts].tolist(), generation[cuts].tolist(), generation[ends].tolist()))]


def decode(blobs: list[bytes]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(which blob, article, tag) of every entry of these buckets (each starts with a header)."""
    words = np.frombuffer(b"".join(blobs), dtype="<u4")
    which = np.repeat(np.arange(len(blobs)), [len(blob) // 4 for blob in blobs])
    tags = words & HEADER_TAG
    header = tags == HEADER_TAG
    last = np.maximum.accumulate(np.where(header, np.arange(words.size), 0))
    articles = (words[last].astype(np.int64) >> TAG_BITS) << LOW_BITS | (words >> TAG_BITS)
    return which[~header], articles[~header], tags[~header]


def without(blob: bytes, dropped: set[int]) -> tuple[bytes, int]:
    """A bucket with the entries of these articles taken out, and its last generation (-1
    when empty: the next run keeps its header)."""
    _, articles, tags = decode([blob])
    keep = ~np.isin(articles, list(dropped))
    return encode(articles[keep], tags[keep]).tobytes(), int(articles[keep][-1] >> LOW_BITS) if keep.any() else -1


def band_hits(which: np.ndarray, articles: np.ndarray, entry_tags: np.ndarray, tags: np.ndarray) -> list[tuple[int, int]]:
    """(band, article) for each entry (of `decode`, blob n being band n's bucket) with its
    band's tag, by band then by article: schema 1's order (the pipeline takes the first near
    one that is no distinct document)."""
    hit = entry_tags == tags[which]
    ids, band = articles[hit], which[hit]
    order = np.lexsort((ids, band))
    return list(zip(band[order].tolist(), ids[order].tolist()))


# --- Records ---------------------------------------------------------------------------

_HEAD = struct.Struct("<6sIi")  # both checks, size, time added (seconds)
# Common pieces of Chinese article URLs and of identifiers with their context (GB18030, the
# marks' encoding): deflate refers to them instead of spelling them out. Written by hand;
# never to be changed for a schema (stored records are deflated against it).
_ZDICT = (
    "http://www.https://www..gov.cn/.com.cn/.com/.cn/.html.shtml.htm.jsp.aspx?id=/content/content_/art/"
    "/xxgk/zfxxgk/zwgk/zcwj/tzgg/gzdt/xwzx/news/article/detail/info/index/c/n1/dy/doc-i/t2024/t2025"
    "/2023/2024/2025/2026/01/02/03/04/05/06/07/08/09/10/11/12/people.com.cn/xinhuanet.com/163.com"
    "/news.sina.com.cn/sohu.com/qq.com/").encode() + "\x00\t\n号\t年\t月\t日\t第\t元\t万元\t电话\t代码\t文号\t2024年\t2025年\t".encode("gb18030")


def record(key: int, exact: int, url: str, fingerprint: Fingerprint, added: int) -> bytes:
    """An article's record (key, exact: the slot_hash of its URL key and exact hash). The
    identifiers in GB18030: a CJK character in 2 bytes, a digit in 1."""
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15, 9, zlib.Z_DEFAULT_STRATEGY, _ZDICT)
    text = deflate.compress(url.encode() + b"\x00" + pack_marks(fingerprint.marks).encode("gb18030")) + deflate.flush()
    checks = (check(key) | check(exact) << 24).to_bytes(6, "little")
    return _HEAD.pack(checks, fingerprint.size, added) + pack_signature(stored_signature(fingerprint.signature)) + text


class Record(NamedTuple):
    key: int  # check() of the URL key's hash
    exact: int  # check() of the exact hash's hash
    added: int
    url: str
    size: int
    signature: np.ndarray  # stored: STORED_BITS a value
    marks: tuple[Mark, ...]


def read_record(data: bytes) -> Record:
    checks, size, added = _HEAD.unpack_from(data)
    both = int.from_bytes(checks, "little")
    inflate = zlib.decompressobj(-15, _ZDICT)
    url, _, marks = (inflate.decompress(data[_HEAD.size + STORED_BYTES:]) + inflate.flush()).partition(b"\x00")
    return Record(both & 0xFFFFFF, both >> 24, added, url.decode(), size,
                  unpack_signature(data, _HEAD.size), unpack_marks(marks.decode("gb18030")))
