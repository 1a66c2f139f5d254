"""`erpconsole notify status|test` as a user runs them: what waits in the outbox and why, and a
test message through a real channel, from a real subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from erpconsole.services.notify.outbox import deliver_due
from erpconsole.services.secrets import SecretStore
from tests.services.notify import rows
from tests.services.notify.servers import HttpServer, free_port


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "erpconsole", *args], capture_output=True, text=True,
                          timeout=60, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})


def test_status_says_which_channel_waits_and_why_and_warns(tmp_path):
    engine = rows.outbox(tmp_path)
    store = f"sqlite:///{tmp_path / 'store.db'}"
    r = run("notify", "status", "--store", store)
    assert (r.returncode, r.stdout) == (0, "every notification was delivered\n"), r.stderr
    port = free_port()
    channels = rows.channels(tmp_path, f'''[[channels]]
name = "oncall-mail"
kind = "email"
smtp_host = "127.0.0.1"
smtp_port = {port}
tls = "none"
from = "erpconsole@example.org"
to = ["oncall@example.org"]
''')
    rows.add(engine, "oncall-mail")
    rows.add(engine, "oncall-mail", id="a-second")
    deliver_due(engine, channels, SecretStore(), clock=time.time)
    engine.dispose()
    r = run("notify", "status", "--store", store)
    assert r.returncode == 1, r.stderr
    assert r.stdout.startswith("oncall-mail: 2 notifications waiting\n  mail not delivered: nothing answers at "
                               f"127.0.0.1:{port} (connection refused)")
    assert "next try: " in r.stdout


def test_a_test_message_goes_through_the_channel_or_says_why_not(tmp_path):
    inv = tmp_path / "inv.toml"
    with HttpServer() as server:
        inv.write_text(f'[[channels]]\nname = "hook"\nkind = "webhook"\nurl = "{server.url}/alerts"\n')
        r = run("notify", "test", "hook", "--inventory", str(inv))
        assert (r.returncode, r.stdout) == (0, 'sent through "hook" (webhook)\n'), r.stderr
    (request,) = server.requests
    assert request.json()["summary"] == "a test notification, sent with erpconsole notify test"
    r = run("notify", "test", "hook", "--inventory", str(inv))
    assert r.returncode == 2 and r.stderr.startswith(f"erpconsole: webhook call not delivered: nothing answers at "
                                                     f"{server.url}/alerts"), r.stderr
    r = run("notify", "test", "hok", "--inventory", str(inv))
    assert r.returncode == 3 and 'no channel "hok" in the inventory; channels: hook' in r.stderr
