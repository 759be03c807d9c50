"""Alerts: a real loopback webhook receiver and a real SMTP server (aiosmtpd) on 127.0.0.1.

Documents reach the store through the real pipeline (a loopback feed polled by
the writer or by `poll`); the webhook's retry delays are recorded instead of
slept, so nothing here waits for seconds. The tests start from `loaded_kb` (the registry and the
curated timeline loaded, as after a store's first poll), except the one about the events that
first poll brings (`registry_kb`: the registry loaded, not the curated timeline).
"""

from __future__ import annotations

import dataclasses
import json
import socket
import threading
from datetime import timedelta
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller
from sqlmodel import select

from kb import alerts, watches
from kb.alert_channels import Retry
from kb.cli import main
from kb.models import Source, Watch, WatchDelivery, WriterRequest, utcnow
from kb.pipeline import poll
from kb.store import add_source
from kb.writer import Writer, request
from tests.helpers import POLL_INTERVAL, LoopbackServer, rss

pytestmark = pytest.mark.both_databases
PUBLIC = "https://kb.example.org/app"


class Receiver:
    """A webhook receiver on 127.0.0.1: answers POSTs with the scripted statuses (then 200), keeps each body."""

    def __init__(self, *statuses: int | tuple[int, dict[str, str]]):
        self.script = list(statuses)
        self.posts: list[tuple[dict, dict[str, str]]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.posts.append((json.loads(body), {k.lower(): v for k, v in self.headers.items()}))
                status, headers = receiver.script.pop(0) if receiver.script else 200, {}
                if isinstance(status, tuple):
                    status, headers = status
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, args=(POLL_INTERVAL,), daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook?token=t"

    def keys(self, n: int) -> list[str]:
        return [i["key"] for i in self.posts[n][0]["items"]]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class Mailbox:
    """An aiosmtpd handler that keeps every message it is given."""

    def __init__(self):
        self.messages: list[tuple[list[str], object]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"


@pytest.fixture
def receiver():
    made: list[Receiver] = []

    def make(*statuses):
        made.append(Receiver(*statuses))
        return made[-1]

    yield make
    for r in made:
        r.close()


@pytest.fixture
def mailbox():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    box.port = port
    yield box
    controller.stop()


@pytest.fixture
def feed():
    server = LoopbackServer()
    yield server
    server.close()


def configure(kb, **changes) -> None:
    """This test's settings (as KB_* variables would give them)."""
    kb.config = dataclasses.replace(kb.config, **changes)
    kb.__dict__.pop("fetch_options", None)  # made from the settings on first use


def smtp_at(kb, mailbox) -> None:
    configure(kb, smtp_host="127.0.0.1", smtp_port=mailbox.port, smtp_starttls=False, smtp_from="kb@example.org")


class Sleeps(list):
    """Record the retry waits instead of sleeping them."""

    def retry(self, **kwargs) -> Retry:
        return Retry(sleep=self.append, **kwargs)


def reports(*numbers: int) -> str:
    return rss(*((f"r{n}", f"H20 licence report {n}", f"Nvidia and export licences, part {n}.") for n in numbers))


def follow(kb, *, words: str = "H20", **notify) -> Watch:
    with kb.session() as session:
        return watches.add(session, "search", {"q": words}, name=f"News on {words}", notify=notify)


def subscribe(kb, url: str) -> int:
    with kb.session() as session:
        source = add_source(session, url=url, allow_private=True)
        session.commit()
        assert source.id is not None
        return source.id


def make_due(kb, source_id: int) -> None:
    with kb.session() as session:
        session.get(Source, source_id).next_check_at = None
        session.commit()


def watch_row(kb, watch_id: int) -> Watch:
    with kb.session() as session:
        return session.get(Watch, watch_id)


def wait_over(kb, watch_id: int) -> None:
    """As if the watch's backoff had run out."""
    with kb.session() as session:
        session.get(Watch, watch_id).next_alert_at = utcnow() - timedelta(seconds=1)
        session.commit()


# ---- webhooks -------------------------------------------------------------------------------------


def test_the_writer_posts_each_new_set_once_and_a_new_document_alone(loaded_kb, feed, receiver):
    kb = loaded_kb
    configure(kb, public_url=PUBLIC)
    hook = receiver()
    w = follow(kb, webhook=hook.url)
    sid = subscribe(kb, feed.add("/f.xml", reports(1, 2, 3)))
    Writer(kb, alert_retry=Sleeps().retry()).run_until_idle()
    assert len(hook.posts) == 1
    payload, headers = hook.posts[0]
    assert len(payload["items"]) == 3 and {i["title"] for i in payload["items"]} == {
        f"H20 licence report {n}" for n in (1, 2, 3)
    }
    first = payload["items"][0]
    assert first["url"] == f"{PUBLIC}/{first['page']}" and first["page"].startswith("document?id=")
    assert first["source_url"] == "https://example.org/r1" and first["key"].startswith("document:")
    assert payload["watch"]["id"] == w.id and payload["watch"]["feed_url"] == f"{PUBLIC}/feeds/watch/{w.id}.atom"
    assert "notify" not in payload["watch"]  # the watch's addresses stay with it
    assert headers["content-type"] == "application/json" and headers["x-kb-delivery"] == payload["delivery"]

    assert alerts.send_alerts(kb).sent == []  # nothing new: nothing sent
    Writer(kb).run_until_idle()  # a poll that stores nothing new sends nothing either
    assert len(hook.posts) == 1

    feed.add("/f.xml", reports(1, 2, 3, 4))
    make_due(kb, sid)
    Writer(kb).run_until_idle()
    assert len(hook.posts) == 2 and [i["title"] for i in hook.posts[1][0]["items"]] == ["H20 licence report 4"]
    with kb.session() as session:
        assert len(session.exec(select(WatchDelivery)).all()) == 4


def test_a_500_is_retried_in_the_run_with_the_same_set(loaded_kb, feed, receiver):
    kb = loaded_kb
    hook = receiver(500, 503)
    w = follow(kb, webhook=hook.url)
    poll(kb, [subscribe(kb, feed.add("/f.xml", reports(1, 2)))])
    sleeps = Sleeps()
    summary = alerts.send_alerts(kb, retry=sleeps.retry(first=1.0, factor=3.0))
    assert len(hook.posts) == 3 and hook.keys(0) == hook.keys(1) == hook.keys(2)
    assert len({h["x-kb-delivery"] for _, h in hook.posts}) == 1  # a receiver can tell a repeat
    assert sleeps == [1.0, 3.0]  # exponential
    assert [(s.watch_id, s.channel, s.items) for s in summary.sent] == [(w.id, "webhook", 2)]
    assert watch_row(kb, w.id).alert_error is None
    alerts.send_alerts(kb)
    assert len(hook.posts) == 3


def test_retry_after_is_honoured_within_its_bound(loaded_kb, feed, receiver):
    kb = loaded_kb
    hook = receiver((429, {"Retry-After": "7"}), (503, {"Retry-After": "3600"}))
    w = follow(kb, webhook=hook.url)
    poll(kb, [subscribe(kb, feed.add("/f.xml", reports(1)))])
    sleeps = Sleeps()
    alerts.send_alerts(kb, retry=sleeps.retry(longest=30.0))
    assert sleeps == [7.0] and len(hook.posts) == 2  # an hour is not waited for in the run ...
    row = watch_row(kb, w.id)
    assert "HTTP 503" in row.alert_error and row.alert_failures == 1
    assert row.next_alert_at > utcnow() + timedelta(minutes=59)  # ... but before the next one


def test_a_4xx_is_not_retried(loaded_kb, feed, receiver):
    kb = loaded_kb
    hook = receiver(404)
    w = follow(kb, webhook=hook.url)
    poll(kb, [subscribe(kb, feed.add("/f.xml", reports(1)))])
    summary = alerts.send_alerts(kb, retry=Sleeps().retry())
    assert len(hook.posts) == 1 and summary.failed[0].error.startswith("HTTP 404")
    assert watch_row(kb, w.id).alert_error.startswith("webhook: HTTP 404")


def test_a_failing_webhook_backs_off_then_sends_everything_once(loaded_kb, feed, receiver, capsys):
    kb = loaded_kb
    hook = receiver(*[500] * 8)
    w = follow(kb, webhook=hook.url)
    sid = subscribe(kb, feed.add("/f.xml", reports(1, 2)))
    poll(kb, [sid])
    fast = Sleeps().retry()
    alerts.send_alerts(kb, retry=fast)
    row = watch_row(kb, w.id)
    assert len(hook.posts) == 4 and row.alert_failures == 1
    assert row.alert_error.startswith("webhook: HTTP 500") and "tried 4 times" in row.alert_error
    assert timedelta(seconds=50) < row.next_alert_at - utcnow() <= timedelta(seconds=60)

    summary = alerts.send_alerts(kb, retry=fast)  # still waiting: not even tried
    assert len(hook.posts) == 4 and summary.waiting == 1 and summary.again_at == row.next_alert_at
    assert main(["watch", "list"]) == 0
    assert "alerts failing (1x): webhook: HTTP 500" in capsys.readouterr().out

    wait_over(kb, w.id)
    alerts.send_alerts(kb, retry=fast)
    row = watch_row(kb, w.id)
    assert len(hook.posts) == 8 and row.alert_failures == 2
    assert timedelta(seconds=110) < row.next_alert_at - utcnow() <= timedelta(seconds=120)  # doubled

    feed.add("/f.xml", reports(1, 2, 3))  # news while it fails: kept for later
    make_due(kb, sid)
    poll(kb, [sid])
    wait_over(kb, w.id)
    alerts.send_alerts(kb, retry=fast)  # the receiver is back
    assert len(hook.posts) == 9 and sorted(hook.keys(8)) == sorted([*hook.keys(0), hook.keys(8)[-1]])
    assert len(hook.keys(8)) == 3
    row = watch_row(kb, w.id)
    assert (row.alert_error, row.alert_failures, row.next_alert_at) == (None, 0, None)
    alerts.send_alerts(kb, retry=fast)
    assert len(hook.posts) == 9


def test_an_unreachable_webhook_is_retried_and_noted(loaded_kb, feed):
    kb = loaded_kb
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}/hook"
    w = follow(kb, webhook=closed)
    poll(kb, [subscribe(kb, feed.add("/f.xml", reports(1)))])
    sleeps = Sleeps()
    alerts.send_alerts(kb, retry=sleeps.retry(attempts=3))
    assert len(sleeps) == 2
    error = watch_row(kb, w.id).alert_error
    assert error.startswith("webhook: could not connect") and "tried 3 times" in error


def test_a_webhook_on_a_private_address_obeys_the_address_setting(loaded_kb, feed, receiver):
    kb = loaded_kb
    hook = receiver()
    w = follow(kb, webhook=hook.url)
    poll(kb, [subscribe(kb, feed.add("/f.xml", reports(1)))])
    configure(kb, allow_private_addresses=False)
    sleeps = Sleeps()
    alerts.send_alerts(kb, retry=sleeps.retry())
    assert hook.posts == [] and sleeps == []  # refused, not retried
    assert "loopback" in watch_row(kb, w.id).alert_error


def test_more_than_the_cap_goes_out_over_several_runs_oldest_first(loaded_kb, feed, receiver, monkeypatch):
    kb = loaded_kb
    monkeypatch.setattr(alerts, "MAX_ITEMS", 2)
    hook = receiver()
    follow(kb, webhook=hook.url)
    poll(kb, [subscribe(kb, feed.add("/f.xml", reports(1, 2, 3)))])
    first = alerts.send_alerts(kb)
    assert len(hook.keys(0)) == 2 and first.again_at is not None  # the writer comes back at once
    second = alerts.send_alerts(kb)
    assert len(hook.keys(1)) == 1 and second.again_at is None
    assert len(set(hook.keys(0) + hook.keys(1))) == 3


def test_a_watch_only_hears_of_what_came_after_it(loaded_kb, feed, receiver):
    kb = loaded_kb
    sid = subscribe(kb, feed.add("/f.xml", reports(1, 2)))
    poll(kb, [sid])
    hook = receiver()
    follow(kb, webhook=hook.url)
    alerts.send_alerts(kb)
    assert hook.posts == []
    feed.add("/f.xml", reports(1, 2, 3))
    make_due(kb, sid)
    poll(kb, [sid])
    alerts.send_alerts(kb)
    assert [i["title"] for i in hook.posts[0][0]["items"]] == ["H20 licence report 3"]


# ---- e-mail -------------------------------------------------------------------------------------------


def test_one_digest_per_watch_and_run(loaded_kb, feed, mailbox):
    kb = loaded_kb
    smtp_at(kb, mailbox)
    configure(kb, public_url=PUBLIC)
    team = follow(kb, email=["a@example.org", "b@example.org"])
    solo = follow(kb, words="Nvidia", email=["c@example.org"])
    poll(kb, [subscribe(kb, feed.add("/f.xml", reports(1, 2, 3)))])
    summary = alerts.send_alerts(kb)
    assert sorted((s.watch_id, s.channel, s.items) for s in summary.sent) == [
        (team.id, "email", 3),
        (solo.id, "email", 3),
    ]
    assert len(mailbox.messages) == 2
    by_subject = {m["Subject"]: (to, m) for to, m in mailbox.messages}
    to, message = by_subject["[AI policy KB] 3 new in News on H20"]
    assert to == ["a@example.org", "b@example.org"] and message["From"] == "kb@example.org"
    body = message.get_content()
    for n in (1, 2, 3):
        assert f"H20 licence report {n}" in body and f"https://example.org/r{n}" in body
    assert f"{PUBLIC}/document?id=" in body and f"{PUBLIC}/feeds/watch/{team.id}.atom" in body
    assert "[AI policy KB] 3 new in News on Nvidia" in by_subject

    alerts.send_alerts(kb)
    assert len(mailbox.messages) == 2


def test_no_smtp_server_is_a_clear_failure_and_the_webhook_still_goes(loaded_kb, feed, receiver, mailbox):
    kb = loaded_kb
    hook = receiver()
    w = follow(kb, webhook=hook.url, email=["a@example.org"])
    poll(kb, [subscribe(kb, feed.add("/f.xml", reports(1, 2)))])
    summary = alerts.send_alerts(kb)
    row = watch_row(kb, w.id)
    assert row.alert_error == "email: no SMTP server configured (KB_SMTP_HOST)" and row.alert_failures == 1
    assert len(hook.posts) == 1 and [s.channel for s in summary.sent] == ["webhook"]

    smtp_at(kb, mailbox)
    wait_over(kb, w.id)
    alerts.send_alerts(kb)
    assert len(mailbox.messages) == 1 and len(hook.posts) == 1  # each channel gets each item once
    assert watch_row(kb, w.id).alert_error is None


def test_a_refusing_smtp_server_is_noted_on_the_watch(loaded_kb, feed):
    kb = loaded_kb
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    configure(kb, smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=False)
    w = follow(kb, email=["a@example.org"])
    poll(kb, [subscribe(kb, feed.add("/f.xml", reports(1)))])
    alerts.send_alerts(kb)
    assert watch_row(kb, w.id).alert_error.startswith(f"email: SMTP 127.0.0.1:{port}: ConnectionRefusedError")


def test_starttls_required_but_not_offered(loaded_kb, feed, mailbox):
    kb = loaded_kb
    smtp_at(kb, mailbox)
    configure(kb, smtp_starttls=True)
    w = follow(kb, email=["a@example.org"])
    poll(kb, [subscribe(kb, feed.add("/f.xml", reports(1)))])
    alerts.send_alerts(kb)
    assert "does not offer STARTTLS" in watch_row(kb, w.id).alert_error and mailbox.messages == []


# ---- the writer and the command ---------------------------------------------------------------------------


def test_the_writer_answers_an_alerts_request(loaded_kb, feed, receiver):
    kb = loaded_kb
    hook = receiver()
    follow(kb, webhook=hook.url)
    poll(kb, [subscribe(kb, feed.add("/f.xml", reports(1)))])
    request_id = request(kb, "alerts")
    Writer(kb).run_until_idle()
    with kb.session() as session:
        answer = session.get(WriterRequest, request_id)
    assert answer.status == "done" and answer.result.startswith("1 alerts sent (1 items), 0 failed")
    assert len(hook.posts) == 1


def test_an_alert_that_crashes_does_not_stop_the_writer(loaded_kb, feed, monkeypatch):
    kb = loaded_kb

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(alerts, "send_alerts", broken)
    sid = subscribe(kb, feed.add("/f.xml", reports(1)))
    Writer(kb).run_until_idle()
    with kb.session() as session:
        assert session.get(Source, sid).status == "ok"


def test_kb_watch_send_alerts_without_a_writer(loaded_kb, feed, receiver, capsys):
    kb = loaded_kb
    hook = receiver(400)
    follow(kb, webhook=hook.url)
    poll(kb, [subscribe(kb, feed.add("/f.xml", reports(1)))])
    with pytest.raises(SystemExit) as failing:
        main(["watch", "send-alerts"])
    out = capsys.readouterr()
    assert failing.value.code == 1 and "0 alerts sent (0 items), 1 failed" in out.out
    assert "alerts failing (1x): webhook: HTTP 400" in out.err
    with pytest.raises(SystemExit):
        main(["watch", "send-alerts"])
    assert "1 watches waiting after failures" in capsys.readouterr().out and len(hook.posts) == 1


def test_events_are_items_too(registry_kb, feed, receiver):
    kb = registry_kb  # the registry's entities are loaded already, the curated timeline is not (conftest)
    hook = receiver()
    with kb.session() as session:
        watches.add(session, "timeline", {}, notify={"webhook": hook.url})
    poll(kb, [subscribe(kb, feed.add("/f.xml", reports(1)))])  # the first poll loads the curated timeline
    alerts.send_alerts(kb)
    keys = hook.keys(0)
    assert len(hook.posts) == 1 and keys and all(k.startswith("event:") for k in keys)
    assert len(keys) <= alerts.MAX_ITEMS and hook.posts[0][0]["watch"]["kind"] == "timeline"
    alerts.send_alerts(kb)  # a second alert only when the first was full
    assert len(hook.posts) == (1 if len(keys) < alerts.MAX_ITEMS else 2)


def test_a_send_that_crashes_records_nothing_and_the_next_run_sends(loaded_kb, feed, receiver, monkeypatch):
    kb = loaded_kb
    from kb import alert_channels

    def killed(*args, **kwargs):
        raise RuntimeError("killed")

    hook = receiver()
    w = follow(kb, webhook=hook.url)
    poll(kb, [subscribe(kb, feed.add("/f.xml", reports(1, 2)))])
    with monkeypatch.context() as patch:
        patch.setattr(alert_channels, "post_json", killed)
        summary = alerts.send_alerts(kb)
    assert summary.failed[0].error == "RuntimeError: killed" and hook.posts == []
    with kb.session() as session:
        assert session.exec(select(WatchDelivery)).all() == []
    alerts.send_alerts(kb)
    assert len(hook.keys(0)) == 2 and watch_row(kb, w.id).alert_error is None
