"""Each segment's posting lists as flat arrays (document numbers, weights and positions),
written beside Whoosh's segment by the project's writer (kb.index.BulkWriter).

A query reads a term's documents, weights and positions as slices of a memory map, where
Whoosh's blocks must be decompressed and their pickles read (most of the time of a query
of several words at 100,000 documents, issue 14). Everything Whoosh reads is unchanged:
a segment without this file (written by Whoosh's own code, or by an older version of the
project) is read from its blocks as before.

The file is named after its segment (``MAIN_<id>.kbdocs``), the pattern of the segment's
own files: Whoosh's clean-up after a commit removes it with its segment.

Layout, little-endian: six int64 (magic, the block size of Whoosh's lists, the term count
T, the posting count P, the position count Q, the width W of counts and positions: 2 or 4
bytes); T offsets of the terms' lists in the segment's postings file (int64, ascending:
the key, read from the term's W3TermInfo); T + 1 posting starts and T + 1 position starts
(int64); P document numbers (uint32); P weights (float32, the precision of Whoosh's
blocks); P position counts (W bytes: 0 for a field without positions); Q positions (W
bytes, each posting's in order).
"""

from __future__ import annotations

import mmap
import os
import threading
from array import array
from collections import OrderedDict
from itertools import chain
from pathlib import Path
from typing import Any

import numpy as np

SUFFIX = ".kbdocs"
_MAGIC = int.from_bytes(b"KBDOCS02", "little")
_HEADER = 6  # int64s
_BATCH = 100_000  # values whose positions are read in one numpy pass when the file is written


def path_for(folder: str | Path, segment_id: str) -> Path:
    return Path(folder) / f"{segment_id}{SUFFIX}"


class DocListWriter:
    """The lists of one segment, gathered term by term as the segment's postings are written."""

    def __init__(self) -> None:
        self.block = 128  # postings per block of Whoosh's lists (its codec's limit, set by the writer)
        self._offsets: list[int] = []
        self._ids: list[array] = []
        self._weights: list[array] = []
        self._values: list[list[bytes] | None] = []

    def add(self, offset: int, docnums: array, weights: array, positions: list[bytes] | None) -> None:
        """A term's list: where it starts in the postings file, its documents (ascending), their
        weights, and their values when the field has positions (formats.Positions)."""
        self._offsets.append(offset)
        self._ids.append(docnums)
        self._weights.append(weights)
        self._values.append(positions)

    def write(self, path: Path) -> None:
        """Write the file at `path` (whole, or not at all: written aside, then renamed)."""
        sizes = np.fromiter(map(len, self._ids), dtype=np.int64, count=len(self._ids))
        starts = np.concatenate(([0], np.cumsum(sizes)))
        counts, positions = self._positions()
        ends = np.concatenate(([0], np.cumsum(counts)))
        position_starts = ends[starts]
        big = max(int(counts.max(initial=0)), int(positions.max(initial=0))) >= 2**16
        width = "<u4" if big else "<u2"
        header = [_MAGIC, self.block, len(sizes), int(starts[-1]), len(positions), 4 if big else 2]
        aside = path.with_name(path.name + ".part")
        with open(aside, "wb") as out:
            np.array(header, dtype="<i8").tofile(out)
            np.array(self._offsets, dtype="<i8").tofile(out)
            starts.astype("<i8").tofile(out)
            position_starts.astype("<i8").tofile(out)
            _joined(self._ids, np.uint32).astype("<u4", copy=False).tofile(out)  # one write each: not one per term
            _joined(self._weights, np.float64).astype("<f4").tofile(out)
            counts.astype(width).tofile(out)
            positions.astype(width).tofile(out)
        os.replace(aside, path)

    def _positions(self) -> tuple[np.ndarray, np.ndarray]:
        """Each posting's count of positions and all the positions, in order: the values
        read in batches of many terms (one numpy pass costs as much for one term as for
        thousands)."""
        fmt = _positions_format()
        counts: list[np.ndarray] = []
        flat: list[np.ndarray] = []
        batch: list[bytes] = []

        def read_batch() -> None:
            if batch:
                owner, found = _positions(fmt, batch)
                counts.append(np.bincount(owner, minlength=len(batch)))
                flat.append(found)
                batch.clear()

        for ids, values in zip(self._ids, self._values, strict=True):
            if values is None:
                read_batch()
                counts.append(np.zeros(len(ids), np.int64))
                continue
            batch.extend(values)
            if len(batch) >= _BATCH:
                read_batch()
        read_batch()
        return (
            np.concatenate(counts) if counts else np.zeros(0, np.int64),
            np.concatenate(flat) if flat else np.zeros(0, np.int64),
        )


def _joined(parts: list[array], dtype: Any) -> np.ndarray:
    """The arrays one after the other (joined as arrays: a numpy view of each costs more than its copy)."""
    joined = array(parts[0].typecode if parts else "d")
    for part in parts:
        joined += part
    return np.frombuffer(joined, dtype=dtype) if parts else np.zeros(0, dtype)


def _positions_format() -> Any:
    from whoosh.formats import Positions

    return Positions()


class DocLists:
    """One segment's file, memory-mapped: a term's lists by its Whoosh list's offset."""

    def __init__(self, path: Path):
        with open(path, "rb") as file:
            mapped = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
        whole = np.frombuffer(mapped, dtype=np.uint8)  # a plain array: np.memmap's slicing is slow
        header = whole[: 8 * _HEADER].view("<i8") if len(whole) >= 8 * _HEADER else np.zeros(_HEADER, np.int64)
        magic, self.block, terms, postings, positions, width = (int(v) for v in header)
        size = 8 * (_HEADER + 3 * terms + 2) + (8 + width) * postings + width * positions
        if magic != _MAGIC or width not in (2, 4) or len(whole) != size:
            raise ValueError(f"{path}: not a document list file of this version")
        kind = f"<u{width}"
        at = 8 * _HEADER
        self._offsets = whole[at : at + 8 * terms].view("<i8")
        at += 8 * terms
        self._starts = whole[at : at + 8 * (terms + 1)].view("<i8")
        at += 8 * (terms + 1)
        self._position_starts = whole[at : at + 8 * (terms + 1)].view("<i8")
        at += 8 * (terms + 1)
        self._ids = whole[at : at + 4 * postings].view("<u4")
        at += 4 * postings
        self._weights = whole[at : at + 4 * postings].view("<f4")
        at += 4 * postings
        self._counts = whole[at : at + width * postings].view(kind)
        at += width * postings
        self._positions = whole[at : at + width * positions].view(kind)

    def find(self, offset: int) -> Listed | None:
        """The list at `offset`; None when the segment has none there."""
        at = int(np.searchsorted(self._offsets, offset))
        if at >= len(self._offsets) or self._offsets[at] != offset:
            return None
        start, end = int(self._starts[at]), int(self._starts[at + 1])
        first, last = int(self._position_starts[at]), int(self._position_starts[at + 1])
        return Listed(
            self._ids[start:end].astype(np.int64),
            self._weights[start:end].astype(np.float64),
            self._counts[start:end],
            self._positions[first:last],
        )


class Listed:
    """A term's list in one segment: document numbers, weights, and each posting's positions."""

    def __init__(self, docs: np.ndarray, weights: np.ndarray, counts: np.ndarray, positions: np.ndarray):
        self.docs, self.weights = docs, weights
        self._counts, self._positions = counts, positions  # as stored (2 or 4 bytes), converted when asked

    def positions_at(self, at: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(which posting of `at`, position) for every position of the postings at `at`."""
        counts = self._counts.astype(np.int64)
        starts = np.cumsum(counts) - counts
        wanted = counts[at]
        owner = np.repeat(np.arange(len(at), dtype=np.int64), wanted)
        taken = np.repeat(starts[at] - np.cumsum(wanted) + wanted, wanted) + np.arange(int(wanted.sum()))
        return owner, self._positions[taken].astype(np.int64)


_open: OrderedDict[Path, DocLists | None] = OrderedDict()
_lock = threading.Lock()
_KEPT = 64  # segments' files held open (a segment's file never changes once written)


def doclists_for(folder: str | Path | None, segment_id: str) -> DocLists | None:
    """The segment's lists, or None when it has no file (or one this version cannot read)."""
    if folder is None:
        return None
    path = path_for(folder, segment_id)
    with _lock:
        if path in _open:
            _open.move_to_end(path)
            return _open[path]
    try:
        found: DocLists | None = DocLists(path)
    except (OSError, ValueError):
        found = None
    with _lock:
        # files gone with their segments (merged, or an older generation swept away) are let
        # go: a memory map would keep their disk space taken
        for gone in [known for known in _open if not known.exists()]:
            del _open[gone]
        _open[path] = found
        while len(_open) > _KEPT:
            _open.popitem(last=False)
    return found


# ---- positions: Whoosh's values of formats.Positions, read with numpy -------------------


def _accumulated(counts: np.ndarray, deltas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(which value, position) from each value's count of positions and their deltas."""
    ends = np.cumsum(deltas)
    starts = np.cumsum(counts) - counts
    base = np.where(starts > 0, ends[np.maximum(starts - 1, 0)], 0)
    return np.repeat(np.arange(len(counts), dtype=np.int64), counts), ends - np.repeat(base, counts)


def _positions(fmt: Any, values: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """(which value, position) for every position in `values` (formats.Positions: a count,
    then the pickled list of deltas), read together (_deltas); values of another layout one by one."""
    if not values:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    lengths = np.fromiter(map(len, values), dtype=np.int64, count=len(values))
    read = _deltas(b"".join(values), lengths) if type(fmt).decode_positions is _POSITIONS_DECODE else None
    if read is not None:
        return _accumulated(*read)
    decoded = [fmt.decode_positions(v) for v in values]
    counts = np.fromiter(map(len, decoded), dtype=np.int64, count=len(decoded))
    flat = np.fromiter(chain.from_iterable(decoded), dtype=np.int64, count=int(counts.sum()))
    return np.repeat(np.arange(len(values), dtype=np.int64), counts), flat


# The pickle opcodes of a list of small ints (protocol 2) and the bytes each takes
_EMPTY_LIST, _BINPUT, _MARK, _APPEND, _APPENDS, _STOP = 0x5D, 0x71, 0x28, 0x61, 0x65, 0x2E
_BININT1, _BININT2, _BININT = 0x4B, 0x4D, 0x4A


def _deltas(joined: bytes, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """(count, deltas) of every value, read with numpy: each is the count (4 bytes), then
    pickle.dumps(deltas, 2): PROTO 2, EMPTY_LIST, BINPUT 0, then one int and APPEND, or MARK,
    the ints and APPENDS (each int BININT1, BININT2 or BININT), then STOP. The i-th ints of
    all values are read in one step. None when any value is laid out otherwise (a list
    of more than 1,000 ints is pickled in batches): the caller unpickles them one by one."""
    count = len(lengths)
    if not count or (lengths < 12).any():
        return None
    b = np.frombuffer(joined, dtype=np.uint8).astype(np.int64)
    starts = np.cumsum(lengths) - lengths
    counts = (b[starts] << 24) | (b[starts + 1] << 16) | (b[starts + 2] << 8) | b[starts + 3]
    heads = (b[starts + 4] == 0x80) & (b[starts + 5] == 2) & (b[starts + 6] == _EMPTY_LIST)
    heads &= (b[starts + 7] == _BINPUT) & (b[starts + 8] == 0) & (counts >= 1)
    many = counts > 1
    if not heads.all() or not (b[starts[many] + 9] == _MARK).all():
        return None
    at = starts + 9 + many
    offsets = np.cumsum(counts) - counts
    deltas = np.empty(int(counts.sum()), dtype=np.int64)
    active = np.arange(count)
    i = 0
    while len(active):
        p = at[active]
        op = b[p]
        one, two, four = op == _BININT1, op == _BININT2, op == _BININT
        if not (one | two | four).all():
            return None
        value = np.where(one, b[p + 1], b[p + 1] | (b[np.minimum(p + 2, len(b) - 1)] << 8))
        if four.any():
            q = p[four]
            signed = b[q + 1] | (b[q + 2] << 8) | (b[q + 3] << 16) | (b[q + 4] << 24)
            value[four] = np.where(signed >= 2**31, signed - 2**32, signed)
        deltas[offsets[active] + i] = value
        at[active] = p + np.where(one, 2, np.where(two, 3, 5))
        i += 1
        active = active[counts[active] > i]
    closed = b[at] == np.where(many, _APPENDS, _APPEND)
    rest = starts + lengths - at - 1  # STOP, or nothing (Whoosh's reader adds it when missing)
    stop = b[np.minimum(at + 1, len(b) - 1)] == _STOP
    if not (closed & ((rest == 0) | ((rest == 1) & stop))).all():
        return None
    return counts, deltas


def _positions_decode() -> Any:
    from whoosh.formats import Positions

    return Positions.decode_positions


_POSITIONS_DECODE = _positions_decode()
