"""The outbox on a shared PostgreSQL store (several consoles and agents may reach one): claims,
retries and the two-senders race hold there as on SQLite."""

from __future__ import annotations

import threading
import time

from erpconsole.services.notify.outbox import Backoff, deliver_due, waiting
from erpconsole.services.secrets import SecretStore
from tests.services.notify import rows
from tests.services.notify.servers import HttpServer
from tests.services.store.conftest import pg_url  # noqa: F401 - a fixture


def hook(url: str) -> str:
    return f'[[channels]]\nname = "hook"\nkind = "webhook"\nurl = "{url}"\ntimeout_s = 2\n'


def test_a_failed_call_is_retried_and_sent_once_on_postgresql(tmp_path, pg_url):  # noqa: F811
    engine = rows.outbox(tmp_path, pg_url)
    answers = iter([(503, b"maintenance"), (200, b"ok")])
    try:
        with HttpServer(answer=lambda request: next(answers)) as server:
            channels = rows.channels(tmp_path, hook(f"{server.url}/alerts"))
            row_id = rows.add(engine, "hook")
            now = time.time()
            deliver_due(engine, channels, SecretStore(), clock=lambda: now, backoff=Backoff(jitter=0))
            failed = rows.row(engine, row_id)
            assert failed.next_try_at == now + 10 and failed.attempts == 1
            assert waiting(engine)[0].last_error.endswith("answered HTTP 503: maintenance")
            assert deliver_due(engine, channels, SecretStore(), clock=lambda: now + 10).sent == 1
            assert deliver_due(engine, channels, SecretStore(), clock=lambda: now + 3600).sent == 0
        assert len(server.requests) == 2 and waiting(engine) == []
    finally:
        engine.dispose()


def test_two_senders_on_one_postgresql_store_send_each_notification_once(tmp_path, pg_url):  # noqa: F811
    engine = rows.outbox(tmp_path, pg_url)
    try:
        with HttpServer() as server:
            channels = rows.channels(tmp_path, hook(f"{server.url}/alerts"))
            for i in range(40):
                rows.add(engine, "hook", id=f"a-{i}")
            start = threading.Barrier(3)

            def sender():
                start.wait()
                while deliver_due(engine, channels, SecretStore()).sent:
                    pass

            threads = [threading.Thread(target=sender) for _ in range(3)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(60)
        ids = sorted(r.json()["id"] for r in server.requests)
        assert ids == sorted(f"a-{i}" for i in range(40))
    finally:
        engine.dispose()
