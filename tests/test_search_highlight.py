"""Snippets (kb.search._highlight): the very string Whoosh's highlighter gave with the project's old
arguments, over real texts (articles, the demo corpus, Chinese) and made-up ones that reach every
boundary of its fragmenter (fragment length, context before and after, the character limit)."""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
from whoosh import highlight

from ingest.article import decode_html, parse_html
from ingest.feeds import parse_feed
from kb.index import SCHEMA
from kb.search import _END, _START, _highlight, _near_first_match, _segments, _snippet
from kb.search_rows import DocumentRow
from tests.helpers import FIXTURES, ROOT, needs_fixtures

ANALYZER = SCHEMA["body"].analyzer
ARTICLES = Path(__file__).parent / "data" / "articles"
EVAL_PAGES = FIXTURES / "articles" / "trafilatura-eval" / "tests"
DEMO = ROOT / "data" / "demo"
Case = tuple[str, frozenset[str]]


class _Marker(highlight.Formatter):
    """The formatter kb.search gave Whoosh: matches between private-use marks."""

    between = " … "

    def format_token(self, text, token, replace=False):
        return _START + highlight.get_text(text, token, replace) + _END


def whooshs(text: str, terms: frozenset[str]) -> str:
    """What kb.search._highlight returned when Whoosh highlighted."""
    fragmenter = highlight.ContextFragmenter(maxchars=220, surround=70)
    return highlight.highlight(text, terms, ANALYZER, fragmenter, _Marker(), top=2)


def words_of(text: str) -> list[str]:
    """The terms the body analyzer indexes for `text`, in order (stemmed, stopwords left out)."""
    return [word.decode("utf-8") for word in ANALYZER.words(text)[0]]


def assert_same(cases: Iterable[Case], at_least: int) -> None:
    checked = marked = 0
    for text, terms in cases:
        ours, theirs = _highlight(text, terms), whooshs(text, terms)
        assert ours == theirs, f"terms {sorted(terms)} in {text[:120]!r}"
        checked += 1
        marked += _START in ours
    assert checked >= at_least
    assert marked >= checked // 2  # most cases mark something: the comparison is not between two empty strings


def drawn_from(texts: Iterable[str], seed: int, per_text: int) -> Iterator[Case]:
    """For each text, random sets of its own words (with now and then a stopword or a word it
    lacks), highlighted in the window _snippet would cut, the whole text and a random stretch."""
    rng = random.Random(seed)
    for text in texts:
        words = sorted(set(words_of(text)))
        if not words:
            continue
        for n in range(per_text):
            terms = set(rng.sample(words, min(len(words), rng.randint(1, 4))))
            if n % 4 == 1:
                terms |= {rng.choice(["the", "will", "of", "us", "can"])}
            if n % 4 == 2:
                terms |= {"zyxwvut"}
            chosen = frozenset(terms)
            window = _near_first_match(text, chosen)
            if window is not None:
                yield window, chosen
            start = rng.randrange(len(text))
            yield text[start : start + rng.choice([150, 400, 700, 3000])], chosen
            if n % 3 == 0:
                yield text, chosen


def page_text(path: Path) -> str:
    tree = parse_html(decode_html(path.read_bytes()))
    if tree is None:
        return ""
    for element in tree.xpath("//script|//style|//noscript"):
        element.drop_tree()
    return tree.text_content()


def eval_pages() -> list[Path]:
    return sorted(EVAL_PAGES.glob("*/*.html"))


def demo_texts() -> list[str]:
    texts = []
    for path in sorted([*DEMO.glob("*.xml"), *DEMO.glob("*.atom")]):
        for item in parse_feed(path.read_bytes()).items:
            texts += [t for t in (item.title, item.summary, item.body) if t]
    texts += [page_text(path) for path in sorted(DEMO.glob("availability/*/*.html"))]
    return texts


# Real texts


def test_the_project_article_texts():
    texts = [path.read_text(encoding="utf-8") for path in sorted(ARTICLES.glob("*.txt"))]
    assert len(texts) >= 30
    assert_same(drawn_from(texts, seed=1, per_text=8), at_least=700)


@needs_fixtures(EVAL_PAGES)
def test_a_sample_of_the_shared_article_pages():
    pages = eval_pages()[::6]  # English, German, Chinese, Japanese, Arabic ... pages alike
    assert_same(drawn_from(map(page_text, pages), seed=2, per_text=6), at_least=200)


@pytest.mark.slow  # 118 pages, some seconds to parse: CI runs it, the quick loop does not
@needs_fixtures(EVAL_PAGES)
def test_every_shared_article_page():
    pages = eval_pages()
    assert len(pages) == 118
    assert_same(drawn_from(map(page_text, pages), seed=3, per_text=6), at_least=1500)


def test_the_demo_corpus():
    texts = demo_texts()
    assert len(texts) >= 100
    assert any(re.search("[\u4e00-\u9fff]", text) for text in texts)
    assert_same(drawn_from(texts, seed=4, per_text=4), at_least=600)


CHINESE = (
    "国家互联网信息办公室等七部门联合公布《生成式人工智能服务管理暂行办法》，自2023年8月15日起施行。"
    "办法提出国家坚持发展和安全并重、促进创新和依法治理相结合的原则，采取有效措施鼓励生成式人工智能创新发展，"
    "对生成式人工智能服务实行包容审慎和分类分级监管。Nvidia's H20 chips and the U.S. export rules 也被提及。"
)


def test_chinese_text_where_each_character_is_a_word():
    cases = [(CHINESE, frozenset(words_of(w))) for w in ("人工智能", "生成", "监管", "办法", "国家", "创新", "智")]
    cases += [(CHINESE * 3, frozenset(words_of("服务 管理"))), (CHINESE, frozenset(words_of("nvidia's u.s. 智能")))]
    assert_same(cases, at_least=9)
    assert_same(drawn_from([CHINESE, CHINESE * 4], seed=5, per_text=40), at_least=150)


# Made-up texts at the edges


def terms_of(words: str) -> frozenset[str]:
    return frozenset(words_of(words))


FILLER = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt. "
EDGES = {
    "first word": ("Export controls on chips. " + FILLER * 4, terms_of("export")),
    "last word": (FILLER * 4 + "Rules on exports", terms_of("export")),
    "only word": ("exports", terms_of("export")),
    "first and last": ("Export " + FILLER * 6 + " export", terms_of("export")),
    "repeated": ((FILLER + "chips chips, CHIPS. ") * 8, terms_of("chips")),
    "every word": ("chip " * 300, terms_of("chip")),
    "never there": (FILLER * 5, terms_of("semiconductor")),
    "no terms": (FILLER * 5, frozenset()),
    "empty text": ("", terms_of("chip")),
    "no words": (" .,;— \n\n …", terms_of("chip")),
    "a stopword term": (
        FILLER + "The rule will apply to the wills of the U.S. and us." + FILLER,
        frozenset({"will", "the", "us"}),
    ),
    "a stem that is a stopword": ("Their wills and what they will do. " * 5, terms_of("wills")),
    "apostrophes and dots": (
        "Nvidia's chips reach the U.S. market; NVIDIA’s rivals, e.g. AMD's, wait. U.S.A. rules." * 3,
        terms_of("nvidia's u.s. amd's u.s.a"),
    ),
    "fragments that merge": (("lorem " * 8 + "chips ") * 30, terms_of("chips")),
    "fragments apart": ((FILLER * 3 + "chips ") * 6, terms_of("chips")),
    "three fragments, the middle best": (
        FILLER * 3 + "chips " + FILLER * 3 + "chips exports rules " + FILLER * 3 + "chips " + FILLER * 3,
        terms_of("chips exports rules"),
    ),
    "ties go to the later": ("".join(FILLER * 3 + f"chips {n} " for n in range(5)), terms_of("chips")),
    "a word longer than a fragment": (
        FILLER + "x" * 230 + " chips " + "y" * 300 + FILLER,
        frozenset({"x" * 230, "chips"}),
    ),
    "a match that overflows a fragment": (
        "chips " + "aaaaaaaaa " * 30 + ("chips " + "bbbbb ") * 20,
        terms_of("chips"),
    ),
    "past the character limit": (FILLER * 400 + "chips " + FILLER * 3, terms_of("chips")),
    "across the character limit": ("a" * 32_760 + " chips " + FILLER, terms_of("chips")),
    "a match ending at the character limit": ("a" * 32_762 + " chips " + FILLER, terms_of("chips")),
    "a match ending just past it": ("a" * 32_763 + " chips " + FILLER, terms_of("chips")),
    "a fragment ending at it": ("chips " + "a" * 32_756 + " chips", terms_of("chips")),
    "a fragment cut by the character limit": (
        "chips " * 5 + "a" * 32_740 + " chips chips " + FILLER,
        terms_of("chips"),
    ),
}


@pytest.mark.parametrize("name", EDGES)
def test_edges(name):
    text, terms = EDGES[name]
    assert _highlight(text, terms) == whooshs(text, terms)


def test_the_two_best_fragments_in_the_order_of_the_text():
    text, terms = EDGES["three fragments, the middle best"]
    marked = [part for part, match in _segments(_highlight(text, terms)) if match]
    assert marked == ["chips", "exports", "rules", "chips"]  # the best, then the later of two that tie
    text, terms = EDGES["ties go to the later"]
    assert _highlight(text, terms).count(" … ") == 1 and "chips 4" in _highlight(text, terms).replace(_END, "")


def made_up(rng: random.Random, size: int) -> Case:
    """Words of 1 to 16 letters between varied separators, a few of them matches: fragments end
    on each of their rules, and at the very character they may (the words' lengths are random)."""
    vocabulary = ["".join(rng.choice("bcdfghjklmnpqrstvwxz") for _ in range(n)) for n in range(1, 17)]
    matches = ["chips", "export", "rule", "will", "U.S", "Nvidia's", "国", "ai"]
    parts = []
    while sum(map(len, parts)) < size:
        word = rng.choice(matches) if rng.random() < rng.choice([0.02, 0.08, 0.3]) else rng.choice(vocabulary)
        parts += [word, rng.choice([" ", " ", " ", "  ", ", ", ". ", "\n\n", " — ", "-", ""])]
    terms = frozenset(rng.sample([w.lower() for w in matches], rng.randint(1, 4)))
    return "".join(parts), frozenset(w for t in terms for w in words_of(t)) | ({"will"} & terms)


def test_made_up_texts_reach_every_boundary():
    rng = random.Random(6)
    cases = [made_up(rng, rng.choice([60, 250, 600, 1500, 4000])) for _ in range(1500)]
    assert_same(cases, at_least=1500)


def test_made_up_texts_around_the_character_limit():
    rng = random.Random(7)
    cases = []
    for _ in range(6):
        text, terms = made_up(rng, 33_300)
        cases += [(text, terms), (text[rng.randrange(200) :], terms)]
    assert_same(cases, at_least=12)


# _snippet around it


def document(text: str) -> DocumentRow:
    return DocumentRow(
        1, "A title", "https://example.org/a", 1, None, "news", text, "", "A source", "https://example.org"
    )


def test_a_snippet_is_the_window_highlighted_or_else_the_whole_text():
    long = FILLER * 12
    # the window: the first match and what is around it
    snippet = _snippet(document(long + "chips rules " + long), terms_of("chips"))
    assert [part for part, match in snippet if match] == ["chips"] and len("".join(p for p, _ in snippet)) < 400
    # a word that looks like a match but is not ("ruler" is not a "rule"): the whole text
    text = long + "a ruler " + long + "the rules " + long
    assert _highlight(_near_first_match(text, terms_of("rules")) or "", terms_of("rules")) == ""
    assert _snippet(document(text), terms_of("rules")) == _segments(whooshs(text, terms_of("rules")))
    assert ("rules", True) in _snippet(document(text), terms_of("rules"))
    # no match at all: the text's beginning
    assert _snippet(document(long), terms_of("chips")) == [(long[:220] + "…", False)]
