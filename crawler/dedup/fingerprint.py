"""Text fingerprints: an exact hash of the normalised body, and a MinHash signature
whose bands index near-duplicates.

Normalisation makes the scripts and decorations of one article agree: pinyin glosses
removed, Traditional to Simplified, then only CJK characters, letters and digits kept.
Shingles are character 2-grams: an edit touches at most two, and Chinese words are mostly two characters.

Beside the signature, a fingerprint keeps the text's *identifiers* (runs holding a digit:
credit codes, 文号, amounts, dates, phone numbers), each with the two characters either
side. Documents cut from one template (处罚决定书, 中标公告, 任前公示) share nearly all their
prose, so their signatures agree; what tells them apart is that they put different
identifiers in the same places. A repost keeps the story's identifiers (or some of them,
when trimmed), so `distinct_documents` separates the two.
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


# --- Storage format --------------------------------------------------------------------
# A store keeps the low 4 bits of each MinHash value (b-bit MinHash, Li & König 2010): 64
# bytes, not 512. Two different values share their low b bits once in 2^b, so a stored pair
# agrees at m = J + (1 - J) / 2^b of the values; `Fingerprint.jaccard` inverts that, J_hat =
# (m - 2^-b) / (1 - 2^-b), which is unbiased. Its standard deviation over 128 values is
# sqrt(m (1 - m) / 128) / (1 - 2^-b): at the Jaccard threshold 0.45, 0.0472 with 4 bits
# against 0.0440 with the full values (and 0.0441 with 8); the containment estimate is built
# from it, so it moves by the same 7 %. benchmarks/dedup.py prints the same figures, to the
# last digit, with 16, 8, 6 and 4 bits (corrected); tests/test_dedup_fingerprint.py checks
# the estimate on pairs of known Jaccard. Band keys are computed from the full values.
STORED_BITS = 4
STORED_DTYPE = np.uint8
_CHANCE = 1 / (1 << STORED_BITS)
STORED_BYTES = NUM_PERM * STORED_BITS // 8  # two values a byte


def stored_signature(signature: np.ndarray) -> np.ndarray:
    """The signature as a store keeps it: each value's low STORED_BITS bits."""
    return (signature & ((1 << STORED_BITS) - 1)).astype(STORED_DTYPE)


def pack_signature(stored: np.ndarray) -> bytes:
    """A stored signature in STORED_BYTES (n of them: n x STORED_BYTES): value 2i in the low half
    of byte i, 2i + 1 in the high."""
    return (stored[..., 0::2] | (stored[..., 1::2] << STORED_BITS)).astype(np.uint8).tobytes()


def unpack_signature(packed: bytes, offset: int = 0) -> np.ndarray:
    halves = np.frombuffer(packed, dtype=np.uint8, count=STORED_BYTES, offset=offset)
    stored = np.empty(NUM_PERM, dtype=STORED_DTYPE)
    stored[0::2], stored[1::2] = halves & ((1 << STORED_BITS) - 1), halves >> STORED_BITS
    return stored


# --- Identifiers ---------------------------------------------------------------------

Mark = tuple[str, str, str]  # (characters before, identifier, characters after)
# Full-width digits and letters (２０２４, ＭＡ６Ｃ) as ASCII: government pages use both forms.
_HALF_WIDTH = {c: c - 0xFEE0 for r in ((0xFF10, 0xFF1A), (0xFF21, 0xFF3B), (0xFF41, 0xFF5B)) for c in range(*r)}
# An identifier in normalised text (punctuation gone: 〔2024〕12号 reads 202412, 0832-1234567
# reads 08321234567): a run of digits and letters, dates joined through 年 and 月 (2024年3月5).
_IDENTIFIER = re.compile(r"[0-9a-z]+(?:[年月][0-9a-z]+)*")
_NO_JOINERS = str.maketrans("", "", "年月")
CONTEXT = 2  # characters kept either side of an identifier: the template's words around a slot
# Identifiers are read from the first MARK_SPAN characters only: a template's distinguishing
# slots (parties, codes, 文号) come first, and a span, unlike a count, stays put when an edit
# splits an identifier in two, so two copies of one text cover the same identifiers.
# Stored, they take a few hundred bytes (corpus median 137, largest 1.9 kB).
MARK_SPAN = 2000
# Characters an edited copy of an identifier may have lost inside it. With 10 % of a text's
# characters edited (a quarter of the edits deletions), an 18-character credit code loses
# two about once in 14 copies, three once in 100.
MAX_DELETED = 2
# Two texts are different documents when on EACH side at least MIN_CONTRADICTIONS, and at
# least MIN_SHARE, of its identifiers stand where the other has a different one
# (`contradicted`). Measured over 10 seeds of benchmarks/templated.py and the corpus: two
# documents of one template contradict each other 5 to 17 times a side, half their
# identifiers or more (13,050 pairs); a repost (14,670: edits up to 10 %, a dateline of its
# own, a cut tail, platform noise) at most once, but for a stock report with 99 identifiers,
# twice (2 % of them); with 20 % edits, 3 times (3 %) once in 6,520. Two, not more, so that
# notices differing only in 文号 and date (人事任免) stay apart; a tenth, so that a stray
# edited number in a long table of figures does not split a repost from its original.
MIN_CONTRADICTIONS = 2
MIN_SHARE = 0.1


def find_marks(text: str, normalised: str | None = None) -> tuple[Mark, ...]:
    """The distinct identifiers (with a digit, two characters or more) in the first MARK_SPAN
    characters of a text, with their contexts. `normalised`, the text's normalise(), spares
    normalising it again when it has no full-width digits or letters."""
    folded = (text or "").translate(_HALF_WIDTH)
    source = normalised if normalised is not None and folded == text else normalise(folded)
    found: dict[Mark, None] = {}
    for match in _IDENTIFIER.finditer(source, 0, MARK_SPAN):
        value = match.group()
        if len(value) < 2 or value.isalpha():
            continue  # the 3 of 3个 is no identifier, nor are words: gdp, app
        start, end = match.span()
        found[(source[max(0, start - CONTEXT): start], value, source[end: end + CONTEXT])] = None
    return tuple(found)


def pack_marks(items: tuple[Mark, ...]) -> str:
    """Marks as one short string for a store (normalised text has no tabs or newlines)."""
    return "\n".join("\t".join(mark) for mark in items)


def unpack_marks(packed: str) -> tuple[Mark, ...]:
    return tuple(tuple(line.split("\t")) for line in packed.split("\n") if line)  # type: ignore[misc]


def related(a: str, b: str) -> bool:
    """Whether one identifier can come from the other by light edits. An edit that lands
    inside an identifier splits it (each piece keeps a run of it), deletes a character of
    it, or inserts a non-digit (年 and 月 join a date, so they are ignored here): the shorter
    is then the longer's characters in order, within a span at most MAX_DELETED longer.
    Two values of one slot differ by a character put in place of another (12 and 13, 33000
    and 39000, two credit codes), which no such edit does."""
    a, b = a.translate(_NO_JOINERS), b.translate(_NO_JOINERS)
    longer, shorter = (a, b) if len(a) >= len(b) else (b, a)
    return _span(shorter, longer) <= len(shorter) + MAX_DELETED


def _span(sub: str, text: str) -> float:
    """The shortest stretch of text holding sub's characters in order (inf if none)."""
    best = float("inf")
    for start, char in enumerate(text):
        if char != sub[0]:
            continue
        matched, end = 0, start
        while end < len(text) and matched < len(sub):
            matched += text[end] == sub[matched]
            end += 1
        if matched < len(sub):
            break  # a later start has less text left: it cannot hold sub either
        best = min(best, end - start)
    return best


def contradicted(ours: tuple[Mark, ...], theirs: tuple[Mark, ...]) -> int:
    """How many of our identifiers stand where the other text has a different one: in its
    places with the same characters before or after, it holds only identifiers not related
    to ours. Identifiers of a trimmed tail or of platform noise have no such place in the
    other text, so they do not count; an edit that splits an identifier leaves its pieces in
    the places either side of the split, so it does not count either."""
    places: dict[tuple[int, str], set[str]] = {}
    for before, value, after in theirs:
        places.setdefault((0, before), set()).add(value)
        places.setdefault((1, after), set()).add(value)
    count = 0
    for before, value, after in ours:
        there = (places.get((0, before), set()) if before else set()) | (places.get((1, after), set()) if after else set())
        count += bool(there) and not any(related(value, other) for other in there)
    return count


def distinct_documents(a: tuple[Mark, ...], b: tuple[Mark, ...]) -> bool:
    """Both texts put their own identifiers in the other's places: two documents of one template."""
    return all(count >= max(MIN_CONTRADICTIONS, MIN_SHARE * len(ours))
               for count, ours in ((contradicted(a, b), a), (contradicted(b, a), b)))


@dataclass(frozen=True)
class Fingerprint:
    exact: str
    signature: np.ndarray
    size: int  # distinct shingles
    marks: tuple[Mark, ...] = ()  # identifiers of the title and text, in context

    @classmethod
    def of(cls, text: str, title: str = "") -> "Fingerprint":
        """Signature of the text; identifiers of the title too (a 文号 often stands only there)."""
        normalised = normalise(text)
        hashes = shingle_hashes(normalised)
        identifiers = tuple(dict.fromkeys(find_marks(title) + find_marks(text, normalised)))
        return cls(exact_fingerprint(normalised), minhash(hashes), int(hashes.size), identifiers)

    def jaccard(self, other_signature: np.ndarray) -> float:
        """The MinHash estimate; from a stored signature, with its chance agreements taken out."""
        if other_signature.dtype == STORED_DTYPE:
            agree = float(np.mean(stored_signature(self.signature) == other_signature))
            return max(0.0, (agree - _CHANCE) / (1 - _CHANCE))
        return float(np.mean(self.signature == other_signature))

    def containment(self, other_signature: np.ndarray, other_size: int) -> float:
        """How much of the smaller text the other holds, from the Jaccard estimate and sizes."""
        j = self.jaccard(other_signature)
        small = min(self.size, other_size)
        if not small:
            return 0.0
        overlap = j / (1 + j) * (self.size + other_size)
        return min(1.0, overlap / small)


# Where extraction ran off the reactor thread (a pool worker, crawler/extract/worker.py), the
# article comes back fingerprinted: the attribute beside its fields (not one of them, so no
# feed sees it) holds the content and title it was taken of, and the fingerprint.
_PRECOMPUTED = "_dedup_fingerprint"


def precompute(article) -> None:
    """Fingerprint an article where it was extracted."""
    setattr(article, _PRECOMPUTED, (article.content, article.title,
                                    Fingerprint.of(article.content or "", article.title or "")))


def fingerprint_of(item, content: str | None, title: str | None) -> tuple[Fingerprint, bool]:
    """The item's fingerprint, and whether it was precomputed: the precomputed one while its
    content and title are still the texts it was taken of (a multi-page article's are joined
    after extraction), else computed now."""
    taken = getattr(item, _PRECOMPUTED, None)
    if taken is not None and taken[0] == content and taken[1] == title:
        return taken[2], True
    return Fingerprint.of(content or "", title or ""), False
