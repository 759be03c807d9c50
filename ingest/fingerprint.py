"""Near-duplicate stories: MinHash over word shingles, banded for lookup in a database.

A story's text is cut into shingles (every run of three words; each CJK character counts as
a word). Two texts' resemblance is the Jaccard index of their shingle sets: a syndicated copy
with a new headline, a dateline spelt differently or a sentence added keeps most shingles
(0.8 and more); two different reports on the same subject share almost none (under 0.1).

`bands` gives a text's locality-sensitive keys: 48 min-hashes in 12 bands of 4, each band
hashed to one integer. Texts of resemblance 0.7 share at least one band with probability
0.96, texts of 0.3 with about 0.1, so a database index on (band, value) yields the few
candidates; `resemblance` then decides on the texts themselves.

Written here rather than taken from a library: the maintained MinHash library (datasketch)
keeps its LSH index in memory or Redis and pulls in SciPy, while these bands are plain
integers that the store's own table indexes, under the one writer's transactions.
"""

from __future__ import annotations

import hashlib
import re

import numpy as np

SHINGLE = 3
MIN_TOKENS = 40  # shorter texts (a title and a line of summary) are compared only when identical
ROWS = 4
BANDS = 12
THRESHOLD = 0.5  # resemblance at and above which two texts tell the same story

_PRIME = (1 << 61) - 1
_rng = np.random.default_rng(20240709)  # fixed: bands stored today must match bands computed later
_A = _rng.integers(1, 1 << 30, size=ROWS * BANDS, dtype=np.uint64)
_B = _rng.integers(0, 1 << 30, size=ROWS * BANDS, dtype=np.uint64)
_TOKEN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]|[^\W_]+", re.UNICODE)


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens; each CJK character is a token of its own."""
    return _TOKEN.findall(text.lower())


def shingles(text: str) -> set[str]:
    return _shingles(tokens(text))


def _shingles(words: list[str]) -> set[str]:
    return {" ".join(words[i : i + SHINGLE]) for i in range(max(1, len(words) - SHINGLE + 1))}


def resemblance(a: str, b: str) -> float:
    """Jaccard index of the two texts' shingle sets (1.0: the same words in the same order)."""
    sa, sb = shingles(a), shingles(b)
    return len(sa & sb) / len(sa | sb) if sa or sb else 1.0


def bands(text: str) -> list[tuple[int, int]] | None:
    """(band number, value) keys of the text, or None when it is too short to tell stories apart."""
    words = tokens(text)
    if len(words) < MIN_TOKENS:
        return None
    # The shingles as UTF-8 bytes (each word encoded once), their 4-byte digests read as one
    # big-endian array: the same values as hashing each joined string (a tenth less time; the
    # hashing itself, one blake2b per shingle, is most of what is left).
    encoded = [w.encode("utf-8") for w in words]
    shingled = {b" ".join(encoded[i : i + SHINGLE]) for i in range(max(1, len(encoded) - SHINGLE + 1))}
    blake = hashlib.blake2b
    digests = b"".join([blake(s, digest_size=4).digest() for s in shingled])
    base = np.frombuffer(digests, dtype=">u4").astype(np.uint64)
    # (a * x + b) mod p for 48 (a, b) pairs; a, b < 2**30 and x < 2**32 keep a * x + b below 2**63.
    signature = ((base[:, None] * _A + _B) % _PRIME).min(axis=0)
    keys = []
    for band in range(BANDS):
        rows = signature[band * ROWS : (band + 1) * ROWS].tobytes()
        keys.append((band, int.from_bytes(hashlib.blake2b(rows, digest_size=4).digest(), "big") >> 1))
    return keys  # values below 2**31: a signed 32-bit INTEGER column holds them
