"""Failure classes the thirteenth development half (dev13) showed, each on short reports of our own."""

from __future__ import annotations

from datetime import date

from kb.events import extract_events
from tests.test_events_quality import _kinds_and_labels, current_linker


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


def test_a_count_glossing_a_month_is_counted_from_it_and_leaves_the_main_verb_to_it():
    """'In May, four months after its release, BIS dropped the rule': the rule was dropped in May (not four months
    before the report's own day); 'dropped' rescinds."""
    found = _kinds_and_labels(
        "In May, four months after its release, the Commerce Department dropped the AI Diffusion rule.",
        date(2025, 12, 22),
    )
    assert ("rule_rescinded", "2025-05") in found
    assert not any(label.startswith("2025-08") for _, label in found)


def test_a_day_glossed_by_a_count_keeps_both_acts():
    """'On January 15, 2025, two days after it released the AI Diffusion rule, BIS issued the foundry rule': the
    release two days before, the issue on the 15th."""
    found = _kinds_and_labels(
        "On January 15, 2025, two days after it released the AI Diffusion rule, BIS issued an interim final rule on "
        "foundry due diligence.",
        date(2025, 1, 17),
    )
    assert {("rule_published", "2025-01-13"), ("rule_published", "2025-01-15")} <= found


def test_another_government_pausing_its_own_rule_the_same_month():
    """'the affiliates rule was suspended from November 10, and China paused its rare-earth measures the same month':
    China's pause is an act of its own in November, not the US suspension told to the day."""
    found = _kinds_and_labels(
        "The affiliates rule was suspended from November 10, and China paused its new rare-earth measures the same "
        "month.",
        date(2025, 12, 22),
    )
    assert {("rule_delayed", "2025-11-10"), ("rule_delayed", "2025-11")} <= found


def test_the_white_house_publishing_the_ai_action_plan_is_a_statement():
    assert _kinds_and_labels("The White House published America's AI Action Plan on July 23.", date(2025, 12, 22)) == {
        ("statement", "2025-07-23")
    }


def test_an_order_signed_that_revokes_policies_is_an_order_signed():
    """'Today, President Trump signed an Executive Order that revokes the policies ...': the signing, not a rule
    rescinded."""
    assert _kinds_and_labels(
        "Today, President Trump signed an Executive Order that revokes the policies that have held back American AI.",
        date(2025, 1, 23),
    ) == {("executive_order", "2025-01-23")}


def test_licensing_introduced_in_a_month_of_this_year():
    assert ("rule_published", "2025-04") in _kinds_and_labels(
        "The measure builds on the licensing of seven rare earths that MOFCOM and Customs introduced in April this "
        "year.",
        date(2025, 10, 9),
    )


def test_a_notice_published_the_same_day_as_the_order():
    """'Biden signed the order on August 9, 2023. Treasury published an advance notice of proposed rulemaking the
    same day as the order': the notice is of August 9, 2023."""
    found = _kinds_and_labels(
        "Biden signed the order on August 9, 2023. Treasury published an advance notice of proposed rulemaking the "
        "same day as the order and a proposed rule in June 2024.",
        date(2024, 11, 1),
    )
    assert {("executive_order", "2023-08-09"), ("rule_published", "2023-08-09"), ("rule_published", "2024-06")} <= found


def test_a_draft_released_for_comment_is_published():
    assert _kinds_and_labels(
        "The CAC had released a draft for public comment on April 11 and took comments until May 10.",
        date(2023, 7, 14),
    ) == {("rule_published", "2023-04-11"), ("comment_deadline", "2023-05-10")}


def test_buyers_told_to_stop_buying_a_foreign_company_s_products_is_a_retaliation():
    assert _kinds_and_labels(
        "The Cyberspace Administration of China said on Sunday that operators of critical information "
        "infrastructure should stop buying Micron products.",
        date(2023, 5, 22),
    ) == {("retaliation", "2023-05-21")}


def test_a_sentence_that_goes_on_telling_the_package_takes_its_day():
    """'On December 2, 2024, BIS released a package of rules. The package ... puts 140 parties on the Entity List':
    the listing is of the package's day; so is 'The same release added 140 entities to the Entity List'."""
    for second in (
        "The package places high-bandwidth memory under new controls and puts 140 parties on the Entity List.",
        "The same release added 140 entities to the Entity List.",
    ):
        found = _kinds_and_labels(
            "On December 2, 2024, the Bureau of Industry and Security released a package of interim final rules. "
            + second,
            date(2024, 12, 5),
        )
        assert {("rule_published", "2024-12-02"), ("entity_listed", "2024-12-02")} <= found, second


def test_the_probe_that_came_after_another_act_is_not_told_again():
    """'The probe came a day after the ministry widened its rare earth controls, in a package announced on Thursday':
    the widening is Thursday's; the probe, told before, is no second investigation of that day."""
    found = _kinds_and_labels(
        "China's market regulator said on Friday it had opened an investigation into Qualcomm. The probe came a day "
        "after the Ministry of Commerce widened its rare earth controls, in a package of measures announced on "
        "Thursday.",
        date(2025, 10, 13),
    )
    assert found == {("investigation", "2025-10-10"), ("rule_published", "2025-10-09")}


def test_a_suspension_for_a_year_and_a_pause_said_early_in_a_month():
    """'BIS suspended it for one year starting November 10. Beijing said early in November that it would pause for a
    year the rare-earth measures': a suspension from November 10 and China's pause in November."""
    found = _kinds_and_labels(
        "The affiliates rule had extended Entity List restrictions to majority-owned affiliates. BIS suspended it for "
        "one year starting November 10. Beijing, for its part, said early in November that it would pause for a year "
        "the rare-earth and related export measures it had announced on October 9.",
        date(2025, 11, 20),
    )
    assert {("rule_delayed", "2025-11-10"), ("rule_delayed", "2025-11")} <= found


def test_free_tokens_of_a_versioned_model_are_an_offer():
    """'offered new enterprise users free ERNIE 3.5 tokens': a version number is part of the model's name; the
    offer told after another provider's is of the same day, an offer of its own."""
    found = extract_events(
        "Chinese model makers moved quickly yesterday to court the developers affected. Alibaba Cloud said it would "
        "give developers switching from OpenAI free Qwen-Plus tokens. Baidu's Qianfan platform offered new enterprise "
        "users free ERNIE 3.5 tokens.",
        date(2024, 6, 26),
        linker=current_linker(),
    )
    offers = [c for c in found if c.kind == "migration_offer"]
    assert [str(c.date) for c in offers] == ["2024-06-25", "2024-06-25"]
    assert {c.principal for c in offers} == {"alibaba-cloud", "baidu"}


def test_a_count_is_not_from_a_day_that_names_a_rule():
    """'The probe came a week after the December 2 rules ..., and six days after Beijing banned sales of gallium':
    six days before the probe's Monday (December 3), not six days before December 2."""
    found = _kinds_and_labels(
        "China's market regulator said on Monday it had opened an investigation into Nvidia. The probe came a week "
        "after the December 2 rules from Washington tightened exports of chipmaking tools, and six days after Beijing "
        "banned sales of gallium and germanium to the United States.",
        date(2024, 12, 10),
    )
    assert ("retaliation", "2024-12-03") in found and ("retaliation", "2024-11-26") not in found
