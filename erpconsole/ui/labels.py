"""Words a person reads for service values (health states, the local host), translated."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from erpconsole.services.models import LOCAL_HOST, Health


def _tr(text: str) -> str:
    return QCoreApplication.translate("labels", text)


def display_name(target: str) -> str:
    return _tr("This workstation") if target == LOCAL_HOST else target


def health_label(health: Health) -> str:
    return {
        Health.PENDING: _tr("waiting"),
        Health.OK: _tr("ok"),
        Health.UNREACHABLE: _tr("unreachable"),
        Health.AUTH_FAILED: _tr("login refused"),
        Health.HOSTKEY_UNKNOWN: _tr("unknown host key"),
        Health.HOSTKEY_MISMATCH: _tr("host key changed: possible interception"),
        Health.TIMEOUT: _tr("timed out"),
        Health.PARSE_ERROR: _tr("unreadable answer"),
        Health.ERROR: _tr("error"),
    }[health]


def health_text(health: Health, message: str) -> str:
    label = health_label(health)
    if not message or health is Health.OK:
        return label
    if message.lower().startswith(label.lower()):  # the message already names the state
        return message
    return f"{label}: {message}"
