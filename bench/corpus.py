"""A deterministic synthetic corpus shaped like the knowledge base's reports.

Titles and bodies of 300 to 800 words drawn from an English-like vocabulary
with Zipf frequencies (function words first, then stems in several inflected
forms, so stemming matters), the subject's terms mixed in at a few per cent,
registry entity names in the text (up to 6 per document), dates 2019-2026,
40 sources and 5 kinds. The same seed gives the same corpus on any machine.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import format_datetime
from xml.sax.saxutils import escape

import numpy as np

from kb.registry import load_registry

SOURCES = 40
KINDS = ("news", "news", "news", "rule", "proposed_rule", "notice", "statement")  # news dominates
FIRST_DAY = datetime(2019, 1, 1)
DAYS = (datetime(2026, 12, 31) - FIRST_DAY).days

FUNCTION_WORDS = [
    "the",
    "of",
    "and",
    "to",
    "in",
    "a",
    "is",
    "that",
    "for",
    "it",
    "as",
    "was",
    "with",
    "be",
    "by",
    "on",
    "not",
    "he",
    "this",
    "are",
    "or",
    "his",
    "from",
    "at",
    "which",
    "but",
    "have",
    "an",
    "they",
    "you",
    "were",
    "their",
    "one",
    "all",
    "we",
    "can",
    "her",
    "has",
    "there",
    "been",
    "if",
    "more",
    "when",
    "will",
    "would",
    "who",
    "so",
    "no",
    "out",
    "up",
    "into",
    "do",
    "than",
    "its",
    "about",
    "some",
    "them",
    "only",
    "other",
    "new",
    "time",
    "could",
    "these",
    "two",
    "may",
    "then",
    "first",
    "any",
    "like",
    "now",
    "over",
    "such",
    "our",
    "also",
    "after",
    "most",
    "made",
    "many",
    "before",
    "must",
    "through",
    "back",
    "years",
    "where",
    "much",
    "your",
    "way",
    "well",
    "down",
    "should",
    "because",
    "each",
    "just",
    "those",
    "people",
    "how",
    "too",
    "little",
    "state",
    "good",
    "very",
    "make",
    "world",
    "still",
    "own",
    "see",
    "men",
    "work",
    "long",
    "get",
    "here",
    "between",
    "both",
    "life",
    "being",
    "under",
    "never",
    "day",
    "same",
    "another",
    "know",
    "while",
    "last",
    "might",
    "us",
    "great",
    "old",
    "year",
    "off",
    "come",
    "since",
    "against",
    "go",
    "came",
    "right",
    "used",
    "take",
    "three",
]
# Words whose Porter and Snowball stems differ; real reports use them.
INFLECTED = [
    "celebrated",
    "celebrate",
    "celebrating",
    "chipped",
    "chip",
    "chips",
    "chipping",
    "personalized",
    "personalize",
    "personalization",
    "controlled",
    "controls",
    "controlling",
    "regulated",
    "regulating",
    "regulation",
    "regulations",
    "licensed",
    "licensing",
    "licenses",
    "restricted",
    "restricting",
    "restrictions",
    "exported",
    "exporting",
    "exporters",
]
SUBJECT_TERMS = (
    "export controls",
    "Entity List",
    "advanced computing",
    "AI chips",
    "license requirement",
    "semiconductor",
    "data center",
    "model weights",
    "AI Diffusion",
    "API access",
    "free tokens",
    "supported countries",
    "rescinded",
    "Federal Register",
    "interim final rule",
    "comment period",
    "foreign direct product rule",
    "compute threshold",
    "cloud providers",
    "unsupported regions",
)
_ONSETS = [
    "b",
    "c",
    "d",
    "f",
    "g",
    "h",
    "j",
    "k",
    "l",
    "m",
    "n",
    "p",
    "r",
    "s",
    "t",
    "v",
    "w",
    "z",
    "br",
    "cr",
    "dr",
    "fl",
    "gr",
    "pl",
    "pr",
    "st",
    "tr",
    "sh",
    "ch",
    "th",
]
_NUCLEI = ["a", "e", "i", "o", "u", "ai", "ea", "io", "ou"]
_CODAS = ["n", "r", "l", "s", "t", "m", "nd", "nt", "st", "rk", "ct", "ng"]
_SUFFIXES = ("", "s", "ed", "ing", "er", "ation", "ly", "ment")


@dataclass(frozen=True)
class GeneratedDoc:
    key: str
    title: str
    summary: str
    body: str
    published: datetime
    source: int  # 0 .. SOURCES-1
    kind: str
    entities: tuple[str, ...]  # slugs whose names the text contains

    @property
    def content_hash(self) -> str:
        return hashlib.sha1(f"{self.title}\n{self.body}".encode()).hexdigest()


def vocabulary(seed: int = 14, stems: int = 6000) -> list[str]:
    """Function words first, then the inflected forms of made-up stems, in Zipf rank order."""
    rng = np.random.default_rng(seed)
    made: list[str] = []
    seen: set[str] = set(FUNCTION_WORDS)
    while len(made) < stems:
        parts = [
            _ONSETS[rng.integers(len(_ONSETS))] + _NUCLEI[rng.integers(len(_NUCLEI))]
            for _ in range(int(rng.integers(1, 3)))
        ]
        stem = "".join(parts) + _CODAS[rng.integers(len(_CODAS))]
        if stem not in seen:
            seen.add(stem)
            made.append(stem)
    forms = [stem + suffix for stem in made for suffix in _SUFFIXES[: 2 + int(rng.integers(0, 6))]]
    order = rng.permutation(len(forms))
    ranked = [forms[i] for i in order]
    ranked[40:40] = INFLECTED  # common enough to be searched for
    return list(FUNCTION_WORDS) + ranked


class Generator:
    """Documents number 0, 1, 2 ... of the corpus for one seed; document i is always the same."""

    def __init__(self, seed: int = 14):
        self.seed = seed
        self.words = np.array(vocabulary(seed), dtype=object)
        ranks = np.arange(1, len(self.words) + 1, dtype=np.float64)
        weights = 1.0 / ranks**1.07
        self.cdf = np.cumsum(weights / weights.sum())
        registry = load_registry()
        entities = sorted(registry.entities.values(), key=lambda e: e.slug)
        self.entities = [(e.slug, e.name) for e in entities if not e.merged_into and e.name.isascii()]
        eweights = 1.0 / np.arange(1, len(self.entities) + 1) ** 0.9
        self.entity_p = eweights / eweights.sum()

    def document(self, i: int) -> GeneratedDoc:
        rng = np.random.default_rng([self.seed, i])
        count = int(rng.integers(300, 801))
        words = self._draw(rng, count)
        terms = [SUBJECT_TERMS[j] for j in rng.choice(len(SUBJECT_TERMS), size=3, replace=False)]
        for pos in rng.integers(0, count, size=max(1, count // 40)):  # the subject, about 2.5% of words
            words[pos] = terms[int(rng.integers(3))]
        picked = rng.choice(len(self.entities), size=int(rng.integers(0, 7)), replace=False, p=self.entity_p)
        slugs = tuple(sorted(self.entities[j][0] for j in picked))
        for j in picked:
            for pos in rng.integers(0, count, size=int(rng.integers(1, 4))):
                words[pos] = self.entities[j][1]
        sentences, start = [], 0
        while start < count:
            end = start + int(rng.integers(8, 21))
            chunk = " ".join(words[start:end])
            sentences.append(chunk[:1].upper() + chunk[1:] + ".")
            start = end
        body = " ".join(sentences)
        title_words = self._draw(rng, int(rng.integers(5, 11)))
        title_words.insert(int(rng.integers(len(title_words))), terms[0])
        title = " ".join(title_words).capitalize()
        published = FIRST_DAY + timedelta(days=int(rng.integers(DAYS + 1)), seconds=int(rng.integers(86400)))
        return GeneratedDoc(
            key=f"bench-{i}",
            title=title,
            summary=sentences[0],
            body=body,
            published=published,
            source=int(rng.integers(SOURCES)),
            kind=KINDS[int(rng.integers(len(KINDS)))],
            entities=slugs,
        )

    def _draw(self, rng: np.random.Generator, count: int) -> list[str]:
        picks = np.searchsorted(self.cdf, rng.random(count) * self.cdf[-1])
        return self.words[np.minimum(picks, len(self.words) - 1)].tolist()

    def documents(self, count: int, first: int = 0) -> Iterator[GeneratedDoc]:
        for i in range(first, first + count):
            yield self.document(i)


def rss_feed(docs: list[GeneratedDoc], base: str = "https://bench.invalid") -> bytes:
    """The documents as one RSS 2.0 feed, as a publisher would serve them."""
    items = "".join(
        f"<item><guid>{d.key}</guid><title>{escape(d.title)}</title><link>{base}/{d.key}</link>"
        f"<pubDate>{format_datetime(d.published.replace(tzinfo=None), usegmt=False)}</pubDate>"
        f"<description>{escape(d.body)}</description></item>"
        for d in docs
    )
    return (
        "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>Bench wire</title>"
        f"<link>{base}/</link><description>synthetic</description>{items}</channel></rss>"
    ).encode()
