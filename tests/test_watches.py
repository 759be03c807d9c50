"""Watches (kb/watches.py, `kb watch`): what they keep, what is new in them after a poll."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlmodel import col, select

from kb import watches
from kb.cli import main
from kb.errors import NotFound, UserInputError
from kb.events.candidates import RULE_KINDS
from kb.models import Event, Watch, utcnow
from kb.pipeline import poll
from kb.store import add_source
from tests.helpers import rss


def cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def poll_new_feed(kb, server, *items: tuple[str, str, str]) -> None:
    """Subscribe to a loopback feed with `items` and poll it through the real pipeline."""
    url = server.add("/new.xml", rss(*items))
    with kb.session() as session:
        source = add_source(session, url=url, kind="feed", allow_private=True)
        session.commit()
        assert source.id is not None
    summary = poll(kb, [source.id])
    assert summary.count("failed") == 0, summary.line()


def test_each_kind_keeps_its_page_parameters(demo_kb):
    with demo_kb.session() as session:
        search = watches.add(session, "search", {"q": "H20", "since": "2024-01-01", "page": "3", "sort": "date"})
        entity = watches.add(session, "entity", {"id": "nvidia"})
        timeline = watches.add(session, "timeline", {"kind": ["rule"], "jurisdiction": "US"})
    assert (search.query, search.filters) == ("H20", {"since": ["2024-01-01"]})  # page and sort are not kept
    assert watches.params_of(search) == {"since": ["2024-01-01"], "q": ["H20"]}
    assert watches.app_path("search", watches.params_of(search)) == "?since=2024-01-01&q=H20"
    assert entity.filters == {"id": ["nvidia"]} and entity.name == "Nvidia"
    assert watches.app_path("entity", entity.filters) == "entities?id=nvidia"
    assert timeline.name == "kind: rule; jurisdiction: US"
    assert watches.feed_path(timeline) == f"feeds/watch/{timeline.id}.atom"
    assert watches.feed_path_for("entity", {"id": ["a b/c"]}) == "feeds/entity/a%20b%2Fc.atom"
    assert watches.feed_path_for("search", {"q": ["H20 OR x"]}) == "feeds/search.atom?q=H20+OR+x"


@pytest.mark.parametrize(
    ("kind", "params", "message"),
    [
        ("nothing", {}, "unknown watch kind"),
        ("search", {"since": "2026-99-01"}, "since must be a day"),
        ("search", {"since": "2025-02-01", "until": "2025-01-01"}, "is after until"),
        ("search", {"q": ["a", "b"]}, "takes one value"),
        ("search", {"entity": [f"e{i}" for i in range(30)]}, "at most"),
        ("entity", {}, "needs the entity's id"),
    ],
)
def test_bad_parameters_are_refused_with_a_message(kb, kind, params, message):
    with kb.session() as session, pytest.raises(UserInputError, match=message):
        watches.add(session, kind, params)
    with kb.session() as session:
        assert session.exec(select(Watch)).all() == []


def test_an_unknown_entity_cannot_be_followed(kb):
    with kb.session() as session, pytest.raises(NotFound):
        watches.add(session, "entity", {"id": "no-such-entity"})


@pytest.mark.parametrize(
    "notify",
    [{"webhook": "javascript:alert(1)"}, {"webhook": "file:///etc/passwd"}, {"email": ["a@b.org\r\nBcc: x@y.org"]}],
)
def test_alert_targets_are_checked(demo_kb, notify):
    with demo_kb.session() as session, pytest.raises(UserInputError):
        watches.add(session, "entity", {"id": "nvidia"}, notify=notify)


def test_find_returns_the_watch_that_already_follows_the_same_thing(demo_kb):
    with demo_kb.session() as session:
        made = watches.add(session, "search", {"q": "H20", "kind": ["news"]})
        assert watches.find(session, "search", {"q": "H20", "kind": "news", "page": "2"}).id == made.id
        assert watches.find(session, "search", {"q": "H20"}) is None
        assert watches.find(session, "timeline", {"kind": "news"}) is None


def test_items_of_an_entity_are_its_documents_and_events(demo_kb):
    with demo_kb.session() as session:
        watch = watches.add(session, "entity", {"id": "openai"})
        found = watches.items(demo_kb, session, watch)
    kinds = {i.kind for i in found}
    assert kinds == {"document", "event"}
    assert all(i.source_url is None or i.source_url.startswith("http") for i in found)
    assert [i.updated for i in found] == sorted((i.updated for i in found), reverse=True)
    assert len({i.key for i in found}) == len(found)


def test_a_poll_makes_items_new_until_they_are_seen(demo_kb, server):
    with demo_kb.session() as session:
        entity = watches.add(session, "entity", {"id": "nvidia"})
        search = watches.add(session, "search", {"q": "H20"})
        other = watches.add(session, "search", {"q": "Huawei"})
        assert [watches.new_count(demo_kb, session, w) for w in (entity, search, other)] == [0, 0, 0]
    poll_new_feed(
        demo_kb,
        server,
        ("n1", "Nvidia resumes H20 shipments", "Nvidia said licences for the H20 were granted."),
        ("n2", "Weather report", "Nothing about chips."),
    )
    with demo_kb.session() as session:
        new = watches.new_items(demo_kb, session, entity)
        assert [i.title for i in new if i.kind == "document"] == ["Nvidia resumes H20 shipments"]
        assert [i.title for i in watches.new_items(demo_kb, session, search)] == ["Nvidia resumes H20 shipments"]
        assert watches.new_count(demo_kb, session, other) == 0
        watches.mark_seen(session, entity.id)
        assert watches.new_count(demo_kb, session, watches.get(session, entity.id)) == 0
        assert watches.new_count(demo_kb, session, search) == 1  # each watch is seen on its own


def test_a_changed_event_is_new_again_in_a_timeline_watch(demo_kb):
    with demo_kb.session() as session:
        watch = watches.add(session, "timeline", {"kind": ["rule"]})
        assert watches.new_count(demo_kb, session, watch) == 0
        event = session.exec(select(Event).where(col(Event.kind).in_(RULE_KINDS))).first()
        assert event is not None
        event.status, event.updated_at = "rescinded", utcnow() + timedelta(seconds=1)
        session.add(event)
        session.commit()
        new = watches.new_items(demo_kb, session, watch)
    assert [i.key for i in new] == [f"event:{event.id}"]
    assert "rescinded" in new[0].label


def test_cli_add_list_show_remove(demo_kb, capsys, server):
    code, out, _ = cli(capsys, "watch", "add", "entity", "nvidia")
    assert code == 0 and "added watch 1: Nvidia" in out and "/feeds/watch/1.atom" in out
    code, out, _ = cli(capsys, "watch", "add", "entity", "nvidia")
    assert code == 0 and "already followed: watch 1" in out
    code, _, err = cli(capsys, "watch", "add", "search", "x", "--status", "final")
    assert code == 1 and "does not take --status" in err
    code, _, err = cli(capsys, "watch", "add", "timeline", "words")
    assert code == 1 and "takes filters" in err
    poll_new_feed(demo_kb, server, ("n1", "Nvidia opens a new office", "Nvidia grows."))
    code, out, _ = cli(capsys, "watch", "list")
    assert code == 0 and "entity" in out and "1 new" in out
    code, out, _ = cli(capsys, "watch", "list", "--json")
    assert json.loads(out)[0]["new"] == 1
    code, out, _ = cli(capsys, "watch", "show", "1", "--keep-unseen", "--json")
    assert [i["title"] for i in json.loads(out)["items"]] == ["Nvidia opens a new office"]
    code, out, _ = cli(capsys, "watch", "show", "1")
    assert code == 0 and "(1 new since" in out and "Nvidia opens a new office" in out
    code, out, _ = cli(capsys, "watch", "show", "1")
    assert code == 0 and "(0 new since" in out  # shown once, then seen
    code, out, _ = cli(capsys, "watch", "remove", "1")
    assert code == 0
    code, _, err = cli(capsys, "watch", "show", "1")
    assert code == 1 and "no watch 1" in err


def test_kb_poll_sends_the_alerts_of_what_it_stored(loaded_kb, capsys, server):
    from tests.test_alerts import Receiver

    kb = loaded_kb  # the registry and the curated timeline are loaded already, as after a first poll (conftest)
    hook = Receiver()
    try:
        with kb.session() as session:
            watches.add(session, "search", {"q": "H20"}, notify={"webhook": hook.url})
        url = server.add("/f.xml", rss(("r1", "H20 licences granted", "Nvidia H20 exports resume.")))
        code, out, _ = cli(capsys, "sources", "add", url, "--no-poll")
        assert code == 0
        code, out, _ = cli(capsys, "poll")
        assert code == 0 and "1 alerts sent (1 items)" in out
        assert [i["title"] for i in hook.posts[0][0]["items"]] == ["H20 licences granted"]
        code, out, _ = cli(capsys, "poll", "--all")  # nothing new: no alert, no line about alerts
        assert code == 0 and "alerts" not in out and len(hook.posts) == 1
    finally:
        hook.close()


def test_the_same_view_finds_the_same_watch_whatever_the_slug_case(demo_kb):
    with demo_kb.session() as session:
        made = watches.add(session, "search", {"q": "H20", "entity": ["Nvidia"]})
        assert made.filters == {"entity": ["nvidia"]}  # as the index keeps entity slugs
        assert watches.find(session, "search", {"q": "H20", "entity": ["NVIDIA"]}).id == made.id
        assert watches.find(session, "entity", {"id": "no-such-entity"}) is None


def test_update_renames_and_a_new_alert_target_forgets_old_failures(demo_kb):
    with demo_kb.session() as session:
        made = watches.add(session, "entity", {"id": "nvidia"}, notify={"webhook": "https://a.example.org/h"})
        made.alert_error, made.alert_failures = "webhook: HTTP 500", 3
        session.add(made)
        session.commit()
        same = watches.update(session, made.id, name=" Chips ", notify={"webhook": "https://a.example.org/h"})
        assert (same.name, same.alert_failures) == ("Chips", 3)
        moved = watches.update(session, made.id, notify={"webhook": "https://b.example.org/h"})
        assert (moved.alert_error, moved.alert_failures) == (None, 0)
        with pytest.raises(UserInputError):
            watches.update(session, made.id, name="  ")
