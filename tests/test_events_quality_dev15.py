"""Failure classes the fifteenth development half (dev15) showed, each on short reports of our own."""

from __future__ import annotations

from datetime import date

import pytest

from tests.test_events_quality import _kinds_and_labels


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("- The General-Purpose AI Code of Practice, published on July 10.", {("guidance_issued", "2025-07-10")}),
        (
            "- Guidelines on the scope of the obligations, issued on July 18, which explain who counts as a provider.",
            {("guidance_issued", "2025-07-18")},
        ),
    ],
)
def test_guidelines_and_a_code_of_practice_issued_are_guidance(text, expected):
    assert _kinds_and_labels(text, date(2025, 7, 28)) == expected


@pytest.mark.parametrize(
    ("text", "published", "expected"),
    [
        (
            "iPhone owners in the European Union got access to Apple Intelligence on Monday.",
            date(2025, 4, 1),
            {("service_available", "2025-03-31")},
        ),
        (
            "The regulator said the app had been off local app stores since 6 p.m. on Saturday.",
            date(2025, 2, 17),
            {("service_restricted", "2025-02-15")},
        ),
        (
            "At the end of March we decided to pause the service there while we answered the regulator's questions.",
            date(2023, 4, 28),
            {("service_restricted", "2023-03")},
        ),
    ],
)
def test_access_gained_and_a_service_paused_or_off_the_app_stores(text, published, expected):
    assert _kinds_and_labels(text, published) == expected


def test_authorisations_revoked_are_a_rule_not_a_rescission():
    """'BIS announced that it was revoking the Validated End-User authorizations': a rule that ends a programme's
    authorisations, not a rule rescinded."""
    assert _kinds_and_labels(
        "On August 29, BIS announced that it was revoking the Validated End-User authorizations that let Samsung ship "
        "US tools to its fabs in China.",
        date(2025, 9, 5),
    ) == {("rule_published", "2025-08-29")}


def test_on_the_unverified_list_since_a_day():
    assert ("entity_listed", "2022-10-07") in _kinds_and_labels(
        "YMTC had been on the Unverified List since October 7, when BIS said it could not verify its use of US items.",
        date(2022, 12, 16),
    )


def test_years_ago_this_week_is_that_month_years_before():
    """'Five years ago this week, the Commerce Department put Huawei on the Entity List', told in May 2024: May 2019;
    'two years ago' alone is the year."""
    assert _kinds_and_labels(
        "Five years ago this week, the Commerce Department put Huawei on the Entity List.", date(2024, 5, 16)
    ) == {("entity_listed", "2019-05")}
    assert _kinds_and_labels(
        "Two years ago, the Commerce Department put Biren on the Entity List.", date(2025, 6, 1)
    ) == {("entity_listed", "2023")}


def test_publication_in_the_official_journal_is_a_rule_published():
    found = _kinds_and_labels(
        "The AI Act enters into force today, twenty days after its publication in the Official Journal of the "
        "European Union on 12 July.",
        date(2024, 8, 1),
    )
    assert found == {("rule_effective", "2024-08-01"), ("rule_published", "2024-07-12")}


def test_chinese_lately_a_draft_for_comment_and_a_model_launch():
    """近日 on a dated page is the report's month; a draft put out for comment (征求意见稿) is a rule published; a
    model family released (发布豆包大模型家族) is a product, no rule."""
    found = _kinds_and_labels(
        "近日，国家互联网信息办公室等七部门公布《生成式人工智能服务管理暂行办法》，自2023年8月15日起施行。"
        "今年4月11日，国家网信办曾就《办法》的征求意见稿向社会公开征求意见。",
        date(2023, 7, 13),
    )
    assert {("rule_published", "2023-07"), ("rule_effective", "2023-08-15"), ("rule_published", "2023-04-11")} <= found
    assert _kinds_and_labels("此前，火山引擎于5月15日正式发布豆包大模型家族。", date(2024, 5, 22)) == set()


def test_visa_restrictions_and_price_cuts_are_no_rule():
    assert ("rule_published", "2019-10-08") not in _kinds_and_labels(
        "In a separate step on Tuesday, the State Department announced visa restrictions on Chinese officials.",
        date(2019, 10, 8),
    )
    assert _kinds_and_labels("阿里云21日宣布，通义千问9款模型集体降价，降幅达97%。", date(2024, 5, 22)) == set()


def test_a_month_opening_the_sentence_before_a_comma_reaches_its_verb_past_a_list_of_subjects():
    """'In late June 2024, Zhipu AI, Baidu AI Cloud and Alibaba Cloud each published offers of free tokens': each
    offer is of June 2024; without the comma ('In May 2020 BIS amended the rule so that chips ... needed a licence')
    the month keeps to the verb near it."""
    found = _kinds_and_labels(
        "In late June 2024, Zhipu AI, Baidu AI Cloud and Alibaba Cloud each published offers of free tokens and "
        "migration help for developers leaving OpenAI.",
        date(2025, 5, 20),
    )
    assert found == {("migration_offer", "2024-06")}
    assert _kinds_and_labels(
        "In May 2020 BIS amended the foreign direct product rule so that chips made abroad to Huawei's designs with US "
        "tools needed a licence.",
        None,
    ) == {("rule_published", "2020-05")}


def test_downloads_that_resumed_make_the_service_available():
    assert _kinds_and_labels(
        "Downloads in South Korea resumed on April 28, after DeepSeek changed how it transfers user data abroad.",
        date(2025, 5, 20),
    ) == {("service_available", "2025-04-28")}


def test_a_service_launched_in_a_country_and_duties_that_begin_on_a_day():
    assert _kinds_and_labels(
        "Meta AI first launched in the US in September 2023 and is now used in dozens of countries.", date(2025, 3, 20)
    ) == {("service_available", "2023-09")}
    assert ("compliance_date", "2025-10-06") in _kinds_and_labels(
        "The core prohibitions apply from April 8, 2025; due diligence, audit and reporting duties tied to data "
        "compliance programs begin on October 6, 2025.",
        date(2025, 1, 9),
    )


def test_tariffs_that_apply_from_a_day_are_no_event():
    assert (
        _kinds_and_labels(
            "Tariffs of 15% on US coal and 10% on crude oil and farm machinery will apply from February 10.",
            date(2025, 2, 5),
        )
        == set()
    )


def test_china_s_own_licensing_regimes_are_rules_and_its_us_ban_a_retaliation():
    """The curated timeline follows the corpus's rule 11 (data/events/README.md): the July 2023 gallium and germanium
    licensing and the October 2025 rare-earth measures are rules; the December 2024 ban aimed at the US retaliates."""
    import yaml

    from kb.events.curated import CURATED_DIR

    entries = {e["id"]: e for e in yaml.safe_load((CURATED_DIR / "china.yaml").read_text(encoding="utf-8"))}
    assert entries["2023-07-03-cn-gallium-germanium-export-controls-announced"]["kind"] == "rule_published"
    assert entries["2025-10-09-cn-rare-earth-export-controls-expanded"]["kind"] == "rule_published"
    assert entries["2024-12-03-cn-bans-gallium-germanium-antimony-exports-to-us"]["kind"] == "retaliation"


@pytest.mark.parametrize(
    "text",
    [
        "On Tuesday, OpenAI sent emails to developers in regions it does not support, saying it will take further "
        "steps to block their API traffic starting July 9.",
        "此前，OpenAI于6月25日向中国开发者发出邮件，称将从7月9日起封锁来自不支持国家和地区的API流量。",
    ],
)
def test_a_provider_sending_emails_about_its_block_to_come_announces_it(text):
    """The corpus's rule 8: the emails are a statement of their day, the block a restriction from its start."""
    found = _kinds_and_labels(text, date(2024, 6, 26))
    assert {("statement", "2024-06-25"), ("service_restricted", "2024-07-09")} <= found
