"""What search keeps between queries: a searcher per thread and index version, and the
filter, sort and facet columns of each index segment as arrays.

Opening a searcher and decoding a column value per match cost more than answering
most queries (issue 14). A searcher is a snapshot of the index: it is refreshed when
a writer has committed since, and replaced when a rebuild swapped in another index
(DESIGN.md: one searcher per thread). Segment files never change once written, so a
segment's arrays are read once (by its id) and shared by every later index version
that still holds the segment.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN

if TYPE_CHECKING:
    from whoosh.index import Index
    from whoosh.searching import Searcher

UNDATED = 2**64 - 1  # the date column's "no value"
CODED = ("source", "kind", "year")
_local = threading.local()
_segments: OrderedDict[str, SegmentColumns] = OrderedDict()
_segments_lock = threading.Lock()
_KEEP_SEGMENTS = 64


def searcher_for(ix: Index) -> Searcher:
    """This thread's searcher on `ix`, brought up to date with the last commit."""
    cached: dict[int, tuple[Index, Searcher]] = _local.__dict__.setdefault("searchers", {})
    entry = cached.get(id(ix))
    if entry is None or entry[0] is not ix:
        for _, old in cached.values():  # a reopened index: the old searchers go
            old.close()
        cached.clear()
        searcher = ix.searcher()
    else:
        searcher = entry[1]
        if not searcher.up_to_date():
            # refresh() reuses the open segment readers; Whoosh's reader of an empty index cannot be reused.
            searcher = searcher.refresh() if searcher.reader().segments() else ix.searcher()
    _lengths_in_memory(searcher)
    cached[id(ix)] = (ix, searcher)
    return searcher


def _lengths_in_memory(searcher: Searcher) -> None:
    """Hold each segment's field lengths (a byte per document) in memory.

    Scoring asks for a document's field length once per match and field, and Whoosh's
    column reader does a file read for each (without memory maps: a system call); a
    phrase query over 10,000 documents made 20,000 of them."""
    for leaf, _ in searcher.reader().leaf_readers():
        perdoc: Any = getattr(leaf, "_perdoc", None)
        readers = getattr(perdoc, "_readers", None)
        if perdoc is None or readers is None or getattr(perdoc, "_kb_lengths", False):
            continue
        for name, field in searcher.schema.items():
            lenfield = f"_{name}_len"  # whoosh.codec.whoosh3's name for the column
            if field.scorable and lenfield not in readers and perdoc.has_column(lenfield):
                readers[lenfield] = _Lengths(perdoc.column_reader(lenfield, LENGTHS_COLUMN))
        perdoc._kb_lengths = True


class _Lengths:
    """A lengths column read in one piece: the encoded length byte of each document."""

    def __init__(self, column: Any):
        self._bytes = column._dbfile.get(column._basepos, column._count) if column._count else b""

    def __getitem__(self, docnum: int) -> int:
        return self._bytes[docnum] if docnum < len(self._bytes) else 0  # the column's default


@dataclass
class SegmentColumns:
    """One segment's columns: dates, coded values and entity slugs per document."""

    published: np.ndarray  # uint64 per document; UNDATED when there is none
    codes: dict[str, tuple[np.ndarray, list[str]]]  # name -> (code per document, values)
    entity_docs: np.ndarray  # for each (document, entity) pair: the document...
    entity_codes: np.ndarray  # ... and the entity's code in entity_values
    entity_values: list[str]


@dataclass
class Columns:
    """The columns of a whole index version, segments placed one after the other."""

    size: int
    live: np.ndarray  # bool per document number: False for deleted documents
    published: np.ndarray
    codes: dict[str, tuple[np.ndarray, list[str]]]
    entity_docs: np.ndarray
    entity_codes: np.ndarray
    entity_values: list[str]

    def live_docnums(self) -> np.ndarray:
        return np.flatnonzero(self.live)


def columns_for(searcher: Searcher) -> Columns:
    """The columns of the searcher's index version (built once per version)."""
    built = searcher.__dict__.get("_kb_columns")
    if built is None:
        built = _combine(searcher.reader())
        searcher.__dict__["_kb_columns"] = built
    return built


def _combine(reader: Any) -> Columns:
    readers = [(r, offset) for r, offset in reader.leaf_readers() if r.doc_count_all()]  # not an empty index
    size = reader.doc_count_all()
    live = np.ones(size, dtype=bool)
    parts = []
    for r, offset in readers:
        parts.append(_segment_columns(r))
        if r.has_deletions():
            segment_live = np.zeros(r.doc_count_all(), dtype=bool)
            segment_live[np.fromiter(r.all_doc_ids(), dtype=np.int64)] = True
            live[offset : offset + r.doc_count_all()] = segment_live
    published = np.concatenate([p.published for p in parts]) if parts else np.zeros(0, np.uint64)
    codes = {name: _merge_codes([p.codes[name] for p in parts]) for name in CODED}
    entity_codes, entity_values = _merge_codes([(p.entity_codes, p.entity_values) for p in parts])
    offsets = [offset for _, offset in readers]
    entity_docs = (
        np.concatenate([p.entity_docs + off for p, off in zip(parts, offsets, strict=True)])
        if parts
        else np.zeros(0, np.int64)
    )
    return Columns(size, live, published, codes, entity_docs, entity_codes, entity_values)


def _merge_codes(parts: list[tuple[np.ndarray, list[str]]]) -> tuple[np.ndarray, list[str]]:
    """Codes of several segments re-numbered into one list of values."""
    values: list[str] = []
    index: dict[str, int] = {}
    arrays = []
    for codes, seg_values in parts:
        remap = np.array([index.setdefault(v, len(index)) for v in seg_values] or [0], dtype=np.int32)
        arrays.append(remap[codes] if len(seg_values) else codes)
    values = list(index)
    return (np.concatenate(arrays) if arrays else np.zeros(0, np.int32)), values


def _segment_columns(reader: Any) -> SegmentColumns:
    key = f"{reader.segment().segment_id()}:{reader.doc_count_all()}"  # segment ids are random, per index
    with _segments_lock:
        found = _segments.get(key)
        if found is not None:
            _segments.move_to_end(key)
            return found
    built = _read_segment(reader)
    with _segments_lock:
        _segments[key] = built
        while len(_segments) > _KEEP_SEGMENTS:
            _segments.popitem(last=False)
    return built


def _read_segment(reader: Any) -> SegmentColumns:
    count = reader.doc_count_all()
    published = _numeric(reader.column_reader("published", translate=False), count)
    codes = {name: _coded(reader.column_reader(name, translate=False), count) for name in CODED}
    docs: list[int] = []
    slugs: list[str] = []
    for docnum, value in enumerate(_var_values(reader.column_reader("entity_list", translate=False), count)):
        if value:
            for slug in value.decode("utf-8").split():
                docs.append(docnum)
                slugs.append(slug)
    values = sorted(set(slugs))
    index = {v: i for i, v in enumerate(values)}
    entity_codes = np.fromiter((index[s] for s in slugs), dtype=np.int32, count=len(slugs))
    return SegmentColumns(published, codes, np.array(docs, dtype=np.int64), entity_codes, values)


def _numeric(column: Any, count: int) -> np.ndarray:
    """A fixed-width unsigned column read in one piece (values are stored big-endian)."""
    stored = getattr(column, "_count", None)
    dbfile, typecode = getattr(column, "_dbfile", None), getattr(column, "_typecode", None)
    if stored is None or dbfile is None or typecode != "Q":  # an empty column, or another layout
        return np.fromiter((v if v is not None else UNDATED for v in column), dtype=np.uint64, count=count)
    out = np.full(count, column._default, dtype=np.uint64)
    if stored:
        out[:stored] = np.frombuffer(dbfile.get(column._basepos, stored * 8), dtype=">u8")
    return out


def _coded(column: Any, count: int) -> tuple[np.ndarray, list[str]]:
    """A column of few distinct values as (code per document, values)."""
    values: dict[Any, int] = {}
    codes = np.fromiter(
        (values.setdefault(v, len(values)) for v in _var_values(column, count)), dtype=np.int32, count=count
    )
    return codes, [v.decode("utf-8") if isinstance(v, bytes) else str(v or "") for v in values]


def _var_values(column: Any, count: int) -> list:
    """Every value of a variable-width column, read in one piece and cut at its offsets
    (Whoosh's reader does a file read per document)."""
    offsets, lengths = getattr(column, "_offsets", None), getattr(column, "_lengths", None)
    if offsets is None or lengths is None or len(offsets) != count:
        return list(column)
    data = column._dbfile.get(column._basepos, column._length)
    return [data[start : start + size] for start, size in zip(offsets, lengths, strict=True)]
