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

import io
import pickle
import struct
import threading
import zlib
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Callable, Sequence
from functools import cached_property, partial
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

import numpy as np
from whoosh import columns
from whoosh.codec.whoosh3 import (
    LENGTHS_COLUMN,
    STORED_COLUMN,
    WHOOSH3_HEADER_MAGIC,
    W3LeafMatcher,
    W3PerDocReader,
    W3TermsReader,
)
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import TermNotFound
from whoosh.system import _INT_SIZE, unpack_int

if TYPE_CHECKING:
    from whoosh.index import Index
    from whoosh.searching import Searcher

    from kb.doclists import DocLists, Listed

UNDATED = 2**64 - 1  # the date column's "no value"
CODED = ("source", "kind", "year")
_local = threading.local()
_segments: OrderedDict[str, Any] = OrderedDict()  # (segment, column) -> its arrays
_segments_lock = threading.Lock()
_KEEP_PARTS = 64 * 6  # the parts of 64 segments: published, source, kind, year, entity, stored


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
            # A new searcher, not refresh(): Whoosh's refresh reuses the open segment readers
            # with the deletions they were opened with, so that removed and replaced
            # documents were still found. The segments' columns are kept (_segment_part).
            searcher.close()
            searcher = ix.searcher()
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


class Columns:
    """The columns of a whole index version, segments placed one after the other.

    Each column is read on first use: a relevance query without facets (a cold `kb search`)
    needs none but the deleted documents, and the entity column costs the most to read."""

    def __init__(self, reader: Any):
        self._readers = [(r, offset) for r, offset in reader.leaf_readers() if r.doc_count_all()]  # not empty
        self.size: int = reader.doc_count_all()

    @cached_property
    def live(self) -> np.ndarray:
        """A bool per document number: False for deleted documents."""
        live = np.ones(self.size, dtype=bool)
        for r, offset in self._readers:
            if r.has_deletions():
                segment_live = np.zeros(r.doc_count_all(), dtype=bool)
                segment_live[np.fromiter(r.all_doc_ids(), dtype=np.int64)] = True
                live[offset : offset + r.doc_count_all()] = segment_live
        return live

    def live_docnums(self) -> np.ndarray:
        return np.flatnonzero(self.live)

    def by_date(self, oldest: bool) -> np.ndarray:
        """Every document number (deleted ones too) by publication date, newest or oldest
        first, undated last, equal dates by document number: sorted once per index version."""
        name = "_oldest_first" if oldest else "_newest_first"
        found = self.__dict__.get(name)
        if found is None:
            dates = self.published
            # newest first: by the complement, so that one ascending sort serves both ways
            key = dates if oldest else np.where(dates == UNDATED, UNDATED, (UNDATED - 1) - dates)
            found = self.__dict__[name] = np.argsort(key, kind="stable")
        return found

    @cached_property
    def published(self) -> np.ndarray:
        """uint64 per document; UNDATED when there is none."""
        parts = [_segment_part(r, "published") for r, _ in self._readers]
        return np.concatenate(parts) if parts else np.zeros(0, np.uint64)

    @cached_property
    def codes(self) -> dict[str, tuple[np.ndarray, list[str]]]:
        """name -> (code per document, values) for the source, kind and year columns."""
        return {name: _merge_codes([_segment_part(r, name) for r, _ in self._readers]) for name in CODED}

    @cached_property
    def _entities(self) -> tuple[np.ndarray, np.ndarray, list[str]]:
        parts = [(_segment_part(r, "entity"), offset) for r, offset in self._readers]
        codes, values = _merge_codes([(codes, values) for (_, codes, values), _ in parts])
        docs = np.concatenate([docs + offset for (docs, _, _), offset in parts]) if parts else np.zeros(0, np.int64)
        return docs, codes, values

    @property
    def entity_docs(self) -> np.ndarray:
        """For each (document, entity) pair: the document..."""
        return self._entities[0]

    @property
    def entity_codes(self) -> np.ndarray:
        """... and the entity's code in entity_values."""
        return self._entities[1]

    @property
    def entity_values(self) -> list[str]:
        return self._entities[2]


def columns_for(searcher: Searcher) -> Columns:
    """The columns of the searcher's index version (one object per version)."""
    built = searcher.__dict__.get("_kb_columns")
    if built is None:
        built = Columns(searcher.reader())
        searcher.__dict__["_kb_columns"] = built
    return built


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


def _segment_part(reader: Any, part: str) -> Any:
    """One column of one segment, read once (segment files never change)."""
    key = f"{reader.segment().segment_id()}:{reader.doc_count_all()}:{part}"  # segment ids are random, per index
    with _segments_lock:
        found = _segments.get(key)
        if found is not None:
            _segments.move_to_end(key)
            return found
    built = _read_part(reader, part)
    with _segments_lock:
        _segments[key] = built
        while len(_segments) > _KEEP_PARTS:
            _segments.popitem(last=False)
    return built


def _read_part(reader: Any, part: str) -> Any:
    count = reader.doc_count_all()
    if part == "stored":
        return _stored_layout(reader)
    if part == "published":
        return _numeric(reader.column_reader("published", translate=False), count)
    if part in CODED:
        return _coded(reader.column_reader(part, translate=False), count)
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
    return np.array(docs, dtype=np.int64), entity_codes, values


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


# ---- stored fields -------------------------------------------------------------------


def stored_ids(searcher: Searcher, docnums: Sequence[int]) -> list[int]:
    """`int(searcher.stored_fields(docnum)["id"])` for each of `docnums`.

    Whoosh's stored-fields reader, made on a segment's first read, works out where each of
    the segment's documents starts with a Python loop over all of them: about 2 ms per
    17,000-document segment, 11 ms of a cold `kb search` at 100,000 documents whose ten hits
    lie in six segments. Here the starts are a cumulative sum of the lengths with numpy (read
    once per segment, _segment_part), and each document's value is read, inflated and
    unpickled as Whoosh does (STORED_COLUMN: PickleColumn(CompressedBytesColumn()))."""
    if not docnums:
        return []
    leaves = list(searcher.reader().leaf_readers())
    bases = [base for _, base in leaves]
    out = []
    for docnum in docnums:
        leaf, base = leaves[max(0, bisect_right(bases, docnum) - 1)]  # MultiReader._document_segment
        out.append(int(_stored_fields(leaf, docnum - base)["id"]))
    return out


def _stored_fields(leaf: Any, docnum: int) -> dict:
    perdoc: Any = getattr(leaf, "_perdoc", None)
    closed = getattr(leaf, "is_closed", True)
    layout: tuple[int, np.ndarray, np.ndarray] | Literal[False] = (
        _segment_part(leaf, "stored") if type(perdoc) is W3PerDocReader and not closed else False
    )
    if layout is False:  # another codec or layout, or a closed reader: Whoosh's reader (and its error)
        return leaf.stored_fields(docnum)
    basepos, starts, lengths = layout
    dbfile = perdoc.column_reader("_stored", _StoredFile)[0]
    size = int(lengths[docnum])
    value = zlib.decompress(dbfile.get(basepos + int(starts[docnum]), size)) if size else b""
    fields = pickle.loads(value) if value else {}  # W3PerDocReader.stored_fields: None -> {}
    return {name: v for name, v in fields.items() if name in leaf.schema}  # SegmentReader.stored_fields


class _StoredFile:
    """A stand-in column for W3PerDocReader.column_reader: the segment's open stored-fields
    file and the column's extent, without Whoosh's reader (and its loop over every document)."""

    @staticmethod
    def reader(dbfile: Any, basepos: int, length: int, doccount: int) -> tuple[Any, int, int, int]:
        return dbfile, basepos, length, doccount


def _stored_layout(leaf: Any) -> tuple[int, np.ndarray, np.ndarray] | Literal[False]:
    """Where each document's stored fields start in the segment's stored column, and their
    lengths (VarBytesColumn.Reader._read_offsets_and_lengths); False for another layout."""
    child = getattr(STORED_COLUMN, "_child", None)
    if type(child) is not columns.CompressedBytesColumn or getattr(child, "_module", None) != "zlib":
        return False
    if not leaf._perdoc.has_column("_stored"):
        return False
    dbfile, basepos, length, doccount = leaf._perdoc.column_reader("_stored", _StoredFile)
    lastbyte = basepos + length - 1
    code = chr(dbfile.get_byte(lastbyte))
    if code not in "bBhHiIlLqQ":  # "X": the offsets are written too (over 32,768 documents), read as they are
        return False
    lengths = np.asarray(dbfile.get_array(lastbyte - doccount * struct.calcsize(code), code, doccount), dtype=np.int64)
    starts = np.zeros(doccount, dtype=np.int64)
    np.cumsum(lengths[:-1], out=starts[1:])
    return basepos, starts, lengths


# ---- matches as arrays ---------------------------------------------------------------


def docnums_for(searcher: Searcher, live: np.ndarray, q: Any, read: dict | None = None) -> np.ndarray:
    """The live documents matching `q`, in order: what `searcher.docs_for_query(q)` lists.

    Terms are read a block of postings at a time and combined with numpy (Or: union,
    And: intersection, AndMaybe: its first part, AndNot: difference); Whoosh's own
    listing steps through every posting of every term in Python, which cost a common
    term most of its query time (issue 14). Other queries (phrases, ranges, prefixes...)
    are listed by Whoosh. `read`, when given, gets each term's document numbers, by
    (field, term as bytes)."""
    return _only_live(_docnums(searcher, q, read), live)


def _only_live(docnums: np.ndarray, live: np.ndarray) -> np.ndarray:
    return docnums[live[docnums]] if len(docnums) else docnums


def _docnums(searcher: Searcher, q: Any, read: dict | None = None) -> np.ndarray:
    from whoosh import query as wq

    kind = type(q)
    if kind is wq.Term:
        docnums = _term_docnums(searcher, q.fieldname, q.text)
        if read is not None:
            read[q.fieldname, q.text.encode("utf-8") if isinstance(q.text, str) else q.text] = docnums
        return docnums
    if kind in (wq.Or, wq.And) and q.subqueries and not any(type(sub) is wq.Not for sub in q.subqueries):
        parts = [_docnums(searcher, sub, read) for sub in q.subqueries]
        combine = _union if kind is wq.Or else _intersect
        out = parts[0]
        for part in parts[1:]:
            out = combine(out, part)
        return out
    if kind is wq.AndMaybe:
        return _docnums(searcher, q.a, read)
    if isinstance(q, wq.AndNot):
        return _minus(_docnums(searcher, q.a, read), _docnums(searcher, q.b, read))
    return np.fromiter(searcher.docs_for_query(q), dtype=np.int64)


def _union(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """np.union1d, without its first call's import of numpy.ma (40 ms of a cold `kb search`)."""
    both = np.sort(np.concatenate((a, b)), kind="stable")
    return both[np.concatenate(([True], both[1:] != both[:-1]))] if len(both) else both


def _intersect(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.intersect1d(a, b, assume_unique=True)


def _minus(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The numbers of sorted `a` that sorted `b` does not hold."""
    if not len(a) or not len(b):
        return a
    at = np.minimum(np.searchsorted(b, a), len(b) - 1)
    return a[b[at] != a]


def _term_docnums(searcher: Searcher, fieldname: str, text: Any) -> np.ndarray:
    """Every document holding the term, deleted ones included (docnums_for leaves those out)."""
    parts = []
    for leaf, offset in searcher.reader().leaf_readers():
        try:
            if (fieldname, text) not in leaf:
                continue
        except ValueError:  # a text the field cannot hold (a word for a date field)
            continue
        parts.append(_posting_ids(_unfiltered(leaf.postings(fieldname, text))) + offset)
    return np.concatenate(parts) if parts else np.zeros(0, np.int64)


def _unfiltered(matcher: Any) -> Any:
    """A segment's matcher without the wrapper that leaves its deleted documents out."""
    return matcher.child if isinstance(matcher, FilterMatcher) else matcher


def _posting_ids(matcher: Any) -> np.ndarray:
    """A term's document numbers in one segment."""
    blocks = [ids for ids, _, _ in posting_blocks(matcher)]
    return np.concatenate(blocks) if blocks else np.zeros(0, np.int64)


Values = Callable[[], Sequence[Any]]  # a block's values (positions), unpickled when asked for


def posting_blocks(matcher: Any) -> list[tuple[np.ndarray, np.ndarray, Values]]:
    """(document numbers, weights, values) of a term's postings in one segment, by block."""
    return read_postings(matcher).blocks


class SegmentPostings:
    """A term's postings in one segment: its blocks, and (when read with numpy) the blocks'
    pickles one after the other, for value_spans."""

    def __init__(
        self, blocks: list[tuple[np.ndarray, np.ndarray, Values]], pickles: Any = None, listed: Listed | None = None
    ):
        self.blocks = blocks
        self.listed = listed  # the same postings from the segment's document lists, with their positions
        self.size = sum(len(ids) for ids, _, _ in blocks)
        # (bytes as uint8, each block's start, end and posting count), None, or what gives one of those
        self._given = pickles

    @cached_property
    def _pickles(self) -> Any:
        return self._given() if callable(self._given) else self._given

    @cached_property
    def buffer(self) -> np.ndarray:
        return self._pickles[0] if self._pickles is not None else np.zeros(0, np.uint8)

    @cached_property
    def value_spans(self) -> tuple[np.ndarray, np.ndarray] | None:
        """Where each posting's value lies in `buffer` (start, length in UTF-8), in order;
        None when the values must be unpickled (_value_spans)."""
        return _value_spans(*self._pickles) if self._pickles is not None else None

    def values_at(self, at: np.ndarray) -> list[Any]:
        """The values of the postings at `at` (ascending), unpickling only the blocks that hold them."""
        ends = np.cumsum([len(ids) for ids, _, _ in self.blocks])
        out = []
        held: dict[int, tuple[int, Sequence[Any]]] = {}
        for block, i in zip(np.searchsorted(ends, at, side="right").tolist(), at.tolist(), strict=True):
            if block not in held:
                held[block] = (int(ends[block]) - len(self.blocks[block][0]), self.blocks[block][2]())
            start, values = held[block]
            out.append(values[i - start])
        return out


def read_postings(matcher: Any) -> SegmentPostings:
    """A term's postings in one segment (read_postings_many of one)."""
    return read_postings_many([matcher])[0]


class PostingExtent(NamedTuple):
    """Where a term's posting list lies in a segment's postings file (from its W3TermInfo),
    for read_postings_many: Whoosh's matcher in its place would read and unpickle the
    list's first block just to be opened (issue 14)."""

    postfile: Any
    start: int
    length: Any  # as W3TermInfo holds it: an int, or unpack_int's tuple
    fixed: int | None  # the format's fixed value size


class ListedPostings(NamedTuple):
    """A term's list in a segment from the segment's document lists (kb.doclists), with
    where its Whoosh list lies, read only if its values themselves are asked for."""

    listed: Listed
    extent: PostingExtent
    block: int  # postings per block of the Whoosh list

    def postings(self) -> SegmentPostings:
        docs, weights, size = self.listed.docs, self.listed.weights, len(self.listed.docs)
        blocks = _BlocksRead(self.extent, self.block, size)
        cut = range(0, size, self.block)
        return SegmentPostings(
            [
                (docs[at : at + self.block], weights[at : at + self.block], partial(blocks.values, i))
                for i, at in enumerate(cut)
            ],
            blocks.pickles,
            self.listed,
        )


class _BlocksRead:
    """A Whoosh list's blocks, read once when its values are first asked for."""

    def __init__(self, extent: PostingExtent, block: int, size: int):
        self.extent = extent
        self.counts = [min(block, size - at) for at in range(0, size, block)]

    @cached_property
    def datas(self) -> list[bytes]:
        counts, datas = _raw_blocks(*self.extent[:3])
        if counts != self.counts:
            raise RuntimeError("the index's document lists disagree with its postings: run `kb reindex`")
        return datas

    def values(self, i: int) -> Sequence[Any]:
        return _values(pickle.loads(self.datas[i])[2], self.extent.fixed, self.counts[i])

    def pickles(self) -> Any:
        """What read_postings_many keeps for value_spans: the blocks' pickles one after the
        other. The layout of the document numbers and weights before each block's values is
        not checked here (_heads does it for lists read from their blocks): _value_spans
        finds the values from the first one's opening, which those parts cannot hold, and
        takes them only when each block holds as many as its postings."""
        if self.extent.fixed is not None:
            return None
        datas = self.datas
        lengths = np.fromiter(map(len, datas), dtype=np.int64, count=len(datas))
        starts = np.cumsum(lengths) - lengths
        return np.frombuffer(b"".join(datas), dtype=np.uint8), starts, starts + lengths, np.array(self.counts, np.int64)


def term_postings(leaf: Any, fieldname: str, tbytes: bytes, lists: DocLists | None = None) -> tuple[int, Any] | None:
    """A term's document frequency in a segment and what read_postings_many reads of it, from
    one lookup of its term info (and its documents from the segment's `lists`, when it has
    them); None when the segment does not hold the term. A segment's deleted documents are
    not left out here."""
    terms: Any = getattr(leaf, "_terms", None)
    if type(terms) is not W3TermsReader or getattr(leaf, "is_closed", True) or fieldname not in leaf.schema:
        if (fieldname, tbytes) not in leaf:
            return None
        return leaf.doc_frequency(fieldname, tbytes), _unfiltered(leaf.postings(fieldname, tbytes))
    try:
        info = terms.term_info(fieldname, tbytes)
    except TermNotFound:
        return None
    fmt = leaf.schema[fieldname].format
    # (W3TermInfo's inlined lists cannot occur: Whoosh's writer fails on them, set_inline is missing)
    offset, length = info.extent()
    extent = PostingExtent(terms._postfile, offset, length, fmt.fixed_value_size())
    listed = lists.find(offset) if lists is not None else None
    if lists is not None and listed is not None:
        return info.doc_frequency(), ListedPostings(listed, extent, lists.block)
    return info.doc_frequency(), extent


def read_postings_many(matchers: Sequence[Any]) -> list[SegmentPostings]:
    """Terms' postings, each in one segment (a matcher, or a PostingExtent).

    whoosh.codec.whoosh3's posting list is read in one piece and cut into its blocks here
    (its matcher reads each block's header with a pickle.load on the file: many small
    reads). A block is a pickle of (document number deltas, weights, values); the first
    two are read with numpy (_heads), for the blocks of every list at once (a query's
    terms in every segment: one pass instead of one per list), and the values, most of
    the unpickling, only when asked for (phrases). Any other matcher (a short list kept in
    the term's entry) is read a posting at a time."""
    out: list[SegmentPostings | None] = [None] * len(matchers)
    lists: list[tuple[int, list[int], list[bytes], int | None]] = []  # (position in out, counts, datas, fixed size)
    for at, matcher in enumerate(matchers):
        if type(matcher) is ListedPostings:
            out[at] = matcher.postings()
        elif type(matcher) is PostingExtent:
            lists.append((at, *_raw_blocks(matcher.postfile, matcher.start, matcher.length), matcher.fixed))
        elif type(matcher) is not W3LeafMatcher or matcher._byteids:
            out[at] = _posting_by_posting(matcher)
        else:
            raw = _raw_blocks(matcher._postfile, matcher._startoffset, matcher._length)
            lists.append((at, *raw, matcher._fixedsize))
    counts = [count for _, cs, _, _ in lists for count in cs]
    datas = [data for _, _, ds, _ in lists for data in ds]
    b, starts, heads = _heads(counts, datas)
    first = 0
    for at, cs, ds, fixed in lists:
        last = first + len(cs)
        out[at] = _segment_postings(cs, ds, fixed, b, starts[first:last], heads[first:last])
        first = last
    return [postings for postings in out if postings is not None]


def _posting_by_posting(matcher: Any) -> SegmentPostings:
    ids, weights, kept = [], [], []
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        kept.append(matcher.value())
        matcher.next()
    return SegmentPostings([(np.array(ids, dtype=np.int64), np.array(weights, dtype=np.float64), _given(kept))])


def _raw_blocks(postfile: Any, start: int, extent: Any) -> tuple[list[int], list[bytes]]:
    """Each block's posting count and its pickle (decompressed) of the list at `start`."""
    # W3TermInfo reads the extent as unpack_int's tuple
    raw = postfile.get(start, extent[0] if isinstance(extent, tuple) else extent)
    at = len(WHOOSH3_HEADER_MAGIC)
    last = False
    counts: list[int] = []
    datas: list[bytes] = []
    while not last and at < len(raw):
        (length,) = unpack_int(raw[at : at + _INT_SIZE])
        last, length = length < 0, abs(length)
        block = memoryview(raw)[at + _INT_SIZE : at + _INT_SIZE + length]
        header = io.BytesIO(block)
        count, _, _, compression, _, _ = pickle.load(header)  # the block's info (W3LeafMatcher._goto)
        stored = block[header.tell() :]
        counts.append(count)
        datas.append(zlib.decompress(stored) if compression else bytes(stored))
        at += _INT_SIZE + length
    return counts, datas


def _segment_postings(
    counts: list[int],
    datas: list[bytes],
    fixed: int | None,
    b: np.ndarray,
    starts: np.ndarray,
    heads: list[tuple[np.ndarray, np.ndarray] | None],
) -> SegmentPostings:
    """One list's blocks, from _heads' reading of them (`starts`: where each lies in `b`)."""
    out = []
    for count, data, head in zip(counts, datas, heads, strict=True):
        if head is not None:
            out.append((head[0], head[1], _unpickled_values(data, fixed, count)))
            continue
        ids, weights, vs = pickle.loads(data)
        if weights is None:
            ws = np.ones(count, np.float64)
        elif isinstance(weights, float):
            ws = np.full(count, weights, np.float64)
        else:
            ws = np.array(weights, dtype=np.float64)
        out.append((np.cumsum(np.array(ids, dtype=np.int64)), ws, _given(_values(vs, fixed, count))))  # delta_decode
    readable = fixed is None and all(head is not None for head in heads)  # positions' layout (formats.Positions)
    if not readable or not len(starts):
        return SegmentPostings(out)
    lengths = np.fromiter(map(len, datas), dtype=np.int64, count=len(datas))
    own = b[starts[0] : starts[-1] + lengths[-1]]  # this list's pickles, one after the other
    own_starts = starts - starts[0]
    return SegmentPostings(out, (own, own_starts, own_starts + lengths, np.array(counts, np.int64)))


def _given(values: Sequence[Any]) -> Values:
    return lambda: values


def _unpickled_values(data: bytes, fixed: int | None, count: int) -> Values:
    return lambda: _values(pickle.loads(data)[2], fixed, count)


def _values(stored: Any, fixed: int | None, count: int) -> Sequence[Any]:
    """A block's values as W3LeafMatcher._read_values gives them."""
    if fixed is None or fixed < 0:
        return stored
    if fixed == 0:
        return (None,) * count
    return tuple(stored[i : i + fixed] for i in range(0, len(stored), fixed))


# Pickle opcodes (protocol 2) of a block's first two parts
_MARK, _TUPLE, _BINPUT, _NONE, _BINFLOAT = 0x28, 0x74, 0x71, 0x4E, 0x47
_BININT1, _BININT2, _BININT = 0x4B, 0x4D, 0x4A


def _heads(
    counts: list[int], datas: list[bytes]
) -> tuple[np.ndarray, np.ndarray, list[tuple[np.ndarray, np.ndarray] | None]]:
    """(document numbers, weights) of each block, read with numpy; None for a block laid out
    otherwise, which is unpickled (a gap of 256 or more between document numbers; fewer than
    4 postings, as Whoosh pickles tuples of up to 3 without MARK).

    A block's pickle starts PROTO 2, MARK, its first document number (BININT1, BININT2 or
    BININT: 2, 3 or 5 bytes), the delta to each next one as BININT1, TUPLE, BINPUT 0; then the weights: NONE (all 1), one BINFLOAT (all the same), or MARK, a
    BINFLOAT (9 bytes) each and TUPLE."""
    size = len(counts)
    out: list[tuple[np.ndarray, np.ndarray] | None] = [None] * size
    if not size:
        return np.zeros(0, np.uint8), np.zeros(0, np.int64), out
    lengths = np.fromiter(map(len, datas), dtype=np.int64, count=size)
    count = np.array(counts, dtype=np.int64)
    b = np.frombuffer(b"".join(datas), dtype=np.uint8)
    starts = np.cumsum(lengths) - lengths
    ends = starts + lengths
    # the numbers and what follows them must lie inside the block (checked before reading)
    ok = (count >= 4) & (starts + 6 + 2 * count + 5 <= ends)
    blocks = np.flatnonzero(ok)
    ok[blocks] = (b[starts[blocks]] == 0x80) & (b[starts[blocks] + 1] == 2) & (b[starts[blocks] + 2] == _MARK)
    blocks = np.flatnonzero(ok)
    n = count[blocks]
    head = starts[blocks] + 3
    op = b[head]
    width = np.where(op == _BININT1, 2, np.where(op == _BININT2, 3, np.where(op == _BININT, 5, 0)))
    ok[blocks] &= width > 0
    byte = b[head[:, None] + np.arange(1, 5)].astype(np.int64)  # BININT is a signed int32: never negative here
    start = np.where(width == 2, byte[:, 0], np.where(width == 3, byte[:, 0] | (byte[:, 1] << 8), 0))
    start = np.where(width == 5, byte[:, 0] | (byte[:, 1] << 8) | (byte[:, 2] << 16) | (byte[:, 3] << 24), start)
    rest = n - 1
    later = np.repeat(head + width, rest) + 2 * _ranks(rest)  # each next delta's opcode
    bad = np.bincount(np.repeat(np.arange(len(blocks)), rest), weights=b[later] != _BININT1, minlength=len(blocks))
    after = head + width + 2 * rest
    ok[blocks] &= (bad == 0) & (b[after] == _TUPLE) & (b[after + 1] == _BINPUT) & (b[after + 2] == 0)
    deltas = np.empty(int(n.sum()), dtype=np.int64)
    delta_at = np.cumsum(n) - n
    deltas[delta_at] = start
    deltas[np.repeat(delta_at + 1, rest) + _ranks(rest)] = b[later + 1]
    w = after + 3
    kind = b[w]
    tupled = kind == _MARK
    ok[blocks[tupled]] &= w[tupled] + 2 + 9 * n[tupled] <= ends[blocks[tupled]]
    ok[blocks] &= (kind == _NONE) | ((kind == _BINFLOAT) & (w + 9 <= ends[blocks])) | tupled
    tupled &= ok[blocks]
    m = n[tupled]
    floats = np.repeat(w[tupled] + 1, m) + 9 * _ranks(m)  # each weight's opcode
    tail = w[tupled] + 1 + 9 * m
    good = np.bincount(np.repeat(np.arange(len(m)), m), weights=b[floats] == _BINFLOAT, minlength=len(m)) == m
    ok[blocks[tupled]] = good & (b[tail] == _TUPLE)
    weights = b[floats[:, None] + np.arange(1, 9)].view(">f8").ravel().astype(np.float64) if len(floats) else None
    single = kind == _BINFLOAT
    one = b[w[single][:, None] + np.arange(1, 9)].view(">f8").ravel().astype(np.float64) if single.any() else None
    float_at = np.full(len(blocks), -1, np.int64)
    float_at[tupled] = np.cumsum(m) - m
    single_at = np.full(len(blocks), -1, np.int64)
    single_at[single] = np.arange(int(single.sum()))
    summed = np.cumsum(deltas)  # delta_decode of every block at once: less what came before the block
    numbers = summed - np.repeat(summed[delta_at] - deltas[delta_at], n) if len(deltas) else deltas
    for i, block in enumerate(blocks.tolist()):
        if not ok[block]:
            continue
        c = int(n[i])
        docs = numbers[delta_at[i] : delta_at[i] + c]
        if kind[i] == _NONE:
            ws = np.ones(c, np.float64)
        elif kind[i] == _BINFLOAT and one is not None:
            ws = np.full(c, one[single_at[i]], np.float64)
        elif weights is not None:
            ws = weights[float_at[i] : float_at[i] + c]
        else:
            continue
        out[block] = (docs, ws)
    return b, starts, out


_UNICODE, _BINGET, _LONG_BINPUT = 0x58, 0x68, 0x72
_ENCODE = b"c_codecs\nencode\nq"  # GLOBAL _codecs encode, BINPUT


def _value_spans(
    b: np.ndarray, starts: np.ndarray, ends: np.ndarray, counts: np.ndarray
) -> tuple[np.ndarray, np.ndarray] | None:
    """Where each value (bytes) lies in the blocks' pickles, without unpickling them.

    Protocol 2 pickles bytes as _codecs.encode(str, "latin1"): a block's first value is
    GLOBAL _codecs encode, BINPUT g, BINUNICODE (X, a 4-byte length, the text in UTF-8),
    ...; each next one BINGET g, BINUNICODE, ... (g is 2 after a tuple of weights, else 1).
    The texts are found with numpy, and taken only when every block holds as many as its
    postings, one after the other, each inside its block and followed by a BINPUT; None
    otherwise (the values are unpickled)."""
    joined = b.tobytes()
    opening = np.array(
        [joined.find(_ENCODE, start, end) for start, end in zip(starts.tolist(), ends.tolist(), strict=True)]
    )
    if len(b) < 3 or (opening < 0).any():
        return None
    memo = b[opening + len(_ENCODE)].astype(np.int64)  # g, per block
    x = np.flatnonzero((b[2:] == _UNICODE) & (b[:-2] == _BINGET) & (b[1:-1] <= 2)) + 2
    block = np.searchsorted(starts, x, side="right") - 1
    x = np.concatenate((x[b[x - 1] == memo[block]], opening + len(_ENCODE) + 1))
    x.sort()
    if len(x) != counts.sum() or not (b[x] == _UNICODE).all():
        return None
    block = np.searchsorted(starts, x, side="right") - 1
    if not np.array_equal(np.bincount(block, minlength=len(counts)), counts) or (x + 5 > ends[block]).any():
        return None
    size = b[x + 1].astype(np.int64) | (b[x + 2].astype(np.int64) << 8) | (b[x + 3].astype(np.int64) << 16)
    size |= b[x + 4].astype(np.int64) << 24
    text = x + 5
    end = text + size
    if (end >= ends[block]).any() or not ((b[end] == _BINPUT) | (b[end] == _LONG_BINPUT)).all():
        return None
    same = block[1:] == block[:-1]
    if (x[1:][same] <= end[:-1][same]).any():
        return None
    return text, size


def _ranks(counts: np.ndarray) -> np.ndarray:
    """0, 1, ... count - 1 for each count, one after the other."""
    total = int(counts.sum())
    return np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
