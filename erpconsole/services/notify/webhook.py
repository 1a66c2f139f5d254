"""Webhooks: the alert as one JSON object per transition, or a body and headers of the user's
choosing ($summary, $target, ... filled in) for an SMS gateway or a ticket system."""

from __future__ import annotations

import json
from string import Template
from typing import Any
from urllib.parse import quote_plus

from erpconsole.config.channels import ChannelConfig
from erpconsole.i18n import _
from erpconsole.services.notify import http_post
from erpconsole.services.notify.message import fields
from erpconsole.services.notify.models import DeliveryError, Rendered


def _escape(content_type: str):
    kind = content_type.split(";")[0].strip().lower()
    if kind.endswith("json"):
        return lambda text: json.dumps(text, ensure_ascii=False)[1:-1]
    if kind == "application/x-www-form-urlencoded":
        return quote_plus
    return lambda text: text


def _fill(template: str, values: dict[str, str], escape) -> str:
    return Template(template).safe_substitute({k: escape(v) for k, v in values.items()})


def uses_secret(channel: ChannelConfig) -> bool:
    texts = [channel.url or "", channel.body or "", *(v for _k, v in channel.headers)]
    return any("secret" in Template(t).get_identifiers() for t in texts)


def send(channel: ChannelConfig, payload: dict[str, Any], rendered: Rendered, key: str,
         secret: str | None) -> None:
    values = {**fields(payload), "title": rendered.title, "text": rendered.text, "secret": secret or ""}
    if uses_secret(channel) and not secret:
        raise DeliveryError(_("no secret for this channel: store it with `erpconsole secret set {entry}`"
                              "{env}").format(entry=channel.keyring_name,
                                              env=_(" or set ${env}").format(env=channel.secret_env)
                                              if channel.secret_env else ""))
    url = _fill(channel.url or "", values, quote_plus)
    if channel.body is None:
        body = json.dumps({**payload, "title": rendered.title, "text": rendered.text},
                          ensure_ascii=False).encode("utf-8")
        content_type = "application/json"
    else:
        body = _fill(channel.body, values, _escape(channel.content_type)).encode("utf-8")
        content_type = channel.content_type
    headers = {"Content-Type": content_type, "User-Agent": "erpconsole", "Idempotency-Key": key}
    headers.update({name: _fill(text, values, lambda v: v) for name, text in channel.headers})
    answer = http_post.post(url, body, headers, channel.timeout_s, verify_tls=channel.verify_tls,
                            shown_url=channel.url)
    if not 200 <= answer.status < 300:
        raise DeliveryError(_("{url} answered HTTP {status}: {answer}").format(
            url=http_post.mask_url(channel.url or ""), status=answer.status, answer=http_post.answer_text(answer)))
