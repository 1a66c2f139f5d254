"""The long tail of services (Slack, Telegram, Teams, ntfy, Matrix, ... about a hundred) through
apprise. Its URLs hold tokens, so the URL itself is the secret: keyring ``channel:NAME`` or the
variable ``url_env`` names. apprise is imported on first use (it loads every plugin, ~0.1 s)."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
import warnings

from erpconsole.config.channels import ChannelConfig
from erpconsole.guards.urls import mask_text
from erpconsole.i18n import _
from erpconsole.services.notify.models import DeliveryError, Rendered


def _with_timeouts(url: str, timeout_s: float) -> str:
    """apprise's connect (cto) and read (rto) timeouts, unless the URL sets its own."""
    query = url.partition("?")[2]
    keys = {pair.partition("=")[0] for pair in query.split("&")}
    extra = [f"{k}={timeout_s:g}" for k in ("cto", "rto") if k not in keys]
    if not extra:
        return url
    return url + ("&" if "?" in url else "?") + "&".join(extra)


def _name_its_pools(apprise_module) -> None:
    """apprise 2 keeps two process-wide thread pools, made on first use with Python's default
    names; made here first, named, so a thread list (or a leak check) says whose they are."""
    core = getattr(apprise_module, "apprise", None)
    for attr, prefix in (("_shared_executor", "apprise-send"), ("_coordinator_executor", "apprise-coordinate")):
        lock = getattr(core, attr + "_lock", None)
        if lock is None:
            continue
        with lock:
            if getattr(core, attr, None) is None:
                setattr(core, attr, ThreadPoolExecutor(thread_name_prefix=prefix))


def send(channel: ChannelConfig, rendered: Rendered, url: str) -> None:
    # apprise 2 imports imghdr (deprecated in 3.11) as it loads its plugins, at first use:
    # not a warning for the person reading the agent's journal.
    warnings.filterwarnings("ignore", "'imghdr' is deprecated", DeprecationWarning)
    try:
        import apprise
    except ImportError:
        raise DeliveryError(_("apprise is not installed; install it with pip install apprise")) from None
    _name_its_pools(apprise)
    notifier = apprise.Apprise()
    if not notifier.add(_with_timeouts(url, channel.timeout_s)):
        raise DeliveryError(_("apprise does not understand the URL in {entry}; see apprise's list of "
                              "services for how to write it").format(entry=channel.keyring_name))
    with apprise.LogCapture(level=logging.WARNING) as captured:
        ok = notifier.notify(title=rendered.title, body=rendered.text)
    if not ok:
        lines = [line.strip() for line in captured.getvalue().splitlines() if line.strip()]
        reason = mask_text(" ".join(lines[-2:]))[:300] or _("no reason given")
        raise DeliveryError(_("apprise could not deliver it: {reason}").format(reason=reason))
