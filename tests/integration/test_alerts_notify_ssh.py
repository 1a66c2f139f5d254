"""End to end with real parts as a person meets them: a loopback sshd is killed, the real monitor
sees it unreachable, after for_s the on-call person gets one mail (aiosmtpd) and the webhook one
call; an acknowledgement from the real command line keeps the DingTalk escalation from going
out; the sshd comes back and a resolve mail says how long it lasted. The inventory is a TOML
file read by the real loader; the console's sender loop delivers the outbox."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from erpconsole.config import load_inventory
from erpconsole.services.alerts.service import AlertService
from erpconsole.services.monitor import Monitor
from erpconsole.services.notify.outbox import OutboxSender
from erpconsole.services.secrets import SecretStore
from erpconsole.services.store.db import make_engine, migrate
from tests.services.notify.servers import HttpServer, SmtpServer, wait_for
from tests.test_cli import run

pytestmark = pytest.mark.integration

ESCALATE_AFTER_S = 3.0


def inventory(tmp_path: Path, server, keys, smtp: SmtpServer, hook: HttpServer, robot: HttpServer) -> Path:
    known = tmp_path / "user_known"
    known.write_text(server.known_hosts_line)
    path = tmp_path / "inventory.toml"
    path.write_text(f'''
[local]
enabled = false

[[hosts]]
name = "erp-app-1"
address = "127.0.0.1"
port = {server.port}
user = "root"
key_file = "{keys.plain}"
known_hosts = "{known}"
interval_s = 0.5
tags = ["prod"]

[alerts]
for_s = 1
clear_s = 1
escalate_after_s = {ESCALATE_AFTER_S}
repeat_s = 0

[[channels]]
name = "oncall-mail"
kind = "email"
smtp_host = "127.0.0.1"
smtp_port = {smtp.port}
tls = "none"
from = "erpconsole@example.org"
to = ["oncall@example.org"]

[[channels]]
name = "hook"
kind = "webhook"
url = "{hook.url}/alerts"

[[channels]]
name = "lead-dingtalk"
kind = "dingtalk"
url = "{robot.url}/robot/send"

[[routes]]
severity = "critical"
channels = ["oncall-mail", "hook"]
escalate_to = ["lead-dingtalk"]
''')
    return path


def test_a_dead_host_mails_once_an_ack_stops_the_escalation_and_the_resolve_says_how_long(
        tmp_path: Path, sshd, client_keys) -> None:
    server = sshd()
    secrets = SecretStore()
    secrets.set("channel:lead-dingtalk", "robot-token")
    with SmtpServer() as smtp, HttpServer() as hook, HttpServer() as robot:
        inv = load_inventory(inventory(tmp_path, server, client_keys, smtp, hook, robot))
        url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
        engine = make_engine(url)
        migrate(engine)
        monitor = Monitor(inv, None, max_workers=4, known_hosts_path=tmp_path / "own_known_hosts")
        service = AlertService(engine, inv)
        sender = OutboxSender(engine, inv.channels, secrets, active=lambda: service.evaluating)
        service.start(monitor)
        sender.start()
        monitor.start()
        try:
            wait_for(lambda: {s.target: s for s in monitor.statuses()}["erp-app-1"].health.value == "ok", 30,
                     "the host's first poll")
            server.kill()
            [mail] = wait_for(lambda: smtp.mails, 30, "the mail after the sshd died")
            assert mail.message["Subject"].startswith("[critical] erp-app-1: ")
            body = mail.message.get_payload(decode=True).decode()
            assert "Where: erp-app-1" in body and "Value: unreachable" in body and "What to do first: " in body
            [call] = wait_for(lambda: hook.requests, 10, "the webhook call")
            alert_id = call.json()["id"]
            assert (call.json()["state"], call.json()["target"]) == ("firing", "erp-app-1")

            done = run("alerts", "ack", alert_id, "--comment", "looking at the host", "--store", url)
            assert done.returncode == 0, done.stderr
            fired_at = service.store.get(alert_id).fired_at
            wait_for(lambda: (service.last_tick_at or 0) >= fired_at + ESCALATE_AFTER_S + 1.5, 30,
                     "the alert service's ticks past escalate_after_s")
            server.start()
            monitor.scheduler.poll_now("erp-app-1")
            resolve = wait_for(lambda: smtp.mails[1:], 30, "the resolve mail")[0]
            assert resolve.message["Subject"].startswith("[resolved after ")
            assert "it lasted " in resolve.message.get_payload(decode=True).decode()
            wait_for(lambda: len(hook.requests) == 2, 10, "the resolve webhook call")
        finally:
            monitor.stop()
            sender.stop()
            service.stop()
            engine.dispose()
    assert robot.requests == []  # acknowledged: nobody was escalated to
    assert len(smtp.mails) == 2 and [r.json()["transition"] for r in hook.requests] == ["firing", "resolved"]
