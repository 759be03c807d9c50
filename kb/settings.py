"""Settings, each declared once: name, default, environment variable and help.

`kb settings` prints this table and the README documents it from here.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path


@dataclass(frozen=True)
class Setting:
    name: str
    env: str
    default: Callable[[], str]
    help: str
    cast: Callable[[str], object] = str


# Seed data written by the project (entity registry, curated timeline, demo
# corpus) ships inside the package, so an installed wheel has it too; the
# checkout's top-level `data` is a link to the same folder.
DATA_DIR = Path(str(resources.files("kb") / "data"))


def _default_home() -> str:
    return str(Path.home() / ".local" / "share" / "ai-policy-kb")


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "home", "KB_HOME", _default_home, "Directory holding all runtime state: the SQLite file and the search index."
    ),
    Setting(
        "database_url",
        "KB_DATABASE_URL",
        lambda: "",
        "SQLAlchemy URL of the store; empty means sqlite:///$KB_HOME/kb.sqlite3.",
    ),
    Setting("index_dir", "KB_INDEX_DIR", lambda: "", "Directory of the Whoosh index; empty means $KB_HOME/index."),
    Setting("http_timeout", "KB_HTTP_TIMEOUT", lambda: "20", "Seconds allowed for each HTTP connect and read.", float),
    Setting(
        "max_response_bytes",
        "KB_MAX_RESPONSE_BYTES",
        lambda: str(10 * 1024 * 1024),
        "Largest decoded HTTP body accepted, in bytes.",
        int,
    ),
    Setting(
        "user_agent",
        "KB_USER_AGENT",
        lambda: "ai-policy-kb/0.1 (+https://github.com/ai-policy-kb)",
        "User-Agent header sent with every request.",
    ),
    Setting(
        "poll_interval", "KB_POLL_INTERVAL", lambda: "3600", "Default seconds between two checks of a source.", int
    ),
    Setting(
        "index_lock_timeout",
        "KB_INDEX_LOCK_TIMEOUT",
        lambda: "10",
        "Seconds to wait for the search index write lock.",
        float,
    ),
    Setting(
        "allow_private_addresses",
        "KB_ALLOW_PRIVATE_ADDRESSES",
        lambda: "1",
        "1: sources may live on loopback or private networks; 0: fetch only public addresses "
        "(set 0 when the app is reachable by others, so added sources cannot probe internal hosts).",
        lambda v: v.strip().lower() in ("1", "true", "yes"),
    ),
    Setting(
        "registry_dir",
        "KB_REGISTRY_DIR",
        lambda: str(DATA_DIR / "entities"),
        "Directory of the entity registry (YAML files).",
        Path,
    ),
)


@dataclass(frozen=True)
class Config:
    home: Path
    database_url: str
    index_dir: Path
    http_timeout: float
    max_response_bytes: int
    user_agent: str
    poll_interval: int
    index_lock_timeout: float
    allow_private_addresses: bool
    registry_dir: Path


def load(env: dict[str, str] | None = None) -> Config:
    """Read every setting from the environment, falling back to defaults."""
    env = os.environ if env is None else env
    raw = {s.name: s.cast(env.get(s.env) or s.default()) for s in SETTINGS}
    home = Path(raw["home"]).expanduser()
    raw["home"] = home
    raw["database_url"] = raw["database_url"] or f"sqlite:///{home / 'kb.sqlite3'}"
    raw["index_dir"] = Path(raw["index_dir"]) if raw["index_dir"] else home / "index"
    return Config(**raw)


def describe() -> list[tuple[str, str, str]]:
    """(environment variable, default, help) for every setting."""
    return [(s.env, s.default(), s.help) for s in SETTINGS]
