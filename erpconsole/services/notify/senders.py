"""One notification through one channel: picks the sender for the channel's kind and reads the
channel's credentials from keyring (or the variable the inventory names) at send time."""

from __future__ import annotations

from typing import Any

from erpconsole.config.channels import APPRISE, DINGTALK, EMAIL, FEISHU, WEBHOOK, WECOM, ChannelConfig
from erpconsole.i18n import N_, _
from erpconsole.services.notify import apprise_send, robots, smtp_send, webhook
from erpconsole.services.notify.message import render
from erpconsole.services.notify.models import DeliveryError
from erpconsole.services.secrets import SecretStore

_NOT_DELIVERED = {
    EMAIL: N_("mail not delivered: {why}"),
    WEBHOOK: N_("webhook call not delivered: {why}"),
    DINGTALK: N_("DingTalk message not delivered: {why}"),
    WECOM: N_("WeCom message not delivered: {why}"),
    FEISHU: N_("Feishu message not delivered: {why}"),
    APPRISE: N_("notification not delivered: {why}"),
}


def _needed(secrets: SecretStore, name: str, env: str | None, what: str) -> str:
    value = secrets.get(name, env)
    if not value:
        raise DeliveryError(_("no {what} for this channel: store it with `erpconsole secret set {name}`{env}").format(
            what=what, name=name, env=_(" or set ${env}").format(env=env) if env else ""))
    return value


def deliver(channel: ChannelConfig, payload: dict[str, Any], key: str, secrets: SecretStore) -> None:
    """Send ``payload`` (an outbox row's) through ``channel``; DeliveryError says why not, prefixed
    with what was not delivered ("mail not delivered: ...")."""
    try:
        _deliver(channel, payload, key, secrets)
    except DeliveryError as exc:
        raise DeliveryError(_(_NOT_DELIVERED[channel.kind]).format(why=str(exc))) from None


def _deliver(channel: ChannelConfig, payload: dict[str, Any], key: str, secrets: SecretStore) -> None:
    rendered = render(payload)
    name = channel.keyring_name
    if channel.kind == EMAIL:
        password = secrets.get(name, channel.password_env) if channel.user else None
        message = smtp_send.build(channel, rendered, key, str(payload.get("id", "")), _text(payload.get("to")))
        smtp_send.send(channel, message, password)
    elif channel.kind == WEBHOOK:
        secret = secrets.get(name, channel.secret_env) if webhook.uses_secret(channel) else None
        webhook.send(channel, payload, rendered, key, secret)
    elif channel.kind in (DINGTALK, WECOM, FEISHU):
        token = _needed(secrets, name, channel.token_env, _("robot token"))
        secret = secrets.get(f"{name}:secret", channel.secret_env) if channel.kind != WECOM else None
        robots.send(channel, rendered, token, secret, _text(payload.get("to")), _text(payload.get("mention")))
    else:
        url = _needed(secrets, name, channel.url_env, _("apprise URL"))
        apprise_send.send(channel, rendered, url)


def _text(value: Any) -> str | None:
    """A rota field of the payload (the on-call person's address, id or mobile), if one."""
    return (value.strip()[:200] or None) if isinstance(value, str) else None
