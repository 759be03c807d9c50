"""Failure classes the ninth development half (dev9) showed, each on short reports of our own."""

from __future__ import annotations

from datetime import date

import pytest

from tests.test_events_quality import _kinds_and_labels

# ---- rules named by a month ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "published", "expected"),
    [
        # a possessive before the month: the most recent such month, at month precision
        (
            "Lawmakers in Seoul urged the government to match Washington's October restrictions on chipmaking tools.",
            date(2023, 6, 10),
            ("rule_published", "2022-10"),
        ),
        (
            "Officials said the tool makers had shipped little since Tokyo's March controls.",
            date(2021, 9, 8),
            ("rule_published", "2021-03"),
        ),
        # "that October" with the year told in the sentence before
        (
            "The company was first told in August 2021 that its fastest parts needed licences. It trimmed two of "
            "them to pass the rules of that October.",
            date(2024, 2, 20),
            ("rule_published", "2021-10"),
        ),
        (
            "Commerce tightened the direct product rule in March 2021. The memory maker was put on the Entity List "
            "that December.",
            date(2023, 2, 20),
            ("entity_listed", "2021-12"),
        ),
        # an amendment named by its month, beside a requirement of the rule's content
        (
            "The revised rule makes clear that a licence is required when the firm is a party, closing a gap left "
            "by the March 2021 amendment.",
            date(2021, 9, 1),
            ("rule_published", "2021-03"),
        ),
    ],
)
def test_a_rule_named_by_its_month(text, published, expected):
    assert expected in _kinds_and_labels(text, published)


@pytest.mark.parametrize(
    ("text", "published", "expected"),
    [
        # "rewrote" and "amended" a rule are its publication; the act "and widened it in <month>" continues
        (
            "Huawei was put on the Entity List in May 2019, and when that failed, the agency rewrote the direct product "
            "rule in March 2021 and widened it in June 2021.",
            date(2022, 2, 20),
            {("entity_listed", "2019-05"), ("rule_published", "2021-03"), ("rule_published", "2021-06")},
        ),
        (
            "On 3 February 2022 the ministry amended its dual-use export rules to cover lithography software.",
            date(2022, 2, 10),
            {("rule_published", "2022-02-03")},
        ),
    ],
)
def test_a_rule_rewritten_or_amended_is_published(text, published, expected):
    assert _kinds_and_labels(text, published) == expected


# ---- a wire story's dateline --------------------------------------------------------------------


@pytest.mark.parametrize("head", ["SEOUL (Wire) - ", "SEOUL, Oct. 21 (Newsdesk) - ", "SEOUL - ", "SEOUL, Oct. 21 - "])
def test_a_country_after_a_dateline_speaks_through_its_government(head):
    """A country at the head of the sentence is its government whatever the dateline before it: its telling
    that permits will be required publishes the rule, no statement."""
    assert _kinds_and_labels(
        head + "South Korea said on Friday it will require export permits for some magnet products from Dec. 1.",
        date(2023, 10, 21),
    ) == {("rule_published", "2023-10-20"), ("rule_effective", "2023-12-01")}


# ---- verbs of a rule's publication --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "published", "expected"),
    [
        # the British spelling, as wire stories from London or Tokyo write it
        (
            "Korea on Tuesday finalised export restrictions on 12 types of chipmaking equipment.",
            date(2023, 5, 24),
            {("rule_published", "2023-05-23")},
        ),
        # a word of law with no rule noun after it; the rule's content after it is no requirement of that day
        (
            "The trade ministry promulgated the changes on 12 May, after a period of public comment. Exports of "
            "the listed tools now require an individual licence.",
            date(2023, 7, 24),
            {("rule_published", "2023-05-12")},
        ),
    ],
)
def test_a_rule_finalised_or_promulgated_is_published(text, published, expected):
    assert _kinds_and_labels(text, published) == expected


# ---- "a day earlier" ----------------------------------------------------------------------------


def test_a_company_informed_a_day_earlier_is_required_a_licence_that_day():
    """'a day earlier' counts back from the day told before; 'effective immediately' in the same letter is that
    day's requirement, no rule taking effect of the report's day."""
    assert _kinds_and_labels(
        "SEOUL (Wire) - Samsung said on Thursday that the rules now applied at once. In a regulatory filing, the "
        "company said the US government informed it a day earlier that licence requirements for shipments of its "
        "memory parts were effective immediately.",
        date(2024, 3, 8),
    ) == {("license_required", "2024-03-06")}


@pytest.mark.parametrize("when", ["two days earlier", "on May 7"])
def test_tariffs_announced_are_no_event(when):
    """'two days earlier' counts back from the day told as past, not from a day to come; tariffs fit no kind,
    nor does their announcement."""
    labels = _kinds_and_labels(
        "OTTAWA, May 9 - Canada hit back on Friday. It will levy a 20% tariff on steel from the United States "
        f"from May 20, matching the duty announced by the White House {when}.",
        date(2025, 5, 9),
    )
    assert not {kind for kind, _ in labels} & {"statement", "rule_published"}


# ---- a country as the subject after a time told first -------------------------------------------


@pytest.mark.parametrize(
    ("text", "published", "expected"),
    [
        (
            "In March 2022 Tokyo announced that exporters of the two metals would need licences.",
            None,
            {("rule_published", "2022-03")},
        ),
        (
            "Last week China said exporters of the tools would need licences from July 23.",
            date(2023, 5, 27),
            {("rule_published", "2023-05"), ("rule_effective", "2023-07-23")},
        ),
    ],
)
def test_a_country_telling_a_licence_requirement_after_a_fronted_time_publishes_a_rule(text, published, expected):
    assert _kinds_and_labels(text, published) == expected


# ---- acts told after a day no act took ------------------------------------------------------------


def test_two_acts_told_after_a_day_no_act_took_are_both_of_that_day():
    labels = _kinds_and_labels(
        "WASHINGTON (Wire) - The administration moved against the telecoms maker on two fronts on Tuesday. The "
        "president signed an executive order that lets agencies bar equipment from risky suppliers, and hours later "
        "the Commerce Department said it was placing ZTE on the Entity List.",
        date(2019, 5, 16),
    )
    assert labels >= {("executive_order", "2019-05-14"), ("entity_listed", "2019-05-14")}


def test_a_day_counted_for_the_clause_after_it_is_not_carried_to_the_next_sentence():
    """'two days before the first obligations were due' dates that clause, not the guidance told next."""
    labels = _kinds_and_labels(
        "On March 3, 2025, the agency announced that it would withdraw its chip rule, two days before the first "
        "obligations were due. In parallel, it published guidance that lists red flags of diversion and warns that "
        "some uses can trigger licence requirements.",
        date(2025, 3, 6),
    )
    assert not any(label == "2025-03-05" for _, label in labels)


# ---- a date that opens the next clause ----------------------------------------------------------


def test_a_date_after_comma_and_opens_the_next_clause():
    """'revoked it, and two days later he signed a new order': the revocation is of the day told before, the
    order (told without 'executive') of the day counted after it."""
    labels = _kinds_and_labels(
        "On March 4, his first week in office, the president revoked it, and two days later he signed a new order "
        "on chip research.",
        date(2029, 3, 20),
    )
    assert labels == {("rule_rescinded", "2029-03-04"), ("executive_order", "2029-03-06")}


# ---- a rule printed in the Federal Register, and the days told by the day before ----------------


def test_a_rule_printed_in_the_federal_register_yesterday():
    assert ("rule_published", "2022-10-13") in _kinds_and_labels(
        "The new rules, released by the agency last Friday and printed in the Federal Register yesterday, are "
        "sweeping.",
        date(2022, 10, 14),
    )


def test_in_effect_on_the_day_it_was_announced_and_printed_the_following_monday():
    """'on the day it was announced' is the announcement's day (no telling of its own); 'the following Monday' is
    the Monday after the day told before, not the last Monday before the report."""
    labels = _kinds_and_labels(
        "On March 3, 2021, the agency announced an amendment to the direct product rule. The interim final rule "
        "took effect on the day it was announced and was printed in the Federal Register the following Monday.",
        date(2021, 3, 19),
    )
    assert labels == {
        ("rule_published", "2021-03-03"),
        ("rule_effective", "2021-03-03"),
        ("rule_published", "2021-03-08"),
    }


@pytest.mark.parametrize(
    ("published", "expected"),
    [(date(2022, 10, 14), "2022-10-07"), (date(2022, 10, 17), "2022-10-07"), (date(2022, 10, 20), "2022-10-07")],
)
def test_a_week_ago_friday_is_the_friday_before_the_last(published, expected):
    labels = _kinds_and_labels("The agency released the new rule a week ago Friday.", published)
    assert labels == {("rule_published", expected)}


# ---- an act continued with its verb left out, or followed onto a list ---------------------------


def test_a_second_regulation_with_its_verb_left_out_before_a_month():
    """'took effect in July and the Thai regulation in September': a month alone is written with its preposition,
    which is part of the date, yet the act continues."""
    assert _kinds_and_labels(
        "Korea's equipment rules took effect in July and the Thai regulation in September.", date(2023, 11, 6)
    ) == {("rule_effective", "2023-07"), ("rule_effective", "2023-09")}


def test_a_company_that_followed_onto_the_list_was_listed():
    assert ("entity_listed", "2020-12") in _kinds_and_labels(
        "Huawei was listed in May 2019. Commerce rewrote the rule in May 2020. SMIC followed onto the list that "
        "December.",
        date(2023, 11, 6),
    )


@pytest.mark.parametrize(
    "text",
    [
        "Toolmakers must now apply for export licences to sell to the foundry, after the Commerce Department warned "
        "in letters dated last Friday that shipments risked being diverted, Reuters reported on Saturday.",
        # the letters' verb nearer the day than the requirement: a government's letters of licences are no statement
        "American tool and materials vendors must now apply for export licences to sell to Hua Hong Semiconductor "
        "Ltd., China's second foundry, after the Commerce Department warned in letters dated last Friday that "
        "shipments risked being diverted to military end use, Reuters reported on Saturday.",
    ],
)
def test_vendors_that_must_now_apply_for_licences_after_letters_of_a_day(text):
    """'must now apply for export licences': a requirement, dated by the letters, not by the news report."""
    assert _kinds_and_labels(text, date(2021, 6, 21)) == {("license_required", "2021-06-18")}


@pytest.mark.parametrize(
    "after",
    ["We expect further guidance and can help with applications.", "We will post again if our guidance changes."],
)
def test_an_expected_act_told_after_a_day_is_no_act_of_that_day(after):
    labels = _kinds_and_labels(
        "On the same Friday the agency renewed the temporary general licence for 90 days. " + after,
        date(2021, 3, 8),
    )
    assert "guidance_issued" not in {kind for kind, _ in labels}


# ---- effective upon publication in the Federal Register -----------------------------------------


def test_effective_upon_publication_with_no_day_told_is_no_event():
    """A day no act took ('In a separate notice' of the day before) is not the day of an effect told as 'upon
    publication in the Federal Register', whose day the report does not give (rule 9)."""
    assert _kinds_and_labels(
        "The agency today added 12 firms to the Entity List. In a separate notice, the agency is removing a number "
        "of parties from the Unverified List. The additions become effective upon publication in the Federal "
        "Register.",
        date(2022, 12, 15),
    ) == {("entity_listed", "2022-12-15")}


def test_measures_floated_as_a_draft_are_published():
    """A draft floated for public comment is the rule's first publication (as a proposal)."""
    assert _kinds_and_labels(
        "The ministry first floated the measures as a draft for public comment in February.", date(2024, 6, 4)
    ) == {("rule_published", "2024-02")}


def test_licences_for_items_needed_from_a_day_start_the_regime_then():
    assert _kinds_and_labels(
        "Buyers should note that licences for tungsten and bismuth items will be needed from August 1.",
        date(2023, 7, 24),
    ) == {("rule_effective", "2023-08-01")}
