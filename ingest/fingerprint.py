"""A content fingerprint that survives small edits: a 64-bit SimHash over word shingles.

Two texts of the same story (syndicated, re-headlined, with a line added or a typo fixed)
give fingerprints a few bits apart; different stories differ in about half of the 64 bits.
Split into four 16-bit bands, two fingerprints within `MAX_DISTANCE` bits share at least
one band exactly (pigeonhole), which is what lets a database index find the candidates.

Written here rather than taken from a library: the maintained near-duplicate library
(datasketch, MinHash LSH) keeps its index in memory or Redis and pulls in SciPy, while a
SimHash's bands are plain integers that the store's own tables can index.
"""

from __future__ import annotations

import hashlib
import re

import numpy as np

BITS = 64
BANDS = 4
BAND_BITS = BITS // BANDS
MAX_DISTANCE = 3  # bits; at most BANDS - 1 so that a shared band is guaranteed
MIN_TOKENS = 40  # shorter texts (a title and a line of summary) get no fingerprint
SHINGLE = 3

_TOKEN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]|[^\W_]+", re.UNICODE)
_WEIGHTS = 1 << np.arange(BITS, dtype=np.uint64)


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens; each CJK character is a token of its own."""
    return _TOKEN.findall(text.lower())


def simhash(text: str) -> int | None:
    """The text's 64-bit fingerprint (unsigned), or None when it is too short to tell stories apart."""
    words = tokens(text)
    if len(words) < MIN_TOKENS:
        return None
    shingles = {" ".join(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)}
    digests = np.array(
        [int.from_bytes(hashlib.blake2b(s.encode("utf-8"), digest_size=8).digest(), "big") for s in shingles],
        dtype=np.uint64,
    )
    bits = (digests[:, None] & _WEIGHTS) != 0  # one row per shingle, one column per bit
    votes = bits.sum(axis=0) * 2 - len(shingles)
    return int(sum(1 << i for i in range(BITS) if votes[i] > 0))


def distance(a: int, b: int) -> int:
    """Number of bits in which two fingerprints differ."""
    return ((a ^ b) & ((1 << BITS) - 1)).bit_count()


def bands(fingerprint: int) -> list[tuple[int, int]]:
    """(band number, 16-bit value) pairs of a fingerprint."""
    mask = (1 << BAND_BITS) - 1
    return [(i, (fingerprint >> (i * BAND_BITS)) & mask) for i in range(BANDS)]


def to_signed(fingerprint: int) -> int:
    """The fingerprint as a signed 64-bit integer, as databases store BIGINT."""
    return fingerprint - (1 << BITS) if fingerprint >= 1 << (BITS - 1) else fingerprint


def from_signed(value: int) -> int:
    return value + (1 << BITS) if value < 0 else value
