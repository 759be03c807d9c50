"""Timeline queries, rules as of a day, deadlines, exports and the `kb timeline` command, on the demo corpus."""

from __future__ import annotations

import csv
import io
import json
import shutil
from datetime import date

import pytest
from click.testing import CliRunner
from icalendar import Calendar
from sqlalchemy import func
from sqlmodel import select

from kb import settings
from kb.context import open_kb
from kb.csv_safe import safe_cell
from kb.errors import NotFound, UserInputError
from kb.events import KIND_GROUPS
from kb.models import Document
from kb.timeline import (
    TimelineQuery,
    all_events,
    deadlines_ics,
    events_csv,
    rules_as_of,
    rules_csv,
    timeline,
    upcoming_deadlines,
)
from kb.timeline_cli import timeline as timeline_command


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory, demo_template):
    """KB_HOME with the demo corpus for the module: one copy of the run's demo template (`kb demo`'s store)."""
    home = tmp_path_factory.mktemp("demo") / "kbhome"
    shutil.copytree(demo_template, home, symlinks=True)  # the index is a relative link to its generation
    kb = open_kb(settings.load({"KB_HOME": str(home)}))
    with kb.session() as session:
        assert session.exec(select(func.count()).select_from(Document)).one() == 61
    kb.engine.dispose()
    return home


@pytest.fixture
def demo(demo_home, monkeypatch):
    monkeypatch.setenv("KB_HOME", str(demo_home))
    for name in ("KB_DATABASE_URL", "KB_INDEX_DIR"):
        monkeypatch.delenv(name, raising=False)
    kb = open_kb(settings.load())
    with kb.session() as session:
        yield session
    kb.engine.dispose()


def _run(*args: str):
    result = CliRunner().invoke(timeline_command, list(args), catch_exceptions=True)
    return result


# ---- the acceptance checks ---------------------------------------------------------


def test_openai_timeline_shows_the_notice_and_the_cut_off_with_their_reports(demo):
    page = timeline(demo, TimelineQuery(entities=("openai",), limit=50))
    by_key = {e.key: e for e in page.events}
    notice = by_key["2024-06-25-openai-unsupported-regions-notice"]
    cut_off = by_key["2024-07-09-openai-blocks-api-unsupported-regions"]
    assert (notice.date, notice.kind) == (date(2024, 6, 25), "statement")
    assert (cut_off.date, cut_off.kind) == (date(2024, 7, 9), "service_restricted")
    for event in (notice, cut_off):
        assert event.reports and all(r.document_id and r.title and r.sentence for r in event.reports)
        assert event.sources[0].startswith("https://")
        assert ("openai", "actor") in {(r.slug, r.role) for r in event.entities}
    assert any("July 9" in r.sentence or "7月9日" in r.sentence for r in cut_off.reports)
    assert {r.title for r in notice.reports} >= {
        "OpenAI confirms plan to block API traffic from countries it does not support"
    }
    # newest first, and the cut-off is not duplicated by its reports
    assert [e.date for e in page.events] == sorted((e.date for e in page.events), reverse=True)
    assert sum(e.kind == "service_restricted" and e.date == date(2024, 7, 9) for e in page.events) == 1


def test_ai_diffusion_framework_as_of_two_days(demo):
    before = {s.rule: s for s in rules_as_of(demo, date(2025, 3, 1), kinds=["rule"])}
    state = before["ai-diffusion-framework"]
    assert (state.status, state.label) == ("pending_compliance", "in force, pending compliance")
    assert state.name == "Framework for Artificial Intelligence Diffusion"
    assert state.next_deadline and state.next_deadline.date == date(2025, 5, 15)
    after = {s.rule: s for s in rules_as_of(demo, date(2025, 6, 1), kinds=["rule"])}
    assert after["ai-diffusion-framework"].status == "rescinded"
    assert after["ai-diffusion-framework"].since == date(2025, 5, 13)
    assert "ai-diffusion-framework" not in {s.rule for s in rules_as_of(demo, date(2025, 1, 1))}


def test_cli_timeline_for_openai(demo):
    result = _run("--entity", "openai")
    assert result.exit_code == 0, result.output
    assert "2024-07-09  service_restricted" in result.output and "2024-06-25  statement" in result.output
    assert "reports (" in result.output


def test_cli_rule_view_lists_the_regulatory_actions_that_touched_h20(demo):
    """`kb timeline --entity h20 --kind rule`: license requirements are regulatory actions (issue 13)."""
    result = _run("--entity", "h20", "--kind", "rule", "--json")
    assert result.exit_code == 0, result.output
    events = json.loads(result.output)["events"]
    assert "2025-04-09-nvidia-h20-license-required" in {e["key"] for e in events}
    assert all(e["kind"] in KIND_GROUPS["rule"] for e in events)


@pytest.mark.parametrize("day, label", [("2025-03-01", "in force, pending compliance"), ("2025-06-01", "rescinded")])
def test_cli_as_of(demo, day, label):
    result = _run("--as-of", day, "--kind", "rule")
    assert result.exit_code == 0, result.output
    line = next(line for line in result.output.splitlines() if line.startswith("ai-diffusion-framework"))
    assert label in line


# ---- queries ---------------------------------------------------------------------------------


def test_filters_order_and_paging(demo):
    oldest = timeline(
        demo,
        TimelineQuery(
            kinds=("rule",),
            jurisdiction="us",
            since=date(2024, 1, 1),
            until=date(2025, 12, 31),
            order="oldest",
            limit=5,
        ),
    )
    assert oldest.total > 5 and oldest.pages == -(-oldest.total // 5)
    regulatory = ("rule_", "comment_", "compliance_", "license_required", "entity_listed")
    assert all(e.kind.startswith(regulatory) for e in oldest.events)
    assert all(e.jurisdiction == "US" and date(2024, 1, 1) <= e.date <= date(2025, 12, 31) for e in oldest.events)
    assert [e.date for e in oldest.events] == sorted(e.date for e in oldest.events)
    second = timeline(
        demo,
        TimelineQuery(
            kinds=("rule",),
            jurisdiction="US",
            since=date(2024, 1, 1),
            until=date(2025, 12, 31),
            order="oldest",
            limit=5,
            page=2,
        ),
    )
    assert not {e.id for e in second.events} & {e.id for e in oldest.events}
    rescinded = timeline(demo, TimelineQuery(status="rescinded", limit=50)).events
    assert {e.rule for e in rescinded} >= {"ai-diffusion-framework", "eo-14110"}
    in_force = timeline(demo, TimelineQuery(status="in_force", limit=100)).events
    assert {e.status for e in in_force} == {"in_force", "pending_compliance"}


def test_entity_filter_follows_rule_ids_and_refuses_unknown_names(demo):
    events = timeline(demo, TimelineQuery(entities=("ai-diffusion-framework",), order="oldest", limit=50)).events
    assert [e.kind for e in events][:2] == ["rule_published", "rule_effective"]
    assert all(
        e.rule == "ai-diffusion-framework" or "ai-diffusion-framework" in {r.slug for r in e.entities} for e in events
    )
    with pytest.raises(NotFound):
        timeline(demo, TimelineQuery(entities=("no-such-thing",)))


@pytest.mark.parametrize(
    "query, message",
    [
        (TimelineQuery(kinds=("bogus",)), "unknown event kind 'bogus'"),
        (TimelineQuery(since=date(2025, 1, 2), until=date(2025, 1, 1)), "is after until"),
        (TimelineQuery(status="alive"), "unknown status 'alive'"),
        (TimelineQuery(order="random"), "order must be"),
    ],
)
def test_bad_queries_are_user_errors(demo, query, message):
    with pytest.raises(UserInputError, match=message):
        timeline(demo, query)


def test_upcoming_deadlines_leave_out_rescinded_rules(demo):
    soon = upcoming_deadlines(demo, date(2025, 5, 14), until=date(2025, 12, 31))
    assert soon and all(e.kind in ("comment_deadline", "compliance_date", "rule_effective") for e in soon)
    assert all(e.date >= date(2025, 5, 14) for e in soon)
    assert "ai-diffusion-framework" not in {e.rule for e in soon}  # rescinded on May 13
    moot = upcoming_deadlines(demo, date(2025, 5, 14), until=date(2025, 5, 31), include_moot=True)
    assert {(e.date, e.rule) for e in moot} >= {(date(2025, 5, 15), "ai-diffusion-framework")}
    earlier = upcoming_deadlines(demo, date(2025, 3, 1), until=date(2025, 5, 31))
    assert (date(2025, 5, 15), "ai-diffusion-framework") in {(e.date, e.rule) for e in earlier}


# ---- exports ---------------------------------------------------------------------------------


def test_csv_export_parses_back(demo):
    events = all_events(demo, TimelineQuery(entities=("openai",)))
    rows = list(csv.DictReader(io.StringIO(events_csv(events))))
    assert len(rows) == len(events) and rows[0]["key"] == events[0].key
    cut_off = next(r for r in rows if r["key"] == "2024-07-09-openai-blocks-api-unsupported-regions")
    assert cut_off["date"] == "2024-07-09" and "openai:actor" in cut_off["entities"] and int(cut_off["reports"]) >= 2
    states = rules_as_of(demo, date(2025, 3, 1))
    rule_rows = list(csv.DictReader(io.StringIO(rules_csv(states))))
    assert {r["rule"]: r["status"] for r in rule_rows}["ai-diffusion-framework"] == "pending_compliance"


def test_csv_cells_cannot_run_as_formulas(demo):
    [event] = all_events(demo, TimelineQuery(entities=("openai",), limit=1))[:1]
    event.title = '=HYPERLINK("http://evil")'
    assert "'=HYPERLINK" in events_csv([event])


@pytest.mark.parametrize(
    ("value", "cell"),
    [(None, ""), (3, "3"), (-1, "'-1"), ("=1+1", "'=1+1"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("a=b", "a=b")],
)
def test_safe_cell_quotes_what_a_spreadsheet_would_run(value, cell):
    assert safe_cell(value) == cell


def test_ics_export_of_deadlines_parses_back(demo):
    events = all_events(demo, TimelineQuery(kinds=("deadline",), since=date(2025, 1, 1), until=date(2025, 12, 31)))
    calendar = Calendar.from_ical(deadlines_ics(events))
    items = calendar.walk("VEVENT")
    assert len(items) == len(events) > 0
    uids = {str(i["UID"]) for i in items}
    assert "2025-05-15-ai-diffusion-comment-deadline@ai-policy-kb" in uids
    first = next(i for i in items if str(i["UID"]).startswith("2025-05-15-ai-diffusion-comment-deadline"))
    assert first.decoded("DTSTART") == date(2025, 5, 15) and first.decoded("DTEND") == date(2025, 5, 16)
    assert str(first["SUMMARY"]).startswith("Comments due: ")
    assert calendar["PRODID"] and all(i.get("DTSTAMP") for i in items)
    others = all_events(demo, TimelineQuery(kinds=("statement",), limit=5))
    assert Calendar.from_ical(deadlines_ics(others)).walk("VEVENT") == []  # only deadlines go in


def test_cli_exports_and_json(demo, tmp_path):
    csv_path, ics_path = tmp_path / "openai.csv", tmp_path / "deadlines.ics"
    result = _run("--entity", "openai", "--csv", str(csv_path), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["total"] == len(list(csv.DictReader(csv_path.open()))) and data["events"][0]["reports"] is not None
    result = _run("--as-of", "2025-03-01", "--ics", str(ics_path), "--json")
    assert result.exit_code == 0, result.output
    rules = {r["rule"]: r for r in json.loads(result.stdout)["rules"]}
    assert rules["ai-diffusion-framework"]["label"] == "in force, pending compliance"
    deadlines = Calendar.from_ical(ics_path.read_bytes()).walk("VEVENT")
    assert deadlines and all(i.decoded("DTSTART") > date(2025, 3, 1) for i in deadlines)


def test_cli_upcoming(demo):
    result = _run("--upcoming", "--since", "2025-05-14", "--until", "2025-12-31", "--limit", "50")
    assert result.exit_code == 0, result.output
    assert "upcoming deadlines" in result.output and "Comment deadline for the AI Diffusion rule" not in result.output


@pytest.mark.parametrize(
    "args, message",
    [
        (["--since", "yesterday"], "is not a date in the form YYYY-MM-DD"),
        (["--kind", "nonsense"], "unknown event kind"),
        (["--as-of", "2025-01-01", "--upcoming"], "do not go together"),
        (["--entity", "nobody-at-all"], "no entity or rule lifecycle"),
    ],
)
def test_cli_user_mistakes_are_clear(demo, args, message):
    result = _run(*args)
    assert result.exit_code != 0
    assert message in (result.output + str(result.exception or ""))


def test_kb_timeline_ics_has_the_apps_short_titles_and_links(demo_kb, tmp_path, capsys, monkeypatch):
    """The CLI's calendar is the app's: short titles, the event's page in the app, its primary sources."""
    from icalendar import Calendar

    from kb.cli import main

    monkeypatch.setenv("KB_PUBLIC_URL", "https://kb.example.org")
    path = tmp_path / "deadlines.ics"
    assert main(["timeline", "--upcoming", "--since", "2025-01-01", "--until", "2025-12-31", "--ics", str(path)]) == 0
    entries = Calendar.from_ical(path.read_bytes()).walk("VEVENT")
    assert entries
    assert all(len(str(e["SUMMARY"])) <= 80 for e in entries)
    assert all(str(e["URL"]).startswith("https://kb.example.org/timeline?") for e in entries)
    assert any("http" in str(e.get("DESCRIPTION", "")) for e in entries)
