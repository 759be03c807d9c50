"""Article pages as sources, end to end on a loopback server: full text for feed items, one
followed page, pages ingested once, dates taken from pages and links, and one document per story."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col, select

from kb.articles import MAX_ATTEMPTS
from kb.cli import main
from kb.models import Document, DocumentCopy, Source
from kb.pipeline import poll
from kb.search import SearchRequest, search
from kb.store import add_source, copies_of

PARAGRAPHS = [
    "The Commerce Department's Bureau of Industry and Security published a rule on Tuesday that "
    "tightens licensing for advanced computing chips shipped to data centers in several countries.",
    "Under the rule, exporters must obtain a license before sending accelerators above the stated "
    "performance threshold, and the agency said it would review applications case by case.",
    "Industry groups said the change would slow deliveries to cloud operators, while officials "
    "argued that the measure closes a gap that let restricted buyers reach the hardware through "
    "subsidiaries abroad.",
]

OTHER = [
    "A cloud provider told developers in several regions that its model interface would stop "
    "answering requests from addresses in countries it does not serve, starting next month.",
    "Developers who rely on the service were advised to move their workloads or to apply for an "
    "enterprise agreement, which the company said it would grant only in supported markets.",
]
THIRD = [
    "The ministry published a notice listing twelve additional companies whose purchases of "
    "dual-use items now require an application reviewed by the export control office.",
    "Trading partners were given thirty days to comment, and the notice said that shipments "
    "already under contract could be completed if they had been declared before the deadline.",
]


def article_page(title: str, paragraphs: list[str], *, published: str | None = None, extra: str = "") -> str:
    """A news page: navigation, a cookie banner, the article, related links and a footer."""
    meta = f'<meta property="article:published_time" content="{published}">' if published else ""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title} | Policy Wire</title>{meta}
<meta property="og:site_name" content="Policy Wire"></head><body>
<div class="cookie-banner">We use cookies to improve your experience. Accept all cookies?</div>
<nav><ul><li><a href="/">Home</a></li><li><a href="/trade">Trade</a></li><li><a href="/tech">Technology</a></li></ul></nav>
<main><article><h1>{title}</h1>{body}{extra}</article>
<aside class="related"><h2>Related stories</h2><ul><li><a href="/x">Markets close higher on Friday</a></li></ul></aside></main>
<footer><p>Copyright Policy Wire. All rights reserved.</p><a href="/privacy">Privacy</a></footer></body></html>"""


def summary_feed(*items: tuple[str, str, str, str | None]) -> str:
    """RSS from (guid, title, link path, pubDate or None); every description is one short line."""
    entries = "".join(
        f"<item><guid isPermaLink='false'>{g}</guid><title>{t}</title><link>{link}</link>"
        + (f"<pubDate>{d}</pubDate>" if d else "")
        + "<description>A short teaser line.</description></item>"
        for g, t, link, d in items
    )
    return (
        "<?xml version='1.0' encoding='UTF-8'?><rss version='2.0'><channel><title>Teasers</title>"
        f"<link>https://example.org/</link><description>d</description>{entries}</channel></rss>"
    )


def _subscribe(kb, url: str, kind: str = "feed", **settings) -> int:
    with kb.session() as session:
        source = add_source(session, url=url, kind=kind, settings=settings, allow_private=True)
        session.commit()
        assert source.id is not None
        return source.id


def _docs(kb) -> list[Document]:
    with kb.session() as session:
        return list(session.exec(select(Document).order_by(Document.id)))


def test_summary_only_feed_gets_the_pages_text_and_keeps_its_summary(loaded_kb, server):
    kb = loaded_kb
    server.add("/news/chips-rule", article_page("New chip rule for data centers", PARAGRAPHS))
    feed = summary_feed(
        ("a", "New chip rule for data centers", server.url("/news/chips-rule"), "Tue, 14 Jan 2025 09:00:00 GMT")
    )
    sid = _subscribe(kb, server.add("/feed.xml", feed), full_text=True)
    summary = poll(kb, [sid])
    assert (summary.new, summary.count("failed")) == (1, 0)
    [doc] = _docs(kb)
    assert doc.summary == "A short teaser line."
    assert doc.body.split("\n\n") == PARAGRAPHS  # the article's paragraphs, without the page's furniture
    assert "cookies" not in doc.body and "Related stories" not in doc.body and "Copyright" not in doc.body
    assert (doc.article_status, doc.article_error, doc.date_source) == ("ok", None, "feed")
    assert doc.published_at == datetime(2025, 1, 14, 9, 0)
    # The page's words are searchable, not only the teaser's.
    assert search(kb.index, kb.session(), SearchRequest(query="subsidiaries")).total == 1


def test_a_feed_without_full_text_fetches_no_page(loaded_kb, server):
    kb = loaded_kb
    server.add("/news/chips-rule", article_page("New chip rule", PARAGRAPHS))
    sid = _subscribe(
        kb, server.add("/feed.xml", summary_feed(("a", "New chip rule", server.url("/news/chips-rule"), None)))
    )
    poll(kb, [sid])
    assert server.hits("/news/chips-rule") == 0
    [doc] = _docs(kb)
    assert (doc.summary, doc.article_status) == ("A short teaser line.", None)
    assert "subsidiaries" not in doc.body


def test_undated_items_are_dated_from_the_page_or_the_link_and_otherwise_stay_undated(loaded_kb, server):
    kb = loaded_kb
    server.add("/story/one", article_page("Page with metadata", PARAGRAPHS, published="2024-06-25T08:30:00Z"))
    server.add("/2024/07/09/story-two", article_page("Page dated by its link", OTHER))
    server.add("/story/three", article_page("Page without a date", THIRD))
    feed = summary_feed(
        ("1", "Page with metadata", server.url("/story/one"), None),
        ("2", "Page dated by its link", server.url("/2024/07/09/story-two"), None),
        ("3", "Page without a date", server.url("/story/three"), None),
    )
    sid = _subscribe(kb, server.add("/feed.xml", feed), full_text=True)
    poll(kb, [sid])
    dates = {d.title: (d.published_at, d.date_source) for d in _docs(kb)}
    assert dates == {
        "Page with metadata": (datetime(2024, 6, 25, 8, 30), "metadata"),
        "Page dated by its link": (datetime(2024, 7, 9), "url"),
        "Page without a date": (None, None),  # undated, never the day it was fetched
    }


def test_a_link_with_a_date_dates_an_item_even_without_full_text(loaded_kb, server):
    kb = loaded_kb
    feed = summary_feed(("1", "Dated by link", "https://example.org/2023/10/17/chip-rules", None))
    poll(kb, [_subscribe(kb, server.add("/feed.xml", feed))])
    [doc] = _docs(kb)
    assert (doc.published_at, doc.date_source) == (datetime(2023, 10, 17), "url")


def test_a_page_that_fails_keeps_the_summary_records_why_and_is_retried_a_bounded_number_of_times(loaded_kb, server):
    kb = loaded_kb
    server.add("/news/gone", b"no such page", status=404)
    sid = _subscribe(
        kb, server.add("/feed.xml", summary_feed(("a", "Gone", server.url("/news/gone"), None))), full_text=True
    )
    first = poll(kb, [sid])
    assert (first.new, first.count("ok")) == (1, 1)  # the item is kept; the source is fine
    [doc] = _docs(kb)
    assert (doc.summary, doc.article_status, doc.article_attempts) == ("A short teaser line.", "failed", 1)
    assert "404" in (doc.article_error or "")
    for _ in range(MAX_ATTEMPTS + 2):
        poll(kb, [sid])
    assert server.hits("/news/gone") == MAX_ATTEMPTS
    [doc] = _docs(kb)
    assert (doc.article_status, doc.article_attempts) == ("failed", MAX_ATTEMPTS)
    # A page that comes back before the bound is used after all.
    server.add("/news/back", b"", status=500)
    sid2 = _subscribe(
        kb, server.add("/feed2.xml", summary_feed(("b", "Back", server.url("/news/back"), None))), full_text=True
    )
    poll(kb, [sid2])
    server.add("/news/back", article_page("Back", PARAGRAPHS))
    poll(kb, [sid2])
    back = next(d for d in _docs(kb) if d.title == "Back")
    assert (back.article_status, back.article_error, back.body.split("\n\n")) == ("ok", None, PARAGRAPHS)


def test_repolling_fetches_no_article_twice(loaded_kb, server):
    kb = loaded_kb
    for n in range(3):
        server.add(f"/a/{n}", article_page(f"Story {n}", [f"Story number {n} begins here.", *PARAGRAPHS]))
    feed = summary_feed(*((str(n), f"Story {n}", server.url(f"/a/{n}"), None) for n in range(3)))
    sid = _subscribe(kb, server.add("/feed.xml", feed), full_text=True)
    poll(kb, [sid])
    again = poll(kb, [sid])  # no validators: the feed is parsed again, its pages are not fetched
    assert (again.new, again.updated) == (0, 0)
    assert [server.hits(f"/a/{n}") for n in range(3)] == [1, 1, 1]
    assert all(d.article_status == "ok" and d.body for d in _docs(kb))


def test_at_most_one_request_at_a_time_per_host(loaded_kb, server):
    import threading
    import time

    kb = loaded_kb
    state = {"now": 0, "most": 0}
    guard = threading.Lock()
    page = article_page("Slow", PARAGRAPHS).encode()

    def slow(handler):
        with guard:
            state["now"] += 1
            state["most"] = max(state["most"], state["now"])
        time.sleep(0.05)
        with guard:
            state["now"] -= 1
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html")
        handler.end_headers()
        handler.wfile.write(page)

    ids = []
    for s in range(2):
        for n in range(3):
            server.add(f"/s{s}/{n}", handler=slow)
        feed = summary_feed(*((f"{s}-{n}", f"Slow {s} {n}", server.url(f"/s{s}/{n}"), None) for n in range(3)))
        ids.append(_subscribe(kb, server.add(f"/feed{s}.xml", feed), full_text=True))
    threads = [threading.Thread(target=poll, args=(kb, [sid])) for sid in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert state["most"] == 1


def _story(lead: str) -> list[str]:
    return [lead, *PARAGRAPHS]


def test_a_syndicated_story_is_one_document_with_several_urls_and_sources(loaded_kb, server):
    kb = loaded_kb
    original = _story("WASHINGTON, Jan 14 - The United States moved again on chip exports on Tuesday.")
    edited = _story("WASHINGTON, Jan. 14 - The United States moved again on chip exports on Tuesday.")
    server.add("/wire/chips", article_page("US tightens chip exports", original))
    server.add("/partner/2025/01/14/chips", article_page("US tightens chip exports again", edited))
    wire = _subscribe(
        kb,
        server.add("/wire.xml", summary_feed(("w1", "US tightens chip exports", server.url("/wire/chips"), None))),
        full_text=True,
    )
    partner_feed = summary_feed(("p1", "US tightens chip exports again", server.url("/partner/2025/01/14/chips"), None))
    partner = _subscribe(kb, server.add("/partner.xml", partner_feed), full_text=True)
    assert poll(kb, [wire]).new == 1
    second = poll(kb, [partner])
    assert second.new == 0
    [doc] = _docs(kb)
    assert doc.source_id == wire
    with kb.session() as session:
        [copy] = copies_of(session, [doc.id])[doc.id]
    assert (copy.source_id, copy.url) == (partner, server.url("/partner/2025/01/14/chips"))
    # Polled again, the copy stays a copy (and its page is not fetched again).
    assert poll(kb, [partner]).new == 0
    assert server.hits("/partner/2025/01/14/chips") == 1
    result = search(kb.index, kb.session(), SearchRequest(query="chip exports"))
    assert result.total == 1
    assert [c.url for c in result.hits[0].also_at] == [server.url("/partner/2025/01/14/chips")]


def test_different_stories_stay_apart(loaded_kb, server):
    kb = loaded_kb
    other = [
        "Beijing announced new licensing requirements for exports of gallium and germanium products.",
        "The ministry said exporters must report end users and apply for permits starting next month.",
        "Analysts expect shipments to drop sharply while companies file the paperwork, and prices of the "
        "metals rose in European trading after the announcement was published.",
    ]
    server.add("/a", article_page("Chip rule", _story("First story lead sentence here.")))
    server.add("/b", article_page("Metals rule", other))
    feed = summary_feed(("a", "Chip rule", server.url("/a"), None), ("b", "Metals rule", server.url("/b"), None))
    poll(kb, [_subscribe(kb, server.add("/feed.xml", feed), full_text=True)])
    assert len(_docs(kb)) == 2
    with kb.session() as session:
        assert session.exec(select(DocumentCopy)).all() == []


def test_an_article_source_is_followed_conditionally_and_keeps_the_old_versions_hash(loaded_kb, server):
    kb = loaded_kb
    url = server.add("/help/regions", article_page("Supported regions notice", PARAGRAPHS), etag='"v1"')
    sid = _subscribe(kb, url, kind="article")
    assert poll(kb, [sid]).new == 1
    assert poll(kb, [sid]).count("not_modified") == 1
    [first] = _docs(kb)
    server.add(
        "/help/regions",
        article_page("Supported regions notice", [*PARAGRAPHS, "A fourth paragraph was added later."]),
        etag='"v2"',
    )
    assert poll(kb, [sid]).updated == 1
    [doc] = _docs(kb)
    assert doc.id == first.id and doc.body.endswith("A fourth paragraph was added later.")
    assert doc.previous_hashes == [first.content_hash]


def test_a_page_that_is_no_article_fails_its_source_with_a_clear_error(loaded_kb, server):
    kb = loaded_kb
    sid = _subscribe(
        kb, server.add("/empty", "<html><body><nav><a href='/'>Home</a></nav></body></html>"), kind="article"
    )
    summary = poll(kb, [sid])
    assert summary.count("failed") == 1
    with kb.session() as session:
        source = session.get(Source, sid)
        assert source is not None and source.status == "failing" and "article" in (source.last_error or "")


def run(capsys, *args: str) -> tuple[int, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out + out.err


def test_cli_sources_add_article_and_ingest_url(loaded_kb, server, capsys):
    kb = loaded_kb
    followed = server.add("/followed", article_page("Followed page", PARAGRAPHS))
    code, out = run(capsys, "sources", "add", followed, "--kind", "article")
    assert code == 0, out
    once = server.add("/once", article_page("Page read once", OTHER))
    code, out = run(capsys, "ingest-url", once)
    assert code == 0 and "Page read once" in out, out
    with kb.session() as session:
        sources = {s.url: s for s in session.exec(select(Source))}
    assert sources[followed].enabled and sources[followed].kind == "article"
    assert not sources[once].enabled  # ingested once, not followed
    assert {d.title for d in _docs(kb)} == {"Followed page", "Page read once"}
    # Asked again, the page is read again into the same document.
    assert run(capsys, "ingest-url", once)[0] == 0
    assert len(_docs(kb)) == 2
    code, out = run(capsys, "ingest-url", server.url("/missing"))
    assert code == 1 and "404" in out


def test_cli_sources_add_exits_non_zero_when_the_first_fetch_fails(loaded_kb, server, capsys):
    code, out = run(capsys, "sources", "add", server.url("/nothing-here.xml"))
    assert code == 1 and "first fetch failed" in out and "404" in out
    code, out = run(capsys, "sources", "add", server.url("/x"), "--kind", "page_list", "--rule", "item=li[")
    assert code == 1 and "item" in out  # a selector that cannot be read is refused before anything is saved
    code, out = run(capsys, "sources", "add", server.url("/y"), "--full-text", "--kind", "article")
    assert code == 1 and "--full-text" in out


def _resembling_items() -> list:
    """Feed items whose stories repeat within one poll and across polls: exact copies, edited
    copies resembling one or two earlier stories, short texts that are the same or not."""
    from ingest.records import Item

    words = [
        "export",
        "controls",
        "chips",
        "licence",
        "data",
        "centres",
        "cloud",
        "ministry",
        "notice",
        "review",
        "rule",
        "shipment",
        "partner",
        "agency",
        "officials",
        "industry",
        "groups",
        "deliveries",
        "measure",
        "threshold",
        "performance",
        "accelerators",
        "buyers",
    ]

    def text(seed: int, n: int = 90) -> list[str]:
        return [words[(seed * 7 + k * k * (seed % 5 + 1) + k) % len(words)] + str(k % (seed % 3 + 2)) for k in range(n)]

    items = []
    for n in range(24):
        base = text(n % 6)
        if n % 4 == 1:  # an edited copy: a few words changed
            base = [*base[:40], "edited", *base[41:80], "again", *base[81:]]
        if n % 4 == 2:  # half of one story, half of another
            base = [*text(n % 6)[:45], *text((n + 1) % 6)[45:]]
        if n % 4 == 3:  # a word dropped here and there
            base = [w for k, w in enumerate(base) if k % 9]
        items.append(Item(title=f"Story {n % 6}", guid=f"g{n}", url=f"https://example.org/{n}", body=" ".join(base)))

    # Two stories apart (a third of their words shared), then texts between them: as close to both
    # (the older wins), closer to one, and the same in both polls.
    def span(start: int, end: int) -> str:
        return " ".join(f"v{k}" for k in range(start, end))

    between = [span(0, 100), span(40, 140), span(20, 120), span(25, 125), span(15, 115)]
    items[3:3] = [Item(title="", guid=f"b{n}", body=text) for n, text in enumerate(between[:2])]
    items[14:14] = [Item(title="", guid=f"c{n}", body=text) for n, text in enumerate(between[2:])]
    short = "Officials said the rule takes effect next month across the whole region today"  # 14 words
    items += [Item(title="Short", guid="s1", body=short), Item(title="Short", guid="s2", body=short)]
    items += [
        Item(title="Tiny", guid="t1", body="Rule in force."),
        Item(title="Tiny", guid="t2", body="Rule in force."),
    ]
    return items


def _expected_twins(stored: list[tuple[int, str, str, bool]], text: str, content_hash: str) -> int | None:
    """What upsert_items promises, computed directly: the lowest id with the same text (12+ words),
    else the stored story sharing a band that resembles the text most (then the lowest id)."""
    from ingest import fingerprint

    if len(fingerprint.tokens(text)) >= 12:
        same = [doc_id for doc_id, other, other_hash, plain in stored if plain and other_hash == content_hash]
        if same:
            return min(same)
    mark = fingerprint.bands(text)
    if mark is None:
        return None
    best = None
    for doc_id, other, _, plain in stored:
        if plain and set(mark) & set(fingerprint.bands(other) or []):
            score = fingerprint.resemblance(text, other)
            if score >= fingerprint.THRESHOLD and (best is None or (score, -doc_id) > best[:2]):
                best = (score, -doc_id, doc_id)
    return best[2] if best else None


def test_copies_within_one_poll_and_across_polls_are_the_best_resembling_story(kb):
    """Items of one poll are compared with stored stories and with the poll's earlier items alike
    (copies of a copy's story, exact copies, edited ones, the best resemblance, then the oldest)."""
    from kb.store import _story_text, upsert_items

    items = _resembling_items()
    stored: list[tuple[int, str, str, bool]] = []  # id, text, hash, plain: a new store numbers from 1
    expected_copies: list[int] = []
    with kb.session() as session:
        sources = [add_source(session, url=f"https://example.org/feed{n}.xml", allow_private=True) for n in range(2)]
        for source, batch in ((sources[0], items[:9]), (sources[1], items[9:])):
            expected_new, copies_before = [], len(expected_copies)
            for item in batch:
                twin = _expected_twins(stored, _story_text(item), item.content_hash)
                if twin is None:
                    stored.append((len(stored) + 1, _story_text(item), item.content_hash, True))
                    expected_new.append(len(stored))
                else:
                    expected_copies.append(twin)
            result = upsert_items(session, source=source, items=batch)
            assert (result.new, result.copies) == (expected_new, expected_copies[copies_before:])
        session.commit()
        copies = session.exec(select(DocumentCopy).order_by(col(DocumentCopy.id))).all()
    assert [c.document_id for c in copies] == expected_copies
    assert len(expected_copies) >= 10 and len(stored) >= 5  # the items make both copies and stories


def test_a_story_changed_earlier_in_the_same_poll_is_compared_as_changed(kb):
    """A document updated by one item is, for the next items, the story it now tells."""
    from ingest.records import Item
    from kb.store import upsert_items

    def span(start: int, end: int) -> str:
        return " ".join(f"v{k}" for k in range(start, end))

    with kb.session() as session:
        source = add_source(session, url="https://example.org/feed.xml", allow_private=True)
        first = upsert_items(session, source=source, items=[Item(title="A", guid="a", body=span(0, 100))])
        again = upsert_items(
            session,
            source=source,
            items=[
                Item(title="A", guid="a", body=span(200, 300)),  # the story changes
                Item(title="A", guid="b", body=span(200, 300)),  # a copy of what it says now
                Item(title="A", guid="c", body=span(0, 100)),  # what it said: a story again
            ],
        )
        assert (again.updated, again.copies) == (first.new, first.new)
        assert len(again.new) == 1


def test_an_items_content_hash_follows_a_body_filled_in_later():
    """The store asks an item for its content hash several times and it is kept between asks,
    but an article's text filled in after the first ask (kb.articles) changes it."""
    from ingest.records import Item, content_hash

    item = Item(title="Rule published", summary="A line from the feed.")
    first = item.content_hash
    assert first == content_hash("Rule published", "A line from the feed.") == item.content_hash
    item.body = "The whole text of the article page."
    assert item.content_hash == content_hash("Rule published", "The whole text of the article page.") != first
    item.title = "Rule published in the Federal Register"
    assert item.content_hash == content_hash(item.title, item.body)


def test_bands_stay_those_stored_before():
    """Bands are stored with each document and compared with those of later items: the same
    text must give the same bands in every version (these were computed when they were first kept)."""
    from ingest import fingerprint

    text = " ".join(f"word{i % 17} export rule {i}" for i in range(30))
    assert fingerprint.bands(text) == [
        (0, 1155013143), (1, 167261394), (2, 1735925684), (3, 1690500901), (4, 667377804), (5, 1820616738),
        (6, 332631375), (7, 1684371934), (8, 1206199798), (9, 1674362201), (10, 1351424970), (11, 1418222682),
    ]  # fmt: skip
    assert fingerprint.bands("too short to tell stories apart") is None


def test_bands_equal_hashing_each_shingle_string():
    """The bands hash each shingle's UTF-8 bytes; computed the plain way (one joined string per
    shingle, hashed and read as an integer) on English, Chinese and repetitive texts, they agree."""
    import hashlib

    import numpy as np

    from ingest import fingerprint as fp

    def plain(text: str) -> list[tuple[int, int]] | None:
        words = fp.tokens(text)
        if len(words) < fp.MIN_TOKENS:
            return None
        hashed = [int.from_bytes(hashlib.blake2b(s.encode(), digest_size=4).digest(), "big") for s in fp.shingles(text)]
        signature = ((np.array(hashed, dtype=np.uint64)[:, None] * fp._A + fp._B) % fp._PRIME).min(axis=0)
        rows = [signature[b * fp.ROWS : (b + 1) * fp.ROWS].tobytes() for b in range(fp.BANDS)]
        return [(b, int.from_bytes(hashlib.blake2b(r, digest_size=4).digest(), "big") >> 1) for b, r in enumerate(rows)]

    texts = [
        " ".join(f"word{i % 17} export rule {i}" for i in range(30)),
        "商务部、海关总署7月3日联合发布公告，宣布对镓、锗相关物项实施出口管制，自2023年8月1日起正式实施。" * 2,
        "The Bureau of Industry and Security added 140 entities; Café owners’ naïve résumé. " * 6,
        "chip " * 60,
    ]
    for text in texts:
        assert fp.bands(text) == plain(text) is not None
