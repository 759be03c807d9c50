"""Settings, each declared once: name, default, environment variable and help.

`kb settings` prints this table and the README documents it from here.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Setting:
    name: str
    env: str
    default: Callable[[], str]
    help: str
    shown: str = ""  # the default as the documentation writes it, when it is derived or machine-specific

    def documented_default(self) -> str:
        return self.shown or self.default()


# Seed data written by the project (entity registry, curated timeline, demo
# corpus) ships inside the package, so an installed wheel has it too; the
# checkout's top-level `data` is a link to the same folder. Found next to this file, as
# importlib.resources.files("kb") would, without importing importlib.resources (and zipfile)
# into every `kb` process.
DATA_DIR = Path(__file__).parent / "data"


def _default_home() -> str:
    return str(Path.home() / ".local" / "share" / "ai-policy-kb")


def _flag(value: str) -> bool:
    return value.strip().lower() in ("1", "true", "yes")


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "home",
        "KB_HOME",
        _default_home,
        "Directory holding all runtime state: the SQLite file and the search index.",
        shown="~/.local/share/ai-policy-kb",
    ),
    Setting(
        "database_url",
        "KB_DATABASE_URL",
        lambda: "",
        "SQLAlchemy URL of the store.",
        shown="sqlite:///$KB_HOME/kb.sqlite3",
    ),
    Setting("index_dir", "KB_INDEX_DIR", lambda: "", "Directory of the Whoosh index.", shown="$KB_HOME/index"),
    Setting("http_timeout", "KB_HTTP_TIMEOUT", lambda: "20", "Seconds allowed for each HTTP connect and read."),
    Setting(
        "fetch_deadline",
        "KB_FETCH_DEADLINE",
        lambda: "60",
        "Seconds allowed for one whole fetch (connects, redirects, headers and body together), "
        "so that a server trickling bytes cannot hold a poll.",
    ),
    Setting(
        "max_response_bytes",
        "KB_MAX_RESPONSE_BYTES",
        lambda: str(10 * 1024 * 1024),
        "Largest decoded HTTP body accepted, in bytes.",
    ),
    Setting("user_agent", "KB_USER_AGENT", lambda: "ai-policy-kb/0.1", "User-Agent header sent with every request."),
    Setting("poll_interval", "KB_POLL_INTERVAL", lambda: "3600", "Default seconds between two checks of a source."),
    Setting(
        "max_poll_interval",
        "KB_MAX_POLL_INTERVAL",
        lambda: "86400",
        "Longest wait between two checks, whatever a server's max-age, Expires or a feed's TTL ask for.",
    ),
    Setting(
        "app_writer",
        "KB_APP_WRITER",
        lambda: "child",
        "How the app gets its requests done: `child` starts a writer (`kb run`) when none runs; `external` "
        "leaves it to a writer run by other means; `inline` runs them in the app's process (tests).",
    ),
    Setting(
        "writer_concurrency",
        "KB_WRITER_CONCURRENCY",
        lambda: "4",
        "Sources the writer (`kb run`) fetches at once; never two at once from the same host.",
    ),
    Setting(
        "index_lock_timeout", "KB_INDEX_LOCK_TIMEOUT", lambda: "10", "Seconds to wait for the search index write lock."
    ),
    Setting(
        "allow_private_addresses",
        "KB_ALLOW_PRIVATE_ADDRESSES",
        lambda: "0",
        "`0`: fetch only from public addresses, checked when a source is added and on every connection, "
        "redirects included (proxy variables such as `HTTPS_PROXY` are then ignored: a proxy would connect "
        "out of the check's sight); `1`: sources may also live on loopback, private or link-local addresses.",
    ),
    Setting(
        "read_only",
        "KB_READ_ONLY",
        lambda: "0",
        "`1`: the app shows no write actions (adding, enabling or polling sources; loading the demo corpus); "
        "for a shared deployment where `kb run` alone writes.",
    ),
    Setting(
        "public_url",
        "KB_PUBLIC_URL",
        lambda: "http://localhost:8501",
        "The app's address as its readers reach it (behind a proxy: the proxy's); alerts link to pages with it.",
    ),
    Setting(
        "smtp_host",
        "KB_SMTP_HOST",
        lambda: "",
        "SMTP server that sends watches' e-mail digests; unset: e-mail alerts fail with a note on the watch. "
        "Each connect and reply may take `KB_HTTP_TIMEOUT` seconds.",
        shown="unset",
    ),
    Setting("smtp_port", "KB_SMTP_PORT", lambda: "587", "Port of the SMTP server (587: mail submission)."),
    Setting(
        "smtp_starttls",
        "KB_SMTP_STARTTLS",
        lambda: "1",
        "`1`: switch to TLS with STARTTLS (the certificate checked) before logging in or sending, and give up "
        "when the server does not offer it; `0`: plain SMTP, for a relay on this machine or a trusted network.",
    ),
    Setting("smtp_user", "KB_SMTP_USER", lambda: "", "SMTP login; unset: send without logging in.", shown="unset"),
    Setting("smtp_password", "KB_SMTP_PASSWORD", lambda: "", "SMTP password (with `KB_SMTP_USER`).", shown="unset"),
    Setting(
        "smtp_from",
        "KB_SMTP_FROM",
        lambda: "",
        "Sender address of e-mail digests.",
        shown="$KB_SMTP_USER when it is an address, else ai-policy-kb@localhost",
    ),
    Setting(
        "availability_max_shrink",
        "KB_AVAILABILITY_MAX_SHRINK",
        lambda: "0.2",
        "Largest share (0 to 1) of a provider's list of countries that may disappear in one check; a larger "
        "drop is held back as a likely parse failure: no events, and a warning on the source.",
    ),
    Setting(
        "registry_dir",
        "KB_REGISTRY_DIR",
        lambda: str(DATA_DIR / "entities"),
        "Directory of the entity registry (YAML files).",
        shown="data/entities (in the package)",
    ),
)


@dataclass(frozen=True)
class Secret:
    """A setting that must not be shown (`kb settings` prints it as asterisks)."""

    value: str = field(repr=False)

    def __str__(self) -> str:
        return "********" if self.value else ""


@dataclass(frozen=True)
class Config:
    home: Path
    database_url: str
    index_dir: Path
    http_timeout: float
    fetch_deadline: float
    max_response_bytes: int
    user_agent: str
    poll_interval: int
    max_poll_interval: int
    writer_concurrency: int
    app_writer: str
    index_lock_timeout: float
    allow_private_addresses: bool
    read_only: bool
    registry_dir: Path
    availability_max_shrink: float
    public_url: str
    smtp_host: str
    smtp_port: int
    smtp_starttls: bool
    smtp_user: str
    smtp_password: Secret
    smtp_from: str


def load(env: Mapping[str, str] | None = None) -> Config:
    """Read every setting from the environment, falling back to defaults."""
    source = os.environ if env is None else env
    raw = {s.name: source.get(s.env) or s.default() for s in SETTINGS}
    home = Path(raw["home"]).expanduser()
    return Config(
        home=home,
        database_url=raw["database_url"] or f"sqlite:///{home / 'kb.sqlite3'}",
        index_dir=Path(raw["index_dir"]) if raw["index_dir"] else home / "index",
        http_timeout=float(raw["http_timeout"]),
        fetch_deadline=float(raw["fetch_deadline"]),
        max_response_bytes=int(raw["max_response_bytes"]),
        user_agent=raw["user_agent"],
        poll_interval=int(raw["poll_interval"]),
        max_poll_interval=int(raw["max_poll_interval"]),
        writer_concurrency=max(1, int(raw["writer_concurrency"])),
        app_writer=raw["app_writer"] if raw["app_writer"] in ("child", "external", "inline") else "child",
        index_lock_timeout=float(raw["index_lock_timeout"]),
        allow_private_addresses=_flag(raw["allow_private_addresses"]),
        read_only=_flag(raw["read_only"]),
        registry_dir=Path(raw["registry_dir"]),
        availability_max_shrink=min(1.0, max(0.0, float(raw["availability_max_shrink"]))),
        public_url=raw["public_url"].rstrip("/"),
        smtp_host=raw["smtp_host"].strip(),
        smtp_port=int(raw["smtp_port"]),
        smtp_starttls=_flag(raw["smtp_starttls"]),
        smtp_user=raw["smtp_user"],
        smtp_password=Secret(raw["smtp_password"]),
        smtp_from=raw["smtp_from"] or (raw["smtp_user"] if "@" in raw["smtp_user"] else "ai-policy-kb@localhost"),
    )


def describe() -> list[tuple[str, str, str]]:
    """(environment variable, default, help) for every setting."""
    return [(s.env, s.documented_default(), s.help) for s in SETTINGS]


def markdown_table() -> str:
    """The README's table of settings, written from the declarations above (`kb settings --markdown`)."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    rows += [f"| `{env}` | `{default}` | {help_} |" for env, default, help_ in describe()]
    return "\n".join(rows)
