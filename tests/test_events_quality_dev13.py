"""Failure classes the thirteenth development half (dev13) showed, each on short reports of our own."""

from __future__ import annotations

from datetime import date

from tests.test_events_quality import _kinds_and_labels


def test_a_source_told_with_from_does_not_make_a_past_day_planned():
    """'rules from the outgoing administration, led by the rule of January 13', in a December report: 'from' names
    where the rules came from, not when something starts, so January 13 is the one before the report, not after."""
    found = _kinds_and_labels(
        "The year began with a wave of rules from the departing administration, chief among them the AI Diffusion "
        "rule of January 13.",
        date(2025, 12, 22),
    )
    assert ("rule_published", "2025-01-13") in found and ("rule_published", "2026-01-13") not in found


def test_a_chinese_security_review_opened_is_a_probe_and_one_failed_is_its_sanction():
    """'网信办于3月31日宣布对美光在华销售产品实施网络安全审查' opens an investigation; '21日发布公告称…未通过网络安全审查'
    (the products failed it) is the sanction that ends it, not a rule published."""
    assert _kinds_and_labels("网信办于3月31日宣布对美光在华销售的产品实施网络安全审查。", date(2023, 5, 22)) == {
        ("investigation", "2023-03-31")
    }
    assert _kinds_and_labels(
        "国家互联网信息办公室21日发布公告称，美光公司在华销售的产品未通过网络安全审查。", date(2023, 5, 22)
    ) == {("retaliation", "2023-05-21")}
    assert ("retaliation", "2023-05-21") in _kinds_and_labels(
        "Micron's products failed a cybersecurity review, China's internet regulator said on Sunday.", date(2023, 5, 22)
    )


def test_a_year_that_names_a_rule_is_not_the_year_of_the_sentence_s_days():
    """'the October 17 rules, which closed gaps in the 2022 controls, and two weeks later, on October 30, ...' in a
    December 2023 review: October 17 and 30 are of 2023; '2022' names the older controls (a year-precision event)."""
    found = _kinds_and_labels(
        "Washington replied with the October 17 rules, which closed loopholes in the 2022 controls, and two weeks "
        "later, on October 30, President Biden signed Executive Order 14110.",
        date(2023, 12, 28),
    )
    assert {("rule_published", "2023-10-17"), ("executive_order", "2023-10-30"), ("rule_published", "2022")} <= found
    assert not any(label.startswith("2022-10") for _, label in found)


def test_the_same_day_opening_a_sentence_that_goes_on_to_a_later_day():
    """'On March 31 Japan released draft rules. The same day, the CAC opened a review of Micron, and on May 21 it
    ...': the review is of March 31, the day 'the same day' opens its clause with; May 21 belongs to the next clause."""
    found = _kinds_and_labels(
        "On March 31 Japan published draft rules on 23 kinds of chipmaking tools. The same day, the Cyberspace "
        "Administration of China opened a cybersecurity review of Micron, and on May 21 it barred operators of "
        "critical infrastructure from buying its chips.",
        date(2023, 12, 28),
    )
    assert ("investigation", "2023-03-31") in found
