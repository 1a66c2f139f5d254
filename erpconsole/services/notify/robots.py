"""The chat robots that ERP teams in China use: DingTalk (signed), WeCom, Feishu (signed).

Each is a POST of a small JSON object; each answers HTTP 200 with an error code in the body
(``errcode`` or ``code``), which is what says whether the message was posted. apprise hard-codes
the vendors' hosts, does not sign Feishu and takes DingTalk's 200 with ``errcode`` 310000 (bad
signature) for a success, hence these three small senders.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import quote_plus

from erpconsole.config.channels import DINGTALK, FEISHU, WECOM, ChannelConfig
from erpconsole.i18n import _
from erpconsole.services.notify import http_post
from erpconsole.services.notify.models import DeliveryError, Rendered

# The vendors' limits on one text message, in bytes of UTF-8.
TEXT_LIMITS = {DINGTALK: 20000, WECOM: 2048, FEISHU: 30000}
VENDOR = {DINGTALK: "DingTalk", WECOM: "WeCom", FEISHU: "Feishu"}


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's signature: base64(HMAC-SHA256(key=secret, "timestamp\\nsecret")), URL-quoted."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode("utf-8"), hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest).decode("ascii"))


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """Feishu's signature: base64(HMAC-SHA256(key="timestamp\\nsecret", empty message))."""
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode("utf-8"), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def cut(text: str, limit: int) -> str:
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[:limit - 3].decode("utf-8", "ignore") + "…"


def _request(channel: ChannelConfig, text: str, token: str, secret: str | None, to: str | None = None,
             mention: str | None = None) -> tuple[str, dict[str, Any]]:
    """``to``/``mention``: the on-call person's user id on the service and mobile (from the
    outbox payload), @-mentioned the way each robot does it."""
    base = channel.endpoint
    join = "&" if "?" in base else "?"
    if channel.kind == DINGTALK:
        url = f"{base}{join}access_token={quote_plus(token)}"
        if secret:
            stamp = int(time.time() * 1000)
            url += f"&timestamp={stamp}&sign={dingtalk_sign(secret, stamp)}"
        body: dict[str, Any] = {"msgtype": "text", "text": {"content": text}}
        if to or mention:  # DingTalk highlights an @ only when the text holds it too
            body["text"]["content"] = text + "".join(f"\n@{who}" for who in (mention, to) if who)
            body["at"] = {"atMobiles": [mention] if mention else [], "atUserIds": [to] if to else []}
        return url, body
    if channel.kind == WECOM:
        body = {"msgtype": "text", "text": {"content": text}}
        if to:
            body["text"]["mentioned_list"] = [to]
        if mention:
            body["text"]["mentioned_mobile_list"] = [mention]
        return f"{base}{join}key={quote_plus(token)}", body
    if to:  # Feishu @-mentions by user id (open_id) only
        text = f'<at user_id="{to}"></at> {text}'
    body = {"msg_type": "text", "content": {"text": text}}
    if secret:
        stamp = int(time.time())
        body.update(timestamp=str(stamp), sign=feishu_sign(secret, stamp))
    return base.rstrip("/") + "/" + quote_plus(token), body


def _error_code(answer: dict[str, Any]) -> tuple[Any, str]:
    for code_key, message_key in (("errcode", "errmsg"), ("code", "msg"), ("StatusCode", "StatusMessage")):
        if code_key in answer:
            return answer[code_key], str(answer.get(message_key, ""))[:300]
    return None, ""


def send(channel: ChannelConfig, rendered: Rendered, token: str, secret: str | None,
         to: str | None = None, mention: str | None = None) -> None:
    room = 2 * 210 if to or mention else 0  # for the @-mentions added to the text
    text = cut(f"{rendered.title}\n\n{rendered.text}", TEXT_LIMITS[channel.kind] - room)
    url, body = _request(channel, text, token, secret, to, mention)
    answer = http_post.post(url, json.dumps(body, ensure_ascii=False).encode("utf-8"),
                            {"Content-Type": "application/json; charset=utf-8", "User-Agent": "erpconsole"},
                            channel.timeout_s, verify_tls=channel.verify_tls, shown_url=channel.endpoint)
    vendor = VENDOR[channel.kind]
    if answer.status != 200:
        raise DeliveryError(_("the {vendor} robot answered HTTP {status}: {answer}").format(
            vendor=vendor, status=answer.status, answer=http_post.answer_text(answer)))
    if answer.cut:
        raise DeliveryError(_("the {vendor} robot's answer is over {n} KB, not the few bytes of JSON it "
                              "sends: check the url").format(vendor=vendor, n=http_post.ANSWER_LIMIT // 1024))
    try:
        parsed = json.loads(answer.body)
    except ValueError:
        parsed = None
    if not isinstance(parsed, dict):
        raise DeliveryError(_("the {vendor} robot's answer is not the JSON it sends: {answer}").format(
            vendor=vendor, answer=http_post.answer_text(answer)))
    code, message = _error_code(parsed)
    if code != 0:
        raise DeliveryError(_("the {vendor} robot refused the message: error {code} {message}").format(
            vendor=vendor, code=code, message=message).strip())
