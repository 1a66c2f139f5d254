"""Typed errors a collector raises; the scheduler turns them into health states."""

from __future__ import annotations

from erpconsole.services.models import Health


class CollectorError(Exception):
    """A poll failed in a way the collector understood: ``kind`` is the health state to show."""

    def __init__(self, kind: Health, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.detail = detail
