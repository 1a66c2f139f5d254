"""DingTalk, WeCom and Feishu robots against a real HTTP server on loopback that checks what each
vendor checks: DingTalk's signature the way DingTalk computes it, Feishu's in the body, and
answers with the vendors' error codes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from urllib.parse import parse_qs, unquote_plus, urlsplit

from erpconsole.services.notify.outbox import deliver_due
from erpconsole.services.secrets import SecretStore
from tests.services.notify import rows
from tests.services.notify.servers import HttpServer

TOKEN, SECRET = "0a1b2c3d4e5f", "SEC3e5c0ffee0123456789abcdef"


def dingtalk(secret: str):
    """DingTalk's check, from its documentation: the timestamp within an hour of now, and
    sign = urlEncode(base64(HmacSHA256(key=secret, timestamp + "\\n" + secret)))."""
    def answer(request):
        query = parse_qs(urlsplit(request.path).query)
        if query.get("access_token") != [TOKEN]:
            return 200, b'{"errcode": 300001, "errmsg": "token is not exist"}'
        stamp = query.get("timestamp", [""])[0]
        if not stamp.isdigit() or abs(int(stamp) - time.time() * 1000) > 3600 * 1000:
            return 200, b'{"errcode": 310000, "errmsg": "timestamp is invalid"}'
        expected = base64.b64encode(hmac.new(secret.encode(), f"{stamp}\n{secret}".encode(), hashlib.sha256).digest())
        # parse_qs has decoded the URL encoding once, as DingTalk's server does.
        if query.get("sign", [""])[0].encode() != expected:
            return 200, b'{"errcode": 310000, "errmsg": "sign not match, more: [https://ding-doc.dingtalk.com/]"}'
        return 200, b'{"errcode": 0, "errmsg": "ok"}'
    return answer


def robot(kind: str, url: str) -> str:
    return f'[[channels]]\nname = "robot"\nkind = "{kind}"\nurl = "{url}"\ntimeout_s = 2\n'


def test_dingtalk_is_signed_the_way_dingtalk_checks_it(tmp_path):
    engine = rows.outbox(tmp_path)
    secrets = SecretStore()
    secrets.set("channel:robot", TOKEN)
    secrets.set("channel:robot:secret", SECRET)
    with HttpServer(answer=dingtalk(SECRET)) as server:
        channels = rows.channels(tmp_path, robot("dingtalk", f"{server.url}/robot/send"))
        row_id = rows.add(engine, "robot")
        assert deliver_due(engine, channels, secrets).sent == 1, rows.row(engine, row_id).last_error
    (request,) = server.requests
    message = request.json()
    assert message["msgtype"] == "text"
    assert message["text"]["content"].startswith("[critical] erp-db: disk / at 96%\n\nA critical alert fired on erp-db.")
    assert TOKEN not in json.dumps(message) and SECRET not in request.path


def test_a_wrong_secret_is_dingtalks_error_code_kept_as_the_reason(tmp_path):
    engine = rows.outbox(tmp_path)
    secrets = SecretStore()
    secrets.set("channel:robot", TOKEN)
    secrets.set("channel:robot:secret", "SECnot-the-robots")
    with HttpServer(answer=dingtalk(SECRET)) as server:
        channels = rows.channels(tmp_path, robot("dingtalk", f"{server.url}/robot/send"))
        row_id = rows.add(engine, "robot")
        assert deliver_due(engine, channels, secrets).failed == 1
    failed = rows.row(engine, row_id)
    assert failed.sent_at is None and failed.last_error == (
        "DingTalk message not delivered: the DingTalk robot refused the message: error 310000 sign not match, "
        "more: [https://ding-doc.dingtalk.com/]")
    assert TOKEN not in failed.last_error


def test_dingtalk_token_and_secret_from_the_variables_the_inventory_names(tmp_path, monkeypatch):
    monkeypatch.setenv("DT_TOKEN", TOKEN)
    monkeypatch.setenv("DT_SECRET", SECRET)
    engine = rows.outbox(tmp_path)
    with HttpServer(answer=dingtalk(SECRET)) as server:
        channels = rows.channels(tmp_path, robot("dingtalk", f"{server.url}/robot/send")
                                 + 'token_env = "DT_TOKEN"\nsecret_env = "DT_SECRET"\n')
        rows.add(engine, "robot")
        assert deliver_due(engine, channels, SecretStore()).sent == 1


def test_wecom_takes_its_key_and_its_error_codes_are_reasons(tmp_path):
    engine = rows.outbox(tmp_path)
    secrets = SecretStore()
    secrets.set("channel:robot", "wecom-key")
    answers = iter([b'{"errcode": 93000, "errmsg": "invalid webhook url"}', b'{"errcode": 0, "errmsg": "ok"}'])
    with HttpServer(answer=lambda request: (200, next(answers))) as server:
        channels = rows.channels(tmp_path, robot("wecom", f"{server.url}/cgi-bin/webhook/send"))
        row_id = rows.add(engine, "robot", summary="磁盘 / 已用 96%")
        now = time.time()
        deliver_due(engine, channels, secrets, clock=lambda: now)
        assert rows.row(engine, row_id).last_error == (
            "WeCom message not delivered: the WeCom robot refused the message: error 93000 invalid webhook url")
        assert deliver_due(engine, channels, secrets, clock=lambda: now + 3600).sent == 1
    assert parse_qs(urlsplit(server.requests[-1].path).query) == {"key": ["wecom-key"]}
    assert "磁盘 / 已用 96%" in server.requests[-1].json()["text"]["content"]


def test_feishu_signs_in_the_body_as_feishu_checks_it(tmp_path):
    def feishu(request):
        body = request.json()
        stamp = body.get("timestamp", "")
        expected = base64.b64encode(hmac.new(f"{stamp}\n{SECRET}".encode(), b"", hashlib.sha256).digest()).decode()
        if not stamp or abs(int(stamp) - time.time()) > 3600 or body.get("sign") != expected:
            return 200, b'{"code": 19021, "msg": "sign match fail or timestamp is not within one hour from current time"}'
        return 200, b'{"code": 0, "msg": "success", "data": {}}'

    engine = rows.outbox(tmp_path)
    secrets = SecretStore()
    secrets.set("channel:robot", "hook-id-123")
    secrets.set("channel:robot:secret", SECRET)
    with HttpServer(answer=feishu) as server:
        channels = rows.channels(tmp_path, robot("feishu", f"{server.url}/open-apis/bot/v2/hook/"))
        row_id = rows.add(engine, "robot")
        assert deliver_due(engine, channels, secrets).sent == 1, rows.row(engine, row_id).last_error
        secrets.set("channel:robot:secret", "wrong")
        second = rows.add(engine, "robot", id="a-second")
        deliver_due(engine, channels, secrets)
    assert server.requests[0].path == "/open-apis/bot/v2/hook/hook-id-123"
    assert server.requests[0].json()["msg_type"] == "text"
    assert rows.row(engine, second).last_error.startswith(
        "Feishu message not delivered: the Feishu robot refused the message: error 19021 sign match fail")


def test_a_robot_without_its_token_says_where_to_store_it(tmp_path):
    engine = rows.outbox(tmp_path)
    channels = rows.channels(tmp_path, robot("dingtalk", "http://127.0.0.1:9/robot/send"))
    row_id = rows.add(engine, "robot")
    deliver_due(engine, channels, SecretStore())
    assert rows.row(engine, row_id).last_error == (
        "DingTalk message not delivered: no robot token for this channel: store it with "
        "`erpconsole secret set channel:robot`")
