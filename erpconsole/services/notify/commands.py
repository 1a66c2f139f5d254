"""``erpconsole notify status|test``: what is waiting in the outbox and why, and one test
message through a channel. Each returns (exit code, text for stdout, text for stderr)."""

from __future__ import annotations

import json
import time
from datetime import datetime
from pathlib import Path

from erpconsole.guards.urls import mask_text, mask_url
from erpconsole.i18n import _, ngettext
from erpconsole.services.notify import senders
from erpconsole.services.notify.models import DeliveryError
from erpconsole.services.notify.outbox import waiting
from erpconsole.services.secrets import SecretStore

EXIT_OK, EXIT_WARNING, EXIT_CRITICAL, EXIT_UNKNOWN = 0, 1, 2, 3
Result = tuple[int, str, str]


def _iso(ts: float | None) -> str:
    return datetime.fromtimestamp(ts).astimezone().isoformat(timespec="seconds") if ts else ""


def status(url: str, fmt: str = "table") -> Result:
    """The channels with notifications not delivered yet; exit 1 when a channel has a reason."""
    from erpconsole.services.store.db import make_engine, migrate

    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).expanduser().exists():
        return EXIT_UNKNOWN, "", _("erpconsole: no store at {path}; give --store URL").format(
            path=url.removeprefix("sqlite:///"))
    try:
        engine = make_engine(url)
        migrate(engine)
        try:
            states = waiting(engine)
        finally:
            engine.dispose()
    except Exception as exc:  # noqa: BLE001 - a message, not a traceback
        return EXIT_UNKNOWN, "", _("erpconsole: the store at {url} could not be read: {error}").format(
            url=mask_url(url), error=mask_text(str(exc)))
    code = EXIT_WARNING if any(s.last_error for s in states) else EXIT_OK
    if fmt == "json":
        return code, json.dumps([{"channel": s.channel, "waiting": s.waiting, "attempts": s.attempts,
                                  "next_try_at": s.next_try_at, "last_error": s.last_error} for s in states],
                                ensure_ascii=False, indent=1) + "\n", ""
    if not states:
        return code, _("every notification was delivered") + "\n", ""
    lines = []
    for s in states:
        head = ngettext("{channel}: {n} notification waiting", "{channel}: {n} notifications waiting",
                        s.waiting).format(channel=s.channel, n=s.waiting)
        lines.append(head)
        if s.last_error:
            lines.append("  " + s.last_error)
        if s.next_try_at:
            lines.append("  " + _("next try: {when}").format(when=_iso(max(s.next_try_at, time.time()))))
    return code, "\n".join(lines) + "\n", ""


def test(inventory, name: str, who: str) -> Result:
    """One message through channel ``name``, now, outside the outbox: exit 0 when it was taken."""
    channels = {c.name: c for c in inventory.channels}
    channel = channels.get(name)
    if channel is None:
        return EXIT_UNKNOWN, "", _('erpconsole: no channel "{name}" in the inventory; channels: {names}').format(
            name=name, names=", ".join(sorted(channels)) or _("none"))
    now = time.time()
    payload = {"id": "test", "rule": "test", "target": who, "severity": "info", "state": "firing",
               "summary": _("a test notification, sent with erpconsole notify test"), "value": None,
               "started_at": now, "resolved_at": None, "duration_s": None,
               "runbook": _("nothing: this only shows that the channel works"), "transition": "firing"}
    try:
        senders.deliver(channel, payload, f"erpconsole.test.{int(now * 1000)}", SecretStore())
    except DeliveryError as exc:
        return EXIT_CRITICAL, "", _("erpconsole: {reason}").format(reason=exc)
    return EXIT_OK, _('sent through "{name}" ({kind})').format(name=name, kind=channel.kind) + "\n", ""
