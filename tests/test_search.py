"""Search on a real Whoosh index: query language, filters, facets, paging, repair."""

from __future__ import annotations

import shutil

import pytest
from sqlmodel import select

from kb import index as kb_index
from kb.batches import chunked
from kb.models import Document, Mention
from kb.pipeline import poll
from kb.search import SearchRequest, search
from kb.store import add_source
from tests.helpers import LoopbackServer, build_template, use_template

ITEMS = [
    (
        "n1",
        "Mon, 07 Oct 2022 12:00:00 GMT",
        "BIS issues advanced computing export controls",
        "The Bureau of Industry and Security published export controls on advanced chips for China.",
    ),
    (
        "n2",
        "Tue, 17 Oct 2023 12:00:00 GMT",
        "Export controls updated for AI chips",
        "New export controls close gaps; Nvidia A800 and H800 now need a license.",
    ),
    (
        "n3",
        "Tue, 25 Jun 2024 12:00:00 GMT",
        "OpenAI to block API traffic from China",
        "OpenAI told developers in mainland China that API traffic will be blocked from July 9.",
    ),
    (
        "n4",
        "Tue, 09 Jul 2024 12:00:00 GMT",
        "OpenAI cut-off takes effect",
        "Developers in China lose access to the OpenAI API as the block takes effect.",
    ),
    (
        "n5",
        "Wed, 10 Jul 2024 12:00:00 GMT",
        "Alibaba Cloud offers free tokens",
        "Alibaba Cloud offered free Qwen tokens to developers leaving OpenAI.",
    ),
    (
        "n6",
        "Tue, 15 Apr 2025 12:00:00 GMT",
        "Nvidia says H20 needs a license",
        "Nvidia disclosed that H20 exports to China now require a license.",
    ),
]


def _feed(items) -> str:
    body = "".join(
        f"<item><guid>{g}</guid><title>{t}</title><link>https://example.org/{g}</link>"
        f"<pubDate>{d}</pubDate><description>{b}</description></item>"
        for g, d, t, b in items
    )
    return f"<?xml version='1.0'?><rss version='2.0'><channel><title>Desk</title>{body}</channel></rss>"


def _poll_corpus(kb, server) -> tuple[int, int]:
    """Two sources on `server` holding ITEMS, polled into `kb`: their ids."""
    with kb.session() as session:
        a = add_source(session, allow_private=True, url=server.add("/a.xml", _feed(ITEMS[:3])), title="Desk A")
        b = add_source(session, allow_private=True, url=server.add("/b.xml", _feed(ITEMS[3:])), title="Desk B")
        session.commit()
        ids = (a.id, b.id)
    summary = poll(kb, list(ids))
    assert [o.status for o in summary.outcomes] == ["ok", "ok"], summary
    return ids


@pytest.fixture(scope="module")
def corpus_template(tmp_path_factory):
    """A KB_HOME with the corpus polled, built once for the module: `corpus` copies it.

    Its server stays up for the module, so that the sources can be polled again."""
    server = LoopbackServer()
    home = tmp_path_factory.mktemp("search-corpus") / "kbhome"
    try:
        ids = build_template(home, lambda kb: _poll_corpus(kb, server))
        yield home, ids
    finally:
        server.close()


@pytest.fixture
def corpus(request, kb, database_url):
    """ITEMS in two sources, polled into this test's store (a copy of the module's template on SQLite)."""
    if not database_url.startswith("sqlite:"):
        return _poll_corpus(kb, request.getfixturevalue("server"))
    home, ids = request.getfixturevalue("corpus_template")
    use_template(kb, home)
    return ids


def run(kb, **kwargs):
    with kb.session() as session:
        return search(kb.index, session, SearchRequest(**kwargs))


def titles(result):
    return [h.title for h in result.hits]


def test_words_must_all_match(kb, corpus):
    result = run(kb, query="OpenAI China")
    assert set(titles(result)) == {"OpenAI to block API traffic from China", "OpenAI cut-off takes effect"}
    assert all(h.published and h.url and h.source_title for h in result.hits)


def test_stemming_and_snippets(kb, corpus):
    result = run(kb, query="blocking")
    assert result.total == 2
    hit = result.hits[0]
    assert any(match and text.lower().startswith("block") for text, match in hit.snippet)


def test_phrase_or_and_negation(kb, corpus):
    assert run(kb, query='"export controls"').total == 2
    assert run(kb, query='"controls export"').total == 0
    assert run(kb, query="H20 OR Qwen").total == 2
    assert run(kb, query="OpenAI -Alibaba").total == 2


def test_field_filters_in_the_query(kb, corpus):
    assert titles(run(kb, query="title:H20")) == ["Nvidia says H20 needs a license"]
    assert run(kb, query="date:[2024-07-01 to 2024-07-31]").total == 2
    assert run(kb, query=f"source:{corpus[1]}").total == 3
    assert run(kb, query="kind:news").total == 6


def test_filters_sort_and_paging(kb, corpus):
    from datetime import date

    result = run(kb, query="", since=date(2024, 1, 1), sort="date")
    assert [h.published.year for h in result.hits] == [2025, 2024, 2024, 2024]
    assert titles(run(kb, query="", sort="oldest", per_page=1))[0].startswith("BIS issues")
    page2 = run(kb, query="", sort="date", per_page=4, page=2)
    assert page2.total == 6 and len(page2.hits) == 2 and page2.pages == 2
    assert run(kb, query="China", sources=[str(corpus[0])]).total == 2
    assert run(kb, query="China", until=date(2023, 12, 31)).total == 1


def test_facets_count_sources_kinds_and_years(kb, corpus):
    facets = run(kb, query="China").facets
    assert dict(facets["year"]) == {"2022": 1, "2024": 2, "2025": 1}
    assert dict(facets["kind"]) == {"news": 4}
    assert dict(facets["source"]) == {str(corpus[0]): 2, str(corpus[1]): 2}


def test_entity_filter_and_facet(kb, corpus):
    with kb.session() as session:
        doc = session.exec(select(Document).where(Document.title.contains("Alibaba"))).one()
        session.merge(Mention(document_id=doc.id, entity_slug="alibaba-cloud", count=2))
        session.commit()
        kb_index.index_documents(kb.index, session, [doc.id])
    result = run(kb, query="entity:alibaba-cloud")
    assert titles(result) == ["Alibaba Cloud offers free tokens"]
    assert result.hits[0].entities[0] == "alibaba-cloud"
    assert run(kb, query="tokens", entities=["alibaba-cloud"]).total == 1
    assert dict(run(kb, query="OpenAI").facets["entity"])["alibaba-cloud"] == 1


def test_did_you_mean(kb, corpus):
    result = run(kb, query="Nvidai")
    assert result.total == 0 and result.suggestion == "nvidia"


@pytest.mark.parametrize(
    "query",
    [
        '"unclosed',
        "AND OR (",
        "published:[last month to now]",
        "date:[garbage to xyz]",
        "((((",
        "title:",
        "-",
        "*",
        "entity:",
    ],
)
def test_unreadable_queries_never_raise(kb, corpus, query):
    result = run(kb, query=query)
    assert result.total >= 0
    if result.total == 0:
        assert result.note or result.suggestion is None


def test_unreadable_date_range_falls_back_to_words(kb, corpus):
    result = run(kb, query="published:[last month to now] OpenAI")
    assert result.note and "words" in result.note


def test_json_shape(kb, corpus):
    data = run(kb, query="H20").to_dict()
    assert data["total"] == 1 and data["hits"][0]["title"] == "Nvidia says H20 needs a license"
    assert isinstance(data["hits"][0]["snippet"], str) and data["facets"]["year"][0]["value"] == "2025"


def test_check_detects_and_reindex_repairs(kb, corpus):
    with kb.session() as session:
        assert kb_index.check(kb.index, session).consistent
        doc = session.exec(select(Document)).first()
        doc.title = "Changed behind the index's back"
        session.add(doc)
        session.commit()
        report = kb_index.check(kb.index, session)
        assert report.stale == [doc.id] and not report.consistent
    before = [(h.id, h.title) for h in run(kb, query="OpenAI", sort="date").hits]
    shutil.rmtree(kb.config.index_dir.resolve())
    kb.config.index_dir.unlink()
    kb.reopen_index()
    with kb.session() as session:
        assert kb_index.rebuild(kb.config.index_dir, session) == 6
    kb.reopen_index()
    with kb.session() as session:
        assert kb_index.check(kb.index, session).consistent
    assert [(h.id, h.title) for h in run(kb, query="OpenAI", sort="date").hits] == before


def test_rebuild_swaps_generations_and_keeps_one(kb, corpus):
    parent = kb.config.index_dir.parent
    with kb.session() as session:
        kb_index.rebuild(kb.config.index_dir, session)
        kb_index.rebuild(kb.config.index_dir, session)
    generations = [p for p in parent.iterdir() if p.name.startswith("index-")]
    assert len(generations) == 1 and kb.config.index_dir.resolve() == generations[0]


def test_chinese_text_is_searchable(loaded_kb, server):
    kb = loaded_kb  # the registry and the curated timeline are loaded already (conftest)
    feed = _feed([("z1", "Tue, 09 Jul 2024 12:00:00 GMT", "百度推出迁移计划", "百度为开发者提供免费额度。")])
    with kb.session() as session:
        sid = add_source(session, allow_private=True, url=server.add("/zh.xml", feed)).id
        session.commit()
    poll(kb, [sid])
    assert run(kb, query="百度").total == 1
    assert run(kb, query="阿里").total == 0


def test_date_range_in_the_query_agrees_with_the_date_filter(kb, corpus):
    from datetime import date

    in_query = run(kb, query="China date:[2024-06-01 to 2024-07-31]")
    as_filter = run(kb, query="China", since=date(2024, 6, 1), until=date(2024, 7, 31))
    assert in_query.total == as_filter.total == 2
    assert [h.id for h in in_query.hits] == [h.id for h in as_filter.hits]
    assert run(kb, query="date:2024-07").total == 2


@pytest.mark.parametrize("query", ["H20 date:2024-99-99", "date:[2024 to"])
def test_unreadable_dates_are_left_out_with_a_note(kb, corpus, query):
    result = run(kb, query=query)
    assert result.note and "Could not read the date" in result.note
    if query.startswith("H20"):
        assert result.total == 1


def test_batches_keep_order_and_size():
    assert list(chunked(range(5), 2)) == [[0, 1], [2, 3], [4]]
    assert list(chunked([], 3)) == []


def test_empty_index_searches_and_facets(kb):
    result = run(kb, query="anything")
    assert result.total == 0 and all(v == [] for v in result.facets.values())
    assert run(kb, query="").total == 0


def test_index_from_another_schema_asks_for_a_rebuild(kb, corpus):
    from whoosh import fields
    from whoosh import index as whoosh_index

    from kb.errors import IndexOutdated

    target = kb.config.index_dir.resolve()
    kb.reopen_index()
    shutil.rmtree(target)
    target.mkdir()
    whoosh_index.create_in(str(target), fields.Schema(id=fields.ID(stored=True)))
    with pytest.raises(IndexOutdated, match="kb reindex"):
        kb.index  # noqa: B018
    with kb.session() as session:
        kb_index.rebuild(kb.config.index_dir, session)
    kb.reopen_index()
    assert run(kb, query="OpenAI").total == 3


def test_words_standing_together_rank_first(loaded_kb, server):
    kb = loaded_kb  # the registry and the curated timeline are loaded already (conftest)
    filler = " ".join(["Analysts met suppliers in several cities to compare notes on demand."] * 6)
    items = [
        ("p1", "Mon, 01 Jan 2024 12:00:00 GMT", "Licence talk", "Export grew; controls followed."),
        ("p2", "Mon, 01 Jan 2024 12:00:00 GMT", "Rules", f"Firms studied new chip export controls. {filler}"),
    ]
    with kb.session() as session:
        sid = add_source(session, allow_private=True, url=server.add("/p.xml", _feed(items))).id
        session.commit()
    poll(kb, [sid])
    assert titles(run(kb, query="export controls")) == ["Rules", "Licence talk"]


def test_undated_documents_sort_last_both_ways(kb, corpus, server):
    feed = (
        "<?xml version='1.0'?><rss version='2.0'><channel><title>t</title>"
        "<item><guid>u1</guid><title>Undated China note</title><description>China</description></item>"
        "</channel></rss>"
    )
    with kb.session() as session:
        sid = add_source(session, allow_private=True, url=server.add("/undated.xml", feed)).id
        session.commit()
    poll(kb, [sid])
    newest = titles(run(kb, query="China", sort="date"))
    oldest = titles(run(kb, query="China", sort="oldest"))
    assert newest[-1] == oldest[-1] == "Undated China note"
    assert newest[0] == "Nvidia says H20 needs a license" and oldest[0].startswith("BIS issues")


def test_inflected_forms_find_each_other(loaded_kb, server):
    kb = loaded_kb  # the registry and the curated timeline are loaded already (conftest)
    items = [
        ("i1", "Mon, 01 Jan 2024 12:00:00 GMT", "Chips celebrated", "Suppliers celebrated the personalized chips.")
    ]
    with kb.session() as session:
        sid = add_source(session, allow_private=True, url=server.add("/i.xml", _feed(items))).id
        session.commit()
    poll(kb, [sid])
    for word in ("celebrating", "celebrate", "chipped", "personalize"):
        assert run(kb, query=word).total == 1, word


def test_reindex_replaces_an_index_built_with_another_stemmer(kb, corpus):
    import copy

    from whoosh import analysis, fields
    from whoosh import index as whoosh_index

    from kb import pending
    from kb.errors import IndexOutdated

    older = copy.deepcopy(kb_index.SCHEMA)
    porter = analysis.RegexTokenizer() | analysis.LowercaseFilter() | analysis.StemFilter()
    for name in ("title", "body"):
        older.remove(name)
        older.add(name, fields.TEXT(analyzer=porter))
    target = kb.config.index_dir.resolve()
    kb.reopen_index()
    shutil.rmtree(target)
    target.mkdir()
    whoosh_index.create_in(str(target), older)
    with pytest.raises(IndexOutdated, match="kb reindex"):
        kb.index  # noqa: B018
    assert pending.rebuild(kb) == 6
    assert run(kb, query="OpenAI").total == 3


def test_the_one_pass_analysers_answer_as_their_chains():
    """Indexing and query parsing take the one-pass path; it yields the chain's words and positions."""
    from whoosh import analysis

    texts = [
        "The export controls of the U.S. take effect; it's celebrated, chipped and personalized.",
        "the a an",
        "百度推出迁移计划 OpenAI's API",
        "İstanbul ŞEHİR x y",
        "",
    ]
    for analyzer in (kb_index.SCHEMA["body"].analyzer, kb_index.SCHEMA["spell"].analyzer):
        chain = analysis.CompositeAnalyzer(*analyzer.items)
        for text in texts:
            for options in (
                {"positions": True, "boosts": True, "mode": "index"},  # indexing
                {"mode": "query"},  # parsing
                {"chars": True, "mode": "query", "removestops": False},  # highlighting
            ):
                ours = [_token(t) for t in analyzer(text, **options)]
                assert ours == [_token(t) for t in chain(text, **options)]


def _token(t) -> tuple:
    return tuple(getattr(t, name, None) for name in ("text", "pos", "boost", "stopped", "startchar", "endchar"))


def test_the_index_saves_the_plain_analyser_chain(kb, corpus):
    """An index written now stays readable by a version without the one-pass analysers."""
    from whoosh import analysis
    from whoosh.filedb.filestore import FileStorage

    stored = FileStorage(str(kb.config.index_dir.resolve())).open_index().schema
    assert type(stored["body"].analyzer) is analysis.CompositeAnalyzer
    assert type(kb.index.schema["body"].analyzer) is kb_index.OnePassAnalyzer


def test_rebuild_in_several_segments_answers_the_same(kb, corpus, monkeypatch):
    before = {
        q: (r.total, titles(r)) for q in ("OpenAI", "export controls", '"export controls"') for r in [run(kb, query=q)]
    }
    monkeypatch.setattr(kb_index, "SEGMENT_DOCS", 2)
    monkeypatch.setattr(kb_index, "chunked", lambda ids, size: chunked(ids, 2))
    with kb.session() as session:
        assert kb_index.rebuild(kb.config.index_dir, session) == 6
    kb.reopen_index()
    assert len(kb.index._segments()) == 3
    assert {q: (r.total, titles(r)) for q in before for r in [run(kb, query=q)]} == before


def test_a_rebuild_gives_each_process_as_many_segments_of_nearly_equal_size():
    sizes = [len(part) for part in kb_index._parts(list(range(100_000)), 2, 20_000)]
    assert sizes == [16_667] * 5 + [16_665]  # not five of 20,000: one process would write a third alone
    assert [len(part) for part in kb_index._parts(list(range(40_001)), 2, 20_000)] == [10_001] * 3 + [9_998]
    assert [len(part) for part in kb_index._parts(list(range(5)), 2, 20_000)] == [3, 2]
    assert [len(part) for part in kb_index._parts(list(range(7)), 1, 2)] == [2, 2, 2, 1]
    assert kb_index._parts([], 2, 20_000) == []


@pytest.mark.slow  # spawns two worker processes, each importing the project: CI runs it, the quick loop does not
def test_rebuild_in_processes_of_its_own_answers_the_same(kb, corpus, monkeypatch):
    """Two processes write a segment each (their own database connection and temporary files);
    the index answers as one written here, and `kb check` finds it consistent."""
    queries = ("OpenAI", "export controls", '"export controls"', "H20 date:2025")
    before = {q: (r.total, titles(r), r.facets) for q in queries for r in [run(kb, query=q)]}
    monkeypatch.setattr(kb_index, "REBUILD_PROCS", 2)
    monkeypatch.setattr(kb_index, "PARALLEL_DOCS", 1)
    with kb.session() as session:
        assert kb_index.rebuild(kb.config.index_dir, session) == 6
        kb.reopen_index()
        assert kb_index.check(kb.index, session).consistent
    assert len(kb.index._segments()) == 2
    assert {q: (r.total, titles(r), r.facets) for q in queries for r in [run(kb, query=q)]} == before
    assert not [p for p in kb.config.index_dir.resolve().iterdir() if p.is_dir()]  # no temporary directory left


@pytest.mark.slow  # spawns two worker processes, each importing the project: CI runs it, the quick loop does not
def test_many_documents_indexed_at_once_are_written_on_both_cores(kb, corpus, monkeypatch):
    """A flush of many documents (the first poll of a large feed) is written as new segments by
    two processes of their own: the index answers as before, a document indexed again replaces
    its older entry instead of adding a second, and `kb check` finds the index consistent."""
    queries = ("OpenAI", "export controls", '"export controls"', "H20 date:2025")
    before = {q: (r.total, titles(r), r.facets) for q in queries for r in [run(kb, query=q)]}
    monkeypatch.setattr(kb_index, "PARALLEL_DOCS", 1)
    segments = len(kb.index._segments())
    with kb.session() as session:
        ids = kb_index._document_ids(session)
        assert kb_index.index_documents(kb.index, session, ids) == len(ids)  # every one again
        kb.reopen_index()
        assert kb_index.check(kb.index, session).consistent
    assert len(kb.index._segments()) == segments + 2
    assert kb.index.doc_count() == len(ids)
    assert {q: (r.total, titles(r), r.facets) for q in queries for r in [run(kb, query=q)]} == before


def test_many_documents_are_indexed_here_when_no_process_of_their_own_can_write_them(kb, corpus, monkeypatch):
    from concurrent.futures import BrokenExecutor

    def broken(*args):
        raise BrokenExecutor("a process in the pool was terminated abruptly")

    before = {q: (r.total, titles(r)) for q in ("OpenAI", '"export controls"') for r in [run(kb, query=q)]}
    monkeypatch.setattr(kb_index, "PARALLEL_DOCS", 1)
    monkeypatch.setattr(kb_index, "_written_apart", broken)
    with kb.session() as session:
        ids = kb_index._document_ids(session)
        assert kb_index.index_documents(kb.index, session, ids) == len(ids)
        kb.reopen_index()
        assert kb_index.check(kb.index, session).consistent
    assert {q: (r.total, titles(r)) for q in before for r in [run(kb, query=q)]} == before


def test_a_cold_search_skips_the_linker_only_when_no_entity_is_named(registry_kb):
    from kb.search import _may_name_entities

    with registry_kb.session() as session:
        assert _may_name_entities(session, "what did baidu say")
        assert _may_name_entities(session, "alibaba-cloud tokens")  # a slug
        assert not _may_name_entities(session, "thang")


def _segment_files(directory) -> list[dict[str, bytes]]:
    """Each segment's files by extension (segment names are random)."""
    segments: dict[str, dict[str, bytes]] = {}
    for path in directory.iterdir():
        if "." in path.name and path.suffix not in (".toc", ".kbdocs"):  # kbdocs: the project's own (kb.doclists)
            name, ext = path.name.split(".", 1)
            segments.setdefault(name, {})[ext] = path.read_bytes()
    return sorted(segments.values(), key=lambda files: sorted(files.items()))


def _postings_as_whoosh_reads_them(directory) -> list:
    """Each segment's terms (sorted by their postings' contents: segment names are random), each with its
    term statistics, and each posting with the statistics of the block that holds it."""
    from whoosh.filedb.filestore import FileStorage

    ix = FileStorage(str(directory), supports_mmap=False).open_index(schema=kb_index.SCHEMA)
    out = []
    with ix.reader() as reader:
        for leaf, _ in reader.leaf_readers():
            terms = []
            for key in leaf.all_terms():
                info = leaf.term_info(*key)
                stats = (info.weight(), info.doc_frequency(), info.min_length(), info.max_length(), info.max_weight())
                matcher, postings = leaf.postings(*key), []
                matcher = getattr(matcher, "child", matcher)  # deleted documents' postings too (still on disk)
                while matcher.is_active():
                    block = (matcher.block_min_length(), matcher.block_max_length(), matcher.block_max_weight())
                    postings.append((matcher.id(), matcher.weight(), matcher.value(), block))
                    matcher.next()
                terms.append((key, stats, postings))
            out.append(terms)
    return sorted(out)


def test_the_bulk_writer_writes_what_whoosh_writes(tmp_path):
    """kb.index's writer (postings held by term, text analysed in one pass) leaves on disk what Whoosh's
    own SegmentWriter does, as Whoosh reads it: new documents, replaced ones and merged segments, with
    Chinese text, repeated and far positions, posting lists of several blocks and empty fields. Its
    posting lists' blocks are pickled and compressed otherwise (kb.index._PostingsWriter); every other
    file is the same bytes."""
    from datetime import datetime

    from whoosh import index
    from whoosh.filedb.filestore import FileStorage
    from whoosh.writing import SegmentWriter

    words = ["export", "controls", "chips", "the", "of", "licence", "celebrated", "U.S.", "it's", "Nvidia's"]

    def document(n: int) -> dict:
        body = " ".join(words[(n * k + k) % len(words)] for k in range(40 + n % 17))
        if n % 7 == 0:
            body += " 百度推出迁移计划 " + " ".join(f"w{k % 300}" for k in range(5000))  # positions past 4096
        return {
            "id": str(n),
            "stamp": f"s{n}",
            "title": "" if n % 11 == 0 else f"Export controls {n} on chips",
            "body": body,
            "spell": f"Export controls {n}\nsummary",
            "published": None if n % 5 == 0 else datetime(2019 + n % 7, 1 + n % 12, 1 + n % 28),
            "source": str(n % 4),
            "kind": ("news", "rule")[n % 2],
            "year": "undated" if n % 5 == 0 else str(2019 + n % 7),
            "entity": " ".join(f"ent-{k}" for k in range(n % 4)),
            "entity_list": " ".join(f"ent-{k}" for k in range(n % 4)).encode(),
            "jurisdiction": "us eu" if n % 3 == 0 else "",
        }

    rounds = [list(range(300)), [*range(100, 150), *range(300, 340)], list(range(340, 360))]
    built = {}
    bulk = kb_index.BulkWriter
    # "upgraded": an index begun by Whoosh's writer (as older versions' blocks are), then written by the project's
    writers = {"whoosh": [SegmentWriter] * 3, "bulk": [bulk] * 3, "upgraded": [SegmentWriter, bulk, bulk]}
    for name, makers in writers.items():
        directory = tmp_path / name
        directory.mkdir()
        index.create_in(str(directory), kb_index.SCHEMA)
        ix = FileStorage(str(directory), supports_mmap=False).open_index(schema=kb_index.SCHEMA)
        for number, (docs, make) in enumerate(zip(rounds, makers, strict=True)):
            w = make(ix, compound=False)
            for n in docs:
                (w.update_document if number else w.add_document)(**document(n))
            w.commit()
        built[name] = _segment_files(directory)
    assert len(built["bulk"]) > 1  # the later rounds merged or kept several segments
    # Every file but the posting lists and the term table that points into them is Whoosh's, byte for byte
    own = ("pst", "trm")
    assert [{e: b for e, b in f.items() if e not in own} for f in built["bulk"]] == [
        {e: b for e, b in f.items() if e not in own} for f in built["whoosh"]
    ]
    # the lists are smaller (kb.index._PostingsWriter) and read the same through Whoosh's own reader
    assert sum(len(f["pst"]) for f in built["bulk"]) < 0.8 * sum(len(f["pst"]) for f in built["whoosh"])
    whooshs = _postings_as_whoosh_reads_them(tmp_path / "whoosh")
    assert _postings_as_whoosh_reads_them(tmp_path / "bulk") == whooshs
    assert _postings_as_whoosh_reads_them(tmp_path / "upgraded") == whooshs
    # merged into one segment: the older blocks are read through Whoosh's matchers and written anew
    for name, make in (("whoosh", SegmentWriter), ("upgraded", bulk)):
        ix = FileStorage(str(tmp_path / name), supports_mmap=False).open_index(schema=kb_index.SCHEMA)
        make(ix, compound=False).commit(optimize=True)
        assert len(ix._segments()) == 1
    assert _postings_as_whoosh_reads_them(tmp_path / "upgraded") == _postings_as_whoosh_reads_them(tmp_path / "whoosh")
    # beside each of its segments, and only those (Whoosh's clean-up removed the merged ones'),
    # the project's writer left the segment's document lists
    ix = FileStorage(str(tmp_path / "bulk"), supports_mmap=False).open_index()
    segments = {segment.segment_id() for segment in ix._segments()}
    assert {path.name.split(".")[0] for path in (tmp_path / "bulk").glob("*.kbdocs")} == segments
    assert not list((tmp_path / "whoosh").glob("*.kbdocs"))


@pytest.mark.parametrize(
    "text", ['"export controls"', '"advanced computing export controls"', '"china china"', '"API traffic" china']
)
def test_phrases_match_and_score_as_whoosh_does(kb, corpus, text):
    """kb.search finds phrases with sets of positions: the same documents and scores as Whoosh's own."""
    from whoosh import collectors
    from whoosh import query as wq

    from kb.search import _Phrase, parse_query
    from kb.search_cache import searcher_for

    ours, _ = parse_query(text)
    theirs = ours.accept(lambda q: wq.Phrase(q.fieldname, q.words, slop=q.slop) if isinstance(q, _Phrase) else q)
    assert "_Phrase" in repr(ours) and "_Phrase" not in repr(theirs)
    searcher = searcher_for(kb.index)

    def scored(q):
        collector = collectors.UnlimitedCollector()
        searcher.search_with_collector(q, collector)
        return sorted((docnum, round(score, 9)) for score, docnum in collector.results().top_n)

    assert scored(ours) == scored(theirs)
    assert text != '"export controls"' or len(scored(ours)) == 2


def test_matches_read_a_block_at_a_time_are_whooshs(kb, corpus):
    """kb.search_cache.docnums_for lists the same documents as Whoosh's docs_for_query, deleted ones left out."""
    import numpy as np
    from whoosh import query as wq

    from kb.search import parse_query
    from kb.search_cache import columns_for, docnums_for, searcher_for

    with kb.session() as session:
        gone = session.exec(select(Document.id).where(Document.title == "OpenAI cut-off takes effect")).one()
    kb_index.remove_documents(kb.index, [gone])
    searcher = searcher_for(kb.index)
    live = columns_for(searcher).live
    assert not live.all()  # a deletion to leave out
    texts = ["OpenAI China", "China -Nvidia", "China AND NOT OpenAI", "H20 OR Qwen", '"export controls" rule']
    texts += ["title:openai", "kind:news", "blocking", "nothingatall", "open*", "OpenAI", ""]
    for text in texts:
        q, _ = parse_query(text)
        expected = np.fromiter(searcher.docs_for_query(q), dtype=np.int64)
        assert docnums_for(searcher, live, q).tolist() == expected.tolist(), text
    assert docnums_for(searcher, live, wq.Term("body", "openai")).tolist() != []


def test_negation_leaves_out_the_first_document_too(loaded_kb, server):
    """Whoosh's AndNot matcher kept the first document of the positive part when the excluded
    word's first document came earlier ("rule -semiconductor" listed one with semiconductor)."""
    import numpy as np

    from kb.search import parse_query
    from kb.search_cache import columns_for, docnums_for, searcher_for

    kb = loaded_kb  # the registry and the curated timeline are loaded already (conftest)
    items = [
        ("x1", "Mon, 01 Jan 2024 12:00:00 GMT", "Fabs", "A semiconductor plant opened."),
        ("x2", "Tue, 02 Jan 2024 12:00:00 GMT", "Both", "The rule covers semiconductor tools."),
        ("x3", "Wed, 03 Jan 2024 12:00:00 GMT", "Rule only", "The rule took effect."),
    ]
    with kb.session() as session:
        sid = add_source(session, allow_private=True, url=server.add("/n.xml", _feed(items))).id
        session.commit()
    poll(kb, [sid])
    for text in ("rule -semiconductor", "rule ANDNOT semiconductor", "rule AND NOT semiconductor"):
        for sort in ("relevance", "date", "oldest"):
            result = run(kb, query=text, sort=sort, facets=True)
            assert (result.total, titles(result)) == (1, ["Rule only"]), (text, sort)
            assert dict(result.facets["year"]) == {"2024": 1}, (text, sort)
    searcher = searcher_for(kb.index)
    q, _ = parse_query("rule -semiconductor")
    ranked = searcher.search(q, limit=None)
    assert len(ranked) == 1 and [hit["id"] for hit in ranked] == [searcher.stored_fields(ranked.docnum(0))["id"]]
    assert len(docnums_for(searcher, columns_for(searcher).live, q)) == 1
    assert (
        np.fromiter(searcher.docs_for_query(q), dtype=np.int64).tolist()
        == docnums_for(searcher, columns_for(searcher).live, q).tolist()
    )
