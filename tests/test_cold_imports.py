"""A cold `kb search` process loads only what searching needs (issue 14: under 0.6 s at
100,000 documents), and the shortcuts that keep it so answer as what they replace.

Left off the search path: importlib.resources (and zipfile: settings.DATA_DIR is found next
to the package's files), Whoosh's collectors and sorting (only a phrase query ranks with a
collector), Whoosh's date parser (only for a query that names a date field), besides the
fetcher, the UI, the ORM and the feed stacks (tests/test_search_imports.py runs whole
searches). What Whoosh itself imports whatever is used of it (urllib.request through
whoosh.compat, asyncio through the cached_property package) stays.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib import resources

import pytest
from whoosh import fields
from whoosh.filedb.filestore import FileStorage

from kb import search_cache, settings
from kb.search import _names_dates, _new_parser

NOT_ON_THE_SEARCH_PATH = (
    "importlib.resources",
    "zipfile",
    "whoosh.collectors",
    "whoosh.sorting",
    "whoosh.qparser.dateparse",
    "streamlit",
    "feedparser",
    "httpx",
    "trafilatura",
    "alembic",
    "sqlalchemy",
    "sqlmodel",
    "kb.pipeline",
    "kb.store",
    "ingest.fetch",
)


def _modules_after(code: str, home: object = None) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KB_") and k != "OPENBLAS_NUM_THREADS"}
    if home is not None:
        env["KB_HOME"] = str(home)
    threads = "len(os.listdir('/proc/self/task')) if os.path.isdir('/proc/self/task') else None"
    report = f"{{'modules': sorted(sys.modules), 'blas': os.environ.get('OPENBLAS_NUM_THREADS'), 'threads': {threads}}}"
    probe = f"{code}\nimport json, os, sys\nprint(json.dumps({report}))"
    proc = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.splitlines()[-1])


def test_importing_the_cli_and_search_leaves_out_what_search_does_not_need():
    found = _modules_after("import kb.cli, kb.search")
    assert [m for m in NOT_ON_THE_SEARCH_PATH if m in found["modules"]] == []
    assert "numpy" in found["modules"] and "whoosh.qparser" in found["modules"]  # the probe did import


def test_the_cli_loads_no_numpy_before_a_command_runs():
    """`kb search` asks OpenBLAS for no thread pool while numpy is first loaded; that only
    works while importing kb.cli leaves numpy out."""
    assert "numpy" not in _modules_after("import kb.cli")["modules"]


@pytest.mark.slow  # a fresh interpreter per search: CI runs it, the quick loop does not
def test_a_plain_search_process_loads_no_date_parser_collectors_or_resources(kb):
    from kb import index as kb_index
    from kb.models import Document, Source

    with kb.session() as session:
        source = Source(kind="feed", url="https://example.org/feed.xml", title="Desk")
        session.add(source)
        session.flush()
        doc = Document(source_id=source.id, key="k1", url="https://example.org/1", title="Thang", body="A thang.")
        session.add(doc)
        session.commit()
        kb_index.index_documents(kb.index, session, [doc.id])
    code = (
        "import contextlib, io, kb.cli\nout = io.StringIO()\nwith contextlib.redirect_stdout(out):\n"
        "    assert kb.cli.main([{args}]) == 0\nassert '{total} results' in out.getvalue(), out.getvalue()"
    )
    found = _modules_after(code.format(args="'search', 'thang'", total=1), kb.config.home)
    assert [m for m in NOT_ON_THE_SEARCH_PATH if m in found["modules"]] == []
    assert found["blas"] is None  # taken back once numpy was loaded
    assert found["threads"] in (1, None)  # no OpenBLAS thread pool (None: no /proc to count them)
    dated = _modules_after(code.format(args="'search', 'thang date:2024'", total=0), kb.config.home)  # undated
    assert "whoosh.qparser.dateparse" in dated["modules"]


def test_data_dir_is_where_importlib_resources_finds_it():
    assert type(settings.DATA_DIR)(str(resources.files("kb") / "data")) == settings.DATA_DIR
    assert (settings.DATA_DIR / "entities").is_dir()


QUERIES = [
    "chip",
    "export controls",
    '"model weights"',
    "rule -semiconductor",
    "alibaba-cloud",
    "+huawei chip",
    "title:chip OR body:gpu",
    "entity:nvidia kind:rule",
    "entities:baidu source:3",
    "year:>2023",
    "year:[2020 to 2022]",
    "kind:(rule OR news)",
    "license^3 rule",
    "foo* h?awei",
    "百度 芯片",
    "(chip OR gpu) ANDNOT export",
    "chip ANDMAYBE gpu",
    "NOT chip",
    "unknown:x chip",
    "[a TO b]",
    '"a b"~3',
    "x~2",
    "(",
    ":",
    "-",
]


@pytest.mark.parametrize("text", QUERIES)
def test_a_text_naming_no_date_field_parses_alike_without_the_date_plugin(text):
    assert not _names_dates(text)
    with_dates, plain = _new_parser(dates=True), _new_parser(dates=False)
    try:
        expected = with_dates.parse(text)
    except Exception as exc:  # whatever Whoosh raises, both raise it
        with pytest.raises(type(exc)):
            plain.parse(text)
        return
    assert plain.parse(text) == expected
    assert repr(plain.parse(text)) == repr(expected)


@pytest.mark.parametrize("text", ["date:2024", "published:[2024 to 2025]", "DATE:2024", "x Published:2024", "updated"])
def test_a_text_that_may_name_a_date_field_gets_the_date_parser(text):
    assert _names_dates(text)


def test_stored_ids_are_whooshs_stored_fields(tmp_path):
    """Several segments (one empty after deletions), documents deleted in others, a value
    too long for one byte of length, a field the reading schema no longer has."""
    schema = fields.Schema(id=fields.ID(stored=True, unique=True), stamp=fields.STORED(), body=fields.TEXT())
    ix = FileStorage(str(tmp_path)).create_index(schema)
    n = 0
    for batch in (40, 3, 300, 1, 25):
        writer = ix.writer()
        for _ in range(batch):
            n += 1
            stamp = " ".join(str(i * 7919 % 10007) for i in range(n)) if n % 5 else None  # long ones: "H" lengths
            writer.add_document(id=str(n), stamp=stamp, body=f"word{n % 3}")
        writer.commit(merge=False)
    writer = ix.writer()
    for gone in (*range(41, 44), 7, 100, 101, 369):
        writer.delete_by_term("id", str(gone))
    writer.commit(merge=False)
    with ix.searcher() as searcher:
        assert len(searcher.reader().leaf_readers()) >= 4
        docnums = list(range(searcher.doc_count_all()))
        expected = [int(searcher.stored_fields(d)["id"]) for d in docnums]
        assert search_cache.stored_ids(searcher, docnums) == expected
        assert search_cache.stored_ids(searcher, docnums[::-1]) == expected[::-1]
        for leaf, _ in searcher.reader().leaf_readers():
            for d in range(leaf.doc_count_all()):
                assert search_cache._stored_fields(leaf, d) == leaf.stored_fields(d)
    narrower = fields.Schema(id=fields.ID(stored=True, unique=True), body=fields.TEXT())
    with FileStorage(str(tmp_path)).open_index(schema=narrower).searcher() as searcher:
        for leaf, _ in searcher.reader().leaf_readers():
            for d in range(leaf.doc_count_all()):
                assert search_cache._stored_fields(leaf, d) == leaf.stored_fields(d)
                assert "stamp" not in leaf.stored_fields(d)
