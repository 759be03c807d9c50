"""The full-text index (Whoosh): schema, writing, rebuilding and checking.

The index is a cache of the database: it stores document ids and the
columns needed to filter, sort and facet; titles and bodies for display
are read back from SQLite. It can always be rebuilt from the database
(into a new directory, swapped in atomically through a symlink).
Querying lives in `kb.search`; together they are the only modules that
know about Whoosh.
"""

from __future__ import annotations

import hashlib
import logging
import multiprocessing
import os
import pickle
import shutil
import time
import zlib
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator
from concurrent.futures import BrokenExecutor
from dataclasses import dataclass, field
from itertools import pairwise, repeat
from pathlib import Path
from typing import TYPE_CHECKING

from whoosh import analysis, columns, fields, formats, index
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3PostingsWriter, length_to_byte
from whoosh.filedb.filestore import FileStorage
from whoosh.index import LockError
from whoosh.system import pack_uint
from whoosh.writing import MERGE_SMALL, SegmentWriter

from kb.batches import chunked
from kb.doclists import DocListWriter, path_for
from kb.errors import IndexBusy, IndexOutdated

if TYPE_CHECKING:  # the ORM is loaded only where documents are read: a search process never needs it
    from sqlalchemy import Row
    from sqlmodel import Session

    from kb.models import Document

log = logging.getLogger(__name__)

# CJK characters become one token each, so Chinese text is searchable too.
_TOKENS = r"[\u3400-\u9fff\uf900-\ufaff]|[^\W\u3400-\u9fff\uf900-\ufaff]+(?:[.'][^\W\u3400-\u9fff\uf900-\ufaff]+)*"


class OnePassAnalyzer(analysis.CompositeAnalyzer):
    """Whoosh's tokenizer, lowercase, stop and stem steps, answered in one pass when the
    caller wants only words and positions (indexing, parsing a query).

    The chain of generators and the stemmer's LFU cache were most of the time spent
    indexing a body (issue 14); this yields the same words at the same positions and
    character offsets (highlighting). Asked for anything unusual, it runs the chain itself."""

    def __init__(self, *composables):
        super().__init__(*composables)
        self._stems: dict[str, str] = {}
        self._words: dict[str, bytes | None] = {}  # a token as found -> the term indexed, None when stopped
        tokenizer = self.items[0]
        # words() reads tokens with findall, which gives whole matches only without groups
        self.groupless = (
            isinstance(tokenizer, analysis.RegexTokenizer) and not tokenizer.gaps and tokenizer.expression.groups == 0
        )

    def __reduce__(self):
        # Saved in an index's schema as the plain chain, which any version of the project
        # reads; open_index puts this one in its place.
        return (analysis.CompositeAnalyzer, tuple(self.items))

    def __call__(self, value, no_morph=False, **kwargs):
        keep_stops = not kwargs.get("removestops", True)
        simple = not no_morph and _ONE_PASS_ARGS.issuperset(kwargs) and kwargs.get("tokenize", True)
        simple = simple and not kwargs.get("start_pos") and not kwargs.get("keeporiginal")
        if not simple or (keep_stops and kwargs.get("positions")):
            return super().__call__(value, no_morph=no_morph, **kwargs)
        return self._one_pass(value, keep_stops, **kwargs)

    def _one_pass(self, value: str, keep_stops: bool, positions=False, chars=False, start_char=0, mode="", **kwargs):
        tokenizer, _, stop, *rest = self.items
        stems = self._stems
        stem = rest[0]._stem if rest else None
        stops, low, high = stop.stops, stop.min, stop.max
        if len(stems) > 500_000:
            stems.clear()
        boosts = {"boosts": kwargs["boosts"]} if kwargs.get("boosts") else {}
        t = analysis.Token(positions, chars, removestops=not keep_stops, mode=mode, **boosts)
        t.boost = 1.0
        pos = None
        for raw, match in enumerate(tokenizer.expression.finditer(value)):
            text = match.group(0).lower()
            t.stopped = len(text) < low or (high is not None and len(text) > high) or text in stops
            if t.stopped:
                if not keep_stops:
                    continue
            elif stem is not None:
                found = stems.get(text)
                if found is None:
                    found = stems[text] = stem(text)
                text = found
            t.text = text
            if positions:
                # StopFilter(renumber=True): the first kept word keeps its position, the next count on from it
                t.pos = pos = raw if pos is None else pos + 1
            if chars:
                t.startchar, t.endchar = start_char + match.start(), start_char + match.end()
            yield t

    def words(self, value: str) -> tuple[list[bytes], int]:
        """The words indexed for `value` (UTF-8, as terms are stored), in order, and the position
        of the first: what the chain yields with positions (they count on from the first),
        without token objects."""
        terms = self.terms_of(self.items[0].expression.findall(value))
        kept: list[bytes] = list(filter(None, terms))
        first = -1
        if kept:
            first = 0
            while terms[first] is None:
                first += 1
        return kept, first

    def terms_of(self, tokens: list[str]) -> list[bytes | None]:
        """The term indexed for each token as the tokenizer finds it (UTF-8), None for a stopped
        one, from a memo of the tokens met (read in one C loop: most were met before)."""
        memo = self._words
        if len(memo) > 500_000:
            memo.clear()
        terms = list(map(memo.get, tokens, repeat(_UNSEEN, len(tokens))))
        if _UNSEEN in terms:
            _, _, stop, *rest = self.items
            stem = rest[0]._stem if rest else None
            for at, term in enumerate(terms):
                if term is _UNSEEN:
                    terms[at] = memo[tokens[at]] = self._word(tokens[at], stop, stem)
        return terms

    @staticmethod
    def _word(found: str, stop, stem) -> bytes | None:
        text = found.lower()
        if len(text) < stop.min or (stop.max is not None and len(text) > stop.max) or text in stop.stops:
            return None
        return (stem(text) if stem is not None else text).encode("utf-8")


_UNSEEN = b""  # no token is empty
_ONE_PASS_ARGS = frozenset(
    {"positions", "mode", "boosts", "removestops", "tokenize", "start_pos", "start_char", "chars", "keeporiginal"}
)


def _analyzer(minsize: int, stem: bool) -> OnePassAnalyzer:
    steps = [analysis.RegexTokenizer(_TOKENS), analysis.LowercaseFilter(), analysis.StopFilter(minsize=minsize)]
    if stem:
        # Snowball English: "celebrated", "celebrating" and "celebrate" share a stem (Whoosh's
        # default Porter stemmer keeps "celebrat" apart from "celebr"), as in SQLite's porter.
        steps.append(analysis.StemFilter(lang="en"))
    return OnePassAnalyzer(*steps)


_STEMMED = _analyzer(minsize=1, stem=True)
_PLAIN = _analyzer(minsize=3, stem=False)

SCHEMA = fields.Schema(
    id=fields.ID(stored=True, unique=True),
    stamp=fields.STORED(),
    title=fields.TEXT(analyzer=_STEMMED, field_boost=3.0),
    body=fields.TEXT(analyzer=_STEMMED),
    spell=fields.TEXT(analyzer=_PLAIN),
    published=fields.DATETIME(sortable=True),
    source=fields.ID(sortable=True),
    kind=fields.ID(sortable=True),
    year=fields.ID(sortable=True),
    entity=fields.KEYWORD(lowercase=True, scorable=False),
    entity_list=fields.COLUMN(columns.VarBytesColumn()),  # the same slugs, for fast facet counts
    jurisdiction=fields.KEYWORD(lowercase=True, scorable=False),
)


# ---- opening, writing and rebuilding ------------------------------------------------


def open_index(index_dir: Path) -> index.Index:
    """Open the index at `index_dir`, creating an empty one if there is none."""
    target = _current_generation(index_dir)
    if target is None:
        target = _new_generation(index_dir)
        index.create_in(str(target), SCHEMA)
        _point(index_dir, target)
    # Without memory maps: Whoosh copies each mapped segment file into memory on every
    # searcher it opens (hundreds of ms and of MB at 100,000 documents); plain reads do not.
    storage = FileStorage(str(target), supports_mmap=False)
    stored = storage.open_index().schema
    if analysis_signature(stored) != analysis_signature(SCHEMA):
        raise IndexOutdated(f"the search index in {index_dir} was built by an older version: run `kb reindex`")
    return storage.open_index(schema=SCHEMA)  # the same analysis, with the one-pass analysers


def analysis_signature(schema: fields.Schema) -> list[tuple]:
    """The fields and how each one analyses text: an index built with another schema or
    another stemmer answers differently, and must be rebuilt."""
    out = []
    for name in sorted(schema.names()):
        analyzer = getattr(schema[name], "analyzer", None)
        steps = getattr(analyzer, "items", [analyzer] if analyzer is not None else [])
        out.append((name, tuple((type(step).__name__, getattr(step, "lang", None)) for step in steps)))
    return out


def lock(index_dir: Path, timeout: float = 10.0):
    """The write lock of the current index generation, whatever schema built it (a rebuild
    holds it while it builds the next one, also when the current one is outdated)."""
    target = _current_generation(index_dir)
    if target is None:
        return writer(open_index(index_dir), timeout)
    return writer(FileStorage(str(target), supports_mmap=False).open_index(), timeout)


def exists(index_dir: Path) -> bool:
    """Whether there is an index at `index_dir` (open_index then opens it rather than create one)."""
    return _current_generation(index_dir) is not None


def _current_generation(index_dir: Path) -> Path | None:
    if index_dir.is_symlink() and index_dir.resolve().is_dir():
        target = index_dir.resolve()
        return target if index.exists_in(str(target)) else None
    if index_dir.is_dir() and index.exists_in(str(index_dir)):
        return index_dir
    return None


def sweep_generations(index_dir: Path) -> list[Path]:
    """Remove index generations left by a rebuild that was killed: every sibling `<name>-*`
    directory that is not the current one and whose building process no longer runs."""
    current = index_dir.resolve() if index_dir.is_symlink() else None
    removed = []
    for candidate in index_dir.parent.glob(f"{index_dir.name}-*"):
        if not candidate.is_dir() or candidate == current or _builder_alive(candidate.name):
            continue
        shutil.rmtree(candidate, ignore_errors=True)
        removed.append(candidate)
    return removed


def _builder_alive(name: str) -> bool:
    parts = name.split("-")  # <name>-<timestamp>-<pid>-<ns>
    if len(parts) < 3 or not parts[-2].isdigit():
        return False
    from kb import leases

    return leases.process_alive(int(parts[-2]))


def _new_generation(index_dir: Path) -> Path:
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    target = index_dir.parent / f"{index_dir.name}-{time.strftime('%Y%m%d%H%M%S')}-{os.getpid()}-{time.monotonic_ns()}"
    target.mkdir()
    return target


def _point(index_dir: Path, target: Path) -> None:
    """Atomically make `index_dir` a link to `target`; remove the old generation."""
    old = index_dir.resolve() if index_dir.is_symlink() else None
    if index_dir.exists() and not index_dir.is_symlink():
        shutil.rmtree(index_dir)
    tmp = index_dir.parent / f".{index_dir.name}.link-{os.getpid()}"
    if tmp.is_symlink():
        tmp.unlink()
    tmp.symlink_to(target.name)
    os.replace(tmp, index_dir)
    if old and old != target.resolve() and old.exists():
        shutil.rmtree(old, ignore_errors=True)


def writer(ix: index.Index, timeout: float = 10.0, **options) -> BulkWriter:
    """A writer, waiting up to `timeout` seconds for the lock."""
    try:
        return BulkWriter(ix, timeout=timeout, **options)
    except LockError as exc:
        raise IndexBusy(f"the search index is locked by another process (waited {timeout:g}s)") from exc


class _Lengths:
    """A per-document reader whose field lengths are read into a list on first use."""

    def __init__(self, reader):
        self._reader = reader
        self._lengths: dict[str, list[int]] = {}

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int:
        return self.field_lengths(fieldname, default)[docnum]

    def field_lengths(self, fieldname: str, default: int = 0) -> list[int]:
        lengths = self._lengths.get(fieldname)
        if lengths is None:
            read = self._reader.doc_field_length
            lengths = [read(d, fieldname, default) for d in range(self._reader.doc_count_all())]
            self._lengths[fieldname] = lengths
        return lengths

    def __getattr__(self, name: str):
        return getattr(self._reader, name)


class _Postings:
    """A segment's postings held term by term while the segment is written, in place of
    Whoosh's pool, which keeps one tuple per posting, spills them to disk through pickle past
    its memory limit and sorts them all at commit (half of indexing time, issue 14)."""

    def __init__(self) -> None:
        # field -> term -> (document numbers, weights, encoded values)
        self.fields: dict[str, dict[bytes, tuple[array, array, list[bytes]]]] = {}
        self.merged = False  # postings came from Whoosh's own code (merged segments), maybe out of order

    def add(self, item: tuple) -> None:
        """One posting (fieldname, term, docnum, weight, value), as Whoosh's pool takes it (merges)."""
        self.merged = True
        fieldname, tbytes, docnum, weight, value = item
        self.add_term(self.fields.setdefault(fieldname, {}), tbytes, docnum, weight, value)

    @staticmethod
    def add_term(terms: dict, tbytes: bytes, docnum: int, weight: float, value: bytes | None) -> None:
        entry = terms.get(tbytes)
        if entry is None:
            entry = terms[tbytes] = (array("I"), array("d"), list[bytes]())
        entry[0].append(docnum)
        entry[1].append(weight)
        entry[2].append(value or b"")

    def iter_postings(self) -> Iterator[tuple]:
        for fieldname in sorted(self.fields):
            terms = self.fields[fieldname]
            for tbytes in sorted(terms):
                for docnum, weight, value in sorted(zip(*terms[tbytes], strict=True)):
                    yield fieldname, tbytes, docnum, weight, value

    def cleanup(self) -> None:
        self.fields.clear()


class BulkWriter(SegmentWriter):
    """Whoosh's segment writer with the same index on disk, written faster: a document's text
    is analysed in one pass straight into its postings (no token objects, no tuple per
    posting), postings are held by term, and each term's list goes to the codec a block at a
    time instead of one call per posting. Every file is the same bytes Whoosh writes, save the
    posting lists (and the term table's offsets into them), whose blocks _PostingsWriter
    pickles more cheaply; Whoosh reads them the same (tests/test_search.py compares both)."""

    def __init__(self, ix: index.Index, **options) -> None:
        super().__init__(ix, **options)
        self.pool = _Postings()
        self._doclists = DocListWriter()
        self._fast = {
            name: field
            for name, field in self.schema.items()
            if type(field.format) is formats.Positions
            and isinstance(field.analyzer, OnePassAnalyzer)
            and field.analyzer.groupless
        }

    def add_document(self, **fields) -> None:
        self._check_state()
        perdoc = self.perdocwriter
        schema = self.schema
        docnum = self.docnum
        pool = self.pool.fields
        names = sorted(name for name in fields if not name.startswith("_"))
        if len(names) != len(fields) or any(name not in schema for name in names):
            super().add_document(**fields)  # boosts, stored values of their own or unknown fields
            return
        perdoc.start_doc(docnum)
        try:
            for name in names:
                value = fields[name]
                if value is None:
                    continue
                field = schema[name]
                length = 0
                if field.indexed:
                    terms = pool.setdefault(name, {})
                    if name in self._fast and isinstance(value, str):
                        length = _add_positions(terms, field, value, docnum)
                    else:
                        scorable = field.scorable
                        for tbytes, freq, weight, vbytes in field.index(value):
                            if scorable:
                                length += freq
                            _Postings.add_term(terms, tbytes, docnum, weight * 1.0, vbytes)
                if field.separate_spelling() or field.vector:
                    raise NotImplementedError(f"field {name}: spelling words and vectors are not written here")
                perdoc.add_field(name, field, value if field.stored else None, length)
                column = field.column_type
                if column:
                    perdoc.add_column_value(name, column, field.to_column_value(value))
        except BaseException:
            perdoc.cancel_doc()
            raise
        perdoc.finish_doc()
        self._added = True
        self.docnum += 1

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        lengths = _Lengths(self.per_document_reader()) if self.codec.length_stats else None
        try:
            _write_postings(self.fieldwriter, self.schema, lengths, self.pool, self._doclists)
        finally:
            self.fieldwriter.close()
            if lengths is not None:
                lengths.close()

    def _finalize_segment(self):
        segment = super()._finalize_segment()
        # the lists as arrays, beside the segment (kb.doclists), before any TOC lists it
        folder = getattr(self.storage, "folder", None)
        if folder is not None:
            self._doclists.write(path_for(folder, segment.segment_id()))
        return segment


def _add_positions(terms: dict, field: fields.FieldType, value: str, docnum: int) -> int:
    """Postings of a text field with positions (formats.Positions.word_values, through the
    one-pass analyser); returns the field's length (the words kept)."""
    words, first = field.analyzer.words(value)
    if not words:
        return 0
    last = {word: pos for pos, word in enumerate(words, first)}  # a word's only position, for most
    several: dict[bytes, list[int]] = {}
    if len(last) < len(words):
        several = {word: [] for word, count in Counter(words).items() if count > 1}
        for pos, word in enumerate(words, first):
            found = several.get(word)
            if found is not None:
                found.append(pos)
    boost = field.format.field_boost
    one, cached = _ONE, _ONE_POSITION
    for word, pos in last.items():
        positions = several.get(word)
        if positions is None:
            count = 1
            # a new object each time, as pickle's memo expects (Whoosh encodes every posting anew)
            encoded = one + cached[pos] if pos < len(cached) else _encode_positions([pos])
        else:
            count = len(positions)
            encoded = _encode_positions(positions)
        entry = terms.get(word)
        if entry is None:
            entry = terms[word] = (array("I"), array("d"), list[bytes]())
        entry[0].append(docnum)
        entry[1].append(count * boost)
        entry[2].append(encoded)
    return len(words)


def _encode_positions(positions: list[int]) -> bytes:
    """formats.Positions.encode: the count, then the pickled deltas."""
    deltas = [positions[0], *(b - a for a, b in pairwise(positions))]
    return pack_uint(len(deltas)) + pickle.dumps(deltas, 2)


_ONE = pack_uint(1)
_ONE_POSITION = [pickle.dumps([pos], 2) for pos in range(4096)]


def _write_postings(
    fieldwriter, schema: fields.Schema, lengths: _Lengths | None, pool: _Postings, doclists: DocListWriter
) -> None:
    """FieldWriter.add_postings for postings held by term: the same calls on the codec, with
    each block's buffers filled at once (W3PostingsWriter.add_posting, one posting at a time,
    gives the same blocks)."""
    for fieldname in sorted(pool.fields):
        terms = pool.fields[fieldname]
        if not terms:  # a field whose values gave no words is not in the segment
            continue
        fieldobj = schema[fieldname]
        positioned = type(fieldobj.format) is formats.Positions
        fieldwriter.start_field(fieldname, fieldobj)
        doc_lengths = lengths.field_lengths(fieldname) if lengths is not None else None
        pw = fieldwriter._postwriter = _PostingsWriter.like(fieldwriter._postwriter)
        limit = doclists.block = pw._blocklimit
        for tbytes in sorted(terms):
            docnums, weights, values = terms[tbytes]
            if pool.merged and any(a >= b for a, b in pairwise(docnums)):
                docnums, weights, values = _in_order(docnums, weights, values)
            fieldwriter.start_term(tbytes)
            doclists.add(pw._startoffset, docnums, weights, values if positioned else None)
            for start in range(0, len(docnums), limit):
                if start:
                    pw._write_block()
                end = start + limit
                ids = docnums[start:end]
                block_weights = weights[start:end]
                pw._ids = ids
                pw._weights = array("f", block_weights)
                pw._values = [v for v in values[start:end] if v]
                pw._maxweight = max(0, max(block_weights))
                if doc_lengths is not None:
                    kept = [n for n in map(doc_lengths.__getitem__, ids) if n]
                    pw._minlength = min(kept) if kept else None
                    pw._maxlength = max(kept) if kept else 0
            fieldwriter.finish_term()
        fieldwriter.finish_field()


class _PostingsWriter(W3PostingsWriter):
    """Whoosh's postings writer with blocks that read the same and cost less: the block's
    (document numbers, weights, values) are pickled with protocol 4, where Whoosh's protocol 2
    writes each value (bytes) as a call of _codecs.encode on a latin-1 string, which made block
    writing a third of a segment's time and the lists half again as large; and a block whose
    pickle is short is stored uncompressed (the block's header says so, as Whoosh's format
    allows), where zlib only added bytes. Whoosh's reader unpickles any protocol."""

    @classmethod
    def like(cls, writer: W3PostingsWriter) -> _PostingsWriter:
        return cls(
            writer._postfile,
            writer._blocklimit,
            byteids=writer._byteids,
            compression=writer._compression,
            inlinelimit=writer._inlinelimit,
        )

    def _write_block(self, last: bool = False) -> None:
        postfile = self._postfile
        if not self._blockcount:
            postfile.write(WHOOSH3_HEADER_MAGIC)
        self._terminfo.add_block(self)
        data = pickle.dumps((self._mini_ids(), self._mini_weights(), self._mini_values()), _BLOCK_PROTOCOL)
        level = self._compression if len(data) >= _COMPRESS_FROM else 0
        if level:
            data = zlib.compress(data, level)
        ids = self._ids
        # what a reader looks at before the data: count, last document, top weight, compression, lengths
        header = (len(ids), ids[-1], self._maxweight, level, *map(length_to_byte, (self._minlength, self._maxlength)))
        info = pickle.dumps(header, 2)
        size = len(info) + len(data)
        postfile.write_int(-size if last else size)  # negative: the list's last block
        postfile.write(info)
        postfile.write(data)
        self._blockcount += 1
        self._new_block()


_BLOCK_PROTOCOL = 4
_COMPRESS_FROM = 64  # bytes of pickle; below it zlib's own header and checksum outweigh what it saves


def _in_order(docnums: array, weights: array, values: list[bytes]) -> tuple[array, array, list[bytes]]:
    rows = sorted(zip(docnums, weights, values, strict=True))
    return array("I", (r[0] for r in rows)), array("d", (r[1] for r in rows)), [r[2] for r in rows]


def index_documents(ix: index.Index, session: Session, doc_ids: Iterable[int], timeout: float = 10.0) -> int:
    """Add or replace the given documents in the index.

    Many at once (the first poll of a large feed) are written as new segments by processes of
    their own, on both cores, and listed in the same commit that removes their older entries."""
    ids = list(doc_ids)
    if not ids:
        return 0
    w = writer(ix, timeout)
    segments = None
    try:
        if len(ids) >= PARALLEL_DOCS and REBUILD_PROCS > 1:
            segments = _segments_apart(ix, session, ids)
        if segments is None:
            for chunk in chunked(ids, 500):
                for fields_ in _index_fields(session, chunk):
                    w.update_document(**fields_)
        else:
            with w.searcher() as searcher:  # update_document's part: older versions go
                for doc_id in ids:
                    w.delete_by_term("id", str(doc_id), searcher=searcher)
    except BaseException:
        w.cancel()
        raise
    if segments is None:
        w.commit()
    else:
        written = segments
        w.commit(mergetype=lambda writer_, current: [*MERGE_SMALL(writer_, current), *written])
    return len(ids)


def _segments_apart(ix: index.Index, session: Session, ids: list[int]) -> list | None:
    """_written_apart, or None (logged) when no process could be started or one died."""
    try:
        return _written_apart(ix, session, ids)
    except (BrokenExecutor, OSError) as exc:
        log.warning("indexing in processes of their own failed (%s); indexing here", exc)
        return None


def remove_documents(ix: index.Index, doc_ids: Iterable[int], timeout: float = 10.0) -> None:
    w = writer(ix, timeout)
    for doc_id in doc_ids:
        w.delete_by_term("id", str(doc_id))
    w.commit()


# A rebuild, and an update of at least PARALLEL_DOCS documents, writes segments of at most
# SEGMENT_DOCS documents, REBUILD_PROCS at a time in processes of their own (a segment's
# postings are held in memory until it is written: about 300 postings of some 25 bytes per
# document). Fewer than PARALLEL_DOCS are written here, in this process.
SEGMENT_DOCS = 20_000
REBUILD_PROCS = min(2, os.cpu_count() or 1)
PARALLEL_DOCS = 4_000


def rebuild(index_dir: Path, session: Session) -> int:
    """Build a fresh index from the database in a new directory, then swap it in."""
    target = _new_generation(index_dir)
    try:
        ix = index.create_in(str(target), SCHEMA)
        ids = _document_ids(session, in_order=True)
        procs = REBUILD_PROCS if len(ids) >= PARALLEL_DOCS else 1
        if procs > 1:
            segments = _written_apart(ix, session, ids, target)
        else:
            segments = [_write_segment(ix, session, part) for part in _parts(ids, 1, SEGMENT_DOCS)]
        w = writer(ix)
        w._close_segment()  # its own segment stays empty
        w._commit_toc(segments)  # every segment at once, as Whoosh's multiprocessing writer does
        w._finish()
        ix.close()
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
    _point(index_dir, target)
    return len(ids)


def _written_apart(ix: index.Index, session: Session, ids: list[int], directory: Path | None = None) -> list:
    """The documents `ids` written as new segments of the index in `directory` (the index's
    own by default) by REBUILD_PROCS processes of their own, each reading the documents with
    a connection of its own; the caller lists the segments in the index."""
    from concurrent.futures import ProcessPoolExecutor

    target = str(directory or ix.storage.folder)
    url = session.get_bind().engine.url.render_as_string(hide_password=False)
    # spawned, not forked: the writer that asks for it runs threads
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(REBUILD_PROCS, mp_context=context) as pool:
        return list(pool.map(_segment_of, [(target, url, part) for part in _parts(ids, REBUILD_PROCS, SEGMENT_DOCS)]))


def _parts(ids: list[int], procs: int, most: int) -> list[list[int]]:
    """`ids` cut into segments of at most `most` documents, as many for each process, and of
    nearly equal sizes: the processes finish together (100,000 documents on two processes
    in segments of 20,000 left one process writing a third segment alone)."""
    count = procs * -(-len(ids) // (procs * most)) or 1
    size = -(-len(ids) // count) or 1
    return [ids[start : start + size] for start in range(0, len(ids), size)]


def _segment_of(task: tuple[str, str, list[int]]):
    """In a rebuild's process of its own: write the documents `ids` as one segment of the new
    index at `target`, reading them with a connection of its own."""
    from sqlmodel import Session

    from kb.db import make_engine

    target, url, ids = task
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            return _write_segment(_OwnTemp(target, supports_mmap=False).open_index(schema=SCHEMA), session, ids)
    finally:
        engine.dispose()


class _OwnTemp(FileStorage):
    """A storage whose writers' temporary directory is this process's own (Whoosh names it after
    the index, and the rebuild's processes would create and remove the same one)."""

    def temp_storage(self, name=None):
        return super().temp_storage(f"{name}-{os.getpid()}")


def _write_segment(ix: index.Index, session: Session, ids: list[int]):
    """The documents `ids` written as one new segment, which the caller lists in the index."""
    w = BulkWriter(ix, _lk=False)  # the rebuild's own directory, not yet in use: no lock
    try:
        for chunk in chunked(ids, 1000):
            for fields_ in _index_fields(session, chunk):
                w.add_document(**fields_)
        segment = w._finalize_segment()
    except BaseException:
        w.cancel()
        raise
    w._finish()
    return segment


def _document_ids(session: Session, *, in_order: bool = False) -> list[int]:
    from sqlmodel import col, select

    from kb.models import Document

    stmt = select(Document.id).order_by(col(Document.id)) if in_order else select(Document.id)
    return [doc_id for doc_id in session.exec(stmt) if doc_id is not None]  # a stored row always has one


def _index_fields(session: Session, ids: list[int]) -> Iterable[dict]:
    """What the index holds of these documents (read as plain rows: ORM objects cost more)."""
    from sqlalchemy import select as sa_select
    from sqlmodel import col

    from kb.models import Document

    indexed = (
        Document.id,
        Document.title,
        Document.summary,
        Document.body,
        Document.published_at,
        Document.kind,
        Document.source_id,
        Document.fields,
    )
    docs = session.execute(sa_select(*map(col, indexed)).where(col(Document.id).in_(ids))).all()
    entities = _entities_of(session, ids)
    for doc in docs:
        slugs = sorted(entities.get(doc.id, ()))
        jurisdictions = doc.fields.get("jurisdictions") or []
        yield {
            "id": str(doc.id),
            "stamp": stamp(doc, slugs),
            "title": doc.title,
            "body": f"{doc.summary}\n{doc.body}" if doc.summary and doc.summary not in doc.body else doc.body,
            "spell": f"{doc.title}\n{doc.summary}",
            "published": doc.published_at,
            "source": str(doc.source_id),
            "kind": doc.kind,
            "year": str(doc.published_at.year) if doc.published_at else "undated",
            "entity": " ".join(slugs),
            "entity_list": " ".join(slugs).encode("utf-8"),
            "jurisdiction": " ".join(jurisdictions),
        }


def _entities_of(session: Session, ids: list[int]) -> dict[int, set[str]]:
    from sqlmodel import col, select

    from kb.models import Mention

    out: dict[int, set[str]] = {}
    for doc_id, slug in session.exec(
        select(Mention.document_id, Mention.entity_slug).where(col(Mention.document_id).in_(ids))
    ):
        out.setdefault(doc_id, set()).add(slug)
    return out


def stamp(doc: Document | Row, slugs: list[str]) -> str:
    """A fingerprint of what the index holds for a document, to spot stale entries."""
    parts = [doc.title, doc.summary, doc.body, str(doc.published_at), doc.kind, str(doc.source_id), " ".join(slugs)]
    return hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]


# ---- checking -----------------------------------------------------------------------


@dataclass
class CheckReport:
    documents: int = 0
    indexed: int = 0
    missing: list[int] = field(default_factory=list)  # in the database, not in the index
    stale: list[int] = field(default_factory=list)  # indexed from an older version
    orphans: list[int] = field(default_factory=list)  # in the index, not in the database
    # missing or stale, but queued (IndexPending): the next flush (every poll, the writer) indexes them
    pending: list[int] = field(default_factory=list)

    @property
    def consistent(self) -> bool:
        return not (self.missing or self.stale or self.orphans)


def check(ix: index.Index, session: Session) -> CheckReport:
    """Compare the index with the database, document by document."""
    with ix.searcher() as s:
        indexed = {int(f["id"]): f.get("stamp") for f in s.all_stored_fields()}
    report = CheckReport(indexed=len(indexed))
    ids = _document_ids(session)
    report.documents = len(ids)
    for chunk in chunked(ids, 1000):
        for fields_ in _index_fields(session, chunk):
            doc_id = int(fields_["id"])
            if doc_id not in indexed:
                report.missing.append(doc_id)
            elif indexed[doc_id] != fields_["stamp"]:
                report.stale.append(doc_id)
    report.orphans = sorted(set(indexed) - set(ids))
    queued = _pending_ids(session)
    if queued:  # stored and queued for the index, as a poll leaves them while another process writes it
        report.pending = sorted(d for d in report.missing + report.stale if d in queued)
        report.missing = [d for d in report.missing if d not in queued]
        report.stale = [d for d in report.stale if d not in queued]
    return report


def _pending_ids(session: Session) -> set[int]:
    from sqlmodel import select

    from kb.models import IndexPending

    return set(session.exec(select(IndexPending.document_id)))
