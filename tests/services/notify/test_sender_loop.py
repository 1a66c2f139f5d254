"""The sender loop as the console and the agent run it: a process killed between the claim and
the send sends after its restart, nothing twice; the loop wakes for new rows and sends only
while its process holds the store's alert lock."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

from erpconsole.services.notify.outbox import LEASE_MIN_S, OutboxSender, deliver_due
from erpconsole.services.secrets import SecretStore
from tests.services.notify import rows
from tests.services.notify.servers import HttpServer, SmtpServer, wait_for

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def hook(url: str) -> str:
    return f'[[channels]]\nname = "hook"\nkind = "webhook"\nurl = "{url}"\ntimeout_s = 2\n'


def sender_process(tmp_path, script: str) -> subprocess.Popen:
    code = textwrap.dedent(f"""\
        import os, signal, time
        from erpconsole.config import load_inventory
        from erpconsole.services.notify.outbox import Backoff, claim_due, deliver_due
        from erpconsole.services.secrets import SecretStore
        from erpconsole.services.store.db import make_engine
        engine = make_engine("sqlite:///{tmp_path / 'store.db'}")
        channels = load_inventory("{tmp_path / 'channels.toml'}").channels
        """) + textwrap.dedent(script)
    env = {**os.environ, "PYTHONPATH": REPO}
    return subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_killed_between_the_claim_and_the_send_it_sends_after_the_restart_and_only_once(tmp_path):
    engine = rows.outbox(tmp_path)
    with HttpServer() as server:
        channels = rows.channels(tmp_path, hook(f"{server.url}/alerts"))
        row_id = rows.add(engine, "hook")
        proc = sender_process(tmp_path, """\
            claimed, _lost = claim_due(engine, {c.name: c for c in channels}, time.time(), Backoff())
            assert len(claimed) == 1
            os.kill(os.getpid(), signal.SIGKILL)  # after the claim's commit, before the send
            """)
        assert proc.wait(60) == -signal.SIGKILL, proc.stderr.read().decode()
        held = rows.row(engine, row_id)
        assert (held.attempts, held.sent_at) == (1, None) and server.requests == []
        assert held.next_try_at >= time.time() + LEASE_MIN_S - 30  # the dead sender's lease
        # Restarted before the lease ends: the row is not sent by two at once; after it, it is.
        assert deliver_due(engine, channels, SecretStore()).sent == 0
        assert deliver_due(engine, channels, SecretStore(), clock=lambda: held.next_try_at).sent == 1
        assert deliver_due(engine, channels, SecretStore(), clock=lambda: held.next_try_at + 3600).sent == 0
    assert len(server.requests) == 1 and server.requests[0].json()["id"] == "a-7f3c"
    assert rows.row(engine, row_id).attempts == 2


def test_killed_while_the_webhook_has_not_answered_it_is_sent_again_with_the_same_key(tmp_path):
    engine = rows.outbox(tmp_path)
    with HttpServer(hang=True) as server:
        channels = rows.channels(tmp_path, hook(f"{server.url}/alerts"))
        row_id = rows.add(engine, "hook")
        proc = sender_process(tmp_path, "deliver_due(engine, channels, SecretStore())\n")
        wait_for(lambda: server.requests or proc.poll() is not None, 30, "the webhook call")
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
        held = rows.row(engine, row_id)
        server.hang = False
        assert deliver_due(engine, channels, SecretStore(), clock=lambda: held.next_try_at).sent == 1
    first, second = server.requests
    assert first.headers["idempotency-key"] == second.headers["idempotency-key"]  # the receiver can drop one


def test_the_loop_wakes_for_new_rows_and_stops_when_told(tmp_path):
    engine = rows.outbox(tmp_path)
    with SmtpServer() as smtp:
        channels = rows.channels(tmp_path, f'''[[channels]]
name = "mail"
kind = "email"
smtp_host = "127.0.0.1"
smtp_port = {smtp.port}
tls = "none"
from = "erpconsole@example.org"
to = ["oncall@example.org"]
''')
        sender = OutboxSender(engine, channels, SecretStore(), interval_s=30)
        sender.start()
        try:
            # The first pass finds nothing; the next would come in 30 s, unless woken.
            rows.add(engine, "mail")
            sender.wake()
            wait_for(lambda: smtp.mails, 10, "the mail")
        finally:
            started = time.monotonic()
            sender.stop()
        assert time.monotonic() - started < 5
        assert not any(t.name == "outbox-sender" for t in threading.enumerate())


def test_a_process_without_the_alert_lock_sends_nothing(tmp_path):
    engine = rows.outbox(tmp_path)
    with HttpServer() as server:
        channels = rows.channels(tmp_path, hook(f"{server.url}/alerts"))
        rows.add(engine, "hook")
        holds = threading.Event()
        asked = []

        def active() -> bool:
            asked.append(holds.is_set())
            return asked[-1]

        sender = OutboxSender(engine, channels, SecretStore(), interval_s=0.01, active=active)
        sender.start()
        try:
            wait_for(lambda: len(asked) >= 5, 10, "five passes of the loop")
            assert server.requests == []
            holds.set()  # the agent that held the lock stopped; this console took it over
            wait_for(lambda: server.requests, 10, "the webhook call")
        finally:
            sender.stop()
    assert len(server.requests) == 1
