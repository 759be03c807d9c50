"""The entity registry: YAML files under data/entities/, plus every ISO 3166 country.

Each entry is checked when loaded; a malformed or conflicting entry is
rejected with a RegistryError that names its file and entry.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pycountry
import yaml

from kb.errors import RegistryError

KINDS = ("organization", "government_body", "country", "person", "ai_model", "product", "regulation", "program")
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
COUNTRY_FILE = "countries.yaml"
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C loader is ~10x faster
_FIELDS = {
    "slug",
    "name",
    "kind",
    "aliases",
    "country",
    "description",
    "url",
    "wikidata",
    "ambiguous",
    "merged_into",
    "maker",
}


@dataclass(frozen=True)
class ContextRule:
    """An alias that links only when one of `context` occurs near it."""

    alias: str
    context: tuple[str, ...]
    why: str


@dataclass
class EntitySpec:
    slug: str
    name: str
    kind: str
    aliases: list[str] = field(default_factory=list)
    country: str | None = None
    description: str = ""
    url: str | None = None
    wikidata: str | None = None
    merged_into: str | None = None
    ambiguous: list[ContextRule] = field(default_factory=list)
    origin: str = ""  # "file.yaml: entry N (slug)", for messages
    maker: str | None = None  # a product's or model's maker (slug): its rules roll up to the maker

    def names(self) -> list[str]:
        """The name and every alias, without repeats."""
        seen, out = set(), []
        for n in [self.name, *self.aliases]:
            if n and n not in seen:
                seen.add(n)
                out.append(n)
        return out

    def rule_for(self, alias: str) -> ContextRule | None:
        return next((r for r in self.ambiguous if r.alias == alias), None)


@dataclass
class Registry:
    entities: dict[str, EntitySpec]
    fingerprint: str

    def resolve(self, slug: str) -> str:
        """Follow merged_into to the surviving slug."""
        return follow_merges(slug, self._merged_into)

    def _merged_into(self, slug: str) -> str | None:
        spec = self.entities.get(slug)
        return spec.merged_into if spec is not None else None


def follow_merges(slug: str, merged_into: Callable[[str], str | None]) -> str:
    """The end of the chain of merges that starts at `slug` (`merged_into` gives each step).
    A registry edited by hand can merge in a circle: the walk stops where it comes back."""
    seen: set[str] = set()
    while slug not in seen and (target := merged_into(slug)):
        seen.add(slug)
        slug = target
    return slug


def registry_dir() -> Path:
    """The registry directory the settings name (KB_REGISTRY_DIR)."""
    from kb.settings import load

    return load().registry_dir


def load_registry(directory: Path | None = None) -> Registry:
    """Read and check every registry file; raise RegistryError on the first problem."""
    directory = directory or registry_dir()
    entities: dict[str, EntitySpec] = {}
    overrides: list[dict] = []
    for path in _files(directory):
        entries = _read_yaml(path, path.read_bytes())
        if path.name == COUNTRY_FILE:
            overrides = [dict(e, _origin=f"{path.name}: entry {i + 1}") for i, e in enumerate(entries)]
            continue
        for i, entry in enumerate(entries):
            _add(entities, _spec(entry, f"{path.name}: entry {i + 1}"))
    for spec in countries(overrides):
        _add(entities, spec)
    _check(entities)
    return Registry(entities, fingerprint(directory))


def _files(directory: Path) -> list[Path]:
    files = sorted(directory.glob("*.yaml")) if directory.is_dir() else []
    if not files:
        raise RegistryError(f"no registry files (*.yaml) in {directory}")
    return files


def fingerprint(directory: Path | None = None) -> str:
    """A hash of the registry files, computed before every use (each search, each poll):
    the files are read again only when their names, sizes or modification times change."""
    directory = directory or registry_dir()
    stats = tuple((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in _files(directory))
    return _content_hash(str(directory), stats)


@lru_cache(maxsize=8)
def _content_hash(directory: str, stats: tuple) -> str:
    digest = hashlib.sha256()
    for name, _size, _mtime in stats:
        digest.update(name.encode() + b"\0" + (Path(directory) / name).read_bytes())
    return digest.hexdigest()[:16]


def _read_yaml(path: Path, raw: bytes) -> list:
    try:
        data = yaml.load(raw, Loader=_LOADER) or []
    except yaml.YAMLError as exc:
        raise RegistryError(f"{path.name}: not valid YAML: {exc}") from exc
    if not isinstance(data, list):
        raise RegistryError(f"{path.name}: expected a list of entries")
    return data


def _spec(entry, origin: str) -> EntitySpec:
    if not isinstance(entry, dict):
        raise RegistryError(f"{origin}: expected a mapping, got {type(entry).__name__}")
    origin = f"{origin} ({entry.get('slug', '?')})"
    unknown = set(entry) - _FIELDS
    if unknown:
        raise RegistryError(f"{origin}: unknown fields {', '.join(sorted(unknown))}")
    for key in ("slug", "name", "kind"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise RegistryError(f"{origin}: missing or empty '{key}'")
    if not SLUG.match(entry["slug"]):
        raise RegistryError(f"{origin}: slug must be lowercase letters, digits and '-'")
    if entry["kind"] not in KINDS:
        raise RegistryError(f"{origin}: unknown kind {entry['kind']!r} (expected one of {', '.join(KINDS)})")
    aliases = entry.get("aliases") or []
    if not isinstance(aliases, list) or not all(isinstance(a, str) and a.strip() for a in aliases):
        raise RegistryError(f"{origin}: 'aliases' must be a list of non-empty strings")
    return EntitySpec(
        slug=entry["slug"],
        name=entry["name"].strip(),
        kind=entry["kind"],
        aliases=[a.strip() for a in aliases],
        country=entry.get("country"),
        description=str(entry.get("description") or ""),
        url=entry.get("url"),
        wikidata=entry.get("wikidata"),
        merged_into=entry.get("merged_into"),
        ambiguous=_rules(entry.get("ambiguous") or [], origin),
        origin=origin,
        maker=entry.get("maker"),
    )


def _rules(raw, origin: str) -> list[ContextRule]:
    if not isinstance(raw, list):
        raise RegistryError(f"{origin}: 'ambiguous' must be a list")
    rules = []
    for rule in raw:
        if not isinstance(rule, dict) or not rule.get("alias") or not rule.get("context") or not rule.get("why"):
            raise RegistryError(f"{origin}: each ambiguous rule needs 'alias', 'context' (a list) and 'why'")
        rules.append(ContextRule(str(rule["alias"]), tuple(str(c) for c in rule["context"]), str(rule["why"])))
    return rules


def _add(entities: dict[str, EntitySpec], spec: EntitySpec) -> None:
    if spec.slug in entities:
        raise RegistryError(
            f"{spec.origin}: duplicate slug {spec.slug!r}, already defined by {entities[spec.slug].origin}"
        )
    entities[spec.slug] = spec


def _check(entities: dict[str, EntitySpec]) -> None:
    """Merge targets exist; an alias claimed twice needs a context rule on every claimant."""
    claims: dict[str, dict[str, EntitySpec]] = {}
    for spec in entities.values():
        if spec.merged_into and spec.merged_into not in entities:
            raise RegistryError(f"{spec.origin}: merged_into {spec.merged_into!r} is not in the registry")
        if spec.maker and spec.maker not in entities:
            raise RegistryError(f"{spec.origin}: maker {spec.maker!r} is not in the registry")
        for rule in spec.ambiguous:
            if rule.alias not in spec.names():
                raise RegistryError(f"{spec.origin}: ambiguous alias {rule.alias!r} is not its name or an alias")
        if spec.merged_into:
            continue
        for name in spec.names():
            claims.setdefault(match_key(name), {})[spec.slug] = spec
    for key, by_slug in claims.items():
        specs = list(by_slug.values())
        if len(specs) > 1 and not all(s.rule_for(n) for s in specs for n in s.names() if match_key(n) == key):
            slugs = ", ".join(s.slug for s in specs)
            raise RegistryError(
                f"{specs[-1].origin}: alias {key!r} is claimed by {slugs} without a context rule on each"
            )


def is_acronym(alias: str) -> bool:
    """Short all-capital aliases (BIS, EAR, CAC, U.S.) match case-sensitively."""
    letters = re.sub(r"[^A-Za-z0-9]", "", alias)
    return 0 < len(letters) <= 5 and letters.upper() == letters and any(c.isalpha() for c in letters)


def match_key(alias: str) -> str:
    return alias if is_acronym(alias) else alias.lower()


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def countries(overrides: list[dict]) -> list[EntitySpec]:
    """Every ISO 3166-1 country, with the preferred slug and aliases from countries.yaml."""
    by_iso = {}
    for entry in overrides:
        if not isinstance(entry, dict) or not entry.get("iso"):
            raise RegistryError(
                f"{COUNTRY_FILE}: {entry.get('_origin') if isinstance(entry, dict) else entry}: needs 'iso'"
            )
        by_iso[str(entry["iso"]).upper()] = entry
    specs = []
    for c in pycountry.countries:
        extra = by_iso.pop(c.alpha_2, {})
        specs.append(_country(c, extra))
    if by_iso:
        raise RegistryError(f"{COUNTRY_FILE}: unknown ISO codes {', '.join(sorted(by_iso))}")
    return specs


def _country(c, extra: dict) -> EntitySpec:
    common = getattr(c, "common_name", None)
    official = getattr(c, "official_name", None)
    name = extra.get("name") or common or c.name
    names = [n for n in (c.name, common, official) if n and "," not in n and "(" not in n]
    origin = f"{extra.get('_origin', 'pycountry')} ({c.alpha_2})"
    aliases = [a for a in dict.fromkeys([*names, *(extra.get("aliases") or [])]) if a != name]
    return EntitySpec(
        slug=extra.get("slug") or slugify(name),
        name=name,
        kind="country",
        aliases=aliases,
        country=c.alpha_2,
        description=extra.get("description") or f"Country (ISO 3166-1 {c.alpha_2}).",
        url=extra.get("url"),
        wikidata=extra.get("wikidata"),
        ambiguous=_rules(extra.get("ambiguous") or [], origin),
        origin=origin,
    )
