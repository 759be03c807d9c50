"""Reading and writing sources and documents (keyword-only, session first)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from functools import lru_cache

from sqlalchemy import CursorResult, and_, bindparam, delete, func, or_
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from ingest import fingerprint
from ingest.errors import BadURL
from ingest.fetch import check_url, private_host_problem
from ingest.records import Item
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
    closely: ingest.fingerprint) becomes a copy of that document instead of a second one.
    """
    assert source.id is not None, "upsert_items needs a saved source"
    result = UpsertResult()
    latest: dict[str, Item] = {}
    for item in items:  # a feed may repeat an entry: the last copy wins
        latest[item.key] = item
    existing = _existing(session, source.id, list(latest))
    copies = _existing_copies(session, source.id, [k for k in latest if k not in existing])
    dedupe = source.kind in DEDUPED_KINDS
    for key, item in latest.items():
        doc = existing.get(key)
        if doc is None and key in copies:
            _refresh_copy(copies[key], item)
            result.unchanged += 1
        elif doc is None:
            mark = fingerprint.bands(_story_text(item))
            twin = _twin(session, item, mark) if dedupe else None
            if twin is not None:
                assert twin.id is not None
                session.add(
                    DocumentCopy(document_id=twin.id, source_id=source.id, key=key, url=item.url, title=item.title)
                )
                result.copies.append(twin.id)
                continue
            doc = Document(source_id=source.id, key=key)
            _apply(doc, item)
            session.add(doc)
            session.flush()
            assert doc.id is not None  # the flush assigned it
            _set_bands(session, doc.id, mark, new=True)
            result.new.append(doc.id)
        elif _differs(doc, item):
            mark = fingerprint.bands(_story_text(item))
            _apply(doc, item)
            session.add(doc)
            assert doc.id is not None  # read from the database
            _set_bands(session, doc.id, mark, new=False)
            result.updated.append(doc.id)
        else:
            _keep_article_state(doc, item)
            result.unchanged += 1
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


def _twin(session: Session, item: Item, mark: list[tuple[int, int]] | None) -> Document | None:
    """A stored document that tells the same story as `item`, if any: the same text, or a text
    that shares a MinHash band with it and resembles it (`fingerprint.THRESHOLD`). A shared link
    alone is not enough: feeds often link every item to a site's home or product page."""
    text = _story_text(item)
    if len(fingerprint.tokens(text)) >= MIN_EXACT_TOKENS:
        same_text = session.exec(_SAME_TEXT, params={"content_hash": item.content_hash}).first()
        if same_text is not None:
            return same_text
    if mark is None:
        return None
    params = {f"{name}{i}": v for i, pair in enumerate(mark) for name, v in zip(("band", "value"), pair, strict=True)}
    best: tuple[float, int, Document] | None = None
    mine = None  # the item's shingles, cut once for all its candidates
    for doc in session.exec(_sharing_a_band(len(mark)), params=params):
        mine = fingerprint.shingles(text) if mine is None else mine
        score = _jaccard(mine, fingerprint.shingles(f"{doc.title}\n{doc.body or doc.summary}"))
        assert doc.id is not None
        if score >= fingerprint.THRESHOLD and (best is None or (score, -doc.id) > best[:2]):
            best = (score, -doc.id, doc)
    return best[2] if best else None


# Built once, with parameters: building the twelve-band condition anew took a quarter of
# _twin's time (SQLAlchemy's expression objects), its compiled form is cached anyway.
_PLAIN = select(Document).where(col(Document.document_number).is_(None))
_SAME_TEXT = _PLAIN.where(Document.content_hash == bindparam("content_hash")).order_by(col(Document.id))


@lru_cache(maxsize=4)
def _sharing_a_band(bands: int):
    """Stored documents that share one of `bands` (band, value) keys, given as band0, value0..."""
    near = or_(
        *(
            and_(col(StoryBand.band) == bindparam(f"band{i}"), col(StoryBand.value) == bindparam(f"value{i}"))
            for i in range(bands)
        )
    )
    candidates = select(StoryBand.document_id).where(near).distinct().limit(MAX_CANDIDATES)
    return _PLAIN.where(col(Document.id).in_(candidates))


def _jaccard(a: set[str], b: set[str]) -> float:
    """fingerprint.resemblance of two texts, from their shingles."""
    return len(a & b) / len(a | b) if a or b else 1.0


def _set_bands(session: Session, doc_id: int, mark: list[tuple[int, int]] | None, *, new: bool) -> None:
    if not new:
        session.execute(delete(StoryBand).where(col(StoryBand.document_id) == doc_id))
    if mark is not None:
        session.add_all(StoryBand(band=band, value=value, document_id=doc_id) for band, value in mark)


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
