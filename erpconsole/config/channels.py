"""The inventory's ``[[channels]]``: where notifications go (mail, webhooks, chat robots).

Each kind has its own keys, declared as data below. No credential is ever in the file: the
SMTP password, a robot's token and signing secret, an apprise URL and a webhook's header
secret are read at send time from keyring (``channel:NAME``, ``channel:NAME:secret``) or from
an environment variable the entry names (``password_env``, ``token_env``, ``secret_env``,
``url_env``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from string import Template
from typing import Any

from erpconsole.config.fields import (
    Source, clip, describe, read_bool, read_choice, read_env_name, read_in_range, read_name, read_path,
    read_port, read_text,
)
from erpconsole.config.lines import Path_
from erpconsole.guards import urls
from erpconsole.i18n import _

EMAIL, WEBHOOK, DINGTALK, WECOM, FEISHU, APPRISE = "email", "webhook", "dingtalk", "wecom", "feishu", "apprise"
KINDS = (EMAIL, WEBHOOK, DINGTALK, WECOM, FEISHU, APPRISE)
TLS_MODES = ("none", "starttls", "ssl")
SMTP_PORTS = {"none": 25, "starttls": 587, "ssl": 465}
# The vendors' robot endpoints; ``url`` points elsewhere (a proxy, a private deployment).
ROBOT_URLS = {
    DINGTALK: "https://oapi.dingtalk.com/robot/send",
    WECOM: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send",
    FEISHU: "https://open.feishu.cn/open-apis/bot/v2/hook/",
}
# What a webhook's body, headers and URL may name ($summary, ${target}, ...).
PLACEHOLDERS = ("id", "rule", "target", "severity", "state", "summary", "value", "started_at",
                "resolved_at", "duration", "duration_s", "runbook", "transition", "title", "text", "secret")
_ADDRESS = re.compile(r"[^@\s<>]+@[^@\s<>]+")
# A header with one of these in its name carries a credential: its value must be $secret.
_SECRET_HEADER = re.compile(r"auth|token|key|secret|cookie|signature|pass", re.I)


@dataclass(frozen=True, slots=True)
class ChannelConfig:
    """One ``[[channels]]`` table. Unused keys of other kinds keep their defaults."""

    name: str
    kind: str
    timeout_s: float = 10.0  # connect, each read, and the whole delivery
    # email
    smtp_host: str | None = None
    smtp_port: int | None = None
    tls: str = "starttls"
    user: str | None = None
    password_env: str | None = None
    sender: str | None = None  # "from" in the file
    to: tuple[str, ...] = ()
    ca_file: str | None = None  # a private CA (or a relay's own certificate) to trust
    # webhook, robots
    url: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    body: str | None = None  # a template; None: the alert as one JSON object
    content_type: str = "application/json"
    token_env: str | None = None
    secret_env: str | None = None
    url_env: str | None = None  # apprise
    verify_tls: bool = True
    line: int | None = None

    @property
    def port(self) -> int:
        return self.smtp_port or SMTP_PORTS[self.tls]

    @property
    def endpoint(self) -> str:
        return self.url or ROBOT_URLS.get(self.kind, "")

    @property
    def keyring_name(self) -> str:
        return f"channel:{self.name}"


def _timeout(src: Source, where: Path_, value: Any) -> float:
    number = read_in_range(src, where, value, 0.1, 120.0, _(" seconds"))
    return number


def _address(src: Source, where: Path_, value: Any) -> str:
    text = read_text(src, where, value).strip()
    if not _ADDRESS.fullmatch(text):
        src.fail(where, _('{key} must be one mail address, like "oncall@example.org" (got {got})').format(
            key=str(where[-1]), got=describe(value)))
    return text


def _addresses(src: Source, where: Path_, value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value:
        src.fail(where, _('to must be a list of mail addresses, like to = ["oncall@example.org"] (got {got})')
                 .format(got=describe(value)))
    return tuple(_address(src, where, item) for item in value)


def _url(src: Source, where: Path_, value: Any) -> str:
    text = read_text(src, where, value).strip()
    if not re.match(r"https?://[^/\s]+", text) or any(c.isspace() for c in text):
        src.fail(where, _('url must be an http:// or https:// address, like url = '
                          '"https://alerts.example.org/hook" (got {got})').format(got=describe(value)))
    _placeholders(src, where, text)
    if urls.has_userinfo_password(text):
        src.fail(where, _("url holds a secret (user:password@): write $secret in its place and store it with "
                          "`erpconsole secret set channel:NAME`, or name a variable with secret_env"))
    query = text.partition("?")[2].partition("#")[0]
    for pair in re.split(r"[&;]", query):
        key, _eq, value = pair.partition("=")
        if key and urls.is_secret_key(key) and value not in ("$secret", "${secret}"):
            src.fail(where, _("url holds a secret (?{key}=): write ?{key}=$secret and store the value with "
                              "`erpconsole secret set channel:NAME`, or name a variable with secret_env").format(
                key=clip(key)))
    return text


def _tls(src: Source, where: Path_, value: Any) -> str:
    return read_choice(src, where, value, "tls", TLS_MODES)


def _placeholders(src: Source, where: Path_, text: str) -> str:
    template = Template(text)
    if not template.is_valid():
        src.fail(where, _("{key} has a $ that starts no placeholder; write $$ for a dollar sign, or "
                          "${{summary}} and the like").format(key=str(where[-1])))
    unknown = [name for name in template.get_identifiers() if name not in PLACEHOLDERS]
    if unknown:
        src.fail(where, _("{key} names ${name}, which no notification has; it may name: {known}").format(
            key=str(where[-1]), name=clip(unknown[0]), known=", ".join("$" + p for p in PLACEHOLDERS)))
    return text


def _body(src: Source, where: Path_, value: Any) -> str:
    return _placeholders(src, where, read_text(src, where, value))


def _headers(src: Source, where: Path_, value: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, dict):
        src.fail(where, _('headers must be a table, like headers = {{ "X-Team" = "erp" }} (got {got})').format(
            got=describe(value)))
    pairs = []
    for key, text in value.items():
        if not re.fullmatch(r"[A-Za-z0-9!#$%&'*+.^_`|~-]+", key):
            src.fail(where + (key,), _("header name {name} is not a valid HTTP header name").format(name=clip(key)))
        text = read_text(src, where + (key,), text)
        if "\n" in text or "\r" in text:
            src.fail(where + (key,), _("header {name} must be one line").format(name=key))
        _placeholders(src, where + (key,), text)
        if _SECRET_HEADER.search(key) and "secret" not in Template(text).get_identifiers():
            src.fail(where + (key,), _(
                "header {name} would hold a credential in the file; write $secret in its place "
                "(like \"Bearer $secret\") and store the value with `erpconsole secret set "
                "channel:NAME` or name a variable with secret_env").format(name=key))
        pairs.append((key, text))
    return tuple(pairs)


def _content_type(src: Source, where: Path_, value: Any) -> str:
    text = read_text(src, where, value)
    if not re.fullmatch(r"[\w.+-]+/[\w.+-]+(;\s*[\w-]+=[\w.-]+)*", text):
        src.fail(where, _('content_type must be a media type, like "application/json" (got {got})').format(
            got=describe(value)))
    return text


_COMMON = {"name": read_name, "kind": None, "timeout_s": _timeout}
_SPECS: dict[str, tuple[dict[str, Any], tuple[str, ...]]] = {
    EMAIL: ({"smtp_host": read_text, "smtp_port": read_port, "tls": _tls, "user": read_text,
             "password_env": read_env_name, "from": _address, "to": _addresses, "ca_file": read_path},
            ("smtp_host", "from", "to")),
    WEBHOOK: ({"url": _url, "headers": _headers, "body": _body, "content_type": _content_type,
               "secret_env": read_env_name, "verify_tls": read_bool}, ("url",)),
    DINGTALK: ({"url": _url, "token_env": read_env_name, "secret_env": read_env_name,
                "verify_tls": read_bool}, ()),
    WECOM: ({"url": _url, "token_env": read_env_name, "verify_tls": read_bool}, ()),
    FEISHU: ({"url": _url, "token_env": read_env_name, "secret_env": read_env_name,
              "verify_tls": read_bool}, ()),
    APPRISE: ({"url_env": read_env_name}, ()),
}
_RENAMED = {"from": "sender"}
_EXAMPLES = {"smtp_host": '"127.0.0.1"', "from": '"erpconsole@example.org"', "to": '["oncall@example.org"]',
             "url": '"https://alerts.example.org/hook"', "name": '"oncall-mail"', "kind": '"email"'}


def read_channel(src: Source, where: Path_, raw: Any, line: int | None) -> ChannelConfig:
    """One ``[[channels]]`` entry, refused with its line when a key is wrong or missing."""
    if not isinstance(raw, dict):
        src.fail(where, _("[[channels]] must be a table (got {got})").format(got=describe(raw)))
    for key in ("name", "kind"):
        if key not in raw:
            src.fail(where, _("this [[channels]] entry has no {key}; add {key} = {example}").format(
                key=key, example=_EXAMPLES[key]))
    kind = read_choice(src, where + ("kind",), raw["kind"], "kind", KINDS)
    spec, required = _SPECS[kind]
    allowed = {**_COMMON, **spec}
    for key in raw:
        if key not in allowed:
            src.fail(where + (key,), _('"{key}" is not a key of a {kind} channel; it takes: {allowed}').format(
                key=clip(key), kind=kind, allowed=", ".join(allowed)))
    for key in required:
        if key not in raw:
            src.fail(where, _("this {kind} channel has no {key}; add {key} = {example}").format(
                kind=kind, key=key, example=_EXAMPLES.get(key, '"..."')))
    values = {_RENAMED.get(k, k): allowed[k](src, where + (k,), v) for k, v in raw.items() if k != "kind"}
    return ChannelConfig(kind=kind, line=line, **values)


def credential_env(channels: tuple[ChannelConfig, ...], entry: str) -> str | None:
    """The variable a channel reads in place of keyring ``channel:ENTRY``: ``NAME`` holds the
    kind's credential (SMTP password, robot token, apprise URL, webhook $secret), ``NAME:secret``
    a robot's signing secret."""
    name, _sep, part = entry.partition(":")
    for channel in channels:
        if channel.name != name:
            continue
        if part == "secret":
            return channel.secret_env
        return {EMAIL: channel.password_env, WEBHOOK: channel.secret_env, APPRISE: channel.url_env}.get(
            channel.kind, channel.token_env)
    return None
