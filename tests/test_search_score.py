"""kb.search_score gives Whoosh's own BM25F scores (issue 14): the same documents, the same numbers.

The fixed corpus of the equivalence test (generated English reports, Chinese ones, an
undated one) plus a second batch indexed separately (another segment, one more term
statistic to get right), and every query is scored twice: by kb.search_score and by
Whoosh stepping its matchers through every match (an unlimited collector).
"""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest
from whoosh import collectors
from whoosh.formats import Positions

from bench.corpus import Generator
from kb import index as kb_index
from kb import search_score
from kb.doclists import doclists_for
from kb.models import Document
from kb.search import SearchRequest, parse_query, search, split_date_ranges
from kb.search_cache import _heads, columns_for, posting_blocks, read_postings_many, searcher_for, term_postings
from tests.test_search_equivalence import fixed_corpus  # noqa: F401 (the fixture)

SCORED = [
    "rule",
    "celebrated",
    "export controls",
    '"export controls"',
    '"model weights"',
    '"export controls" rule',
    "model weights",
    "rule -semiconductor",
    "celebrating OR",
    "title:semiconductor",
    "kind:rule",
    "entity:01-ai",
    "license^2 rule",
    "rule date:[2021-01-01 to 2022-12-31]",
    "百度",
    "免费",
    '"出口管制"',
    "芯片 date:2023",
    "zzzqqq",
    # three parts or more: added up as Whoosh's tree of matchers adds them in each segment
    "export controls rule",
    "advanced computing about",
    "which advanced about computing",
    "celebrating OR personalization",
    "rule OR license OR export OR model",
    "(rule OR license OR export)^2",
    '"export controls" rule license',
    "about body:advanced computing",
    "芯片 出口 管制",
    "rule -license -export",
]


@pytest.fixture(params=["protocol 4", "protocol 2"])
def blocks(request, monkeypatch):
    """How the index's blocks are pickled: as the project writes them (kb.index._PostingsWriter), or
    as Whoosh's own writer and the project's older versions did, which the scorer reads without
    unpickling where their layout allows (kb.search_cache._heads, _value_spans)."""
    if request.param == "protocol 2":
        monkeypatch.setattr(kb_index._PostingsWriter, "like", staticmethod(lambda writer: writer))
    return request.param


@pytest.fixture
def two_segments(blocks, fixed_corpus):  # noqa: F811 (the fixture imported above)
    kb = fixed_corpus
    with kb.session() as session:
        docs = [
            Document(
                source_id=1, key=f"more{n}", title=d.title, summary=d.summary[:80], body=" ".join(d.body.split()[:40])
            )
            for n, d in enumerate(Generator().documents(30, 500))
        ]
        docs.append(Document(source_id=2, key="zh-more", title="出口管制新规", body="芯片出口管制规则更新，百度回应。"))
        session.add_all(docs)
        session.commit()
        kb_index.index_documents(kb.index, session, [d.id for d in docs if d.id is not None])
    return kb


def whoosh_scores(searcher, q, *, needs_current: bool = False) -> dict[int, float]:
    collector = collectors.UnlimitedCollector()
    if needs_current:  # a collector that asks its matchers for the current document: no preloaded Or
        prepare = collector.prepare
        collector.prepare = lambda top, q, context: prepare(top, q, context.set(needs_current=True))
    searcher.search_with_collector(q, collector)
    return {docnum: score for score, docnum in collector.results().top_n}


def test_scores_are_whooshs(two_segments):
    searcher = searcher_for(two_segments.index)
    assert len(searcher.reader().leaf_readers()) >= 2
    live = columns_for(searcher).live
    for text in SCORED:
        q, _ = split_date_ranges(parse_query(text)[0])
        found = search_score.scored(searcher, q)
        assert found is not None, f"{text}: {q!r} should be scored with numpy"
        ours = {int(d): float(s) for d, s in zip(found.docs, found.scores, strict=True) if live[d]}
        theirs = whoosh_scores(searcher, q)
        assert set(ours) == set(theirs), text
        for docnum, score in theirs.items():
            assert ours[docnum] == score, (text, docnum)
        assert list(found.docs) == sorted(found.docs)
        assert text == "zzzqqq" or theirs, f"{text} should match something"


def test_an_or_of_many_parts_adds_them_up_in_whooshs_tree_in_large_segments(two_segments, monkeypatch):
    """In a segment of more than 5,000 documents Whoosh adds the parts of an Or along a tree
    built from their estimated sizes, not one after the other: scored as if every segment
    were that large, the scores are those of Whoosh's tree (forced by a collector that needs
    the current document)."""
    monkeypatch.setattr(search_score, "PRELOADED_MOST", -1)
    searcher = searcher_for(two_segments.index)
    for text in ("rule OR license OR export OR model", "(rule OR cloud OR chips)^2", "celebrating OR personalization"):
        q, _ = split_date_ranges(parse_query(text)[0])
        found = search_score.scored(searcher, q)
        assert found is not None
        theirs = whoosh_scores(searcher, q, needs_current=True)
        ours = {int(d): float(s) for d, s in zip(found.docs, found.scores, strict=True) if d in theirs}
        assert ours == theirs and theirs, text


def test_queries_whoosh_orders_by_size_are_left_to_whoosh(two_segments):
    searcher = searcher_for(two_segments.index)
    for text in ("lic*", "date:2024"):
        q, _ = split_date_ranges(parse_query(text)[0])
        assert search_score.scored(searcher, q) is None, text


def test_a_boosted_word_ranks_as_whoosh_scores_every_match(two_segments):
    """Whoosh's top-n search skips blocks by their best score without the boost, and could
    leave out the best matches of a boosted word; the ranking now follows the scores."""
    searcher = searcher_for(two_segments.index)
    q, _ = parse_query("license^3 rule")
    theirs = sorted(whoosh_scores(searcher, q).items(), key=lambda kv: (-kv[1], kv[0]))
    with two_segments.session() as session:
        result = search(two_segments.index, session, SearchRequest(query="license^3 rule", per_page=50))
    ids = [int(searcher.stored_fields(docnum)["id"]) for docnum, _ in theirs[:50]]
    assert [h.id for h in result.hits] == ids
    assert [h.score for h in result.hits] == pytest.approx([s for _, s in theirs[:50]], rel=1e-12)


def test_positions_read_one_by_one_when_the_layout_differs():
    fmt = kb_index.SCHEMA["body"].format
    values = [fmt.encode([3, 9, 10]), fmt.encode([0]), fmt.encode(list(range(5, 600, 7)))]
    owner, positions = search_score._positions(fmt, values)
    assert owner.tolist() == [0, 0, 0, 1, *[2] * len(range(5, 600, 7))]
    assert positions.tolist() == [3, 9, 10, 0, *range(5, 600, 7)]
    broken = [values[0], values[1][:4] + b"\x80\x03" + values[1][6:]]  # another pickle protocol
    owner, positions = search_score._positions(fmt, broken)
    assert positions.tolist() == [3, 9, 10, 0]
    assert np.array_equal(owner, [0, 0, 0, 1])


def test_postings_read_by_numpy_are_whooshs(two_segments):
    """Every term of every field, block by block: the same documents, weights and values as Whoosh's matcher."""
    reader = searcher_for(two_segments.index).reader()
    for leaf, _ in reader.leaf_readers():
        for fieldname, text in leaf.all_terms():
            docs, weights, values = [], [], []
            for ids, ws, vs in posting_blocks(leaf.postings(fieldname, text)):
                docs += ids.tolist()
                weights += ws.tolist()
                values += list(vs())
            matcher = leaf.postings(fieldname, text)
            expected = []
            while matcher.is_active():
                expected.append((matcher.id(), matcher.weight(), matcher.value()))
                matcher.next()
            assert list(zip(docs, weights, values, strict=True)) == expected, (fieldname, text)


def test_postings_read_together_are_each_read_alone(two_segments, blocks):
    """Every term of every segment read in one batch (as a query's terms are): each list's blocks
    and positions are those it has read alone, whatever layouts the batch mixes."""
    reader = searcher_for(two_segments.index).reader()
    keys = [(leaf, key) for leaf, _ in reader.leaf_readers() for key in leaf.all_terms()]
    together = read_postings_many([leaf.postings(*key) for leaf, key in keys])
    assert len(together) == len(keys) > 100
    spans = 0
    for (leaf, key), batch in zip(keys, together, strict=True):
        alone = read_postings_many([leaf.postings(*key)])[0]
        assert len(batch.blocks) == len(alone.blocks), key
        for (ids, ws, vs), (ids2, ws2, vs2) in zip(batch.blocks, alone.blocks, strict=True):
            assert ids.tolist() == ids2.tolist() and ws.tolist() == ws2.tolist() and list(vs()) == list(vs2()), key
        mine, theirs = batch.value_spans, alone.value_spans
        assert (mine is None) == (theirs is None), key
        if mine is not None and theirs is not None:
            spans += 1
            assert batch.buffer.tobytes() == alone.buffer.tobytes(), key
            assert all(np.array_equal(a, b) for a, b in zip(mine, theirs, strict=True)), key
    assert spans if blocks == "protocol 2" else not spans  # protocol 4 blocks are unpickled (and have document lists)


def test_term_infos_read_once_give_the_matchers_postings(two_segments):
    """A term read from its term info alone (no Whoosh matcher built: issue 14), with its
    documents from the segment's document lists (kb.doclists) or from its blocks, has the
    document frequency, postings and value layout its matcher gives; an absent term is None."""
    searcher = searcher_for(two_segments.index)
    kinds = set()
    listed_positions = 0
    for leaf, _ in searcher.reader().leaf_readers():
        lists = doclists_for(searcher._ix.storage.folder, leaf._segid)
        assert lists is not None  # the project's writer wrote them
        for key in leaf.all_terms():
            theirs = read_postings_many([leaf.postings(*key)])[0]
            for given in (lists, None):
                found = term_postings(leaf, *key, given)
                assert found is not None, key
                frequency, item = found
                kinds.add(type(item).__name__)
                assert frequency == leaf.doc_frequency(*key), key
                mine = read_postings_many([item])[0]
                assert [(a.tolist(), b.tolist(), list(c())) for a, b, c in mine.blocks] == [
                    (a.tolist(), b.tolist(), list(c())) for a, b, c in theirs.blocks
                ], key
                fmt = leaf.schema[key[0]].format
                if given is not None and type(fmt) is Positions:  # each posting's positions, read from the lists
                    assert mine.listed is not None
                    everything = np.arange(mine.size)
                    owner, positions = mine.listed.positions_at(everything)
                    values = [v for _, _, vs in theirs.blocks for v in vs()]
                    assert owner.tolist() == [i for i, v in enumerate(values) for _ in fmt.decode_positions(v)], key
                    assert positions.tolist() == [p for v in values for p in fmt.decode_positions(v)], key
                    some = everything[::3]
                    owner, positions = mine.listed.positions_at(some)
                    assert positions.tolist() == [p for v in values[::3] for p in fmt.decode_positions(v)], key
                    listed_positions += 1
                if theirs.value_spans is not None:
                    assert mine.value_spans is not None, key
                    assert mine.buffer.tobytes() == theirs.buffer.tobytes(), key
                    assert all(np.array_equal(x, y) for x, y in zip(mine.value_spans, theirs.value_spans, strict=True))
                if mine.value_spans is not None:  # (read lazily, also where the blocks' heads are laid out otherwise)
                    texts = [
                        mine.buffer[start : start + size].tobytes().decode("utf-8").encode("latin-1")
                        for start, size in zip(*mine.value_spans, strict=True)
                    ]
                    assert texts == [v for _, _, vs in theirs.blocks for v in vs()], key
        assert term_postings(leaf, "body", b"nowordlikethis", lists) is None
    assert kinds == {"PostingExtent", "ListedPostings"}
    assert listed_positions > 100


def test_segments_without_document_lists_score_the_same(two_segments):
    """An index whose segments have no document lists (written by Whoosh's own writer, or by
    an older version) is read from its blocks: the same documents and scores."""
    from kb import doclists

    queries = ["export controls", '"export controls"', "chips OR licence", "出口", "controls -chips"]
    searcher = searcher_for(two_segments.index)
    before = {text: search_score.scored(searcher, parse_query(text)[0]) for text in queries}
    folder = Path(searcher._ix.storage.folder)
    removed = list(folder.glob(f"*{doclists.SUFFIX}"))
    assert removed
    for path in removed:
        path.unlink()
    doclists._open.clear()
    after = {text: search_score.scored(searcher, parse_query(text)[0]) for text in queries}
    assert not any(isinstance(item, doclists.DocLists) for item in doclists._open.values())
    for text in queries:
        assert before[text] is not None and after[text] is not None, text
        assert before[text].docs.tolist() == after[text].docs.tolist(), text
        assert before[text].scores.tolist() == after[text].scores.tolist(), text


def test_document_lists_of_removed_segments_are_let_go(two_segments, tmp_path):
    """A segment's file, once removed (its segment merged away, or an older generation of the
    index swept), is no longer held open (its memory map would keep its disk space taken)."""
    from kb import doclists

    source = next(Path(searcher_for(two_segments.index)._ix.storage.folder).glob(f"*{doclists.SUFFIX}"))
    copy = doclists.path_for(tmp_path, "MAIN_old")
    copy.write_bytes(source.read_bytes())
    assert doclists.doclists_for(tmp_path, "MAIN_old") is not None
    assert copy in doclists._open
    copy.unlink()
    assert doclists.doclists_for(tmp_path, "MAIN_new") is None  # no such file: remembered as None
    assert copy not in doclists._open and doclists.path_for(tmp_path, "MAIN_new") in doclists._open


def test_values_read_from_the_pickles_are_whooshs(two_segments):
    """The positions of every title and body term, found in the blocks' pickles without
    unpickling them where the blocks' layout allows (else unpickled from the blocks that hold
    them), are the values Whoosh reads."""
    searcher = searcher_for(two_segments.index)
    scorer = search_score._Scorer(searcher)
    scorer._lists = [None] * len(scorer._lists)  # read from the blocks, as a segment without document lists is
    found = unpickled = 0
    for fieldname, text in searcher.reader().all_terms():
        if fieldname not in ("title", "body"):
            continue
        postings = scorer._postings(fieldname, text)
        assert postings is not None
        unpickled += any(segment.value_spans is None for segment in postings._segments)
        everything = []  # Whoosh's, deleted documents included (as the scorer reads them)
        for leaf, _ in searcher.reader().leaf_readers():
            if (fieldname, text) in leaf:
                matcher = leaf.postings(fieldname, text)
                matcher = getattr(matcher, "child", matcher)
                while matcher.is_active():
                    everything.append(matcher.value())
                    matcher.next()
        for at in (np.arange(len(postings.docs)), np.arange(0, len(postings.docs), 3)):
            expected = [everything[i] for i in at.tolist()]
            assert postings.values_at(at) == expected, (fieldname, text)
            texts = postings.texts(at)
            assert texts is not None, (fieldname, text)
            found += 1
            joined, lengths = texts
            assert joined == b"".join(expected) and lengths.tolist() == [len(v) for v in expected], (fieldname, text)
    assert found > unpickled > 0  # both ways are tried


@pytest.mark.parametrize(
    "ids",
    [
        [3, 4, 9, 10, 200],
        [300, 301, 305, 306, 307],
        [70_000, 70_001, 70_100, 70_200],
        [5, 6, 7],  # fewer than 4: a tuple pickled without MARK
        [1, 2, 3, 600, 601],  # a gap of 256 or more
        list(range(1000, 1128)),
    ],
)
@pytest.mark.parametrize("weights", ["varied", "same", "ones"])
def test_block_heads_read_as_pickle_does(ids, weights):
    deltas = tuple(b - a for a, b in zip([0, *ids], ids, strict=False))
    varied = [float(i % 7) + 0.5 for i in range(len(ids))]
    stored = {"varied": tuple(varied), "same": 3.0, "ones": None}[weights]
    values = tuple(f"v{i}".encode() for i in range(len(ids)))
    blocks = [pickle.dumps((deltas, stored, values), 2), pickle.dumps(((7, 1, 1, 1, 1), None, values[:5]), 2)]
    _, _, heads = _heads([len(ids), 5], blocks)
    expected = {"varied": varied, "same": [3.0] * len(ids), "ones": [1.0] * len(ids)}[weights]
    readable = len(ids) >= 4 and all(d < 256 for d in deltas[1:])
    if readable:
        docs, ws = heads[0]
        assert docs.tolist() == ids and ws.tolist() == expected
    else:
        assert heads[0] is None
    assert heads[1] is not None and heads[1][0].tolist() == [7, 8, 9, 10, 11]


def test_deleted_documents_are_left_out(two_segments):
    """A removed document is still in its segment's postings: the page, total and ranking
    leave it out, as Whoosh's own search does (and the thread's searcher sees the removal)."""
    kb = two_segments
    with kb.session() as session:
        before = search(kb.index, session, SearchRequest(query="rule", per_page=200, facets=False))
        gone = [hit.id for hit in before.hits[:3]]
        kb_index.remove_documents(kb.index, gone)
        after = search(kb.index, session, SearchRequest(query="rule", per_page=200, facets=False))
        phrase = search(kb.index, session, SearchRequest(query='"export controls"', per_page=200, facets=False))
    searcher = searcher_for(kb.index)
    assert any(leaf.has_deletions() for leaf, _ in searcher.reader().leaf_readers())
    assert after.total == before.total - 3 and not set(gone) & {h.id for h in after.hits}
    assert [h.id for h in after.hits] == [h.id for h in before.hits[3:]]
    for result, text in ((after, "rule"), (phrase, '"export controls"')):
        q, _ = parse_query(text)
        theirs = sorted(whoosh_scores(searcher, q).items(), key=lambda kv: (-kv[1], kv[0]))
        assert [h.id for h in result.hits] == [int(searcher.stored_fields(d)["id"]) for d, _ in theirs]
