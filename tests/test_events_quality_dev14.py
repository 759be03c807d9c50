"""Failure classes the fourteenth development half (dev14) showed, each on short reports of our own."""

from __future__ import annotations

from datetime import date

import pytest

from tests.test_events_quality import _kinds_and_labels


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Beijing announced licensing of gallium and germanium on July 3, 2023, to apply from August 1.",
            ("rule_effective", "2023-08-01"),
        ),
        (
            "Antimony was brought into the regime on August 15, 2024, with effect from September 15.",
            ("rule_effective", "2024-09-15"),
        ),
        (
            "Beijing announced the ban on December 3, 2024, and said stricter graphite licensing would apply from "
            "January 5.",
            ("rule_effective", "2025-01-05"),
        ),
    ],
)
def test_a_day_without_a_year_after_a_full_date_is_of_that_date_s_year(text, expected):
    """In a June 2025 look back, 'on July 3, 2023, to apply from August 1' is August 1, 2023, not the August to
    come; a day half a year or more before the full date told first is of the year after it."""
    assert expected in _kinds_and_labels(text, date(2025, 6, 10))


def test_a_day_a_little_before_a_full_date_keeps_its_year():
    """'In a filing on April 15, 2025, Nvidia said the government informed it on April 9': April 9, 2025."""
    found = _kinds_and_labels(
        "In a filing on April 15, 2025, Nvidia said the US government informed it on April 9 that a licence is "
        "required to export its H20 chips to China.",
        date(2025, 4, 18),
    )
    assert ("license_required", "2025-04-09") in found


def test_minerals_put_under_licence_are_a_rule_published():
    assert ("rule_published", "2025-02-04") in _kinds_and_labels(
        "Tungsten, bismuth and indium were put under licence on February 4, 2025.", date(2025, 6, 10)
    )


def test_a_president_revoking_that_order_signs_one():
    """'Trump revoked that order on January 20, 2025': the revocation is an order signed that day (the curated
    timeline's convention, EO 14148), whatever words name the order revoked."""
    found = _kinds_and_labels(
        "Joe Biden signed Executive Order 14110 in October 2023. Trump revoked that order on January 20, 2025, and "
        "three days later signed Executive Order 14179.",
        date(2025, 8, 4),
    )
    assert {("executive_order", "2025-01-20"), ("executive_order", "2025-01-23")} <= found
    assert ("rule_rescinded", "2025-01-20") not in found


def test_a_plan_released_is_a_statement_not_a_rule():
    """'America's AI Action Plan was released on July 23': a plan set out (a statement), as the curated timeline
    has it; a list or programme that is published stays a rule."""
    assert _kinds_and_labels("America's AI Action Plan was released on July 23.", date(2025, 8, 4)) == {
        ("statement", "2025-07-23")
    }


def test_the_same_day_a_president_signed_an_order():
    """'released on July 23, the same day the president signed an order to promote exports': an order signed that
    day ('signed an order', not only 'signed a new order')."""
    assert ("executive_order", "2025-07-23") in _kinds_and_labels(
        "The plan was released on July 23, the same day the president signed an order to promote AI exports.",
        date(2025, 8, 4),
    )


def test_a_publication_is_not_dated_by_the_start_day_of_what_it_publishes():
    """'Last Friday the Dutch government published the regulation that will, from September 1, oblige ASML to seek
    a licence': published last Friday; September 1 is when it applies."""
    found = _kinds_and_labels(
        "Last Friday the Dutch government published the regulation that will, from September 1, oblige ASML to seek "
        "a licence.",
        date(2023, 7, 5),
    )
    assert ("rule_published", "2023-06-30") in found and ("rule_published", "2023-09-01") not in found


@pytest.mark.parametrize(
    "text",
    [
        "China's top legislature on Saturday passed the Export Control Law, which takes effect on 1 December.",
        "新华社北京10月17日电 全国人大常委会17日表决通过《中华人民共和国出口管制法》。",
    ],
)
def test_a_law_passed_by_the_legislature_is_published(text):
    assert ("rule_published", "2020-10-17") in _kinds_and_labels(text, date(2020, 10, 18))


def test_the_provisions_that_set_up_the_unreliable_entity_list_are_a_rule_and_a_listing_under_them_retaliates():
    assert _kinds_and_labels(
        "A month earlier, on 19 September, MOFCOM issued its Provisions on the Unreliable Entity List.",
        date(2020, 10, 18),
    ) == {("rule_published", "2020-09-19")}
    assert ("retaliation", "2025-02-04") in _kinds_and_labels(
        "In accordance with the Provisions on the Unreliable Entity List, the working mechanism decided today to "
        "include the two US companies in the list.",
        date(2025, 2, 4),
    )


def test_a_provider_disabling_access_restricts_its_service():
    assert _kinds_and_labels("On March 31 we disabled access to ChatGPT for users in Italy.", date(2023, 4, 28)) == {
        ("service_restricted", "2023-03-31")
    }


def test_a_provider_making_a_service_available():
    assert _kinds_and_labels(
        "Today we are making Azure OpenAI Service generally available to more businesses.", date(2023, 1, 16)
    ) == {("service_available", "2023-01-16")}


def test_a_listing_that_takes_effect_on_a_weekday_takes_effect_on_the_next_one():
    """In a Tuesday report, 'The listing takes effect on Wednesday' is the Wednesday to come, not the one before."""
    found = _kinds_and_labels(
        "The Commerce Department said on Monday that the companies would be added to its Entity List. The listing "
        "takes effect on Wednesday.",
        date(2019, 10, 8),
    )
    assert ("rule_effective", "2019-10-09") in found and ("rule_effective", "2019-10-02") not in found


def test_a_prohibition_that_begins_on_a_day_takes_effect_then():
    assert ("rule_effective", "2021-01-11") in _kinds_and_labels(
        "The order bars US persons from buying such securities; the prohibition begins on January 11, 2021.",
        date(2020, 12, 22),
    )


def test_a_month_after_a_month_and_year_in_the_sentence_is_of_that_year():
    """'Japan began enforcing its controls in July 2023 and the Netherlands followed in September', told in October
    2024: September 2023; a year told with the month ('since September this year') or a rule's name ('The October
    2022 controls ... in July') is no such year."""
    found = _kinds_and_labels(
        "Japan began enforcing its own equipment controls in July 2023 and the Netherlands followed in September.",
        date(2024, 10, 7),
    )
    assert {("rule_effective", "2023-07"), ("rule_effective", "2023-09")} <= found
    assert ("rule_effective", "2024-09") not in found


@pytest.mark.parametrize(
    "text",
    [
        "BIS on Monday published the first Military End-User List, naming 103 parties.",
        "On Monday BIS added 103 parties to the Military End-User List.",
    ],
)
def test_parties_put_on_the_military_end_user_list_are_listed(text):
    assert _kinds_and_labels(text, date(2020, 12, 22)) == {("entity_listed", "2020-12-21")}


def test_a_count_that_is_no_count_gives_no_date():
    """'less than three months after Congress passed the Act': no month of its own."""
    assert (
        _kinds_and_labels(
            "The listing comes less than three months after Congress passed the Export Control Reform Act.",
            date(2018, 10, 29),
        )
        == set()
    )


def test_an_addition_to_the_same_list_in_a_month():
    assert ("entity_listed", "2019-05") in _kinds_and_labels(
        "It follows the addition of Huawei Technologies to the same list in May.", date(2019, 10, 8)
    )


def test_compliance_due_from_a_day_is_a_compliance_date():
    assert _kinds_and_labels(
        "Compliance with most requirements of the AI Diffusion rule is due from May 15.", date(2025, 1, 17)
    ) == {("compliance_date", "2025-05-15")}


def test_the_same_day_that_another_act_came_with_a_day_counted_back():
    """'The announcement came on the same day that BIS released its foundry rule, two days after the AI Diffusion
    rule': the release is of the announcement's day; a day counted back is no day told in the sentence."""
    found = _kinds_and_labels(
        "The Dutch government said on Wednesday that it is widening its licence requirement. The announcement came on "
        "the same day that BIS released its foundry due diligence rule, two days after the AI Diffusion rule.",
        date(2025, 1, 16),
    )
    assert found == {("rule_published", "2025-01-15")}


def test_a_regulation_published_on_a_day_and_putting_tools_under_a_national_licence_from_another():
    found = _kinds_and_labels(
        "The original regulation, published on June 30, 2023, put ASML's scanners under a national licence from "
        "September 1 of that year.",
        date(2025, 1, 16),
    )
    assert found == {("rule_published", "2023-06-30"), ("rule_effective", "2023-09-01")}


def test_the_last_day_of_a_month_told_with_a_plan_is_the_nearest_such_month():
    """'published on the last day of June, takes effect on Sept. 1', told on July 1, 2023: June 2023, not 2024."""
    found = _kinds_and_labels(
        "The regulation, published by the Dutch government on the last day of June, takes effect on Sept. 1.",
        date(2023, 7, 1),
    )
    assert ("rule_published", "2023-06") in found and ("rule_effective", "2023-09-01") in found


def test_a_year_heading_on_an_undated_page_dates_the_days_and_months_under_it():
    """An undated history with year headings ('2020. ... In August it widened the rule'; '2025. On 13 May it
    rescinded ...'): the heading makes the year clear (the corpus's rule 5); without it nothing is guessed."""
    found = _kinds_and_labels(
        "2020. In May 2020 BIS amended the foreign direct product rule. In August it widened the rule. 2025. On 13 "
        "May BIS rescinded the AI Diffusion rule.",
        None,
    )
    assert {("rule_published", "2020-08"), ("rule_rescinded", "2025-05-13")} <= found
    assert _kinds_and_labels("On 13 May BIS rescinded the AI Diffusion rule.", None) == set()


def test_what_a_named_rule_makes_companies_do_is_that_rule():
    """'The Commerce Department on Wednesday ordered foundries to vet their customers. Under the foundry due
    diligence rule, manufacturers must presume that such chips need a licence': the rule published that day, not
    a licence requirement of its own (nor one joined to the day's Entity List additions)."""
    found = _kinds_and_labels(
        "The Commerce Department on Wednesday ordered chip foundries to vet their customers more closely. Under the "
        "foundry due diligence rule, contract manufacturers must presume that advanced logic chips need a licence.",
        date(2025, 1, 15),
    )
    assert found == {("rule_published", "2025-01-15")}


def test_an_act_that_came_alongside_a_rule_dates_the_rule():
    found = _kinds_and_labels(
        "The listing was part of a Wednesday action that also named Zhipu AI. It came alongside the foundry "
        "due-diligence rule, which makes foundries check who designs their chips.",
        date(2025, 1, 17),
    )
    assert ("rule_published", "2025-01-15") in found


def test_a_month_that_owns_a_requirement_dates_it():
    """'from April's licence requirement to the July decision': the requirement is April's (and 'from ... to' is a
    span, no start day)."""
    assert ("license_required", "2025-04") in _kinds_and_labels(
        "The H20 story followed the same pattern, from April's licence requirement to the July decision to let sales "
        "resume.",
        date(2025, 12, 15),
    )


def test_a_month_a_company_s_telling_is_dated_by_dates_the_requirement_it_tells():
    assert _kinds_and_labels(
        "Nvidia said in April that the government had told it the H20 needs a licence.", date(2025, 4, 20)
    ) == {("license_required", "2025-04")}


def test_measures_detailed_after_a_summary_of_them_are_of_its_day():
    """'China hit back on Tuesday with a volley of measures. The ministry put export controls on tungsten, effective
    immediately. ... Separately, the regulator said it had opened an investigation into Google': each measure is of
    Tuesday, and controls put on 'effective immediately' are both published and in force that day."""
    found = _kinds_and_labels(
        "BEIJING, Feb 4 - China hit back at new U.S. tariffs on Tuesday with a volley of measures of its own. The "
        "Ministry of Commerce put export controls on tungsten and bismuth products, effective immediately. "
        "Separately, the State Administration for Market Regulation said it had opened an investigation into Google.",
        date(2025, 2, 4),
    )
    assert {
        ("rule_published", "2025-02-04"),
        ("rule_effective", "2025-02-04"),
        ("investigation", "2025-02-04"),
    } <= found


def test_a_chinese_summary_of_countermeasures_dates_the_announcement_told_after_it():
    found = _kinds_and_labels(
        "2月4日，中方连续出台多项反制措施。商务部、海关总署发布公告，决定对钨、碲、铋相关物项实施出口管制。",
        date(2025, 2, 5),
    )
    assert ("rule_published", "2025-02-04") in found


def test_a_company_that_had_also_received_a_requirement_on_an_untold_day_is_no_event():
    """'In a filing on Wednesday, the chipmaker said the government informed it on August 26 ... Rival AMD said it had
    also received new licence requirements': AMD's requirement is undated (the corpus's rule 1), not of Wednesday."""
    assert _kinds_and_labels(
        "In a filing on Wednesday, the chipmaker said the government informed it on August 26 that a new licence "
        "requirement covers its A100 chips. Officials told the company the requirement addresses military use. Rival "
        "AMD said it had also received new licence requirements that stop exports of its MI250 accelerators.",
        date(2022, 9, 1),
    ) == {("license_required", "2022-08-26")}


def test_a_company_filing_to_resume_sales_under_assured_licences_states_it_that_day():
    """'Today we are filing applications to resume sales of the H20, and the US government has assured us that the
    licenses will be granted': Nvidia's statement of that day (the curated timeline's July 14, 2025 statement)."""
    assert _kinds_and_labels(
        "Today we are filing applications to resume sales of the H20 GPU to customers in China, and the US government "
        "has assured us that the licenses will be granted.",
        date(2025, 7, 14),
    ) == {("statement", "2025-07-14")}


def test_a_month_a_story_had_reached_by_is_past():
    """'By July the story had reversed, with Nvidia saying ... licences would be granted', told in August: July of
    that year, not the July to come ('would' tells the past's future)."""
    assert _kinds_and_labels(
        "By July the story had reversed, with Nvidia saying Washington had assured it that licences would be granted.",
        date(2025, 8, 20),
    ) == {("statement", "2025-07")}
