"""The two ways an alert goes out: a JSON POST to a webhook, a digest e-mail through SMTP.

Each sender takes one `Alert` (a watch and the items it has not yet sent on that
channel) and answers with an `Attempt`: delivered, or failed with a one-line
reason. Neither touches the database: kb/alerts.py records what went out.
"""

from __future__ import annotations

import hashlib
import json
import smtplib
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from ingest.errors import ConnectionFailed, FetchTimeout, HTTPStatusError, IngestError, PrivateAddress
from ingest.fetch import FetchOptions, post_json
from kb import settings, watches
from kb.models import Watch, utcnow
from kb.watches import Item

SUBJECT_PREFIX = "[AI policy KB]"


@dataclass(frozen=True)
class Retry:
    """How one run retries a webhook: `attempts` in all, waiting `first`, then `factor` times longer
    each time; a Retry-After the server sends is honoured up to `longest` seconds (a longer one
    ends the run's attempts, and the next run waits for it instead)."""

    attempts: int = 4
    first: float = 1.0
    factor: float = 3.0
    longest: float = 30.0
    sleep: Callable[[float], None] = time.sleep

    def wait(self, attempt: int, retry_after: float | None) -> float | None:
        """Seconds to wait after failed attempt number `attempt` (0-based); None: stop trying."""
        if retry_after is not None:
            return retry_after if retry_after <= self.longest else None
        return min(self.first * self.factor**attempt, self.longest)


@dataclass
class Attempt:
    """What became of one alert on one channel."""

    error: str | None = None  # nothing was delivered, and why (one line)
    note: str | None = None  # delivered, with something to show on the watch (refused addresses)
    retry_after: float | None = None  # the server asked to wait this long before the next try


@dataclass(frozen=True)
class Alert:
    """One watch's news for one channel: its items, oldest change first, and where the app lives."""

    watch: Watch
    items: list[Item]
    channel: str
    base_url: str
    sent_at: datetime = field(default_factory=utcnow)

    def link(self, path: str) -> str:
        return f"{self.base_url}/{path}"

    @property
    def delivery_id(self) -> str:
        """The same for the same watch, channel and item set: a receiver can drop a repeat with it."""
        parts = [str(self.watch.id), self.channel, *(f"{i.key}@{i.updated.isoformat()}" for i in self.items)]
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


# ---- webhook -------------------------------------------------------------------------------


def webhook_payload(alert: Alert) -> dict:
    """The JSON a webhook receives: the watch, its new items (with absolute links) and the delivery id.
    Times are UTC. The watch's own alert addresses are left out."""
    watch = {k: v for k, v in watches.as_json(alert.watch).items() if k != "notify"}
    watch["url"] = alert.link(watch["page"])
    watch["feed_url"] = alert.link(watch["feed"])
    items = [{**watches.item_json(i), "url": alert.link(i.app_path)} for i in alert.items]
    return {"watch": watch, "items": items, "delivery": alert.delivery_id, "sent_at": alert.sent_at.isoformat()}


def post_webhook(url: str, alert: Alert, *, options: FetchOptions, retry: Retry) -> Attempt:
    """POST the alert to `url`, again after connection failures, timeouts, 429 and 5xx answers."""
    body = json.dumps(webhook_payload(alert), ensure_ascii=False).encode()
    headers = {"X-KB-Delivery": alert.delivery_id}
    error, retry_after = "", None
    for attempt in range(retry.attempts):
        try:
            post_json(url, body, options=options, headers=headers)
            return Attempt()
        except HTTPStatusError as exc:
            if exc.status != 429 and exc.status < 500:
                return Attempt(error=str(exc))  # the receiver refuses this request: sending it again will not help
            error, retry_after = str(exc), exc.retry_after
        except PrivateAddress as exc:
            return Attempt(error=f"{exc} (KB_ALLOW_PRIVATE_ADDRESSES=0)")
        except (ConnectionFailed, FetchTimeout) as exc:
            error, retry_after = str(exc), None
        except IngestError as exc:
            return Attempt(error=str(exc))
        wait = retry.wait(attempt, retry_after) if attempt + 1 < retry.attempts else None
        if wait is None:
            break
        retry.sleep(wait)
    return Attempt(error=f"{error} (tried {attempt + 1} times)", retry_after=retry_after)


# ---- e-mail --------------------------------------------------------------------------------------


def digest(alert: Alert, *, sender: str, recipients: list[str]) -> EmailMessage:
    """The digest e-mail: a subject with the count, a plain-text line block per item."""
    name = one_line(alert.watch.name, 120)
    message = EmailMessage()
    message["Subject"] = f"{SUBJECT_PREFIX} {len(alert.items)} new in {name}"
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Date"] = format_datetime(alert.sent_at.replace(tzinfo=UTC), usegmt=True)
    # The sender's domain, not the machine's name: looking that up can take seconds.
    message["Message-ID"] = make_msgid(idstring=alert.delivery_id, domain=sender.rpartition("@")[2] or "localhost")
    message.set_content(digest_text(alert, name))
    return message


def digest_text(alert: Alert, name: str) -> str:
    what = {"search": "a saved search", "entity": "a followed entity", "timeline": "a timeline filter"}
    count = len(alert.items)
    lines = [f"{count} new item{'s' if count != 1 else ''} in “{name}” ({what.get(alert.watch.kind, 'a watch')}):", ""]
    for item in alert.items:
        day = (item.published or item.updated).date().isoformat()
        title = one_line(item.title, 300)
        lines.append(f"* {title}" if title.startswith(day) else f"* {day}  {title}")
        lines.append(f"  In the knowledge base: {alert.link(item.app_path)}")
        if item.source_url:
            lines.append(f"  Source: {item.source_url}")
        lines.append("")
    page, feed = watches.app_path(alert.watch.kind, watches.params_of(alert.watch)), watches.feed_path(alert.watch)
    lines += [
        "-- ",
        f"The watch: {alert.link(page)}",
        f"Its Atom feed: {alert.link(feed)}",
        f"Sent by the AI policy knowledge base for watch {alert.watch.id}; `kb watch remove {alert.watch.id}` stops it.",
    ]
    return "\n".join(lines) + "\n"


def send_digest(alert: Alert, config: settings.Config) -> Attempt:
    """Send the digest through the configured SMTP server (KB_SMTP_*), in one message to every address."""
    if not config.smtp_host:
        return Attempt(error="no SMTP server configured (KB_SMTP_HOST)")
    recipients = list((alert.watch.notify or {}).get("email") or [])
    message = digest(alert, sender=config.smtp_from, recipients=recipients)
    try:
        with smtplib.SMTP(config.smtp_host, config.smtp_port, timeout=config.http_timeout) as smtp:
            if config.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if config.smtp_user:
                smtp.login(config.smtp_user, config.smtp_password.value)
            refused = smtp.send_message(message, to_addrs=recipients)
    except smtplib.SMTPNotSupportedError:
        return Attempt(error=f"{config.smtp_host} does not offer STARTTLS (KB_SMTP_STARTTLS=0 sends without it)")
    except (smtplib.SMTPException, OSError) as exc:
        return Attempt(error=f"SMTP {config.smtp_host}:{config.smtp_port}: {smtp_reason(exc)}")
    if refused:
        return Attempt(
            note="e-mail not accepted for " + ", ".join(f"{a} ({smtp_reason(r)})" for a, r in refused.items())
        )
    return Attempt()


def smtp_reason(problem: object) -> str:
    """An SMTP failure in one line: the server's code and words when it answered."""
    if isinstance(problem, smtplib.SMTPRecipientsRefused):
        return "every address refused: " + ", ".join(f"{a} ({smtp_reason(r)})" for a, r in problem.recipients.items())
    if isinstance(problem, smtplib.SMTPResponseException):
        problem = (problem.smtp_code, problem.smtp_error)
    if isinstance(problem, tuple) and len(problem) == 2:
        code, words = problem
        text = words.decode(errors="replace") if isinstance(words, bytes) else str(words)
        return one_line(f"{code} {text}", 200)
    return one_line(f"{type(problem).__name__}: {problem}" if isinstance(problem, OSError) else str(problem), 200)


def one_line(text: str, limit: int) -> str:
    """Untrusted text on one line: control characters and line breaks become spaces."""
    cleaned = "".join(c if c.isprintable() else " " for c in text)
    return " ".join(cleaned.split())[:limit]
