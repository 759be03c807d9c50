"""The entity registry and linker: validation, matching rules, and quality on a gold corpus."""

from __future__ import annotations

import textwrap

import pytest
import yaml

from kb.errors import RegistryError
from kb.linker import Linker, current_linker
from kb.registry import load_registry
from tests.helpers import ROOT

GOLD = ROOT / "tests" / "data" / "linking_gold.yaml"


def write_registry(tmp_path, text: str, countries: str = "[]"):
    (tmp_path / "things.yaml").write_text(textwrap.dedent(text))
    (tmp_path / "countries.yaml").write_text(countries)
    return tmp_path


SMALL = """
- slug: bis
  name: Bureau of Industry and Security
  kind: government_body
  aliases: [BIS]
- slug: baidu
  name: Baidu
  kind: organization
  aliases: [百度]
- slug: ernie
  name: Ernie Bot
  kind: product
  aliases: [Ernie, 文心一言]
  ambiguous:
    - alias: Ernie
      context: [Baidu, chatbot, model, 百度]
      why: Ernie is also a first name.
- slug: alibaba
  name: Alibaba Group
  kind: organization
  aliases: [Alibaba]
- slug: alibaba-cloud
  name: Alibaba Cloud
  kind: organization
  aliases: [Aliyun, 阿里云]
- slug: zhipu
  name: Zhipu
  kind: organization
  merged_into: zhipu-ai
- slug: zhipu-ai
  name: Zhipu AI
  kind: organization
"""


@pytest.fixture
def small(tmp_path):
    return Linker(
        load_registry(write_registry(tmp_path, SMALL, "- iso: CN\n  slug: china\n  aliases: [mainland China, 中国]\n"))
    )


def test_acronyms_are_case_sensitive(small):
    assert small.link("BIS added firms.")["bis"] == 1
    assert "bis" not in small.link("Bis repetita placent; the bis was late.")


def test_whole_words_only(small):
    assert "baidu" not in small.link("Baiduism is not a word")
    assert small.link("Baidu's model and (Baidu).")["baidu"] == 2


def test_ambiguous_alias_needs_context(small):
    assert "ernie" not in small.link("Ernie Johnson hosted the show last night.")
    assert "ernie" in small.link("Baidu said Ernie now has 300 million users.")
    assert "ernie" in small.link("Ernie Bot is a chatbot.")  # the full name is not ambiguous


def test_longest_match_wins(small):
    assert small.link("Alibaba Cloud cut prices") == {"alibaba-cloud": 1}
    assert small.link("Alibaba said") == {"alibaba": 1}


def test_chinese_names_match_inside_text(small):
    found = small.link("百度推出文心一言，阿里云跟进。中国开发者")
    assert set(found) == {"baidu", "ernie", "alibaba-cloud", "china"}


def test_merged_entity_names_lead_to_the_survivor(small):
    assert small.link("Zhipu released a model") == {"zhipu-ai": 1}


def test_merge_chains_end_at_the_survivor_and_circles_end(tmp_path):
    registry = load_registry(
        write_registry(
            tmp_path,
            """
            - {slug: old, name: Old Name, kind: organization, merged_into: middle}
            - {slug: middle, name: Middle Name, kind: organization, merged_into: new}
            - {slug: new, name: New Name, kind: organization}
            - {slug: ping, name: Ping, kind: organization, merged_into: pong}
            - {slug: pong, name: Pong, kind: organization, merged_into: ping}
            """,
        )
    )
    assert registry.resolve("old") == "new"
    assert registry.resolve("new") == "new"
    assert registry.resolve("unknown") == "unknown"
    assert registry.resolve("ping") == "ping"  # around the circle once, then it stops


def test_countries_come_from_iso_3166(small):
    registry = small.registry
    assert sum(1 for e in registry.entities.values() if e.kind == "country") == 249
    assert small.link("Firms in mainland China and France")["china"] == 1
    assert "france" in small.link("Firms in mainland China and France")


@pytest.mark.parametrize(
    "text, fragment",
    [
        (
            "- slug: a\n  name: A\n  kind: organization\n- slug: a\n  name: B\n  kind: organization\n",
            "things.yaml: entry 2 (a): duplicate slug 'a'",
        ),
        (
            "- slug: a\n  name: Apex\n  kind: organization\n- slug: b\n  name: Beta\n  kind: organization\n  aliases: [Apex]\n",
            "alias 'apex' is claimed by a, b",
        ),
        ("- slug: a\n  kind: organization\n", "things.yaml: entry 1 (a): missing or empty 'name'"),
        ("- slug: a\n  name: A\n  kind: spaceship\n", "unknown kind 'spaceship'"),
        ("- slug: A B\n  name: A\n  kind: organization\n", "slug must be lowercase"),
        ("- slug: a\n  name: A\n  kind: organization\n  merged_into: nowhere\n", "merged_into 'nowhere'"),
        ("- slug: a\n  name: A\n  kind: organization\n  colour: red\n", "unknown fields colour"),
        ("- slug: a\n  name: [unclosed\n", "things.yaml: not valid YAML"),
        ("- just a string\n", "things.yaml: entry 1: expected a mapping"),
    ],
)
def test_bad_registries_are_rejected_with_file_and_entry(tmp_path, text, fragment):
    with pytest.raises(RegistryError) as info:
        load_registry(write_registry(tmp_path, text))
    assert fragment in str(info.value)


def test_shared_alias_with_rules_on_both_is_allowed(tmp_path):
    text = """
    - slug: gemini-model
      name: Gemini
      kind: ai_model
      ambiguous: [{alias: Gemini, context: [Google, model], why: also a star sign}]
    - slug: gemini-exchange
      name: Gemini
      kind: organization
      ambiguous: [{alias: Gemini, context: [crypto, exchange], why: also a model}]
    """
    linker = Linker(load_registry(write_registry(tmp_path, text)))
    assert set(linker.link("Google's Gemini model")) == {"gemini-model"}
    assert set(linker.link("Gemini, the crypto exchange")) == {"gemini-exchange"}
    assert linker.link("Gemini rises in June.") == {}


# ---- the project's registry and gold corpus ------------------------------------------


@pytest.fixture(scope="module")
def linker():
    return Linker(load_registry())


def test_registry_size(linker):
    specs = linker.registry.entities.values()
    assert sum(1 for e in specs if e.kind != "country") >= 120
    for slug in (
        "bis",
        "openai",
        "alibaba-cloud",
        "baidu",
        "nvidia",
        "h20",
        "china",
        "entity-list",
        "ai-diffusion-framework",
    ):
        assert slug in linker.registry.entities, slug


def test_gold_corpus_precision_and_recall(linker):
    gold = yaml.safe_load(GOLD.read_text())
    assert len(gold) >= 30
    tp = fp = fn = 0
    misses = []
    for case in gold:
        found, expected = set(linker.link(case["text"])), set(case["entities"])
        tp += len(found & expected)
        fp += len(found - expected)
        fn += len(expected - found)
        if found != expected:
            misses.append((case["text"][:60], sorted(found - expected), sorted(expected - found)))
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    print(f"\nlinking gold: {len(gold)} texts, precision {precision:.3f}, recall {recall:.3f}")
    for miss in misses:
        print("  ", miss)
    assert precision >= 0.95 and recall >= 0.90


def test_a_name_without_its_context_words_still_covers_its_shorter_names():
    """ "Ministry of Commerce" with no Chinese marker near is no mention, and the "Commerce" inside it is not
    the US department, although export-control words are near."""
    linker = current_linker()
    text = "The Ministry of Commerce said export controls will apply to tungsten items."
    assert "department-of-commerce" not in {m.slug for m in linker.find(text)}
    assert "department-of-commerce" in {m.slug for m in linker.find("Commerce said export controls will apply.")}
