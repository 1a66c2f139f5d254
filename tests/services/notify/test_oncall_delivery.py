"""A notification for the on-call person (the rota's person, to and mention in the outbox payload)
reaches them: the mail is addressed to them with the team copied (a real SMTP server), and the
DingTalk and WeCom robots @-mention their mobile (a real HTTP server checking DingTalk's
signature)."""

from __future__ import annotations

from erpconsole.services.notify.outbox import deliver_due
from erpconsole.services.secrets import SecretStore
from tests.services.notify import rows
from tests.services.notify.servers import HttpServer, SmtpServer
from tests.services.notify.test_mail import mail_channel
from tests.services.notify.test_robots import SECRET, TOKEN, dingtalk, robot

ANA = {"person": "ana", "role": "oncall", "mention": "13800000001"}


def test_the_mail_goes_to_the_person_on_call_with_the_team_copied(tmp_path):
    engine = rows.outbox(tmp_path)
    with SmtpServer() as server:
        channels = rows.channels(tmp_path, mail_channel(server.port))
        row_id = rows.add(engine, "oncall-mail", **{**ANA, "to": "ana@example.org", "mention": None})
        assert deliver_due(engine, channels, SecretStore()).sent == 1, rows.row(engine, row_id).last_error
        (mail,) = server.mails
    assert mail.message["To"] == "ana@example.org"
    assert mail.message["Cc"] == "oncall@example.org, lead@example.org"
    assert mail.envelope_to == ["ana@example.org", "oncall@example.org", "lead@example.org"]


def test_dingtalk_at_mentions_the_person_on_call(tmp_path):
    engine = rows.outbox(tmp_path)
    secrets = SecretStore()
    secrets.set("channel:robot", TOKEN)
    secrets.set("channel:robot:secret", SECRET)
    with HttpServer(answer=dingtalk(SECRET)) as server:
        channels = rows.channels(tmp_path, robot("dingtalk", f"{server.url}/robot/send"))
        row_id = rows.add(engine, "robot", **{**ANA, "to": None})
        assert deliver_due(engine, channels, secrets).sent == 1, rows.row(engine, row_id).last_error
    (request,) = server.requests
    message = request.json()
    assert message["at"] == {"atMobiles": ["13800000001"], "atUserIds": []}
    assert message["text"]["content"].endswith("\n@13800000001")


def test_wecom_mentions_the_user_id_and_the_mobile(tmp_path):
    engine = rows.outbox(tmp_path)
    secrets = SecretStore()
    secrets.set("channel:robot", "wecom-key")
    with HttpServer(answer=lambda request: (200, b'{"errcode": 0, "errmsg": "ok"}')) as server:
        channels = rows.channels(tmp_path, robot("wecom", f"{server.url}/cgi-bin/webhook/send"))
        rows.add(engine, "robot", **{**ANA, "to": "AnaLi"})
        assert deliver_due(engine, channels, secrets).sent == 1
    text = server.requests[0].json()["text"]
    assert (text["mentioned_list"], text["mentioned_mobile_list"]) == (["AnaLi"], ["13800000001"])


def test_without_a_rota_nothing_changes(tmp_path):
    engine = rows.outbox(tmp_path)
    with SmtpServer() as server:
        channels = rows.channels(tmp_path, mail_channel(server.port))
        rows.add(engine, "oncall-mail")
        assert deliver_due(engine, channels, SecretStore()).sent == 1
        (mail,) = server.mails
    assert mail.message["To"] == "oncall@example.org, lead@example.org" and mail.message["Cc"] is None
