"""Mail through a real SMTP server (aiosmtpd on loopback): what the on-call person reads, STARTTLS
and login, and a server that is down, refuses the login or does not answer."""

from __future__ import annotations

import time

import pytest

from erpconsole.services.notify.outbox import Backoff, deliver_due, waiting
from erpconsole.services.secrets import SecretStore
from tests.services.notify import rows
from tests.services.notify.servers import SilentServer, SmtpServer, free_port, self_signed

NO_JITTER = Backoff(first_s=10, max_s=900, jitter=0)


def mail_channel(port: int, extra: str = "", tls: str = "none") -> str:
    return f'''[[channels]]
name = "oncall-mail"
kind = "email"
smtp_host = "127.0.0.1"
smtp_port = {port}
tls = "{tls}"
timeout_s = 2
from = "erpconsole@example.org"
to = ["oncall@example.org", "lead@example.org"]
{extra}'''


def test_a_firing_alert_is_a_mail_saying_what_where_how_bad_since_when_and_what_to_do(tmp_path):
    engine = rows.outbox(tmp_path)
    with SmtpServer() as server:
        channels = rows.channels(tmp_path, mail_channel(server.port))
        row_id = rows.add(engine, "oncall-mail")
        result = deliver_due(engine, channels, SecretStore())
        assert (result.sent, result.failed) == (1, 0)
        (mail,) = server.mails
    msg = mail.message
    assert msg["Subject"] == "[critical] erp-db: disk / at 96%"
    assert mail.envelope_to == ["oncall@example.org", "lead@example.org"] and msg["From"] == "erpconsole@example.org"
    body = msg.get_payload(decode=True).decode()
    for line in ("A critical alert fired on erp-db.", "What: disk / at 96%", "Where: erp-db", "How bad: critical",
                 "Value: 96%", "What to do first: free space: journalctl --vacuum-size=500M, then old dumps",
                 "Alert a-7f3c, rule disk_full"):
        assert line in body
    assert "Since: 2026-05-28" in body  # 1_780_000_000 in any zone within a day
    assert msg["Message-ID"].startswith("<erpconsole.") and msg["X-Erpconsole-Alert"] == "a-7f3c"
    done = rows.row(engine, row_id)
    assert done.sent_at is not None and done.attempts == 1 and done.last_error is None
    assert deliver_due(engine, channels, SecretStore()).sent == 0  # nothing sent twice


def test_a_resolve_says_how_long_it_lasted(tmp_path):
    engine = rows.outbox(tmp_path)
    with SmtpServer() as server:
        channels = rows.channels(tmp_path, mail_channel(server.port))
        rows.add(engine, "oncall-mail", transition="resolved", state="resolved",
                 resolved_at=1_780_000_000.0 + 750, duration_s=750)
        deliver_due(engine, channels, SecretStore())
        (mail,) = server.mails
    assert mail.message["Subject"] == "[resolved after 12.5 min] erp-db: disk / at 96%"
    assert "it lasted 12.5 min." in mail.message.get_payload(decode=True).decode()


def test_starttls_and_login_with_the_password_from_keyring(tmp_path):
    cert, key = self_signed(tmp_path)
    engine = rows.outbox(tmp_path)
    secrets = SecretStore()
    secrets.set("channel:oncall-mail", "s3cret-pass")
    with SmtpServer(users={"alerts": "s3cret-pass"}, tls_files=(cert, key), require_tls=True) as server:
        channels = rows.channels(tmp_path, mail_channel(server.port, f'user = "alerts"\nca_file = "{cert}"\n',
                                                        tls="starttls"))
        rows.add(engine, "oncall-mail")
        assert deliver_due(engine, channels, secrets).sent == 1
        (mail,) = server.mails
    assert mail.tls and mail.login == "alerts"


def test_an_untrusted_certificate_is_not_sent_to(tmp_path):
    cert, key = self_signed(tmp_path)
    engine = rows.outbox(tmp_path)
    with SmtpServer(tls_files=(cert, key)) as server:
        channels = rows.channels(tmp_path, mail_channel(server.port, tls="starttls"))
        row_id = rows.add(engine, "oncall-mail")
        deliver_due(engine, channels, SecretStore())
        assert server.mails == []
    error = rows.row(engine, row_id).last_error
    assert error.startswith(f"mail not delivered: the certificate of 127.0.0.1:{server.port} is not trusted")
    assert "ca_file" in error


def test_a_refused_login_is_kept_as_the_reason_and_retried_until_it_works(tmp_path):
    cert, key = self_signed(tmp_path)
    engine = rows.outbox(tmp_path)
    secrets = SecretStore()
    secrets.set("channel:oncall-mail", "wrong-pass")
    with SmtpServer(users={"alerts": "right-pass"}, tls_files=(cert, key)) as server:
        channels = rows.channels(tmp_path, mail_channel(server.port, f'user = "alerts"\nca_file = "{cert}"\n',
                                                        tls="starttls"))
        row_id = rows.add(engine, "oncall-mail")
        now = time.time()
        assert deliver_due(engine, channels, secrets, clock=lambda: now, backoff=NO_JITTER).failed == 1
        failed = rows.row(engine, row_id)
        assert failed.last_error.startswith(
            f"mail not delivered: the mail server at 127.0.0.1:{server.port} refused the login of alerts (535")
        assert "channel:oncall-mail" in failed.last_error and "wrong-pass" not in failed.last_error
        assert failed.next_try_at == now + 10 and failed.sent_at is None
        (state,) = waiting(engine)
        assert (state.channel, state.waiting, state.last_error) == ("oncall-mail", 1, failed.last_error)
        secrets.set("channel:oncall-mail", "right-pass")
        assert deliver_due(engine, channels, secrets, clock=lambda: now + 5).sent == 0  # backoff holds
        assert deliver_due(engine, channels, secrets, clock=lambda: now + 10).sent == 1
        assert len(server.mails) == 1
    assert rows.row(engine, row_id).attempts == 2 and waiting(engine) == []


def test_a_server_that_is_down_is_retried_with_growing_waits_until_it_answers(tmp_path):
    engine = rows.outbox(tmp_path)
    port = free_port()
    channels = rows.channels(tmp_path, mail_channel(port))
    row_id = rows.add(engine, "oncall-mail")
    now = time.time()
    waits = []
    for attempt in range(3):
        deliver_due(engine, channels, SecretStore(), clock=lambda: now, backoff=NO_JITTER)
        failed = rows.row(engine, row_id)
        waits.append(failed.next_try_at - now)
        now = failed.next_try_at
    assert waits == [10, 20, 40]
    assert failed.last_error == (f"mail not delivered: nothing answers at 127.0.0.1:{port} (connection refused); "
                                 "check smtp_host and smtp_port, and that the mail server runs")
    server = SmtpServer()
    server.port = port
    server.controller.port = port
    with server:
        assert deliver_due(engine, channels, SecretStore(), clock=lambda: now).sent == 1
        assert len(server.mails) == 1


def test_a_server_that_never_answers_costs_the_deadline_and_no_more(tmp_path):
    engine = rows.outbox(tmp_path)
    with SilentServer() as silent:
        channels = rows.channels(tmp_path, mail_channel(silent.port).replace("timeout_s = 2", "timeout_s = 0.5"))
        first = rows.add(engine, "oncall-mail")
        second = rows.add(engine, "oncall-mail", id="a-second")
        started = time.monotonic()
        result = deliver_due(engine, channels, SecretStore())
        took = time.monotonic() - started
    assert result.failed == 2 and took < 2.0, took  # one deadline for the channel, not one per row
    for row_id in (first, second):
        assert rows.row(engine, row_id).last_error == (
            f"mail not delivered: the mail server at 127.0.0.1:{silent.port} did not answer within 0.5 s")


# aiosmtpd warns of AUTH without STARTTLS; it does not see that the whole session is TLS here.
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_ssl_from_the_first_byte_with_a_login(tmp_path):
    cert, key = self_signed(tmp_path)
    engine = rows.outbox(tmp_path)
    secrets = SecretStore()
    secrets.set("channel:oncall-mail", "s3cret-pass")
    with SmtpServer(users={"alerts": "s3cret-pass"}, tls_files=(cert, key), implicit_tls=True) as server:
        channels = rows.channels(tmp_path, mail_channel(server.port, f'user = "alerts"\nca_file = "{cert}"\n',
                                                        tls="ssl"))
        row_id = rows.add(engine, "oncall-mail")
        assert deliver_due(engine, channels, secrets).sent == 1, rows.row(engine, row_id).last_error
        (mail,) = server.mails
    assert mail.tls and mail.login == "alerts"


def test_a_plain_server_asked_for_starttls_is_not_sent_to_in_clear(tmp_path):
    engine = rows.outbox(tmp_path)
    with SmtpServer() as server:
        channels = rows.channels(tmp_path, mail_channel(server.port, tls="starttls"))
        row_id = rows.add(engine, "oncall-mail")
        deliver_due(engine, channels, SecretStore())
        assert server.mails == []
    assert rows.row(engine, row_id).last_error.startswith(
        f"mail not delivered: the mail server at 127.0.0.1:{server.port} does not offer STARTTLS")
