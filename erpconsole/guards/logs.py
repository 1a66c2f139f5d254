"""Log lines that never hold a URL's secret: a formatter that masks the whole formatted
record, its traceback too (an exception's message may quote a URL it could not open)."""

from __future__ import annotations

import logging

from erpconsole.guards.urls import mask_text


class MaskingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return mask_text(super().format(record))


def stderr_handler(level: int = logging.WARNING) -> logging.Handler:
    """What Python's last-resort handler prints (the message alone), masked: for the commands
    that set no logging up themselves."""
    handler = logging.StreamHandler()
    handler.setLevel(level)
    handler.setFormatter(MaskingFormatter())
    return handler
