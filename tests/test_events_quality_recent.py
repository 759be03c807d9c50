"""Failure classes the halves from dev17 on showed, each on short reports of our own."""

from __future__ import annotations

from datetime import date

from tests.test_events_quality import _kinds_and_labels


def test_a_headline_under_a_dateline_is_of_the_day_the_report_tells_first():
    text = (
        "Client Alert | March 6, 2024\n"
        "Commerce Tightens Chip Rules and Adds Nine Firms to the Entity List\n"
        "On Monday, March 4, 2024, BIS issued a rule that widens its chip controls. Exporters should re-screen."
    )
    assert _kinds_and_labels(text, date(2024, 3, 6)) == {
        ("rule_published", "2024-03-04"),
        ("entity_listed", "2024-03-04"),
    }


def test_a_headline_under_a_dateline_keeps_the_day_when_the_report_tells_that_day():
    text = (
        "Thursday, April 8, 2021\n"
        "Commerce Adds Seven Chinese Supercomputing Entities to the Entity List\n"
        "Today BIS added seven entities to the Entity List. On March 29, 2021, BIS added five others to the Entity List."
    )
    found = _kinds_and_labels(text, date(2021, 4, 8))
    assert ("entity_listed", "2021-04-08") in found
    assert ("entity_listed", "2021-03-29") in found
