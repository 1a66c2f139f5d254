"""Webhooks against a real HTTP server on loopback: the JSON object per transition, a body and
headers of the user's choosing, apprise for the long tail, and a server that fails, hangs or
does not resolve."""

from __future__ import annotations

import threading
import time
from urllib.parse import parse_qs

from erpconsole.services.notify.outbox import deliver_due
from erpconsole.services.secrets import SecretStore
from tests.services.notify import rows
from tests.services.notify.servers import HttpServer


def hook(url: str, extra: str = "") -> str:
    return f'[[channels]]\nname = "hook"\nkind = "webhook"\nurl = "{url}"\ntimeout_s = 1\n{extra}'


def test_the_webhook_gets_one_json_object_per_transition(tmp_path):
    engine = rows.outbox(tmp_path)
    with HttpServer() as server:
        channels = rows.channels(tmp_path, hook(f"{server.url}/alerts"))
        rows.add(engine, "hook")
        rows.add(engine, "hook", transition="resolved", state="resolved", resolved_at=1_780_000_060.0, duration_s=60)
        assert deliver_due(engine, channels, SecretStore()).sent == 2
    first, second = server.requests
    assert first.path == "/alerts" and first.headers["content-type"] == "application/json"
    body = first.json()
    assert {k: body[k] for k in ("id", "rule", "target", "severity", "state", "summary", "started_at")} == {
        "id": "a-7f3c", "rule": "disk_full", "target": "erp-db", "severity": "critical", "state": "firing",
        "summary": "disk / at 96%", "started_at": 1_780_000_000.0}
    assert body["title"] == "[critical] erp-db: disk / at 96%" and "Where: erp-db" in body["text"]
    assert second.json()["transition"] == "resolved" and "lasted 1 min" in second.json()["text"]
    assert first.headers["idempotency-key"] != second.headers["idempotency-key"]


def test_a_template_for_an_sms_gateway_with_the_secret_from_keyring(tmp_path):
    engine = rows.outbox(tmp_path)
    secrets = SecretStore()
    secrets.set("channel:hook", "tok 3n")
    with HttpServer() as server:
        channels = rows.channels(tmp_path, hook(f"{server.url}/sms?api_key=$secret", '''\
content_type = "application/x-www-form-urlencoded"
body = "to=13800000000&text=$title ($value)"
headers = { Authorization = "Bearer $secret", X-Team = "erp" }
'''))
        rows.add(engine, "hook")
        assert deliver_due(engine, channels, secrets).sent == 1
    (request,) = server.requests
    assert parse_qs(request.path.partition("?")[2]) == {"api_key": ["tok 3n"]}
    assert parse_qs(request.body.decode()) == {"to": ["13800000000"], "text": ["[critical] erp-db: disk / at 96% (96%)"]}
    assert request.headers["authorization"] == "Bearer tok 3n" and request.headers["x-team"] == "erp"


def test_a_json_template_escapes_what_it_fills_in(tmp_path):
    engine = rows.outbox(tmp_path)
    with HttpServer() as server:
        channels = rows.channels(tmp_path, hook(f"{server.url}/ticket", '''body = '{"subject": "$title", "body": "$text"}'\n'''))
        rows.add(engine, "hook", summary='disk "/" at 96%\\ full')
        assert deliver_due(engine, channels, SecretStore()).sent == 1
    ticket = server.requests[0].json()
    assert ticket["subject"] == '[critical] erp-db: disk "/" at 96%\\ full' and "\n" in ticket["body"]


def test_a_webhook_answering_500_is_retried_and_says_why(tmp_path):
    engine = rows.outbox(tmp_path)
    answers = iter([(500, b"database is locked"), (200, b"ok")])
    with HttpServer(answer=lambda request: next(answers)) as server:
        channels = rows.channels(tmp_path, hook(f"{server.url}/alerts"))
        row_id = rows.add(engine, "hook")
        now = time.time()
        deliver_due(engine, channels, SecretStore(), clock=lambda: now)
        failed = rows.row(engine, row_id)
        assert failed.last_error == f"webhook call not delivered: {server.url}/alerts answered HTTP 500: database is locked"
        assert deliver_due(engine, channels, SecretStore(), clock=lambda: failed.next_try_at).sent == 1
    assert len({r.headers["idempotency-key"] for r in server.requests}) == 1  # the retry is the same call


def test_a_hanging_webhook_costs_its_deadline_and_does_not_hold_the_mail(tmp_path):
    from tests.services.notify.servers import SmtpServer

    engine = rows.outbox(tmp_path)
    with HttpServer(hang=True) as server, SmtpServer() as smtp:
        channels = rows.channels(tmp_path, hook(f"{server.url}/alerts") + f'''
[[channels]]
name = "mail"
kind = "email"
smtp_host = "127.0.0.1"
smtp_port = {smtp.port}
tls = "none"
from = "erpconsole@example.org"
to = ["oncall@example.org"]
''')
        hooked = rows.add(engine, "hook")
        rows.add(engine, "mail")
        started = time.monotonic()
        result = deliver_due(engine, channels, SecretStore())
        took = time.monotonic() - started
        assert (result.sent, result.failed) == (1, 1) and len(smtp.mails) == 1
    assert took < 3.0, took
    assert rows.row(engine, hooked).last_error == f"webhook call not delivered: {server.url}/alerts did not answer within 1 s"


def test_a_name_that_does_not_resolve_says_so(tmp_path):
    engine = rows.outbox(tmp_path)
    channels = rows.channels(tmp_path, hook("http://alerts.no-such-host.invalid/hook"))
    row_id = rows.add(engine, "hook")
    deliver_due(engine, channels, SecretStore())
    error = rows.row(engine, row_id).last_error
    assert error.startswith("webhook call not delivered: the name alerts.no-such-host.invalid in "
                            "http://alerts.no-such-host.invalid/hook does not resolve"), error


def test_two_senders_on_one_store_send_each_notification_once(tmp_path):
    engine = rows.outbox(tmp_path)
    with HttpServer() as server:
        channels = rows.channels(tmp_path, hook(f"{server.url}/alerts"))
        for i in range(40):
            rows.add(engine, "hook", id=f"a-{i}")
        start = threading.Barrier(2)

        def sender():
            start.wait()
            while deliver_due(engine, channels, SecretStore()).sent:
                pass

        threads = [threading.Thread(target=sender) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    ids = [r.json()["id"] for r in server.requests]
    assert sorted(ids) == sorted(f"a-{i}" for i in range(40))


def test_apprise_carries_the_long_tail_with_its_url_from_keyring(tmp_path):
    engine = rows.outbox(tmp_path)
    secrets = SecretStore()
    with HttpServer() as server:
        secrets.set("channel:tail", f"json://127.0.0.1:{server.port}/notify")
        channels = rows.channels(tmp_path, '[[channels]]\nname = "tail"\nkind = "apprise"\ntimeout_s = 2\n')
        row_id = rows.add(engine, "tail")
        assert deliver_due(engine, channels, secrets).sent == 1, rows.row(engine, row_id).last_error
    (request,) = server.requests
    assert request.path == "/notify"
    assert request.json()["title"] == "[critical] erp-db: disk / at 96%" and "Where: erp-db" in request.json()["message"]


def test_apprise_with_no_url_in_keyring_says_where_to_put_it(tmp_path):
    engine = rows.outbox(tmp_path)
    channels = rows.channels(tmp_path, '[[channels]]\nname = "tail"\nkind = "apprise"\nurl_env = "TAIL_URL"\n')
    row_id = rows.add(engine, "tail")
    deliver_due(engine, channels, SecretStore())
    assert rows.row(engine, row_id).last_error == (
        "notification not delivered: no apprise URL for this channel: store it with "
        "`erpconsole secret set channel:tail` or set $TAIL_URL")


def test_https_checks_the_certificate_unless_told_not_to(tmp_path, caplog):
    from tests.services.notify.servers import self_signed

    cert, key = self_signed(tmp_path)
    engine = rows.outbox(tmp_path)
    with HttpServer(tls_files=(cert, key)) as server:
        channels = rows.channels(tmp_path, hook(f"{server.url}/alerts"))
        row_id = rows.add(engine, "hook")
        deliver_due(engine, channels, SecretStore())
        error = rows.row(engine, row_id).last_error
        assert error.startswith(f"webhook call not delivered: the TLS handshake with {server.url}/alerts failed "
                                "(CERTIFICATE_VERIFY_FAILED)"), error
        assert server.requests == []
        assert f"{error} (channel hook, 1 waiting, attempt 1)" in caplog.text  # the agent's journal
        lax = rows.channels(tmp_path, hook(f"{server.url}/alerts", "verify_tls = false\n"))
        assert deliver_due(engine, lax, SecretStore(), clock=lambda: time.time() + 3600).sent == 1
    assert server.requests[0].json()["id"] == "a-7f3c"


def test_a_webhook_that_answers_200_with_a_huge_page_has_it_and_is_not_called_again(tmp_path):
    engine = rows.outbox(tmp_path)
    with HttpServer(answer=lambda request: (200, b"<html>" + b"x" * 2_000_000)) as server:
        channels = rows.channels(tmp_path, hook(f"{server.url}/alerts"))
        row_id = rows.add(engine, "hook")
        assert deliver_due(engine, channels, SecretStore()).sent == 1, rows.row(engine, row_id).last_error
        assert deliver_due(engine, channels, SecretStore(), clock=lambda: time.time() + 3600).sent == 0
    assert len(server.requests) == 1


def test_a_robot_url_that_answers_with_a_huge_page_is_not_taken_for_the_robot(tmp_path):
    engine = rows.outbox(tmp_path)
    secrets = SecretStore()
    secrets.set("channel:robot", "t")
    with HttpServer(answer=lambda request: (200, b'{"errcode": 0, "pad": "' + b"x" * 100_000 + b'"}')) as server:
        channels = rows.channels(tmp_path, f'[[channels]]\nname = "robot"\nkind = "wecom"\nurl = "{server.url}/send"\n')
        row_id = rows.add(engine, "robot")
        deliver_due(engine, channels, secrets)
    assert rows.row(engine, row_id).last_error == (
        "WeCom message not delivered: the WeCom robot's answer is over 64 KB, not the few bytes of JSON it sends: "
        "check the url")


def test_through_the_proxy_the_environment_names_as_curl_does(tmp_path, monkeypatch):
    from tests.services.notify.servers import ConnectProxy, self_signed

    engine = rows.outbox(tmp_path)
    cert, key = self_signed(tmp_path)
    with HttpServer(tls_files=(cert, key)) as robot, ConnectProxy(tunnel_to=robot.port) as proxy:
        monkeypatch.setenv("http_proxy", proxy.url.replace("http://", "http://ops:pa%20ss@"))
        monkeypatch.setenv("https_proxy", proxy.url)
        monkeypatch.setenv("no_proxy", "intranet.example.org")
        channels = rows.channels(tmp_path, hook("http://alerts.example.invalid/hook") + '''
[[channels]]
name = "robot"
kind = "wecom"
url = "https://qyapi.example.invalid/cgi-bin/webhook/send"
verify_tls = false
''')
        secrets = SecretStore()
        secrets.set("channel:robot", "k")
        rows.add(engine, "hook")
        rows.add(engine, "robot")
        result = deliver_due(engine, channels, secrets)
        assert result.sent == 2, [rows.row(engine, i).last_error for i in (1, 2)]
    assert sorted(proxy.seen) == ["CONNECT qyapi.example.invalid:443",
                                  "POST http://alerts.example.invalid/hook Basic b3BzOnBhIHNz"]  # ops:pa ss
    assert robot.requests[0].path == "/cgi-bin/webhook/send?key=k"
