"""Failure classes the later development halves (dev15 to dev18) showed, each on short reports of our own."""

from __future__ import annotations

from datetime import date

import pytest

from kb.events import extract_events
from tests.test_events_quality import _kinds_and_labels, current_linker


def test_a_listing_on_the_quoted_export_control_entity_list_beside_a_due_diligence_rule():
    text = (
        "美国商务部工业与安全局当地时间1月15日宣布，将两家中国公司列入出口管制“实体清单”，"
        "同日还发布了针对芯片代工企业的尽职调查新规。"
    )
    found = {
        (c.kind, c.date.isoformat(), c.principal)
        for c in extract_events(text, date(2025, 1, 17), linker=current_linker())
    }
    assert ("entity_listed", "2025-01-15") in {(k, d) for k, d, _ in found}
    # the due diligence rule is that rule, not an investigation (调查)
    assert ("rule_published", "2025-01-15", "foundry-due-diligence-rule") in found
    assert all(k != "investigation" for k, _, _ in found)


def test_a_rule_in_force_on_the_date_of_its_publication_takes_no_day_from_the_sentence_before():
    text = (
        "Other parties added today helped Huawei obtain US-origin items. "
        "The rule takes effect on the date of its publication in the Federal Register."
    )
    found = {(c.kind, c.date.isoformat()) for c in extract_events(text, date(2025, 3, 25), linker=current_linker())}
    assert ("rule_effective", "2025-03-25") not in found


def test_a_count_after_a_rule_took_effect_runs_from_the_day_told_for_that():
    text = (
        "The framework took effect on January 13, 2025, but most of its requirements apply from May 15, 2025. "
        "Two days after the framework took effect, BIS followed with the foundry due diligence rule."
    )
    found = {(c.kind, c.date.isoformat()) for c in extract_events(text, date(2025, 1, 16), linker=current_linker())}
    assert ("rule_published", "2025-01-15") in found
    # the counted day is the new rule's, not a second day on which the framework took effect
    assert ("rule_effective", "2025-01-13") in found
    assert ("rule_effective", "2025-01-15") not in found


def test_an_act_alongside_the_rescission_is_of_the_rescission_s_day_not_of_the_day_told_last():
    text = (
        "Today the Bureau of Industry and Security announced that it will not enforce the AI Diffusion Rule. "
        "The rule, issued on January 13, 2025, would have sorted countries into three tiers. "
        "Alongside the rescission, BIS issued guidance on the use of Huawei Ascend chips."
    )
    found = {(c.kind, c.date.isoformat()) for c in extract_events(text, date(2025, 5, 13), linker=current_linker())}
    assert ("guidance_issued", "2025-05-13") in found
    assert ("guidance_issued", "2025-01-13") not in found
    assert [k for k, _ in found].count("rule_rescinded") == 1


def test_what_a_suspended_rule_had_done_before_is_no_act_of_the_suspension_s_day():
    text = (
        "The Commerce Department on Monday suspended for one year its affiliates rule, "
        "which had extended Entity List restrictions to companies majority-owned by listed firms."
    )
    found = {(c.kind, c.date.isoformat()) for c in extract_events(text, date(2025, 11, 10), linker=current_linker())}
    assert found == {("rule_delayed", "2025-11-10")}


def test_a_plan_written_is_no_plan_to_come_for_a_day_without_a_year():
    text = (
        "On January 20, President Trump revoked Executive Order 14110; three days later he signed "
        "Executive Order 14179, which told officials to draw up an AI action plan."
    )
    found = {(c.kind, c.date.isoformat()) for c in extract_events(text, date(2025, 8, 5), linker=current_linker())}
    assert found == {("executive_order", "2025-01-20"), ("executive_order", "2025-01-23")}


def test_additions_told_on_an_explainer_of_china_s_unreliable_entity_list_are_countermeasures():
    text = (
        "China's Unreliable Entity List names foreign firms that Beijing says harm its interests. "
        "For two years it stayed empty. On 16 February 2023 two US defence contractors were added to the list. "
        "It is not the Treasury's NS-CMIC List, to which a Chinese AI company was added in December 2021."
    )
    found = {(c.kind, c.date.isoformat()) for c in extract_events(text, None, linker=current_linker())}
    assert ("retaliation", "2023-02-16") in found
    assert ("entity_listed", "2023-02-16") not in found
    assert ("entity_listed", "2021-12-01") in found


def test_a_licence_requirement_to_come_told_before_the_government_s_telling_publishes_it():
    text = (
        "China will require export licences for antimony, a metal used in ammunition and infrared optics, "
        "as well as for its ores and smelting know-how, the commerce ministry and the customs agency said on Thursday."
    )
    found = {(c.kind, c.date.isoformat()) for c in extract_events(text, date(2024, 8, 15), linker=current_linker())}
    assert found == {("rule_published", "2024-08-15")}


def test_a_month_or_day_followed_by_last_year_is_of_the_year_before_the_report_s():
    text = (
        "Beijing began licensing exports of gallium in August last year and put drones under control "
        "on 1 September last year."
    )
    labels = {d for _, d in _kinds_and_labels(text, date(2024, 8, 15))}
    assert labels == {"2023-08", "2023-09-01"}


def test_a_law_voted_through_and_list_provisions_published_and_in_force_on_one_day():
    text = (
        "Lawmakers of the Standing Committee voted on Saturday afternoon to adopt the Export Control Law. "
        "That came a month after the Ministry of Commerce issued its Unreliable Entity List provisions, "
        "which were published and took effect on September 19."
    )
    found = _kinds_and_labels(text, date(2020, 10, 18))
    assert ("rule_published", "2020-10-17") in found
    assert {("rule_published", "2020-09-19"), ("rule_effective", "2020-09-19")} <= found
    assert all(kind != "retaliation" for kind, _ in found)  # the provisions setting up the list are no countermeasure


def test_parties_added_to_a_list_of_firms_are_listed():
    text = (
        "Two Chinese tech groups were among the companies that the Pentagon added on Monday to its list of firms "
        "it says aid China's military, a designation that hit their shares on Tuesday."
    )
    assert _kinds_and_labels(text, date(2025, 1, 7)) == {("entity_listed", "2025-01-06")}


def test_a_dateline_with_the_place_s_state_is_no_date_of_what_the_story_tells():
    text = (
        "SANTA CLARA, Calif., Oct 24 - The chip designer said on Tuesday that Washington had brought forward "
        "export restrictions on several of its accelerators."
    )
    assert _kinds_and_labels(text, date(2023, 10, 24)) == set()


def test_a_day_in_apposition_to_a_counted_month_takes_its_year_and_more_parties_added_to_the_list():
    text = (
        "On May 15, 2020 the department widened the foreign direct product rule to reach Huawei's chips. "
        "Three months later, on August 17, it went further, extending the rule to chips bought off the shelf and "
        "adding 38 more Huawei affiliates to the list."
    )
    found = _kinds_and_labels(text, date(2024, 5, 20))
    assert {("rule_published", "2020-08-17"), ("entity_listed", "2020-08-17")} <= found
    assert ("rule_published", "2020-08") not in found


def test_a_listing_on_china_s_list_beside_its_other_list_is_one_countermeasure_a_sentence():
    text = (
        "The Ministry of Commerce today decided to add 28 US entities to its export control list. "
        "Separately, the working mechanism of the Unreliable Entity List today placed 10 US companies on the list."
    )
    found = [(c.kind, c.date) for c in extract_events(text, date(2025, 1, 2), linker=current_linker())]
    assert found.count(("retaliation", date(2025, 1, 2))) == 2
    assert len(found) == 2


def test_a_change_announced_in_the_gazette_an_authorisation_needed_from_a_day_and_a_measure_amended():
    text = (
        "From 1 April 2025, exporters will also need an authorisation for some inspection tools. "
        "The trade minister announced the change today in the Government Gazette. "
        "The national measure has applied since 1 September 2023 and was first amended in September 2024."
    )
    found = _kinds_and_labels(text, date(2025, 1, 15))
    assert found == {
        ("rule_effective", "2025-04-01"),
        ("rule_published", "2025-01-15"),
        ("rule_effective", "2023-09-01"),
        ("rule_published", "2024-09"),
    }


def test_a_gazette_telling_without_a_day_of_its_own_takes_none_from_the_sentence_before():
    text = (
        "The government said on Wednesday that it will require licences for inspection tools from April 1, "
        "the second widening of a measure it first applied on September 1, 2023. "
        "The minister announced the change in the Government Gazette."
    )
    assert ("rule_published", "2023-09-01") not in _kinds_and_labels(text, date(2025, 1, 16))


def test_a_model_released_on_a_day_is_no_event_and_lends_that_day_to_nothing_after_it():
    text = (
        "R1, which the lab released as an open-weights reasoning model on January 20, is cheap to run. "
        "Before making it available, we tested the model for safety."
    )
    assert _kinds_and_labels(text, date(2025, 1, 29)) == set()
    text = "The reasoning model, which the lab released with open weights on January 20, joins our catalogue."
    assert _kinds_and_labels(text, date(2025, 1, 29)) == set()


def test_comments_due_within_days_of_today_s_publication_are_counted_from_the_report_s_day():
    text = "Written comments must be received within 21 days of today's publication."
    assert _kinds_and_labels(text, date(2025, 4, 16)) == {("comment_deadline", "2025-05-07")}


def test_a_chip_put_under_a_licence_requirement_in_a_month_after_another_act():
    text = (
        "The president had revoked EO 14110 on January 20, and in April the administration put the H20, "
        "Nvidia's China-market chip, under a licence requirement."
    )
    assert _kinds_and_labels(text, date(2025, 5, 20)) == {
        ("executive_order", "2025-01-20"),
        ("license_required", "2025-04"),
    }


def test_a_day_ahead_of_which_things_happen_is_to_come():
    text = "Chinese model vendors court OpenAI developers ahead of July 9 cutoff."
    assert _kinds_and_labels(text, date(2024, 6, 26)) == {("service_restricted", "2024-07-09")}


def test_a_day_after_a_semicolon_takes_no_year_from_a_month_told_before_it():
    text = (
        "The curbs belong to the package Commerce unveiled on Oct. 17 to close gaps in the first round of controls "
        "in October 2022; the rest of the package still takes effect on Nov. 17."
    )
    assert ("rule_effective", "2023-11-17") in _kinds_and_labels(text, date(2023, 10, 24))


def test_a_chinese_day_a_measure_comes_into_force_is_not_the_day_it_was_issued():
    headline = "商务部、海关总署对锑等物项实施出口管制 9月15日起施行。"
    assert _kinds_and_labels(headline, date(2024, 8, 16)) == {("rule_effective", "2024-09-15")}
    text = "中国此前对镓、锗相关物项自2023年8月1日起实施管制，石墨物项管制则于同年12月1日生效。"
    assert _kinds_and_labels(text, date(2024, 8, 16)) == {
        ("rule_effective", "2023-08-01"),
        ("rule_effective", "2023-12-01"),
    }
    # in force on the day it was issued: both
    issued = "商务部4日发布公告，对七类中重稀土相关物项实施出口管制，公告自发布之日起施行。"
    assert {("rule_published", "2025-04-04"), ("rule_effective", "2025-04-04")} <= _kinds_and_labels(
        issued, date(2025, 4, 5)
    )


def test_an_app_back_in_a_country_s_app_stores_is_available_again():
    text = (
        "SEOUL (Wire) - The chatbot app returned to South Korean app stores on Monday. "
        "The startup made it available again after updating its privacy policy to comply with Korean law."
    )
    assert _kinds_and_labels(text, date(2025, 4, 29)) == {("service_available", "2025-04-28")}


def test_the_chinese_provisions_that_set_up_the_unreliable_entity_list_are_a_rule():
    text = "此前，商务部已于9月19日发布《不可靠实体清单规定》，该规定自公布之日起施行。"
    assert _kinds_and_labels(text, date(2020, 10, 18)) == {
        ("rule_published", "2020-09-19"),
        ("rule_effective", "2020-09-19"),
    }


def test_a_government_answering_by_barring_exports_retaliates():
    text = "Beijing answered in early October by barring the chipmaker's Chinese unit from exporting finished products."
    assert _kinds_and_labels(text, date(2025, 11, 24)) == {("retaliation", "2025-10")}


def test_a_provider_opening_to_users_widening_access_and_refusing_to_sell_to_a_class_of_companies():
    text = (
        "When the assistant launched in July 2023, it was open to users in the United States and the United Kingdom; "
        "the company widened access to 95 countries that October. "
        "Since September 2025 we also do not sell our services to companies majority-owned from unsupported regions."
    )
    assert _kinds_and_labels(text, None) == {
        ("service_available", "2023-07"),
        ("service_available", "2023-10"),
        ("service_restricted", "2025-09"),
    }


def test_orders_named_by_their_day_or_signed_in_a_list_of_orders_and_the_passive_agent_signs():
    text = "The proposal carries out Section 4.2 of Executive Order 14110 of October 30, 2023."
    assert _kinds_and_labels(text, date(2024, 9, 12)) == {("executive_order", "2023-10-30")}
    text = "On January 20 President Trump revoked EO 14110, the Biden administration's October 30, 2023 order on AI."
    assert _kinds_and_labels(text, date(2025, 1, 27)) == {
        ("executive_order", "2025-01-20"),
        ("executive_order", "2023-10-30"),
    }
    text = (
        "The rule carries out two orders: EO 13984, which President Trump signed in January 2021, and "
        "Executive Order 14110 on artificial intelligence, signed by President Biden on October 30, 2023."
    )
    found = {
        (c.kind, c.date.isoformat(), c.principal)
        for c in extract_events(text, date(2024, 2, 1), linker=current_linker())
    }
    assert found == {
        ("executive_order", "2021-01-01", "donald-trump"),
        ("executive_order", "2023-10-30", "joe-biden"),
    }


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Both moves followed the US affiliates rule of late September, which Beijing resented.", "2025-09"),
        ("Then came Beijing's sweeping rare-earth regime in October.", "2025-10"),
        ("The step goes beyond the change made in May, which reached only chips of Huawei's own design.", "2025-05"),
        ("It follows the controls on gallium and germanium that the two ministries introduced this July.", "2025-07"),
        (
            "The instruments include the list's provisions, issued by the commerce ministry in September 2020.",
            "2020-09",
        ),
    ],
)
def test_a_rule_named_by_its_month(text, label):
    assert _kinds_and_labels(text, date(2025, 10, 13)) == {("rule_published", label)}


def test_rules_expected_in_a_month_and_controls_enforced_from_one_are_no_rule_named_by_it():
    assert _kinds_and_labels("Analysts had expected the rules in November.", date(2024, 12, 3)) == set()
    found = _kinds_and_labels(
        "Japan began enforcing its own equipment controls in July 2023 and the Netherlands followed in September.",
        date(2024, 10, 7),
    )
    assert ("rule_published", "2023-07") not in found


def test_licences_needed_since_a_month_for_a_regime_take_effect_then_a_named_requirement_stays_one():
    text = "Graphite joins gallium and germanium, which have needed export licences since August."
    assert _kinds_and_labels(text, date(2023, 10, 20)) == {("rule_effective", "2023-08")}
    text = "The controls on China are unchanged: the 3A090 licence requirement has applied there since October 2022."
    assert _kinds_and_labels(text, date(2025, 6, 10)) == {("license_required", "2022-10")}


def test_a_company_told_licences_will_be_granted_states_it_and_no_licence_is_required():
    text = "英伟达此前于7月中旬表示，美国政府已向其保证将批准H20对华出口许可；"
    assert _kinds_and_labels(text, date(2025, 8, 1)) == {("statement", "2025-07")}


def test_chinese_providers_named_together_each_open_their_service_and_a_service_reaching_users():
    text = "8月31日，百度的文心一言、商汤科技的“商量”以及百川智能的大模型产品完成备案，当天正式面向全社会开放服务。"
    found = extract_events(text, date(2023, 9, 20), linker=current_linker())
    assert sorted(c.principal or "" for c in found if c.kind == "service_available") == [
        "baichuan",
        "baidu",
        "sensetime",
    ]
    assert _kinds_and_labels("Bard reached users in the European Union in July 2023.", None) == {
        ("service_available", "2023-07")
    }


def test_a_chinese_month_alone_after_zai_dates_what_each_provider_did():
    text = "消息传出后，智谱AI、百度智能云和阿里云相继在6月推出“搬家”方案，为迁移用户提供免费额度。"
    found = extract_events(text, date(2024, 7, 10), linker=current_linker())
    assert {(c.kind, c.date.isoformat(), c.precision) for c in found} == {("migration_offer", "2024-06-01", "month")}
    assert len(found) == 3


def test_people_who_can_sign_up_from_today_have_the_service():
    text = "Starting today, people in the United Kingdom can sign up and chat with the assistant for free."
    assert _kinds_and_labels(text, date(2023, 7, 11)) == {("service_available", "2023-07-11")}


def test_an_explainer_of_china_s_list_that_names_the_us_list_in_passing_still_tells_countermeasures():
    text = (
        "What is China's Unreliable Entity List? "
        "Beijing first said it would create such a list in May 2019, days after Washington put Huawei on the Entity List. "
        "Since then, a clothing group and a gene sequencer were added in February 2025."
    )
    found = _kinds_and_labels(text, None)
    assert ("retaliation", "2025-02") in found
    assert ("entity_listed", "2025-02") not in found
    # a page about the US list keeps its listings, though China's list is named in passing
    text = (
        "What is the Entity List? Unlike China's Unreliable Entity List, it is a US register. "
        "Huawei was added in May 2019."
    )
    assert ("entity_listed", "2019-05") in _kinds_and_labels(text, None)


def test_two_chinese_probes_of_one_day_and_a_day_counted_back_from_a_message():
    text = "此前，商务部13日宣布对原产于美国的进口相关模拟芯片发起反倾销调查，同日又宣布对美国相关措施发起反歧视调查。"
    found = extract_events(text, date(2025, 9, 16), linker=current_linker())
    assert [(c.kind, c.date.isoformat(), c.principal) for c in found] == [
        ("investigation", "2025-09-13", "mofcom"),
        ("investigation", "2025-09-13", "mofcom"),
    ]
    text = (
        "国家市场监督管理总局9月15日发布消息称，经初步调查，英伟达公司违反反垄断法。"
        "在市场监管总局发布上述消息的两天前，商务部宣布对原产于美国的模拟芯片发起反倾销调查。"
    )
    found = _kinds_and_labels(text, date(2025, 9, 15))
    assert ("investigation", "2025-09-13") in found
    assert ("rule_published", "2025-09-13") not in found  # publishing a message (发布上述消息) is no rule


def test_orders_revoked_and_two_orders_signed_are_executive_orders():
    text = (
        "Last Wednesday President Joe Biden revoked the orders his predecessor had aimed at two Chinese apps. "
        "Donald Trump signed the two orders on August 6, 2020."
    )
    assert _kinds_and_labels(text, date(2021, 6, 15)) == {
        ("executive_order", "2021-06-09"),
        ("executive_order", "2020-08-06"),
    }


def test_a_provider_that_paused_its_assistant_in_a_country_restricted_it():
    assert _kinds_and_labels("On March 31 we paused ChatGPT in Italy.", date(2023, 4, 28)) == {
        ("service_restricted", "2023-03-31")
    }
    assert _kinds_and_labels("On March 31 we paused access for everyone in the country.", date(2023, 4, 28)) == {
        ("service_restricted", "2023-03-31")
    }


def test_rules_a_ministry_published_and_brought_into_force_on_a_day():
    text = "- the Blocking Rules, which MOFCOM published and brought into force on January 9, 2021."
    assert _kinds_and_labels(text, date(2021, 6, 15)) == {
        ("rule_published", "2021-01-09"),
        ("rule_effective", "2021-01-09"),
    }


def test_a_burst_of_measures_lends_its_day_to_the_measures_told_next():
    text = (
        "China hit back at new U.S. tariffs on Tuesday with a burst of measures. "
        "The State Administration for Market Regulation said it had opened an antitrust investigation into Google."
    )
    assert ("investigation", "2025-02-04") in _kinds_and_labels(text, date(2025, 2, 4))


def test_a_measure_of_a_burst_told_with_its_own_day_keeps_the_burst_for_the_next_one():
    text = (
        "China hit back at new U.S. tariffs on Tuesday with a burst of measures. "
        "The commerce ministry placed export controls on tungsten products, effective immediately. "
        "The State Administration for Market Regulation said it had opened an antitrust investigation into Google."
    )
    assert ("investigation", "2025-02-04") in _kinds_and_labels(text, date(2025, 2, 4))


def test_a_day_after_two_bodies_that_said_it_is_the_telling_s_not_a_continued_act():
    text = (
        "China will require exporters of gallium and germanium, two metals used in chips and radar, to obtain "
        "licences from August 1, the Ministry of Commerce and the General Administration of Customs said on Monday."
    )
    assert _kinds_and_labels(text, date(2023, 7, 5)) == {
        ("rule_effective", "2023-08-01"),
        ("rule_published", "2023-07-03"),
    }


def test_a_rule_named_by_its_month_leaves_the_verb_before_it_to_the_day_opening_the_sentence():
    text = (
        "On August 17, 2020, BIS issued a rule that goes well beyond its May amendment to the foreign direct "
        "product rule. A foreign-made item now needs a licence whenever Huawei is a purchaser."
    )
    assert _kinds_and_labels(text, date(2020, 8, 24)) == {
        ("rule_published", "2020-08-17"),
        ("rule_published", "2020-05"),
    }


def test_an_order_revoked_as_it_is_an_order_signed_that_day():
    text = (
        "Executive Order 14110, signed on Oct. 30, 2023, set rules for frontier AI. It lasted fifteen months. "
        "On January 20 President Trump revoked it."
    )
    assert _kinds_and_labels(text, date(2025, 2, 3)) == {
        ("executive_order", "2023-10-30"),
        ("executive_order", "2025-01-20"),
    }


def test_a_month_as_the_subject_opening_a_sentence_dates_what_it_brought():
    text = "April brought the H20 and MI308 licence requirements, July the reversal."
    found = extract_events(text, date(2026, 1, 5), linker=current_linker())
    assert sorted((c.kind, c.date.isoformat(), c.precision, c.principal or "") for c in found) == [
        ("license_required", "2025-04-01", "month", "amd"),
        ("license_required", "2025-04-01", "month", "nvidia"),
    ]
