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

import numpy as np

from .fingerprint import (BANDS, ROWS, STORED_BITS, STORED_BYTES, Mark, pack_marks, pack_signature, stored_signature,
                          unpack_marks, unpack_signature)

BUCKET_BITS = 20  # ~330 entries (1.3 kB) a bucket at 10^7 articles
TAG_BITS = 12
HEADER_TAG = (1 << TAG_BITS) - 1  # marks a header word; an entry's tag 0xFFF is stored as 0xFFE
LOW_BITS = 32 - TAG_BITS  # an article's bits in an entry; the rest are its generation
KEY_SLOT, EXACT_SLOT = BANDS, BANDS + 1  # slot numbers after the bands'
_MASK = (1 << 56) - 1
# A band's hash, all bands at once (32 blake2b calls took a third of a lookup): a random
# linear hash of its four values, then mixed. Two bands that differ yet agree on bucket and
# tag only add a candidate that `Record.in_band` refuses.
_MULTIPLIERS = np.random.default_rng(20261201).integers(0, 1 << 62, size=ROWS, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
_BANDS = np.arange(BANDS, dtype=np.uint64)


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


def check(value):
    """The 24 bits of a URL key's or exact hash's hash that bucket and tag leave out."""
    return ((value >> 36) << 4) | ((value >> 12) & 0xF)  # ints or uint64 arrays


def band_values(signatures: np.ndarray) -> np.ndarray:
    """The 56-bit hash of each band of full signatures, (n, NUM_PERM) -> (n, BANDS)."""
    # uint64 array arithmetic wraps, as the hash wants (numpy warns of overflow for scalars only)
    value = (signatures.reshape(-1, BANDS, ROWS) * _MULTIPLIERS).sum(axis=2, dtype=np.uint64)
    value ^= value >> np.uint64(31)
    value *= np.uint64(0xBF58476D1CE4E5B9)
    value ^= value >> np.uint64(29)
    return value & np.uint64(_MASK)


def band_places(signatures: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The bucket and tag of each band of full signatures, (n, NUM_PERM) -> two (n, BANDS) arrays."""
    value = band_values(signatures)
    return _bucket(_BANDS, value), tag_of(value).astype(np.uint16)


def slots(keys: list[int], exacts: list[int], signatures: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every slot of n articles (their bands, URL key and exact hash; slot_hash values for
    the last two): buckets and tags, two (n, BANDS + 2) arrays, all at once."""
    buckets, tags = band_places(signatures)
    hashes = np.array([keys, exacts], dtype=np.uint64).T.reshape(-1, 2)
    extra = _bucket(np.array([KEY_SLOT, EXACT_SLOT], dtype=np.uint64), hashes)
    return (np.hstack([buckets, extra]).astype(np.uint32),
            np.hstack([tags, tag_of(hashes).astype(np.uint16)]))


# --- Buckets ---------------------------------------------------------------------------

def encode(articles: np.ndarray, tags: np.ndarray) -> np.ndarray:
    """Entries of articles (ascending) as words, a header wherever the generation changes and first."""
    if not articles.size:
        return np.empty(0, dtype="<u4")
    generation = articles >> LOW_BITS
    starts = np.flatnonzero(np.r_[True, generation[1:] != generation[:-1]])
    entries = ((articles & ((1 << LOW_BITS) - 1)) << TAG_BITS | tags).astype("<u4")
    headers = (generation[starts] << TAG_BITS | HEADER_TAG).astype("<u4")
    return np.insert(entries, starts, headers)


def grouped(articles: np.ndarray, buckets: np.ndarray, tags: np.ndarray) -> list[tuple[int, bytes, int, int]]:
    """The entries of these articles' slots ((n, slots) buckets and tags; articles ascending),
    one run per bucket: what is appended to each bucket, in one write per bucket a batch. A
    run is (bucket, its words, the generation of its last block, the generation of its first
    header); its words start with that header, which an append drops when the bucket's last
    block has that generation already."""
    order = np.argsort(buckets.ravel(), kind="stable")  # stable: articles stay ascending
    flat = buckets.ravel()[order]
    ids = np.repeat(articles.astype(np.int64), buckets.shape[1])[order]
    generation = ids >> LOW_BITS
    new_bucket = np.r_[True, flat[1:] != flat[:-1]]
    cuts = np.flatnonzero(new_bucket)
    # One vectorised encode of everything: a header before each bucket's run, and wherever
    # the generation changes inside one (a batch spanning 2^20 ids).
    starts = np.flatnonzero(new_bucket | np.r_[False, generation[1:] != generation[:-1]])
    words = np.insert(((ids & ((1 << LOW_BITS) - 1)) << TAG_BITS | tags.ravel()[order]).astype("<u4"),
                      starts, (generation[starts] << TAG_BITS | HEADER_TAG).astype("<u4")).tobytes()
    ends = np.r_[cuts, flat.size]
    bounds = ((ends + np.searchsorted(starts, ends)) * 4).tolist()
    view = memoryview(words)
    return list(zip(flat[cuts].tolist(), (view[bounds[n]: bounds[n + 1]] for n in range(cuts.size)),
                    generation[ends[1:] - 1].tolist(), generation[cuts].tolist()))


def decode(blobs: list[bytes], wanted: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(which blob, article, tag) of the entries of these buckets (each starts with a header);
    given `wanted`, a tag per blob, only the entries with their blob's tag (a lookup's hits:
    the article ids of the others are not worked out)."""
    words = np.frombuffer(b"".join(blobs), dtype="<u4")
    counts = [len(blob) >> 2 for blob in blobs]
    tags = words & HEADER_TAG
    at = np.flatnonzero(tags != HEADER_TAG if wanted is None else tags == np.repeat(wanted, counts))
    if not at.size:  # most lookups: nothing more to work out
        return at, at.astype(np.int64), at
    headers = np.flatnonzero(tags == HEADER_TAG)
    generation = (words[headers[np.searchsorted(headers, at, "right") - 1]] >> TAG_BITS).astype(np.int64)
    which = np.searchsorted(np.cumsum(counts), at, "right")
    return which, generation << LOW_BITS | (words[at] >> TAG_BITS), tags[at]


def without(blob: bytes, dropped: set[int]) -> tuple[bytes, int]:
    """A bucket with the entries of these articles taken out, and its last generation (-1
    when empty: the next run keeps its header)."""
    _, articles, tags = decode([blob])
    keep = ~np.isin(articles, list(dropped))
    return encode(articles[keep], tags[keep]).tobytes(), int(articles[keep][-1] >> LOW_BITS) if keep.any() else -1


# --- Records ---------------------------------------------------------------------------

# A record's fixed part: both checks (6 bytes), size, time added (seconds), the stored signature.
_FIXED = np.dtype([("checks", "<u4"), ("checks_high", "<u2"), ("size", "<u4"), ("added", "<u4"),
                   ("signature", "u1", STORED_BYTES)])
# Common pieces of Chinese article URLs and of identifiers with their context (GB18030, the
# marks' encoding): deflate refers to them instead of spelling them out. Written by hand;
# never to be changed for a schema (stored records are deflated against it).
_ZDICT = (
    "http://www.https://www..gov.cn/.com.cn/.com/.cn/.html.shtml.htm.jsp.aspx?id=/content/content_/art/"
    "/xxgk/zfxxgk/zwgk/zcwj/tzgg/gzdt/xwzx/news/article/detail/info/index/c/n1/dy/doc-i/t2024/t2025"
    "/2023/2024/2025/2026/01/02/03/04/05/06/07/08/09/10/11/12/people.com.cn/xinhuanet.com/163.com"
    "/news.sina.com.cn/sohu.com/qq.com/").encode() + "\x00\t\n号\t年\t月\t日\t第\t元\t万元\t电话\t代码\t文号\t2024年\t2025年\t".encode("gb18030")


_WINDOW = -10  # raw deflate, a 1 kB window: room for the dictionary and a record
_DEFLATE = zlib.compressobj(9, zlib.DEFLATED, _WINDOW, 2, zlib.Z_DEFAULT_STRATEGY, _ZDICT)


def text(url: str, marks: tuple[Mark, ...]) -> bytes:
    """A record's variable part: URL and identifiers (in GB18030: a CJK character in 2 bytes,
    a digit in 1), deflated."""
    deflate = _DEFLATE.copy()  # the dictionary loaded once
    return deflate.compress(url.encode() + b"\x00" + pack_marks(marks).encode("gb18030")) + deflate.flush()


def records(keys: np.ndarray, exacts: np.ndarray, sizes: np.ndarray, added: np.ndarray, signatures: np.ndarray,
            texts: list[bytes]) -> list[bytes]:
    """n articles' records, all at once: keys and exacts are the slot_hash values of their URL
    keys and exact hashes, signatures (n, NUM_PERM) full or at least their low STORED_BITS,
    texts from `text`."""
    fixed = np.empty(len(texts), dtype=_FIXED)
    both = check(np.asarray(keys, dtype=np.uint64)) | check(np.asarray(exacts, dtype=np.uint64)) << np.uint64(24)
    fixed["checks"], fixed["checks_high"] = both & np.uint64(0xFFFFFFFF), both >> np.uint64(32)
    fixed["size"], fixed["added"] = sizes, added
    fixed["signature"] = np.frombuffer(pack_signature(stored_signature(signatures)), dtype=np.uint8).reshape(-1, STORED_BYTES)
    raw, width = fixed.tobytes(), _FIXED.itemsize
    return [raw[n * width: (n + 1) * width] + t for n, t in enumerate(texts)]


_HEAD = struct.Struct("<IHII")  # _FIXED before the signature (time: unsigned, to 2106)
_BAND_BYTES = ROWS * STORED_BITS // 8  # a band's stored values: 2 bytes


class Record:
    """A stored article, read lazily: the checks, size and time at once; the band values
    compared in their packed bytes; URL, identifiers and signature only when asked for (a
    lookup reads the records of tags that agree by chance too, and refuses most)."""

    __slots__ = ("data", "key", "exact", "size", "added")

    def __init__(self, data: bytes) -> None:
        low, high, self.size, self.added = _HEAD.unpack_from(data)
        both = low | high << 32
        self.data, self.key, self.exact = data, both & 0xFFFFFF, both >> 24

    def in_band(self, packed: bytes, band: int) -> bool:
        """Whether its stored values agree with a signature's (`pack_signature`d) in every row
        of a band: true of every article with the same band key, and of another one in 2^16."""
        at = _HEAD.size + band * _BAND_BYTES
        return self.data[at: at + _BAND_BYTES] == packed[band * _BAND_BYTES: (band + 1) * _BAND_BYTES]

    @property
    def signature(self) -> np.ndarray:
        return unpack_signature(self.data, _HEAD.size)

    def text(self) -> tuple[str, tuple[Mark, ...]]:
        """URL and identifiers."""
        inflate = zlib.decompressobj(_WINDOW, _ZDICT)
        url, _, marks = (inflate.decompress(self.data[_FIXED.itemsize:]) + inflate.flush()).partition(b"\x00")
        return url.decode(), unpack_marks(marks.decode("gb18030"))
