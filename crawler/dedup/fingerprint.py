"""Text fingerprints: an exact hash of the normalised body, and a MinHash signature
whose bands index near-duplicates.

Normalisation makes the scripts and decorations of one article agree: pinyin glosses
removed, Traditional to Simplified, then only CJK characters, letters and digits kept.
Shingles are character 2-grams: an edit touches at most two, and Chinese words are mostly two characters.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import numpy as np

from ..extract.chinese import strip_pinyin_glosses, to_simplified

NUM_PERM = 128
BANDS = 32
ROWS = NUM_PERM // BANDS
SHINGLE = 2
_RNG = np.random.default_rng(20241124)  # fixed: signatures must agree across runs and machines
_A = _RNG.integers(0, 1 << 63, size=NUM_PERM, dtype=np.uint64) * np.uint64(2) + np.uint64(1)  # odd
_B = _RNG.integers(0, 1 << 63, size=NUM_PERM, dtype=np.uint64)
_KEEP = re.compile(r"[\u3400-\u9fff\uf900-\ufaffA-Za-z0-9]+")


def normalise(text: str) -> str:
    text, _ = strip_pinyin_glosses(text or "")
    return "".join(_KEEP.findall(to_simplified(text))).lower()


def exact_fingerprint(normalised: str) -> str:
    return hashlib.sha1(normalised.encode("utf-8")).hexdigest()


def shingle_hashes(normalised: str) -> np.ndarray:
    if len(normalised) < SHINGLE:
        grams = {normalised} if normalised else set()
    else:
        grams = {normalised[i: i + SHINGLE] for i in range(len(normalised) - SHINGLE + 1)}
    return np.fromiter(
        (int.from_bytes(hashlib.blake2b(g.encode("utf-8"), digest_size=8).digest(), "little") for g in grams),
        dtype=np.uint64, count=len(grams),
    )


def minhash(hashes: np.ndarray) -> np.ndarray:
    """NUM_PERM minimum hash values under fixed universal hash functions."""
    if hashes.size == 0:
        return np.full(NUM_PERM, np.iinfo(np.uint32).max, dtype=np.uint32)
    # Multiply-shift hashing: (a*x + b) mod 2^64, top 32 bits; uint64 arithmetic wraps.
    with np.errstate(over="ignore"):
        values = (np.outer(_A, hashes) + _B[:, None]) >> np.uint64(32)
    return values.min(axis=1).astype(np.uint32)


def band_keys(signature: np.ndarray) -> list[int]:
    """One 63-bit key per band: the band number and a hash of its rows."""
    keys = []
    for band in range(BANDS):
        rows = signature[band * ROWS: (band + 1) * ROWS].tobytes()
        digest = int.from_bytes(hashlib.blake2b(rows, digest_size=7).digest(), "big")
        keys.append((band << 56) | digest)
    return keys


@dataclass(frozen=True)
class Fingerprint:
    exact: str
    signature: np.ndarray
    size: int  # distinct shingles

    @classmethod
    def of(cls, text: str) -> "Fingerprint":
        normalised = normalise(text)
        hashes = shingle_hashes(normalised)
        return cls(exact_fingerprint(normalised), minhash(hashes), int(hashes.size))

    def jaccard(self, other_signature: np.ndarray) -> float:
        return float(np.mean(self.signature == other_signature))

    def containment(self, other_signature: np.ndarray, other_size: int) -> float:
        """How much of the smaller text the other holds, from the Jaccard estimate and sizes."""
        j = self.jaccard(other_signature)
        small = min(self.size, other_size)
        if not small:
            return 0.0
        overlap = j / (1 + j) * (self.size + other_size)
        return min(1.0, overlap / small)
