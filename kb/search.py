"""Answering queries: parse, filter, sort, page, facet, highlight, suggest.

The query language is what people know from feed readers: words (all must
match), "phrases", OR, -negation, field filters (entity:, source:, kind:,
title:, date:/published: with ranges such as date:[2024-01-01 to 2024-06-30]
or date:>2024). A query the parser cannot read is answered for its plain
words, with a note; never with a traceback.
"""

from __future__ import annotations

import heapq
import re
import sys
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time
from functools import lru_cache
from itertools import accumulate, compress
from typing import TYPE_CHECKING, Any

import numpy as np
from whoosh import query as wq
from whoosh.matching import AndNotMatcher, NullMatcher, WrappingMatcher
from whoosh.qparser import FieldAliasPlugin, GtLtPlugin, MultifieldParser, PlusMinusPlugin
from whoosh.query.spans import Span, SpanNear2
from whoosh.util.times import datetime_to_long

from kb import search_rows
from kb.errors import KBError
from kb.index import SCHEMA
from kb.search_cache import UNDATED, Columns, columns_for, docnums_for, searcher_for, stored_ids
from kb.search_rows import DocumentRow, Rows
from kb.search_score import scored

if TYPE_CHECKING:  # whoosh ships no type information: these are documentation for the reader
    from whoosh.index import Index
    from whoosh.searching import Searcher

    from kb.search_rows import Readable

SORTS = ("relevance", "date", "oldest")
FACETS = ("source", "kind", "year", "entity")
_START, _END = "\ue000", "\ue001"


@dataclass
class SearchRequest:
    query: str = ""
    sources: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    entities: list[str] = field(default_factory=list)
    since: date | None = None
    until: date | None = None
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20
    facets: bool = True
    only_ids: list[int] | None = None  # restrict to these documents (a watch's new ones); None: all


@dataclass
class Copy:
    """Where else a hit's story was seen."""

    url: str | None
    source_id: int
    source_title: str


@dataclass
class Hit:
    id: int
    title: str
    url: str | None
    source_id: int
    source_title: str
    published: datetime | None
    kind: str
    snippet: list[tuple[str, bool]]  # (text, is_match) segments; render escaped
    entities: list[str]
    score: float | None = None
    also_at: list[Copy] = field(default_factory=list)  # the same story under other URLs or sources

    @property
    def snippet_text(self) -> str:
        return "".join(text for text, _ in self.snippet)


@dataclass
class SearchResult:
    request: SearchRequest
    hits: list[Hit] = field(default_factory=list)
    total: int = 0
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    note: str | None = None  # e.g. the query could not be read as written
    suggestion: str | None = None  # "did you mean"
    entities: list[tuple[str, str, str]] = field(default_factory=list)  # (slug, name, kind) the query names

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.request.per_page))

    def to_dict(self) -> dict:
        out = {
            "query": self.request.query,
            "total": self.total,
            "page": self.request.page,
            "pages": self.pages,
            "note": self.note,
            "suggestion": self.suggestion,
            "facets": {k: [{"value": v, "count": c} for v, c in vals] for k, vals in self.facets.items()},
            "entities": [{"slug": s, "name": n, "kind": k} for s, n, k in self.entities],
        }
        out["hits"] = [
            dict(asdict(h), snippet=h.snippet_text, published=h.published.isoformat() if h.published else None)
            for h in self.hits
        ]
        return out


class _Phrase(wq.Phrase):
    """Whoosh's phrase, with the same matches and scores, found with sets of positions.

    Whoosh checks a phrase in each document that has all its words by building a Span
    object per position of each word and joining them pairwise: most of the time of a
    phrase query (issue 14). A phrase of words right next to each other (slop 1, what the
    query language writes) is a start position p of the first word with p + i among
    the positions of word i: the same documents, and Whoosh's spans for them."""

    def matcher(self, searcher: Searcher, context: object = None) -> Any:
        # Whoosh's Phrase.matcher, with _PhraseMatcher for its SpanNear2 matcher (which looks
        # for the first document with the phrase as it is made).
        schema = searcher.schema
        field = schema[self.fieldname] if self.fieldname in schema else None  # noqa: SIM401 (a Schema has no get)
        if self.slop != 1 or field is None or not field.format or not field.format.supports("positions"):
            return super().matcher(searcher, context)
        reader = searcher.reader()
        terms = []
        for word in self.words:
            try:
                word = field.to_bytes(word)
            except ValueError:
                return NullMatcher()
            if (self.fieldname, word) not in reader:
                return NullMatcher()
            terms.append(wq.Term(self.fieldname, word))
        m = _PhraseMatcher([t.matcher(searcher, context) for t in terms], slop=1, ordered=True, mindist=1)
        return WrappingMatcher(m, boost=self.boost) if self.boost != 1.0 else m


class _PhraseMatcher(SpanNear2.SpanNear2Matcher):
    def _get_spans(self) -> list:
        if not all(m.supports("positions") for m in self.ms):
            return super()._get_spans()
        first, *rest = (m.value_as("positions") for m in self.ms)
        later = [set(positions) for positions in rest]
        last = len(later)
        return [Span(p, p + last) for p in first if all(p + i in s for i, s in enumerate(later, 1))]


class _AndNot(wq.AndNot):
    """Whoosh's AndNot, with a matcher that leaves out every excluded document."""

    def matcher(self, searcher: Searcher, context: object = None) -> Any:
        return _AndNotMatcher(self.a.matcher(searcher, context), self.b.matcher(searcher, searcher.boolean_context()))


class _AndNotMatcher(AndNotMatcher):
    """Whoosh's AndNotMatcher looks for a first match only when both parts start on the same
    document: when the excluded part starts earlier, the positive part's first document was
    kept even if it was excluded ("rule -semiconductor" listed one with semiconductor)."""

    def _find_first(self) -> None:
        if self.a.is_active() and self.b.is_active():
            self._find_next()


def _exact_negation(q: wq.Query) -> wq.Query:
    return q.accept(lambda node: _AndNot(node.a, node.b) if type(node) is wq.AndNot else node)


def make_parser(dates: bool = True) -> MultifieldParser:
    """The query parser, one per thread: building its date grammar costs more than a rare term's search.

    Without `dates`, the same parser without Whoosh's date plugin (not even imported), for a text
    that names no date field (_names_dates): the plugin only rewrites the clauses of DATETIME
    fields (published, or its alias date) and leaves every other clause as it is, so such a text
    parses to the same query either way, and a cold `kb search chip` skips building the date
    grammar (its regular expressions)."""
    name = "parser" if dates else "plain_parser"
    parser = getattr(_parsers, name, None)
    if parser is None:
        parser = _new_parser(dates)
        setattr(_parsers, name, parser)
    return parser


_parsers = threading.local()


def _new_parser(dates: bool = True) -> MultifieldParser:
    parser = MultifieldParser(["title", "body"], SCHEMA, phraseclass=_Phrase)
    # A minus negates only at the start of a word, so slugs like alibaba-cloud stay whole.
    parser.remove_plugin_class(PlusMinusPlugin)
    parser.add_plugin(PlusMinusPlugin(plusexpr=r"(?:^|(?<=[\s(]))\+(?=\S)", minusexpr=r"(?:^|(?<=[\s(]))-(?=\S)"))
    parser.add_plugin(GtLtPlugin())
    if dates:
        from whoosh.qparser.dateparse import DateParserPlugin

        parser.add_plugin(DateParserPlugin(free=False))
    parser.add_plugin(FieldAliasPlugin({"published": ["date"], "entity": ["entities"]}))
    return parser


def _names_dates(text: str) -> bool:
    """Whether `text` may name a date field: field names are matched as written, so a text
    without "date" and "published" (in any case, to be safe) has no date clause."""
    lowered = text.lower()
    return "date" in lowered or "published" in lowered


def parse_query(text: str) -> tuple[wq.Query, str | None]:
    """The query for `text`, and a note when only its plain words could be used."""
    q, note = _parse(text)
    return _exact_negation(q), note


def _parse(text: str) -> tuple[wq.Query, str | None]:
    if not text.strip():
        return wq.Every(), None
    parser = make_parser(dates=_names_dates(text))
    try:
        q = parser.parse(_compact_dates(text))
        if _DATE_CLAUSE.search(text) and _has_null(q):  # Whoosh drops dates it cannot read
            return _without_dates(parser, text)
        return _prefer_phrase(parser, text, q), None
    except Exception:  # Whoosh raises many types (ValueError from dates, ...)
        words = plain_words(text)
        note = f"Could not read the query as written; showing results for its words: {' '.join(words) or '(none)'}"
        if not words:
            return wq.NullQuery, note
        return parser.parse(" ".join(words)), note


_DATE_CLAUSE = re.compile(r"\b(date|published):(\[[^\]]*\]|\S+)", re.I)


def _prefer_phrase(parser: MultifieldParser, text: str, q: wq.Query) -> wq.Query:
    """For a few plain words, rank documents where they stand together first."""
    words = text.split()
    if not 2 <= len(words) <= 5 or not re.fullmatch(r"[\w\s]+", text) or any(w in plain_ops for w in words):
        return q
    phrase = parser.parse('"' + " ".join(words) + '"')
    return wq.AndMaybe(q, phrase) if not isinstance(phrase, type(wq.NullQuery)) else q


plain_ops = ("AND", "OR", "NOT", "ANDNOT", "ANDMAYBE")


def _has_null(q: wq.Query) -> bool:
    return isinstance(q, type(wq.NullQuery)) or any(_has_null(child) for child in q.children())


def _without_dates(parser: MultifieldParser, text: str) -> tuple[wq.Query, str]:
    clauses = ", ".join(m.group(0) for m in _DATE_CLAUSE.finditer(text))
    note = (
        f"Could not read the date in {clauses}; it was left out. "
        "Dates look like date:2024, date:2024-07, date:2024-07-09 or date:[2024-06-01 to 2024-07-31]."
    )
    rest = _DATE_CLAUSE.sub(" ", text).strip()
    if not rest:
        return wq.Every(), note
    try:
        return parser.parse(rest), note
    except Exception:
        words = plain_words(rest)
        return (parser.parse(" ".join(words)) if words else wq.NullQuery), note


def _compact_dates(text: str) -> str:
    """ISO dates inside date clauses as Whoosh reads them: 2024-07-01 -> 20240701."""

    def compact(match: re.Match) -> str:
        return match.group(1) + ":" + re.sub(r"(?<=\d)-(?=\d)", "", match.group(2))

    return _DATE_CLAUSE.sub(compact, text)


def plain_words(text: str) -> list[str]:
    """The words of a query without syntax; operator words are lower-cased."""
    return [w.lower() if w in plain_ops else w for w in re.findall(r"\w+", text)]


def search(ix: Index, session: Readable, request: SearchRequest) -> SearchResult:
    """Run `request` against the index and read the hits back from the database.

    `session` may be a plain connection (`kb search`): search reads its few rows with SQL
    of its own, so that a search process need not build the ORM's models."""
    result = SearchResult(request=request)
    q, result.note = parse_query(request.query)
    if isinstance(q, type(wq.NullQuery)):
        result.note = result.note or "The query has no searchable words."
        return result
    q, date_ranges = split_date_ranges(q)
    filter_q = _filter(request)
    by_date = request.sort in ("date", "oldest") or not request.query.strip() or isinstance(q, wq.Every)
    searcher = searcher_for(ix)
    columns = columns_for(searcher)
    spans = _date_spans(request, date_ranges)
    page: list[tuple[int, float | None]]
    read: dict[tuple[str, bytes], np.ndarray] = {}  # each term's documents, when read, by (field, term)
    fast = None if by_date else _fast_scored(searcher, columns, q, filter_q, spans)
    if by_date:
        matches = _matches(searcher, columns, q, filter_q, spans, read)
        page = _page_by_date(columns, matches, request)
    elif fast is not None:
        matches, scores, read = fast
        page = _page_of_scored(matches, scores, request)
    elif _has_phrase(q):
        matches, scores = _scored_matches(searcher, columns, q, filter_q, spans)
        page = _page_of_scored(matches, scores, request)
    else:
        matches = _matches(searcher, columns, q, filter_q, spans, read)
        page = _page_by_score(searcher, q, matches, filter_q is not None or bool(spans), request)
    result.total = len(matches)  # counted once, here
    if request.facets:
        result.facets = count_facets(columns, matches)
    terms = _body_terms(q)
    matched = _with_body_terms(searcher, [docnum for docnum, _ in page], terms, read)
    ids = stored_ids(searcher, [docnum for docnum, _ in page])
    found = [(doc_id, score, docnum in matched) for doc_id, (docnum, score) in zip(ids, page, strict=True)]
    result.hits = _load_hits(session, found, terms)
    if result.total == 0 and request.query.strip():
        result.suggestion = suggest(searcher, request.query)
    result.entities = named_entities(session, request.query)
    return result


def _matches(
    searcher: Searcher,
    columns: Columns,
    q: wq.Query,
    filter_q: wq.Query | None,
    spans: list[tuple[int, int]],
    read: dict[tuple[str, bytes], np.ndarray] | None = None,
) -> np.ndarray:
    """The document numbers that match, in order: the query and filters through the
    index, the date spans on the date column (undated documents match no span). `read`
    gets the document numbers of the terms read (docnums_for)."""
    if isinstance(q, wq.Every) and filter_q is None:
        docnums = columns.live_docnums()
    else:
        both = wq.And([q, filter_q]) if filter_q is not None else q
        docnums = docnums_for(searcher, columns.live, both, read)
    return docnums[_dated_within(columns, docnums, spans)] if spans and len(docnums) else docnums


def _dated_within(columns: Columns, docnums: np.ndarray, spans: list[tuple[int, int]]) -> np.ndarray:
    """Which of `docnums` were published within every span (undated documents match none)."""
    dates = columns.published[docnums]
    keep = dates != UNDATED
    for low, high in spans:
        keep &= (dates >= low) & (dates <= high)
    return keep


def _has_phrase(q: wq.Query) -> bool:
    return isinstance(q, wq.Phrase) or any(_has_phrase(child) for child in q.children())


def _scored_matches(
    searcher: Searcher, columns: Columns, q: wq.Query, filter_q: wq.Query | None, spans: list[tuple[int, int]]
) -> tuple[np.ndarray, np.ndarray]:
    """Every match and its score, in one pass (document numbers in order).

    A query with a phrase cannot skip blocks: ranking it visits and scores every match
    anyway, so that one pass also gives the matches, instead of running the (costly)
    phrase once more to list them first."""
    from whoosh import collectors  # only here: whoosh.sorting with it

    collector = collectors.UnlimitedCollector()
    if filter_q is not None:
        collector = collectors.FilterCollector(collector, allow=filter_q)
    searcher.search_with_collector(q, collector)
    pairs = sorted((docnum, score) for score, docnum in collector.results().top_n)
    docnums = np.fromiter((d for d, _ in pairs), dtype=np.int64, count=len(pairs))
    scores = np.fromiter((s for _, s in pairs), dtype=np.float64, count=len(pairs))
    if spans and len(docnums):
        keep = _dated_within(columns, docnums, spans)
        docnums, scores = docnums[keep], scores[keep]
    return docnums, scores


def _fast_scored(
    searcher: Searcher, columns: Columns, q: wq.Query, filter_q: wq.Query | None, spans: list[tuple[int, int]]
) -> tuple[np.ndarray, np.ndarray, dict[tuple[str, bytes], np.ndarray]] | None:
    """Every live match that passes the filters, its score (kb.search_score: Whoosh's scores,
    with numpy) and the postings read; None for a query only Whoosh can score."""
    found = scored(searcher, q)
    if found is None:
        return None
    docnums, scores = found.docs, found.scores
    keep = columns.live[docnums]
    if filter_q is not None and len(docnums):
        allowed = docnums_for(searcher, columns.live, filter_q)
        at = np.minimum(np.searchsorted(allowed, docnums), max(len(allowed) - 1, 0))
        keep &= allowed[at] == docnums if len(allowed) else False
    if spans and len(docnums):
        keep &= _dated_within(columns, docnums, spans)
    return docnums[keep], scores[keep], found.read


def _page_of_scored(matches: np.ndarray, scores: np.ndarray, request: SearchRequest) -> list[tuple[int, float | None]]:
    """One page by score, then document number (Whoosh's order; a page past the end shows the last one)."""
    pages = max(1, -(-len(matches) // request.per_page))
    start = (min(max(1, request.page), pages) - 1) * request.per_page
    order = np.lexsort((matches, -scores))[start : start + request.per_page]
    return [(int(matches[i]), float(scores[i])) for i in order]


def _page_by_score(
    searcher: Searcher, q: wq.Query, matches: np.ndarray, narrowed: bool, request: SearchRequest
) -> list[tuple[int, float | None]]:
    """One page by relevance among `matches` (a page past the end shows the last one).

    Not `search_page`: it asks its results for their length, and Whoosh then runs the
    query again to count what its block skipping left out; the total is known already."""
    pages = max(1, -(-len(matches) // request.per_page))
    start = (min(max(1, request.page), pages) - 1) * request.per_page
    found = searcher.search(q, limit=start + request.per_page, filter=set(matches.tolist()) if narrowed else None)
    return [(docnum, score) for score, docnum in found.top_n[start:]]


def _date_spans(request: SearchRequest, ranges: Sequence[wq.Query]) -> list[tuple[int, int]]:
    """Inclusive bounds on the date column for the query's date ranges and the request's dates."""
    spans = []
    for r in ranges:
        low = 0 if r.start is None else int(r.start) + (1 if r.startexcl else 0)
        high = UNDATED - 1 if r.end is None else int(r.end) - (1 if r.endexcl else 0)
        spans.append((low, high))
    if request.since or request.until:
        low = datetime_to_long(datetime.combine(request.since, time.min)) if request.since else 0
        high = datetime_to_long(datetime.combine(request.until, time.max)) if request.until else UNDATED - 1
        spans.append((low, high))
    return spans


def named_entities(session: Readable, text: str) -> list[tuple[str, str, str]]:
    """Entities whose names the query's free text contains, to offer their pages."""
    free = re.sub(r"\b\w+:(\[[^\]]*\]|\S+)", " ", text)
    if not free.strip():
        return []
    # The first search of a process that has not linked (`kb search`) loads the registry and
    # builds the linker only when a stored entity's name occurs; later ones always do.
    rows = Rows(session)
    first = _first_search.pop("linker", False) and "kb.entities" not in sys.modules
    if first and not search_rows.may_name_entities(rows, free):
        return []
    from kb.linker import current_linker

    try:
        return search_rows.named_entities(rows, free, current_linker())
    except KBError:  # a broken registry must not break search
        return []


_first_search = {"linker": True}


def _may_name_entities(session: Readable, text_: str) -> bool:
    """Whether a stored entity's name, alias or slug occurs in `text_`: the linker finds no others."""
    return search_rows.may_name_entities(Rows(session), text_)


def split_date_ranges(q: wq.Query) -> tuple[wq.Query, list[wq.Query]]:
    """Move date ranges out of the scored query into the filter.

    Whoosh's block-skipping optimisation drops matches when a date range is
    intersected with scored terms (totals and top hits come out wrong); as a
    filter the range is exact, and it should not affect scores anyway.
    """
    if isinstance(q, wq.DateRange):
        return wq.Every(), [q]
    if isinstance(q, wq.And):
        ranges = [p for p in q.subqueries if isinstance(p, wq.DateRange)]
        rest = [p for p in q.subqueries if not isinstance(p, wq.DateRange)]
        if ranges:
            return (rest[0] if len(rest) == 1 else wq.And(rest)) if rest else wq.Every(), ranges
    return q, []


def _page_by_date(columns: Columns, matches: np.ndarray, request: SearchRequest) -> list[tuple[int, float | None]]:
    """One page of `matches` by publication date (newest or oldest first; undated last)."""
    start = (max(1, request.page) - 1) * request.per_page
    if not len(matches) or start >= len(matches):
        return []
    wanted = start + request.per_page
    if len(matches) > columns.size // 8:  # many matches: the index's date order, kept once sorted
        chosen = np.zeros(columns.size, dtype=bool)
        chosen[matches] = True
        order = columns.by_date(oldest=request.sort == "oldest")
        return [(int(d), None) for d in order[chosen[order]][start:wanted]]
    dates = columns.published[matches]
    undated = dates == UNDATED
    # Newest first: order by the complement, so that one ascending sort serves both ways.
    key = np.where(undated, UNDATED, (UNDATED - 1) - dates) if request.sort != "oldest" else dates
    if wanted < len(matches) // 4:  # a top-k: partition first, then sort only the front
        front = np.argpartition(key, wanted - 1)[:wanted]
        front = front[np.lexsort((matches[front], key[front]))]
    else:
        front = np.lexsort((matches, key))
    return [(int(d), None) for d in matches[front[start:wanted]]]


def _body_terms(q: wq.Query) -> frozenset[str]:
    """The (analysed) words a query looks for, for highlighting."""
    try:
        return frozenset(
            text if isinstance(text, str) else text.decode("utf-8")
            for field, text in q.iter_all_terms()
            if field in ("title", "body")
        )
    except Exception:  # some query types cannot list their terms
        return frozenset()


def _filter(request: SearchRequest) -> wq.Query | None:
    """The request's filters other than dates (those are applied on the date column)."""
    parts: list[wq.Query] = []
    if request.only_ids is not None:
        parts.append(wq.Or([wq.Term("id", str(i)) for i in request.only_ids]) if request.only_ids else wq.NullQuery)
    for name, values in (("source", request.sources), ("kind", request.kinds), ("entity", request.entities)):
        if values:
            parts.append(wq.Or([wq.Term(name, str(v).lower() if name == "entity" else str(v)) for v in values]))
    return wq.And(parts) if parts else None


def _segments(marked: str) -> list[tuple[str, bool]]:
    out = []
    for i, part in enumerate(re.split(f"[{_START}{_END}]", marked)):
        if part:
            out.append((part, i % 2 == 1))
    return out


def _with_body_terms(
    searcher: Searcher, docnums: list[int], terms: frozenset[str], read: dict[tuple[str, bytes], np.ndarray]
) -> set[int]:
    """Which of `docnums` hold one of `terms` in their indexed body (summary and body text),
    from the term's document numbers when scoring read them (`read`), else its postings.

    A hit found by its title alone has nothing to highlight in its text; analysing the
    whole text to find that out cost milliseconds per hit (issue 14)."""
    found: set[int] = set()
    reader = searcher.reader()
    wanted = np.array(docnums, dtype=np.int64)
    for term in terms:
        known = read.get(("body", term.encode("utf-8")))
        if known is not None:
            at = np.minimum(np.searchsorted(known, wanted), max(len(known) - 1, 0))
            found.update(wanted[known[at] == wanted].tolist() if len(known) else [])
            continue
        if ("body", term) not in reader:
            continue
        postings = searcher.postings("body", term)
        for docnum in sorted(docnums):
            if docnum in found:
                continue
            postings.skip_to(docnum)
            if not postings.is_active():
                break
            if postings.id() == docnum:
                found.add(docnum)
    return found


def _load_hits(session: Readable, found: Sequence[tuple[int, float | None, bool]], terms: frozenset[str]) -> list[Hit]:
    """The hits for (document id, score, whether its text holds a term to highlight), in order."""
    rows = Rows(session)
    ids = [i for i, _, _ in found]
    docs = {d.id: d for d in search_rows.documents(rows, ids)}
    copies = search_rows.copies(rows, list(docs))  # oldest first
    mentions: dict[int, list[tuple[int, str]]] = {}
    for doc_id, slug, count in search_rows.mentions(rows, ids):
        mentions.setdefault(doc_id, []).append((-count, slug))
    hits = []
    for doc_id, score, has_terms in found:
        doc = docs.get(doc_id)
        if doc is None:  # indexed but gone from the database: `kb check` reports it
            continue
        hits.append(
            Hit(
                id=doc_id,  # the key doc was found under
                title=doc.title,
                url=doc.url,
                source_id=doc.source_id,
                source_title=doc.source_title or doc.source_url or "",
                published=doc.published_at,
                kind=doc.kind,
                snippet=_snippet(doc, terms if has_terms else frozenset()),
                entities=[s for _, s in sorted(mentions.get(doc_id, []))][:8],
                score=score,
                also_at=[
                    Copy(c.url, c.source_id, c.source_title or c.source_url or "") for c in copies.get(doc_id, [])
                ],
            )
        )
    return hits


def _snippet(doc: DocumentRow, terms: frozenset[str]) -> list[tuple[str, bool]]:
    text = doc.body or doc.summary
    marked = ""
    if terms:
        try:
            window = _near_first_match(text, terms)
            marked = _highlight(window, terms) if window is not None else ""
            if not marked and window != text:  # the window guessed wrong: the whole text, as before
                marked = _highlight(text, terms)
        except Exception:  # highlighting is a nicety; a failure must not fail the search
            marked = ""
    if not marked:
        marked = text[:220] + ("…" if len(text) > 220 else "")
    return _segments(marked)


def _highlight(text: str, terms: frozenset[str]) -> str:
    """`text` with its words that analyse to one of `terms` between _START and _END, in its two
    best fragments joined by " … ": the very string Whoosh's highlight() gave with the body
    analyzer, ContextFragmenter(maxchars=220, surround=70), BasicFragmentScorer and top=2.

    Whoosh made a token object per word and ran each through a chain of generators: 12-15 ms
    of a 58 ms query for its 20 snippets (issue 14). Here one split by the tokenizer's expression
    gives the words and their offsets, the analyzer's memo tells the matches, and the
    fragmenter's steps are followed only from each match on (_fragments)."""
    parts = _TOKEN_PARTS.split(text)  # [between, word, between, word, ..., between]
    tokens = parts[1::2]
    matched = _matched(tokens, terms)
    if not matched:
        return ""
    offsets = list(accumulate(map(len, parts)))
    starts, ends = offsets[0:-1:2], offsets[1::2]
    fragments = _fragments(starts, ends, matched)
    # BasicFragmentScorer: matches x distinct terms x 100; the best two (of equal scores the later)
    best = heapq.nlargest(2, fragments, key=lambda f: (len(f[2]) * len({matched[i] for i in f[2]}), f[0]))
    out = []
    for start, end, within in sorted(best):
        pieces: list[str] = []
        at = start
        for i in within:
            pieces += (text[at : starts[i]], _START, tokens[i], _END)
            at = ends[i]
        pieces.append(text[at:end])
        out.append("".join(pieces))
    return " … ".join(out)


_BODY = SCHEMA["body"].analyzer
_TOKEN_PARTS = re.compile(f"({_BODY.items[0].expression.pattern})", _BODY.items[0].expression.flags)
_MAXCHARS, _SURROUND, _CHARLIMIT = 220, 70, 2**15  # ContextFragmenter(maxchars=220, surround=70)


def _matched(tokens: list[str], terms: frozenset[str]) -> dict[int, bytes]:
    """Which of `tokens` (as found in a text) the body analyzer makes one of `terms`: their
    indexes, in order, and the term. A stopword (kept, unstemmed, when highlighting) is matched
    by its lowercase form."""
    words = _indexed(tokens)
    wanted, stopped = _wanted(terms)
    hits = compress(range(len(words)), map(wanted.__contains__, words))  # read in C: few words are matches
    found = {i: word for i in hits if (word := words[i]) is not None}
    if stopped and None in words:
        for i, word in enumerate(words):
            if word is None and tokens[i].lower() in stopped:
                found[i] = tokens[i].lower().encode("utf-8")
        found = dict(sorted(found.items()))
    return found


@lru_cache(maxsize=64)
def _wanted(terms: frozenset[str]) -> tuple[frozenset[bytes], frozenset[str]]:
    """`terms` as indexed words, and those of them that are stopwords (a query's hits share them)."""
    listed = sorted(terms)
    stopped = (t for t, word in zip(listed, _indexed(listed), strict=True) if word is None and t == t.lower())
    return frozenset(t.encode("utf-8") for t in terms), frozenset(stopped)


def _indexed(tokens: list[str]) -> list[bytes | None]:
    """The words the body analyzer indexes for these tokens, None for a stopword."""
    return _BODY.terms_of(tokens)


def _fragments(starts: list[int], ends: list[int], matched: dict[int, bytes]) -> list[tuple[int, int, list[int]]]:
    """What ContextFragmenter.fragment_tokens yields for the tokens at these offsets, as (start, end,
    the matches' indexes), leaving out the fragments with no match (which score 0).

    Between fragments a word only keeps the starts of the words within `surround` characters
    before it; so the words are read one by one only from each match to its fragment's end, and
    the context before a match is found by bisection. Whoosh's quirks are kept: a fragment's
    length counts its words only; the word that would make it too long ends it, unmarked; when
    a fragment's countdown ends at exactly 0, the next word, unless a match, is passed over; no
    word ending past the 32,768th character is read, but a fragment left open at that point ends
    with the first word that is not read."""
    limit = bisect_right(ends, _CHARLIMIT)
    out: list[tuple[int, int, list[int]]] = []
    since = 0  # the first word read since the last fragment, which may be context for the next
    at = 0  # the next word to read
    for m in matched:
        if m < at:
            continue
        if m >= limit:
            break
        first, countdown, length, within, k = -1, -1, 0, [], m
        while k < limit:
            size = ends[k] - starts[k]
            if length + size > _MAXCHARS:
                countdown = 0
            elif k in matched:
                countdown = _SURROUND
                if first < 0:  # the first of the words read since `since` within `surround` of the last
                    j = bisect_left(starts, ends[k - 1] - _SURROUND, since, k) if since < k else k
                    if j < k:
                        first = starts[j]
                    else:  # none: the unused context goes after
                        first = starts[k]
                        countdown += _SURROUND
                within.append(k)
            length += size
            countdown -= size
            if countdown <= 0:
                if within:
                    out.append((first, ends[k], within))
                break
            k += 1
        else:  # the text (or what is read of it) ends inside the fragment
            out.append((first, ends[min(limit, len(ends) - 1)], within))
            break
        at = since = k + 1
        if countdown == 0 and at < limit and at not in matched:
            at = since = k + 2
    return out


_WINDOW_BEFORE, _WINDOW_AFTER = 150, 450


def _near_first_match(text: str, terms: frozenset[str]) -> str | None:
    """The stretch of `text` around the first word that may stem to one of `terms`.

    Analysing a whole body to highlight it costs milliseconds per hit; a stem is
    nearly always a prefix of the words it stands for (else, but for its last letter:
    happi, happy), so a regular expression finds where to look. None when no word
    looks like a match."""
    if len(text) <= _WINDOW_BEFORE + _WINDOW_AFTER:
        return text
    found = None
    for prefixes in (set(terms), {t[: max(3, len(t) - 1)] for t in terms}):
        ordered = sorted(prefixes, key=len, reverse=True)
        pattern = "|".join((r"\b" if t[:1].isascii() else "") + re.escape(t) for t in ordered)
        found = re.search(pattern, text, re.IGNORECASE)
        if found is not None:
            break
    if found is None:
        return None
    start = max(0, found.start() - _WINDOW_BEFORE)
    start = text.find(" ", start) + 1 if start else 0  # whole words only
    end = text.rfind(" ", 0, found.start() + _WINDOW_AFTER)
    return text[start : max(end, found.end())]


def count_facets(columns: Columns, matches: np.ndarray, top: int = 50) -> dict[str, list[tuple[str, int]]]:
    """Counts per source, kind, year and entity over every match, from the column arrays."""
    if not len(matches):
        return {name: [] for name in FACETS}
    out: dict[str, list[tuple[str, int]]] = {}
    for name in ("source", "kind", "year"):
        codes, values = columns.codes[name]
        out[name] = _ranked(np.bincount(codes[matches], minlength=len(values)), values, top)
    chosen = np.zeros(columns.size, dtype=bool)
    chosen[matches] = True
    picked = columns.entity_codes[chosen[columns.entity_docs]]
    out["entity"] = _ranked(np.bincount(picked, minlength=len(columns.entity_values)), columns.entity_values, top)
    return out


def _ranked(counts: np.ndarray, values: list[str], top: int) -> list[tuple[str, int]]:
    pairs = [(value, int(n)) for value, n in zip(values, counts.tolist(), strict=True) if n and value]
    return heapq.nsmallest(top, pairs, key=lambda kv: (-kv[1], kv[0]))


def suggest(searcher: Searcher, text: str) -> str | None:
    """A respelled query when some of its words are unknown to the index."""
    reader = searcher.reader()
    changed, words = False, []
    for token in re.split(r"(\s+)", text):
        bare = token.strip()
        if bare and re.fullmatch(r"[A-Za-z]{3,}", bare) and reader.doc_frequency("spell", bare.lower()) == 0:
            options = searcher.suggest("spell", bare.lower(), limit=1)
            if options:
                token, changed = options[0], True
        words.append(token)
    return "".join(words) if changed else None
