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


def test_a_law_adopted_by_a_legislature_in_the_passive_is_issued_that_day():
    text = "The AI Act was adopted by the European Parliament on 13 March 2024 and entered into force on 1 August 2024."
    assert _kinds_and_labels(text, None) == {("rule_published", "2024-03-13"), ("rule_effective", "2024-08-01")}


def test_an_unreliable_entity_list_created_by_provisions_is_that_rule_and_no_countermeasure():
    text = (
        "The Unreliable Entity List, created by MOFCOM provisions issued on 19 September 2020, lets Beijing bar firms."
    )
    assert _kinds_and_labels(text, None) == {("rule_published", "2020-09-19")}


def test_a_rule_named_by_its_day_and_update_is_that_rule():
    text = "The October 17, 2023 update caught those chips as well."
    assert _kinds_and_labels(text, date(2025, 5, 30)) == {("rule_published", "2023-10-17")}


def test_the_previous_day_after_a_day_of_the_same_sentence_is_the_day_before_that_one():
    text = (
        "Nvidia said the new rules were stricter than expected, and on October 24 it disclosed that the government "
        "had informed it the previous day that exports of the A100 would need a licence."
    )
    assert ("license_required", "2023-10-23") in _kinds_and_labels(text, date(2023, 10, 30))


def test_a_day_the_sentence_says_is_not_the_one_is_no_event():
    text = "Nvidia said the licence requirements for the A100 applied at once rather than from mid-November."
    assert ("rule_effective", "2023-11") not in _kinds_and_labels(text, date(2023, 10, 30))


def test_the_month_heading_a_timeline_entry_dates_its_act_past_an_aside():
    text = "February 2025: five more metals, among them tungsten, tellurium and indium, put under licensing."
    assert _kinds_and_labels(text, None) == {("rule_published", "2025-02")}


def test_a_rule_named_by_its_month_and_measures_leaves_the_act_to_the_entry_date():
    text = "November 2025: the October measures suspended for a year after the leaders' meeting in Busan."
    assert _kinds_and_labels(text, None) == {("rule_delayed", "2025-11")}


def test_regime_steps_told_in_participles_are_rules():
    text = (
        "July 2023: licensing of gallium and germanium products announced, required from 1 August 2023.\n"
        "August 2024: antimony added to the controls.\n"
        "9 October 2025: the rare-earth regime extended to foreign-made products."
    )
    found = _kinds_and_labels(text, None)
    assert {("rule_published", "2023-07"), ("rule_published", "2024-08"), ("rule_published", "2025-10-09")} <= found


def test_exports_to_the_united_states_banned_in_a_timeline_entry_are_aimed_at_it():
    text = "3 December 2024: exports of gallium and germanium to the United States banned in principle."
    assert _kinds_and_labels(text, None) == {("retaliation", "2024-12-03")}


def test_a_rule_named_by_the_clause_of_its_making_is_issued_on_that_clause_day():
    text = "Beijing, for its part, has suspended the rare-earth measures MOFCOM announced on October 9."
    assert _kinds_and_labels(text, date(2025, 11, 12)) == {("rule_published", "2025-10-09")}


def test_the_pause_keeps_its_own_month_beside_the_day_of_the_making_clause():
    text = (
        "Beijing made a matching gesture early in November, pausing for a year the sweeping rare-earth measures it "
        "had announced on October 9."
    )
    assert _kinds_and_labels(text, date(2025, 11, 20)) == {
        ("rule_delayed", "2025-11"),
        ("rule_published", "2025-10-09"),
    }


def test_a_company_telling_in_a_month_that_it_will_block_traffic_is_a_statement_of_that_month():
    text = "When OpenAI told developers in late June 2024 that it would block API traffic, rivals answered at once."
    assert _kinds_and_labels(text, date(2025, 9, 15)) == {("statement", "2024-06")}


def test_before_the_month_was_out_is_within_that_month_in_the_story_year():
    text = (
        "OpenAI started blocking its API in China on July 9, 2024. Before June was out, Baidu AI Cloud and Alibaba "
        "Cloud had each offered free tokens and migration help to developers ready to switch."
    )
    found = _kinds_and_labels(text, date(2025, 9, 12))
    assert ("migration_offer", "2024-06") in found
    assert all(label != "2025-06" for _, label in found)
    text = (
        "OpenAI said in late June 2024 that it would block traffic. Before the month was out, Zhipu AI and Baidu AI "
        "Cloud had each rolled out migration packages with free tokens."
    )
    assert ("migration_offer", "2024-06") in _kinds_and_labels(text, date(2025, 9, 15))


def test_within_days_opening_a_sentence_is_the_month_of_the_day_told_before():
    text = (
        "On September 5, Anthropic changed its terms to bar companies majority-owned by Chinese entities from "
        "using Claude. Within days, Zhipu offered Claude API users a plan to move to its GLM models."
    )
    assert _kinds_and_labels(text, date(2025, 9, 15)) == {
        ("service_restricted", "2025-09-05"),
        ("migration_offer", "2025-09"),
    }


def test_a_pitch_to_another_providers_users_is_a_migration_offer():
    text = "Zhipu made a similar pitch to Claude Code users on September 8, steering them to its GLM-4.5 models."
    assert _kinds_and_labels(text, date(2025, 9, 12)) == {("migration_offer", "2025-09-08")}


def test_a_rule_that_kicks_in_on_a_weekday_is_of_the_coming_one():
    assert _kinds_and_labels("Japan's chip equipment export curbs kick in on Sunday", date(2023, 7, 21)) == {
        ("rule_effective", "2023-07-23")
    }


def test_a_draft_released_in_the_passive_is_the_rule_proposed():
    text = "A draft of the Measures was released for public comment in April."
    assert _kinds_and_labels(text, date(2023, 7, 13)) == {("rule_published", "2023-04")}
    text = "The regulator issued the measures on March 14, after a draft had circulated for comment in September 2024."
    assert _kinds_and_labels(text, date(2025, 9, 1)) == {
        ("rule_published", "2025-03-14"),
        ("rule_published", "2024-09"),
    }


def test_a_rule_finalized_after_a_comment_period_is_issued_and_the_period_is_no_deadline():
    text = (
        "The trade ministry published a draft of the measures at the end of March and finalized them in May after "
        "a public comment period."
    )
    assert _kinds_and_labels(text, date(2023, 7, 21)) == {("rule_published", "2023-03"), ("rule_published", "2023-05")}


def test_entities_added_to_an_economic_blacklist_are_listed():
    text = "WASHINGTON - The Biden administration on Thursday added seven Chinese supercomputing entities to a U.S. economic blacklist."
    assert _kinds_and_labels(text, date(2021, 4, 8)) == {("entity_listed", "2021-04-08")}


def test_licensing_broadened_and_items_brought_under_licensing_are_rules():
    text = (
        "THE HAGUE - The Dutch government on Wednesday broadened its export licensing for semiconductor equipment. "
        "The step builds on an extension announced last September that brought two immersion scanners under Dutch "
        "licensing."
    )
    assert _kinds_and_labels(text, date(2025, 1, 16)) == {
        ("rule_published", "2025-01-15"),
        ("rule_published", "2024-09"),
    }


def test_a_government_revoking_a_programmes_authorizations_issues_a_rule():
    text = "BIS said on Friday that it will revoke the Validated End-User authorizations of two memory makers."
    assert _kinds_and_labels(text, date(2025, 9, 3)) == {("rule_published", "2025-08-29")}
    text = (
        "The United States will strip Samsung and SK Hynix of authorizations that let them ship tools to China, "
        "according to a notice the Commerce Department posted on Friday."
    )
    assert _kinds_and_labels(text, date(2025, 8, 29)) == {("rule_published", "2025-08-29")}


def test_a_service_that_can_be_used_again_from_today_is_available():
    text = "We are happy to tell our users in Italy that, starting today, ChatGPT can be used in the country again."
    assert _kinds_and_labels(text, date(2023, 4, 28)) == {("service_available", "2023-04-28")}


def test_top_ups_paused_from_today_restrict_the_service():
    text = "Because our servers are stretched, we have paused top-ups for the DeepSeek API from today."
    assert _kinds_and_labels(text, date(2025, 2, 6)) == {("service_restricted", "2025-02-06")}


def test_an_order_replaced_with_an_order_of_ones_own_is_an_order_signed_that_day():
    text = "Joe Biden replaced it with an order of his own on June 3, 2021, which recast the list."
    assert _kinds_and_labels(text, date(2022, 3, 15)) == {("executive_order", "2021-06-03")}


def test_a_company_placed_on_an_investment_blacklist_is_listed():
    text = "The Treasury Department placed SenseTime on its investment blacklist in December 2021."
    assert _kinds_and_labels(text, date(2022, 3, 15)) == {("entity_listed", "2021-12")}


def test_a_date_joined_to_the_date_before_it_is_the_same_act_again():
    text = "Huawei and 68 of its affiliates were added in May 2019, with more affiliates following in August 2019 and August 2020."
    assert _kinds_and_labels(text, None) == {
        ("entity_listed", "2019-05"),
        ("entity_listed", "2019-08"),
        ("entity_listed", "2020-08"),
    }


def test_a_gapped_list_item_with_an_aside_takes_the_act_before_it():
    text = (
        "Zhipu AI and Sophgo were added in January 2025, and BAAI, together with several Inspur subsidiaries, "
        "in March 2025."
    )
    assert _kinds_and_labels(text, None) == {("entity_listed", "2025-01"), ("entity_listed", "2025-03")}


def test_on_an_undated_page_a_year_told_alone_the_sentence_before_dates_the_days_after_it():
    text = (
        "The list grew quickly in 2022. On 7 February BIS added 33 Chinese organisations, and on 7 October, the "
        "same day it issued its sweeping advanced-computing controls, it added 31 more."
    )
    assert _kinds_and_labels(text, None) == {
        ("entity_listed", "2022-02-07"),
        ("entity_listed", "2022-10-07"),
        ("rule_published", "2022-10-07"),
    }


def test_executive_orders_signed_in_the_plural_are_signed_that_day():
    assert _kinds_and_labels("President Trump signed three executive orders today.", date(2025, 7, 23)) == {
        ("executive_order", "2025-07-23")
    }


def test_provider_posts_telling_availability_in_their_own_words():
    assert _kinds_and_labels(
        "Starting today, users in the European Union can turn on Apple Intelligence on iPhone.", date(2025, 3, 31)
    ) == {("service_available", "2025-03-31")}
    assert _kinds_and_labels(
        "Apple Intelligence has been available on Mac in the EU since the release of macOS 15.1 last October.",
        date(2025, 3, 31),
    ) == {("service_available", "2024-10")}
    assert _kinds_and_labels(
        "We launched Meta AI in the United States in September 2023 and have since brought it to more countries.",
        date(2025, 3, 20),
    ) == {("service_available", "2023-09")}
    assert _kinds_and_labels(
        "Starting this week, people in 41 European countries and 21 overseas territories will begin to see Meta AI.",
        date(2025, 3, 20),
    ) == {("service_available", "2025-03")}


def test_a_chinese_announcement_suspending_a_measure_until_a_day_is_a_suspension_and_the_day_no_act():
    text = "商务部9日发布公告，自公告发布之日起至2026年11月27日，暂停实施2024年第46号公告第二款。"
    assert _kinds_and_labels(text, date(2025, 11, 10)) == {("rule_delayed", "2025-11-09")}
    text = '美国商务部工业与安全局则自今日起暂停实施"50%规则"，为期一年。'
    assert _kinds_and_labels(text, date(2025, 11, 10)) == {("rule_delayed", "2025-11-10")}


def test_a_ban_suspended_with_the_end_day_in_an_aside_is_suspended_that_day():
    text = "The Ministry of Commerce said on Sunday it was suspending, until November 27, 2026, the ban on gallium exports."
    assert _kinds_and_labels(text, date(2025, 11, 10)) == {("rule_delayed", "2025-11-09")}


def test_a_wire_dateline_with_the_agency_in_brackets_is_no_day_and_the_government_telling_dates_the_rule():
    text = (
        "KUALA LUMPUR, July 15 (Meridian Wire) - Malaysia now requires a permit for any export of AI chips of US "
        "origin, the Ministry of Investment, Trade and Industry said on Monday, adding that the rule applies with "
        "immediate effect."
    )
    assert _kinds_and_labels(text, date(2025, 7, 15)) == {
        ("rule_published", "2025-07-14"),
        ("rule_effective", "2025-07-14"),
    }


def test_licence_requirements_that_became_effective_are_in_force_not_imposed():
    text = "- November 17, 2023: most of the new licence requirements became effective."
    assert _kinds_and_labels(text, date(2024, 4, 8)) == {("rule_effective", "2023-11-17")}


def test_requirements_one_would_have_had_to_comply_with_are_no_requirement():
    text = (
        "- May 13, 2025: BIS announced the rescission, two days before companies would have had to begin complying "
        "with most of the rule's requirements."
    )
    assert _kinds_and_labels(text, date(2025, 5, 15)) == {("rule_rescinded", "2025-05-13")}


def test_a_telling_of_a_burst_of_measures_is_no_event_and_a_day_to_come_lends_nothing():
    text = (
        "2月4日，美国对中国输美商品加征10%关税的措施正式生效。当天，中国有关部门密集宣布多项措施。"
        "国务院关税税则委员会宣布，自2月10日起对原产于美国的煤炭加征15%关税。"
        "商务部将美国PVH集团和因美纳列入不可靠实体清单。"
    )
    found = _kinds_and_labels(text, date(2025, 2, 5))
    assert ("statement", "2025-02-04") not in found
    assert all(label != "2025-02-10" for _, label in found)


def test_a_waves_month_dates_the_clause_that_tells_it():
    text = "The first wave came in October 2019, when SenseTime, Megvii, iFlytek and Yitu were listed over Xinjiang."
    assert _kinds_and_labels(text, date(2025, 6, 2)) == {("entity_listed", "2019-10")}


def test_a_from_day_of_a_participle_clause_after_the_act_day_is_not_the_acts():
    text = (
        "BEIJING, April 4 - China struck back at U.S. tariffs on Friday, announcing an extra 34% levy on all "
        "American goods from April 10."
    )
    assert _kinds_and_labels(text, date(2025, 4, 4)) == {("retaliation", "2025-04-04")}


def test_a_laws_parts_applying_in_stages_in_timeline_entries_take_effect_on_each_entry_day():
    text = (
        "- 2 February 2025: the bans on prohibited AI practices and the AI literacy duty apply.\n"
        "- 2 August 2026: most remaining provisions apply, including the requirements for the systems listed in "
        "Annex III.\n"
        "- 2 August 2027: the requirements for high-risk AI built into products covered by EU product-safety "
        "legislation apply."
    )
    assert _kinds_and_labels(text, date(2024, 7, 15)) == {
        ("rule_effective", "2025-02-02"),
        ("rule_effective", "2026-08-02"),
        ("rule_effective", "2027-08-02"),
    }


def test_a_chinese_day_after_this_year_is_of_the_reports_year():
    text = "此前，今年1月10日起施行的《互联网信息服务深度合成管理规定》已对深度合成服务提出了显著标识等要求。"
    assert _kinds_and_labels(text, date(2023, 7, 14)) == {("rule_effective", "2023-01-10")}


def test_comments_that_must_be_received_by_a_day_are_due_that_day():
    text = "Comments on the proposed rule must be received by April 29, 2024."
    assert _kinds_and_labels(text, date(2024, 1, 29)) == {("comment_deadline", "2024-04-29")}


def test_a_government_saying_exporters_must_obtain_a_permit_issues_a_rule_that_day():
    text = (
        "Malaysia's trade ministry said on Monday that anyone intending to export AI chips of US origin must now "
        "give the ministry 30 days' notice and obtain a permit."
    )
    assert _kinds_and_labels(text, date(2025, 7, 15)) == {("rule_published", "2025-07-14")}


def test_a_law_in_force_on_the_day_it_was_adopted_takes_that_day():
    text = (
        "When the Standing Committee passed the Anti-Foreign Sanctions Law last Thursday, it completed a set of "
        "legal instruments. The law took effect on the day it was adopted."
    )
    assert _kinds_and_labels(text, date(2021, 6, 14)) == {
        ("rule_published", "2021-06-10"),
        ("rule_effective", "2021-06-10"),
    }


def test_rules_issued_to_block_something_are_rules_not_a_blocked_service():
    text = "And in January the ministry issued rules to block the unjustified extra-territorial application of laws."
    assert _kinds_and_labels(text, date(2021, 6, 14)) == {("rule_published", "2021-01")}


def test_a_plan_released_beside_an_order_is_a_statement_not_a_rule():
    text = (
        "On July 23 the White House released America's AI Action Plan, and President Trump signed an order the "
        "same day creating a programme to promote exports of American AI packages."
    )
    assert _kinds_and_labels(text, date(2025, 8, 5)) == {("statement", "2025-07-23"), ("executive_order", "2025-07-23")}


def test_compliance_due_on_a_day_with_a_rule_named_by_its_month_between():
    text = "Compliance with most requirements of the January 2025 AI Diffusion rule is due on May 15, 2025."
    assert ("compliance_date", "2025-05-15") in _kinds_and_labels(text, date(2025, 4, 17))


def test_a_telling_a_day_after_a_curated_telling_is_its_own_event(loaded_kb):
    """Nvidia's filing of Wednesday, August 31, 2022 is a curated statement; its further filing "on Thursday" is
    another telling, not evidence of Wednesday's."""
    from tests.test_events_unseen import _run

    report = {
        "id": "r1",
        "published": date(2022, 9, 2),
        "url": "https://example.org/nvidia-h100",
        "text": (
            "On Thursday Nvidia said in a further filing that the government would let it carry on developing the "
            "H100 in China for a limited period."
        ),
    }
    events, _ = _run(loaded_kb, [report])["r1"]
    assert [(e.kind, e.date.isoformat()) for e in events] == [("statement", "2022-09-01")]
