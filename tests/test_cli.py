"""The `kb` command line, run in-process against a KB_HOME in tmp_path."""

from __future__ import annotations

import json
import shutil

import pytest

from kb.cli import main
from kb.demo import demo_files
from tests.helpers import rss

pytestmark = pytest.mark.both_databases


def kb(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def demo_loaded(kb_env, database_url, capsys, request):
    """KB_HOME holding the demo corpus, as `kb demo` leaves it: on SQLite a copy of the run's demo
    template (test_demo_then_searches runs the command itself), on PostgreSQL `kb demo`."""
    if database_url.startswith("sqlite:"):
        shutil.copytree(request.getfixturevalue("demo_template"), kb_env, symlinks=True)
    else:
        code, out, _ = kb(capsys, "demo")
        assert code == 0 and "0 failed" in out
    return kb_env


# `kb demo` building the whole demo corpus in a new store (four seconds). The quick loop keeps the command
# (test_demo_twice_adds_nothing_and_index_stays_consistent runs it on a loaded store) and the load itself
# (the demo template).
@pytest.mark.slow
def test_demo_then_searches(kb_env, capsys):
    code, out, _ = kb(capsys, "demo")
    assert code == 0 and "0 failed" in out
    code, out, _ = kb(capsys, "search", "export controls")
    assert code == 0 and "results" in out and "export controls" in out.lower()
    assert any(line[:4] in ("2022", "2023", "2024", "2025") for line in out.splitlines())
    code, out, _ = kb(capsys, "search", "OpenAI China", "--json")
    data = json.loads(out)
    assert data["total"] >= 3
    assert all("openai" in (h["title"] + h["snippet"]).lower() for h in data["hits"])
    assert {"title", "published", "url", "snippet", "source_title", "entities"} <= set(data["hits"][0])


def test_demo_twice_adds_nothing_and_index_stays_consistent(demo_loaded, capsys):
    code, out, _ = kb(capsys, "demo")
    assert "0 new and 0 updated" in out
    code, out, _ = kb(capsys, "check")
    assert code == 0 and "index consistent" in out


def test_demo_corpus_size():
    import feedparser

    entries = sum(len(feedparser.parse(p.read_bytes()).entries) for p in demo_files())
    assert entries >= 40


def test_reindex_restores_identical_results(demo_loaded, capsys):
    _, before, _ = kb(capsys, "search", "H20", "--json", "--sort", "date")
    index_dir = demo_loaded / "index"
    shutil.rmtree(index_dir.resolve())
    index_dir.unlink()
    code, out, _ = kb(capsys, "reindex")
    assert code == 0 and "indexed 61 documents" in out
    _, after, _ = kb(capsys, "search", "H20", "--json", "--sort", "date")
    assert json.loads(after)["hits"] == json.loads(before)["hits"]
    assert kb(capsys, "check")[0] == 0


# The tests that add a source (which polls it) run on conftest's `loaded_kb`: KB_HOME holds a store as
# after a first poll of nothing, so that the command's poll does not spend a second loading the registry
# and the curated timeline.


def test_sources_add_list_and_poll(loaded_kb, capsys, server):
    url = server.add("/f.xml", rss(("a", "Alpha", "one")), etag='"1"')
    code, out, _ = kb(capsys, "sources", "add", url, "--title", "Desk")
    assert code == 0 and "added source 1" in out and "1 new" in out
    code, out, _err = kb(capsys, "poll", "--all")
    assert "1 not modified" in out
    code, out, _ = kb(capsys, "sources", "list")
    assert "Desk" in out and "ok" in out and "1 docs" in out
    data = json.loads(kb(capsys, "sources", "list", "--json")[1])
    assert data[0]["documents"] == 1 and data[0]["status"] == "ok"


def test_failing_source_shows_its_error(loaded_kb, capsys, server):
    kb(capsys, "sources", "add", server.url("/missing.xml"))
    _code, out, _ = kb(capsys, "sources", "list")
    assert "failing" in out and "HTTP 404" in out


@pytest.mark.parametrize(
    "args, message",
    [
        (("sources", "enable", "42"), "no source with id 42"),
        (("sources", "add", "not a url"), "not an http(s) URL"),
        (("sources", "add", "javascript:alert(1)"), "not an http(s) URL"),
        (("search", "x", "--since", "2024-13-01"), "is not a date"),
        (("search", "x", "--since", "2025-01-01", "--until", "2024-01-01"), "is after"),
        (("poll", "--source", "7"), "no source with id 7"),
        (("nosuchcommand",), "No such command"),
    ],
)
def test_user_mistakes_are_one_line(kb_env, capsys, args, message):
    code, out, err = kb(capsys, *args)
    assert code != 0
    assert message in err and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err + out


def test_duplicate_subscription_is_refused(loaded_kb, capsys, server):
    url = server.add("/f.xml", rss(("a", "Alpha", "one")))
    kb(capsys, "sources", "add", url)
    code, _, err = kb(capsys, "sources", "add", url)
    assert code == 1 and "already subscribed" in err


def test_unreadable_queries_on_the_command_line(demo_loaded, capsys):
    for query in ['"unclosed', "AND OR (", "published:[last month to now]"]:
        code, out, err = kb(capsys, "search", query)
        assert code == 0 and "Traceback" not in out + err
