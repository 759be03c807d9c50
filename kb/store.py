"""Reading and writing sources and documents (keyword-only, session first)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import CursorResult, delete, func, insert
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from ingest import fingerprint
from ingest.errors import BadURL
from ingest.fetch import check_url, private_host_problem
from ingest.records import Item
from kb.entity_counts import forget_mentions, redate_mentions
from kb.errors import NotFound, UserInputError
from kb.models import Document, DocumentCopy, Meta, Source, StoryBand, utcnow

SOURCE_KINDS = ("feed", "article", "page_list", "federal_register", "availability", "csl")


def add_source(
    session: Session,
    *,
    url: str,
    kind: str = "feed",
    title: str = "",
    settings: dict | None = None,
    allow_file: bool = False,
    allow_private: bool = False,
) -> Source:
    """Subscribe to `url`; a second subscription to the same URL is an error.

    Unless `allow_private` (KB_ALLOW_PRIVATE_ADDRESSES=1), a URL whose host is
    or resolves to a loopback, private, link-local ... address is refused here
    already, so the mistake shows when it is made; fetches check again on
    every connection.
    """
    if kind not in SOURCE_KINDS:
        raise UserInputError(f"unknown source kind {kind!r}; expected one of {', '.join(SOURCE_KINDS)}")
    try:
        url = check_url(url, allow_file=allow_file)
    except BadURL as exc:
        raise UserInputError(str(exc)) from exc
    problem = None if allow_private else private_host_problem(url)
    if problem:
        raise UserInputError(f"refused: {problem}; set KB_ALLOW_PRIVATE_ADDRESSES=1 to allow private sources")
    existing = session.exec(select(Source).where(Source.url == url)).first()
    if existing:
        raise UserInputError(f"already subscribed: source {existing.id} has URL {url}")
    source = Source(url=url, kind=kind, title=title, settings=dict(settings or {}), next_check_at=utcnow())
    session.add(source)
    session.flush()
    return source


def get_source(session: Session, source_id: int) -> Source:
    source = session.get(Source, source_id)
    if source is None:
        raise NotFound(f"no source with id {source_id}")
    return source


def find_source_by_url(session: Session, url: str) -> Source | None:
    return session.exec(select(Source).where(Source.url == url)).first()


def list_sources(session: Session) -> list[Source]:
    return list(session.exec(select(Source).order_by(col(Source.id))))


def document_counts(session: Session) -> dict[int, int]:
    """Number of documents per source id."""
    rows = session.exec(select(Document.source_id, func.count(col(Document.id))).group_by(col(Document.source_id)))
    return dict(rows.all())


def get_document(session: Session, document_id: int) -> Document:
    doc = session.get(Document, document_id)
    if doc is None:
        raise NotFound(f"no document with id {document_id}")
    return doc


@dataclass
class UpsertResult:
    new: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    unchanged: int = 0
    copies: list[int] = field(default_factory=list)  # documents that gained a copy ("also at")

    @property
    def changed(self) -> list[int]:
        return self.new + self.updated


# Sources whose items may be copies of a story stored before; a Federal Register document or
# an availability page is itself the primary record, never a copy of something else.
DEDUPED_KINDS = ("feed", "article", "page_list")
MIN_EXACT_TOKENS = 12  # an identical title and summary this long is the same story
MAX_CANDIDATES = 50  # documents sharing a band that are compared text to text


def upsert_items(session: Session, *, source: Source, items: list[Item]) -> UpsertResult:
    """Insert new items and update changed ones, keyed by (source, stable key).

    A new item that tells a story already stored (the same text, or a text that resembles it
    closely: ingest.fingerprint) becomes a copy of that document instead of a second one; the
    stories of the items before it in `items` count as stored.
    """
    assert source.id is not None, "upsert_items needs a saved source"
    result = UpsertResult()
    latest: dict[str, Item] = {}
    for item in items:  # a feed may repeat an entry: the last copy wins
        latest[item.key] = item
    existing = _existing(session, source.id, list(latest))
    copies = _existing_copies(session, source.id, [k for k in latest if k not in existing])
    marks = {k: fingerprint.bands(_story_text(i)) for k, i in latest.items() if k not in existing and k not in copies}
    stories = (
        _Stories(session, [latest[k] for k in marks], list(marks.values())) if source.kind in DEDUPED_KINDS else None
    )
    added: list[tuple[Document, list[tuple[int, int]] | None]] = []
    twins: list[tuple[int | Document, str, Item]] = []
    for key, item in latest.items():
        doc = existing.get(key)
        if doc is None and key in copies:
            _refresh_copy(copies[key], item)
            result.unchanged += 1
        elif doc is None:
            twin = stories.twin(item, marks[key]) if stories is not None else None
            if twin is not None:
                twins.append((twin, key, item))
                continue
            doc = Document(source_id=source.id, key=key)
            _apply(doc, item)
            session.add(doc)
            added.append((doc, marks[key]))
            if stories is not None:
                stories.add(doc, item, marks[key])
        elif _differs(doc, item):
            mark = fingerprint.bands(_story_text(item))
            dated = doc.published_at
            _apply(doc, item)
            session.add(doc)
            assert doc.id is not None  # read from the database
            if doc.published_at != dated:  # the months its entities are counted in
                redate_mentions(session, doc.id, dated, doc.published_at)
            _replace_bands(session, doc.id, mark)
            if stories is not None:
                stories.replace(doc.id, item, mark)
            result.updated.append(doc.id)
        else:
            _keep_article_state(doc, item)
            result.unchanged += 1
    session.flush()  # one flush for the new documents, which take their ids in item order
    result.new = [doc.id for doc, _ in added if doc.id is not None]  # the flush assigned them all
    _insert_bands(session, [(doc_id, mark) for doc_id, (_, mark) in zip(result.new, added, strict=True)])
    for twin, key, item in twins:
        twin_id = twin if isinstance(twin, int) else twin.id
        assert twin_id is not None
        session.add(DocumentCopy(document_id=twin_id, source_id=source.id, key=key, url=item.url, title=item.title))
        result.copies.append(twin_id)
    session.flush()
    return result


def _existing(session: Session, source_id: int, keys: list[str]) -> dict[str, Document]:
    found: dict[str, Document] = {}
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        for doc in session.exec(select(Document).where(Document.source_id == source_id, col(Document.key).in_(chunk))):
            found[doc.key] = doc
    return found


def _existing_copies(session: Session, source_id: int, keys: list[str]) -> dict[str, DocumentCopy]:
    found: dict[str, DocumentCopy] = {}
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        query = select(DocumentCopy).where(DocumentCopy.source_id == source_id, col(DocumentCopy.key).in_(chunk))
        for copy in session.exec(query):
            found[copy.key] = copy
    return found


def _refresh_copy(copy: DocumentCopy, item: Item) -> None:
    if (copy.url, copy.title) != (item.url, item.title):
        copy.url, copy.title = item.url, item.title


def _story_text(item: Item) -> str:
    return f"{item.title}\n{item.body or item.summary}"


_UNSAVED = 1 << 62  # numbers for the stories a batch adds: after every stored id, in order


class _Stories:
    """The stories that items of one batch may repeat: the stored ones that share a text or a
    band with some item (read with one query per band and chunk of items, not one per item),
    and the batch's own new and changed stories as upsert_items meets them.

    `twin` answers what one query per item did before (issue 14): a stored story with the same
    text (MIN_EXACT_TOKENS words or more), else among the first MAX_CANDIDATES stories (by id)
    sharing a MinHash band, the one that resembles the item most (fingerprint.THRESHOLD at
    least), then the oldest. A story of the batch is known by a number above every stored id
    until the flush gives it its id; each text is cut into shingles once."""

    def __init__(self, session: Session, items: list[Item], marks: list[list[tuple[int, int]] | None]) -> None:
        self.session = session
        self.by_hash: dict[str, list[int]] = {}  # plain stories only
        self.hash_of: dict[int, str] = {}
        self.by_band: dict[tuple[int, int], set[int]] = {}
        self.bands_of: dict[int, list[tuple[int, int]]] = {}
        self.plain: dict[int, bool] = {}  # whether a story has no document number (is compared at all)
        self.texts: dict[int, str] = {}
        self.shingles: dict[int, set[str]] = {}
        self.unsaved: dict[int, Document] = {}
        self.last: tuple[Item, set[str]] | None = None  # the item twin() cut last, and its shingles
        hashes = sorted({item.content_hash for item in items})
        for start in range(0, len(hashes), 500):
            query = select(Document.id, Document.content_hash).where(
                col(Document.document_number).is_(None), col(Document.content_hash).in_(hashes[start : start + 500])
            )
            for doc_id, content_hash in session.exec(query):
                assert doc_id is not None
                self.by_hash.setdefault(content_hash, []).append(doc_id)
                self.hash_of[doc_id] = content_hash
        for band in range(fingerprint.BANDS):
            values = sorted({v for mark in marks if mark for b, v in mark if b == band})
            for start in range(0, len(values), 500):
                rows = select(StoryBand.value, StoryBand.document_id).where(
                    StoryBand.band == band, col(StoryBand.value).in_(values[start : start + 500])
                )
                for value, doc_id in session.exec(rows):
                    self._add_band(doc_id, (band, value))

    def _add_band(self, story: int, key: tuple[int, int]) -> None:
        self.by_band.setdefault(key, set()).add(story)
        self.bands_of.setdefault(story, []).append(key)

    def twin(self, item: Item, mark: list[tuple[int, int]] | None) -> int | Document | None:
        """The story `item` repeats: a stored document's id, or a new Document of this batch."""
        text = _story_text(item)
        if len(fingerprint.tokens(text)) >= MIN_EXACT_TOKENS:
            same = self.by_hash.get(item.content_hash)
            if same:
                return self._story(min(same))
        if mark is None:
            return None
        found: set[int] = set()
        for key in mark:
            found |= self.by_band.get(key, set())
        if not found:
            return None
        candidates = sorted(found)[:MAX_CANDIDATES]
        self._read([story for story in candidates if story not in self.plain])
        mine = fingerprint.shingles(text)
        self.last = (item, mine)
        best: tuple[float, int] | None = None
        for story in candidates:
            if not self.plain[story]:
                continue
            theirs = self.shingles.get(story)
            if theirs is None:
                theirs = self.shingles[story] = fingerprint.shingles(self.texts[story])
            score = _jaccard(mine, theirs)
            if score >= fingerprint.THRESHOLD and (best is None or (score, -story) > best):
                best = (score, -story)
        return self._story(-best[1]) if best else None

    def _story(self, story: int) -> int | Document:
        return self.unsaved.get(story, story)

    def _read(self, ids: list[int]) -> None:
        """Stored candidates' texts and document numbers, read once."""
        for start in range(0, len(ids), 500):
            query = sa_select(
                col(Document.id),
                col(Document.document_number),
                col(Document.title),
                col(Document.body),
                col(Document.summary),
            ).where(col(Document.id).in_(ids[start : start + 500]))
            for doc_id, number, title, body, summary in self.session.execute(query):
                assert doc_id is not None
                self.plain[doc_id] = number is None
                self.texts[doc_id] = f"{title}\n{body or summary}"

    def add(self, doc: Document, item: Item, mark: list[tuple[int, int]] | None) -> None:
        """A new story of the batch (a Document not flushed yet)."""
        story = _UNSAVED + len(self.unsaved)
        self.unsaved[story] = doc
        self._tell(story, item, mark)

    def replace(self, doc_id: int, item: Item, mark: list[tuple[int, int]] | None) -> None:
        """A stored story the batch changes: from now on it tells the item's."""
        for key in self.bands_of.pop(doc_id, []):
            self.by_band[key].discard(doc_id)
        old = self.hash_of.pop(doc_id, None)
        if old is not None:
            self.by_hash[old].remove(doc_id)
        self.shingles.pop(doc_id, None)
        self._tell(doc_id, item, mark)

    def _tell(self, story: int, item: Item, mark: list[tuple[int, int]] | None) -> None:
        self.plain[story] = item.document_number is None
        self.texts[story] = _story_text(item)
        if self.last is not None and self.last[0] is item:
            self.shingles[story] = self.last[1]
        if self.plain[story]:
            self.by_hash.setdefault(item.content_hash, []).append(story)
            self.hash_of[story] = item.content_hash
        for key in mark or ():
            self._add_band(story, key)


def _jaccard(a: set[str], b: set[str]) -> float:
    """fingerprint.resemblance of two texts, from their shingles."""
    return len(a & b) / len(a | b) if a or b else 1.0


def _replace_bands(session: Session, doc_id: int, mark: list[tuple[int, int]] | None) -> None:
    session.execute(delete(StoryBand).where(col(StoryBand.document_id) == doc_id))
    _insert_bands(session, [(doc_id, mark)])


def _insert_bands(session: Session, marks: list[tuple[int, list[tuple[int, int]] | None]]) -> None:
    """The bands of these documents, as plain rows in one statement (an object each cost more)."""
    rows = [{"band": b, "value": v, "document_id": doc_id} for doc_id, mark in marks for b, v in mark or ()]
    if rows:
        session.execute(insert(StoryBand), rows)


def _apply(doc: Document, item: Item) -> None:
    if doc.content_hash and doc.content_hash != item.content_hash:
        doc.previous_hashes = [*doc.previous_hashes, doc.content_hash][
            -20:
        ]  # a new list: JSON columns miss in-place changes
    doc.url = item.url
    doc.title = item.title
    doc.summary = item.summary
    doc.body = item.body
    doc.author = item.author
    if item.published is not None:
        doc.published_at, doc.date_source = item.published, item.date_source or "feed"
    elif doc.published_at is None and item.updated is not None:
        doc.published_at, doc.date_source = item.updated, "feed"
    doc.updated_at = item.updated
    doc.kind = item.kind
    doc.language = item.language
    doc.content_hash = item.content_hash
    doc.document_number = item.document_number
    doc.fields = dict(item.fields)  # a new dict: JSON columns miss in-place changes
    _keep_article_state(doc, item)
    doc.fetched_at = utcnow()


def _keep_article_state(doc: Document, item: Item) -> None:
    """Record what became of the item's article page (a failed fetch changes no content)."""
    if item.article_status is not None:
        doc.article_status, doc.article_error, doc.article_attempts = (
            item.article_status,
            item.article_error,
            item.article_attempts,
        )


def _differs(doc: Document, item: Item) -> bool:
    return (
        doc.content_hash != item.content_hash
        or doc.url != item.url
        or (item.published is not None and doc.published_at != item.published)
        or doc.updated_at != item.updated
        or doc.fields != item.fields
        or doc.kind != item.kind
    )


def copies_of(session: Session, doc_ids: list[int]) -> dict[int, list[DocumentCopy]]:
    """The copies ("also at") of each of these documents, oldest first."""
    found: dict[int, list[DocumentCopy]] = {}
    for start in range(0, len(doc_ids), 500):
        chunk = doc_ids[start : start + 500]
        query = select(DocumentCopy).where(col(DocumentCopy.document_id).in_(chunk)).order_by(col(DocumentCopy.id))
        for copy in session.exec(query):
            found.setdefault(copy.document_id, []).append(copy)
    return found


def get_meta(session: Session, key: str) -> str | None:
    """A small fact about the store itself (see Meta)."""
    row = session.get(Meta, key)
    return row.value if row else None


def set_meta(session: Session, key: str, value: str) -> None:
    row = session.get(Meta, key) or Meta(key=key)
    row.value = value
    session.add(row)


def lock_meta(session: Session, key: str) -> str | None:
    """The meta value of `key`, read under a lock held until the transaction ends.

    For one-off work that concurrent writers must not do twice (syncing the entity
    registry): on PostgreSQL two transactions would both insert the same rows and
    one would fail on the key. The row is created empty when missing, so that there
    is a row to lock (SELECT ... FOR UPDATE); on SQLite the insert takes the
    database's write lock, which serialises writers just the same.
    """
    # INSERT ... ON CONFLICT DO NOTHING: both databases have it, each spelt through its own dialect.
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(
            postgresql_insert(Meta).values(key=key, value="").on_conflict_do_nothing(index_elements=["key"])
        )
    elif dialect == "sqlite":
        session.execute(sqlite_insert(Meta).values(key=key, value="").on_conflict_do_nothing(index_elements=["key"]))
    row = session.get(Meta, key, with_for_update=True, populate_existing=True)
    return row.value if row else None


# ---- managing a source: remove, rename, polling interval ----------------------------------------------

MIN_INTERVAL, MAX_INTERVAL = 5 * 60, 30 * 24 * 3600  # a source's own polling interval, in seconds


@dataclass
class RemovedSource:
    """What removing a source did: its documents deleted (their ids, for the index) or kept."""

    source_id: int
    title: str
    documents: list[int] = field(default_factory=list)  # deleted: the index must drop them
    kept: int = 0  # documents kept (the source stays as an unsubscribed, disabled row)
    copies: int = 0  # its copies ("also at") of other sources' stories, deleted
    events: int = 0  # events extracted only from its documents, deleted

    def line(self) -> str:
        name = self.title or f"source {self.source_id}"
        if self.kept:
            return f"unsubscribed from {name}; its {self.kept} documents are kept"
        extra = f", {self.events} events found only in them" if self.events else ""
        return f"removed {name} with its {len(self.documents)} documents{extra}"


def remove_source(session: Session, source_id: int, *, keep_documents: bool) -> RemovedSource:
    """Remove a source with its documents, or, with `keep_documents`, stop polling it and mark it
    removed (its row stays: every document names its source). The caller marks the deleted
    documents for the index (kb.pending.mark) in the same transaction and commits."""
    from kb.models import Event, EventDocument, ListedParty, Snapshot

    source = get_source(session, source_id)
    result = RemovedSource(source_id, source.title or source.url)
    doc_ids = [int(i) for i in session.exec(select(Document.id).where(Document.source_id == source_id)) if i]
    if keep_documents and doc_ids:
        source.enabled, source.next_check_at = False, None
        source.settings = {**source.settings, "removed_at": utcnow().isoformat(timespec="seconds")}
        session.add(source)
        result.kept = len(doc_ids)
        return result
    events: set[int] = set()
    for start in range(0, len(doc_ids), 500):
        chunk = doc_ids[start : start + 500]
        events |= set(session.exec(select(EventDocument.event_id).where(col(EventDocument.document_id).in_(chunk))))
        session.exec(delete(DocumentCopy).where(col(DocumentCopy.document_id).in_(chunk)))
        forget_mentions(session, chunk)  # with the counts of the entities named together
        session.exec(delete(Document).where(col(Document.id).in_(chunk)))
    result.copies = _delete_count(session, delete(DocumentCopy).where(col(DocumentCopy.source_id) == source_id))
    session.exec(delete(Snapshot).where(col(Snapshot.source_id) == source_id))
    # A screening list's parties and the events that stand for its changes (kb.listings) go with it.
    session.exec(delete(ListedParty).where(col(ListedParty.source_id) == source_id))
    session.exec(delete(Event).where(col(Event.key).startswith(f"listing:{source_id}:")))
    if events:  # an event extracted from these documents alone has no evidence left
        still = set(session.exec(select(EventDocument.event_id).where(col(EventDocument.event_id).in_(events))))
        orphans = sorted(events - still)
        result.events = _delete_count(
            session, delete(Event).where(col(Event.id).in_(orphans), col(Event.origin) == "extracted")
        )
    session.delete(source)
    session.flush()
    result.documents = doc_ids
    return result


def _delete_count(session: Session, statement) -> int:
    result: CursorResult = session.execute(statement)  # type: ignore[assignment]  # a DELETE gives a cursor result
    return int(result.rowcount or 0)


def rename_source(session: Session, source_id: int, title: str) -> Source:
    """Give a source a title of the user's (an empty title goes back to the source's URL)."""
    title = " ".join(title.split())
    if len(title) > 300:
        raise UserInputError("a source title has at most 300 characters")
    source = get_source(session, source_id)
    source.title = title
    session.add(source)
    return source


def set_interval(session: Session, source_id: int, seconds: int | None) -> Source:
    """Poll this source every `seconds` (None: the configured KB_POLL_INTERVAL); the next check
    moves closer when the new interval ends before it."""
    source = get_source(session, source_id)
    settings = dict(source.settings)
    if seconds is None:
        settings.pop("interval", None)
    else:
        if not MIN_INTERVAL <= seconds <= MAX_INTERVAL:
            raise UserInputError(f"the interval must be between {MIN_INTERVAL // 60} minutes and 30 days")
        settings["interval"] = int(seconds)
        soonest = (source.checked_at or utcnow()) + timedelta(seconds=seconds)
        if source.enabled and source.next_check_at and source.next_check_at > soonest:
            source.next_check_at = max(soonest, utcnow())
    source.settings = settings  # a new dict: the JSON column does not see in-place changes
    session.add(source)
    return source
