"""Relevance scores of a whole query at once, with numpy: Whoosh's BM25F, the same numbers.

Whoosh scores a match by stepping its matchers posting by posting in Python (skip_to,
id, weight, a field length per match): most of the time of a common term, of two words
(with the phrase that ranks them together first) and of a phrase (issue 14). Here each
term's postings are read a block at a time, its BM25F scores computed for all of them
at once, and the query's parts combined as Whoosh's matchers combine them:

- a term: bm25(idf, weight, field length, average field length, B, K1), Whoosh's own
  formula in the same order of operations (weights carry the field's boost already);
- Or of two parts: the union, a + b where both match (DefaultOr's UnionMatcher);
- And of two parts: the intersection, a + b (IntersectionMatcher);
- AndMaybe: the first part's documents, plus the second's score where it matches;
- AndNot: the first part's documents and scores, less the excluded documents;
- a phrase of words side by side: the documents with the words at consecutive
  positions, scored as the sum of its terms' scores (SpanNear2's tree of intersections);
- a boost other than 1 multiplies, as WrappingMatcher does.

Sums of two numbers do not depend on their order. Three parts or more are added up in
each segment in the order Whoosh's tree of matchers adds them there (built from the
parts' estimated sizes in that segment), so every score is the one Whoosh computes, bit
for bit. Anything else (ranges, prefixes, Not inside a compound...) returns None, and
Whoosh answers.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np
from whoosh import query as wq
from whoosh import scoring
from whoosh.formats import Positions as _POSITIONS_FORMAT
from whoosh.util import make_weighted_tree
from whoosh.util.numeric import byte_to_length

from kb.doclists import _POSITIONS_DECODE, _accumulated, _deltas, _positions, doclists_for
from kb.search_cache import (
    SegmentPostings,
    _docnums,
    _Lengths,
    _ranks,
    _union,
    read_postings_many,
    term_postings,
)

if TYPE_CHECKING:
    from whoosh.searching import Searcher

Scored = tuple[np.ndarray, np.ndarray]  # document numbers (ascending) and their scores
_EMPTY: Scored = (np.zeros(0, np.int64), np.zeros(0, np.float64))
# Field length per encoded byte; a document without one counts as 1 (the scorer's default).
_LENGTHS = np.array([1] + [byte_to_length(b) for b in range(1, 256)], dtype=np.float64)


# Or._matcher preloads the scores of an Or of three parts or more in a segment of at most
# this many documents (when its collector does not need the current match, as a search's)
PRELOADED_MOST = 5000


class Unsupported(Exception):
    """A query this module does not score: Whoosh does."""


class Found:
    """What scoring a query found: every document it matches (deleted ones included, in
    order), their scores, and the document numbers of each term it read, by (field, term)."""

    def __init__(self, docs: np.ndarray, scores: np.ndarray, read: dict[tuple[str, bytes], np.ndarray]):
        self.docs, self.scores, self.read = docs, scores, read


def scored(searcher: Searcher, q: Any) -> Found | None:
    """`q`'s matches and scores; None when Whoosh must score it."""
    if type(searcher.weighting) is not scoring.BM25F:
        return None
    scorer = _Scorer(searcher)
    try:
        scorer.read_terms(q)
        docs, scores = scorer.run(q)
    except Unsupported:
        return None
    return Found(docs, scores, scorer.read)


class _Postings:
    """One term's postings over every segment: document numbers, weights, and values (positions)."""

    def __init__(self, docs: np.ndarray, weights: np.ndarray, segments: list[SegmentPostings]):
        self.docs, self.weights, self._segments = docs, weights, segments

    def _in_segments(self, at: np.ndarray) -> Iterator[tuple[SegmentPostings, np.ndarray]]:
        """Each segment holding postings of `at` (ascending), with their places in it."""
        first = 0
        for segment in self._segments:
            here = at[(at >= first) & (at < first + segment.size)] - first
            first += segment.size
            if len(here):
                yield segment, here

    def values_at(self, at: np.ndarray) -> list[bytes]:
        """The values of the postings at `at` (ascending), unpickling only the blocks that hold them."""
        out: list[bytes] = []
        for segment, here in self._in_segments(at):
            out += segment.values_at(here)
        return out

    def listed_positions(self, at: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
        """(which posting of `at`, position) for every position of the postings at `at`, from
        the segments' document lists; None when a segment holding some has none."""
        owners, positions = [], []
        first = 0
        for segment, here in self._in_segments(at):
            if segment.listed is None:
                return None
            owner, found = segment.listed.positions_at(here)
            owners.append(owner + first)
            positions.append(found)
            first += len(here)
        if not owners:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        return np.concatenate(owners), np.concatenate(positions)

    def texts(self, at: np.ndarray) -> tuple[bytes, np.ndarray] | None:
        """The values of the postings at `at` (ascending), one after the other, and each one's
        length, read from the blocks' pickles (SegmentPostings.value_spans), or unpickled from
        the blocks that hold them in a segment whose blocks are not all laid out as those
        spans need; None when a value is no text of latin-1 characters."""
        pieces, lengths = [], []
        for segment, here in self._in_segments(at):
            spans = segment.value_spans
            if spans is None:  # this segment's list has blocks laid out otherwise: the blocks at `here` unpickled
                values = segment.values_at(here)
                pieces.append(b"".join(values))
                lengths.append(np.fromiter(map(len, values), dtype=np.int64, count=len(values)))
                continue
            start, size = spans[0][here], spans[1][here]
            utf8 = segment.buffer[np.repeat(start, size) + _ranks(size)]
            try:
                pieces.append(utf8.tobytes().decode("utf-8").encode("latin-1"))
            except UnicodeError:
                return None
            continued = (utf8 & 0xC0) == 0x80  # a character of two bytes in UTF-8 is one byte here
            owner = np.repeat(np.arange(len(size)), size)
            lengths.append(size - np.bincount(owner, weights=continued, minlength=len(size)).astype(np.int64))
        return b"".join(pieces), (np.concatenate(lengths) if lengths else np.zeros(0, np.int64))


class _KnownFrequencies:
    """A segment's reader whose doc_frequency answers from the term infos the query has read
    (what the Queries' estimate_size asks), and asks the segment for any other term."""

    def __init__(self, leaf: Any, known: dict[tuple[str, bytes], int]):
        self._leaf, self._known = leaf, known

    def doc_frequency(self, fieldname: str, text: Any) -> int:
        found = self._known.get((fieldname, text))
        return found if found is not None else self._leaf.doc_frequency(fieldname, text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._leaf, name)


class _Scorer:
    def __init__(self, searcher: Searcher):
        self.searcher = searcher
        self.leaves = searcher.reader().leaf_readers()
        self.weighting = searcher.weighting
        # field lengths are the same for every query of this index version: kept on its searcher
        self._lengths: dict[str, np.ndarray] = searcher.__dict__.setdefault("_kb_field_lengths", {})
        self.read: dict[tuple[str, bytes], np.ndarray] = {}
        self._read: dict[tuple[str, bytes], _Postings | None] = {}
        # each segment's document frequency of the terms read (for the parts' estimated sizes)
        self._frequencies: list[dict[tuple[str, bytes], int]] = [{} for _ in self.leaves]
        folder = getattr(getattr(getattr(searcher, "_ix", None), "storage", None), "folder", None)
        self._lists = [
            doclists_for(folder, leaf._segid) if hasattr(leaf, "_segid") else None for leaf, _ in self.leaves
        ]

    def run(self, q: Any) -> Scored:
        kind = type(q)
        if kind is wq.Term:
            return self._term(q)
        if kind in (wq.Or, wq.And):
            return self._compound(q)
        if kind is wq.AndMaybe:
            (a_docs, a_scores), (b_docs, b_scores) = self.run(q.a), self.run(q.b)
            at = np.searchsorted(b_docs, a_docs)
            found = at < len(b_docs)
            found[found] = b_docs[at[found]] == a_docs[found]
            scores = a_scores.copy()
            scores[found] = a_scores[found] + b_scores[at[found]]
            return a_docs, scores
        if isinstance(q, wq.AndNot):
            a_docs, a_scores = self.run(q.a)
            excluded = _docnums(self.searcher, q.b)
            if not len(a_docs) or not len(excluded):
                return a_docs, a_scores
            at = np.minimum(np.searchsorted(excluded, a_docs), len(excluded) - 1)
            keep = excluded[at] != a_docs
            return a_docs[keep], a_scores[keep]
        if isinstance(q, wq.Phrase) and q.slop == 1:
            return self._phrase(q)
        raise Unsupported(kind.__name__)

    def _compound(self, q: Any) -> Scored:
        subs = q.subqueries
        if not subs:
            return _EMPTY
        if len(subs) == 1:  # CompoundQuery.matcher: the part's own matcher, without this boost
            return self.run(subs[0])
        if any(type(sub) is wq.Not for sub in subs):
            raise Unsupported("a part excluded inside a compound")
        if len(subs) > 2:
            return self._by_segment(q, [self.run(sub) for sub in subs])
        (a_docs, a_scores), (b_docs, b_scores) = self.run(subs[0]), self.run(subs[1])
        if type(q) is wq.Or:
            docs = _union(a_docs, b_docs)
            scores = np.zeros(len(docs), np.float64)
            scores[np.searchsorted(docs, a_docs)] += a_scores  # x + 0.0 is x: a lone part keeps its score
            scores[np.searchsorted(docs, b_docs)] += b_scores
        else:
            docs, a_at, b_at = np.intersect1d(a_docs, b_docs, assume_unique=True, return_indices=True)
            scores = a_scores[a_at] + b_scores[b_at]
        return docs, _boosted(scores, q.boost)

    def _by_segment(self, q: Any, parts: list[Scored]) -> Scored:
        """Three or more parts, added up in each segment in the order Whoosh's matchers add
        them there (CompoundQuery._tree_matcher): a tree built from the parts' estimated
        sizes in that segment, or, for an Or in a segment of at most 5,000 documents
        (PreloadedOr), one part after the other with the boost on each."""
        is_or = type(q) is wq.Or
        if is_or and (q.scale or len(parts) >= wq.Or.TOO_MANY_CLAUSES):
            raise Unsupported("an Or Whoosh scores with a coordination bonus or preloads whole")
        docs, scores = [], []
        for (leaf, offset), frequencies in zip(self.leaves, self._frequencies, strict=True):
            count = leaf.doc_count_all()
            here = [_within(part, offset, offset + count) for part in parts]
            if is_or and count <= PRELOADED_MOST:
                combined = _one_by_one(here, q.boost)
            else:
                known = _KnownFrequencies(leaf, frequencies)
                sizes = [sub.estimate_size(known) for sub in q.subqueries]
                weights = sizes if is_or else [0 - size for size in sizes]
                tree = make_weighted_tree(_Pair, [(w, _Part(i)) for i, w in enumerate(weights)])
                combined = _boosted_pair(_added(tree, here, is_or), q.boost)
            docs.append(combined[0])
            scores.append(combined[1])
        return np.concatenate(docs), np.concatenate(scores)

    def _term(self, q: Any) -> Scored:
        text = self._bytes(q.fieldname, q.text)
        postings = self._postings(q.fieldname, text) if text is not None else None
        if text is None or postings is None:
            return _EMPTY
        return postings.docs, _boosted(self._scores(q.fieldname, text, postings.docs, postings.weights), q.boost)

    def _bytes(self, fieldname: str, text: Any) -> bytes | None:
        """The term as the index holds it (Term.matcher's conversion); None when the field cannot hold it."""
        schema = self.searcher.schema
        if fieldname not in schema:
            return None
        try:
            return schema[fieldname].to_bytes(text)
        except ValueError:
            return None

    def _scores(self, fieldname: str, text: bytes, docs: np.ndarray, weights: np.ndarray) -> np.ndarray:
        field = self.searcher.schema[fieldname]
        if not field.scorable:  # WeightScorer
            return weights
        weighting = self.weighting
        B = weighting._field_B.get(fieldname, weighting.B)
        K1 = weighting.K1
        idf = self.searcher.idf(fieldname, text)
        avgfl = self.searcher.avg_field_length(fieldname) or 1
        tf = weights
        fl = self._field_lengths(fieldname)[docs]
        # scoring.bm25, the same operations in the same order
        return idf * ((tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * fl / avgfl)))

    def _field_lengths(self, fieldname: str) -> np.ndarray:
        """The field's length (as its scorer reads it) for every document number (read once per index version)."""
        found = self._lengths.get(fieldname)
        if found is not None:
            return found
        parts = []
        for leaf, _ in self.leaves:
            count = leaf.doc_count_all()
            codes = np.zeros(count, np.uint8)
            perdoc = getattr(leaf, "_perdoc", None)
            column = getattr(perdoc, "_readers", {}).get(f"_{fieldname}_len")
            if column is None and perdoc is not None and perdoc.has_column(f"_{fieldname}_len"):
                raise Unsupported("field lengths not held in memory")
            if isinstance(column, _Lengths):
                stored = np.frombuffer(column._bytes, dtype=np.uint8)[:count]
                codes[: len(stored)] = stored
            elif column is not None:
                raise Unsupported("field lengths not held in memory")
            parts.append(_LENGTHS[codes])
        found = self._lengths[fieldname] = np.concatenate(parts) if parts else np.zeros(0, np.float64)
        return found

    def read_terms(self, q: Any) -> None:
        """Read the postings of every term `q` scores (its phrases' words included) in one go
        (search_cache.read_postings_many), before the parts are put together."""
        keys = []
        for fieldname, text in _scored_terms(q):
            word = self._bytes(fieldname, text)
            if word is not None and (fieldname, word) not in keys and (fieldname, word) not in self._read:
                keys.append((fieldname, word))
        self._read_postings(keys)

    def _postings(self, fieldname: str, text: bytes) -> _Postings | None:
        """The term's postings in every segment (read once per query); None when no segment holds it."""
        key = (fieldname, text)
        if key not in self._read:
            self._read_postings([key])
        return self._read[key]

    def _read_postings(self, keys: list[tuple[str, bytes]]) -> None:
        wanted = []  # (key, document number offset, what to read), segment by segment
        for key in keys:
            for i, (leaf, offset) in enumerate(self.leaves):
                found = term_postings(leaf, *key, self._lists[i])
                self._frequencies[i][key] = found[0] if found is not None else 0
                if found is not None:
                    wanted.append((key, offset, found[1]))
        read = read_postings_many([matcher for _, _, matcher in wanted])
        by_key: dict[tuple[str, bytes], list[tuple[int, SegmentPostings]]] = {key: [] for key in keys}
        for (key, offset, _), segment in zip(wanted, read, strict=True):
            by_key[key].append((offset, segment))
        for key, segments in by_key.items():
            docs = [ids + offset for offset, segment in segments for ids, _, _ in segment.blocks]
            weights = [ws for _, segment in segments for _, ws, _ in segment.blocks]
            self.read[key] = np.concatenate(docs) if docs else np.zeros(0, np.int64)
            kept = [segment for _, segment in segments]
            self._read[key] = _Postings(self.read[key], np.concatenate(weights), kept) if docs else None

    def _phrase(self, q: Any) -> Scored:
        """Documents with the words side by side (what _PhraseMatcher finds), and their score."""
        field = self.searcher.schema[q.fieldname] if q.fieldname in self.searcher.schema else None  # noqa: SIM401
        if field is None or not field.format or not field.format.supports("positions") or not q.words:
            raise Unsupported("a phrase Whoosh answers itself")
        terms = []
        for text in q.words:
            word = self._bytes(q.fieldname, text)
            postings = self._postings(q.fieldname, word) if word is not None else None
            if word is None or postings is None:
                return _EMPTY
            terms.append((word, postings))
        candidates = terms[0][1].docs
        for _, postings in terms[1:]:
            candidates = np.intersect1d(candidates, postings.docs, assume_unique=True)
        keys = None
        for i, (_, postings) in enumerate(terms):
            owner, positions = _candidate_positions(field.format, postings, np.searchsorted(postings.docs, candidates))
            # a start position p of the first word with word i at p + i; the keys ascend (candidates
            # in order, each one's positions in order)
            here = (owner << 32) + (positions - i + 2**31)
            if keys is None:
                keys = here
            elif len(here):
                at = np.minimum(np.searchsorted(here, keys), len(here) - 1)
                keys = keys[here[at] == keys]
            else:
                keys = here
        owners = keys >> 32 if keys is not None else np.zeros(0, np.int64)
        docs = candidates[owners[np.concatenate(([True], owners[1:] != owners[:-1]))]] if len(owners) else owners
        parts = []
        for word, postings in terms:
            at = np.searchsorted(postings.docs, docs)
            parts.append(self._scores(q.fieldname, word, docs, postings.weights[at]))
        return docs, _boosted(_tree_sum(parts), q.boost)


class _Part:
    """A part's place in make_weighted_tree. Whoosh's matchers compare equal to any matcher of
    their own class and are never less than one, so the tuples of equal estimates it sorts
    compare equal: its sort and insort keep them in the order they came (a new pair after
    the others of its weight). These do the same for every pair."""

    def __init__(self, index: int):
        self.index = index

    def __eq__(self, other: object) -> bool:
        return True

    def __lt__(self, other: object) -> bool:
        return False

    __hash__ = None  # type: ignore[assignment]


class _Pair(_Part):
    def __init__(self, a: _Part, b: _Part):
        super().__init__(-1)
        self.a, self.b = a, b


def _added(node: _Part, parts: list[Scored], is_or: bool) -> Scored:
    """The parts added up as `node`'s tree adds them: a + b where both match (UnionMatcher,
    IntersectionMatcher)."""
    if not isinstance(node, _Pair):
        return parts[node.index]
    (a_docs, a_scores), (b_docs, b_scores) = _added(node.a, parts, is_or), _added(node.b, parts, is_or)
    if not is_or:
        docs, a_at, b_at = np.intersect1d(a_docs, b_docs, assume_unique=True, return_indices=True)
        return docs, a_scores[a_at] + b_scores[b_at]
    docs = _union(a_docs, b_docs)
    scores = np.zeros(len(docs), np.float64)
    scores[np.searchsorted(docs, a_docs)] += a_scores
    scores[np.searchsorted(docs, b_docs)] += b_scores
    return docs, scores


def _one_by_one(parts: list[Scored], boost: float) -> Scored:
    """ArrayUnionMatcher: each part's score times the boost, added to the documents' totals in turn."""
    docs = parts[0][0]
    for part_docs, _ in parts[1:]:
        docs = _union(docs, part_docs)
    scores = np.zeros(len(docs), np.float64)
    for part_docs, part_scores in parts:
        scores[np.searchsorted(docs, part_docs)] += part_scores * boost
    return docs, scores


def _within(part: Scored, start: int, end: int) -> Scored:
    docs, scores = part
    low, high = np.searchsorted(docs, [start, end])
    return docs[low:high], scores[low:high]


def _boosted_pair(found: Scored, boost: float) -> Scored:
    return found[0], _boosted(found[1], boost)


def _tree_sum(parts: list[np.ndarray]) -> np.ndarray:
    """Sum as whoosh.util.make_binary_tree groups it: the first half, then the second."""
    if len(parts) == 1:
        return parts[0]
    half = len(parts) // 2
    return _tree_sum(parts[:half]) + _tree_sum(parts[half:])


def _scored_terms(q: Any) -> Iterator[tuple[str, Any]]:
    """The (field, text) of every term and phrase word that _Scorer.run reads postings of."""
    kind = type(q)
    if kind is wq.Term:
        yield q.fieldname, q.text
    elif kind in (wq.Or, wq.And):
        for sub in q.subqueries:
            yield from _scored_terms(sub)
    elif kind is wq.AndMaybe:
        yield from _scored_terms(q.a)
        yield from _scored_terms(q.b)
    elif isinstance(q, wq.AndNot):
        yield from _scored_terms(q.a)  # the excluded part is read by _docnums
    elif isinstance(q, wq.Phrase):
        for word in q.words:
            yield q.fieldname, word


def _boosted(scores: np.ndarray, boost: float) -> np.ndarray:
    return scores * boost if boost != 1.0 else scores


def _candidate_positions(fmt: Any, postings: _Postings, at: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(which posting of `at`, position) for every position of the postings at `at`."""
    listed = postings.listed_positions(at) if type(fmt) is _POSITIONS_FORMAT else None
    if listed is not None:
        return listed
    texts = postings.texts(at) if type(fmt).decode_positions is _POSITIONS_DECODE else None
    read = _deltas(*texts) if texts is not None else None
    if read is not None:
        return _accumulated(*read)
    return _positions(fmt, postings.values_at(at))
