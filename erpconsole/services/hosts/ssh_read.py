"""Reading a command's answer off an SSH channel: up to the end line with the poll's token,
before a deadline, and no more than a byte limit (stdout and stderr together)."""

from __future__ import annotations

import logging
import time

import paramiko
from paramiko.ssh_exception import SSHException

from erpconsole.i18n import _
from erpconsole.services.answer_limit import LIMIT_ENV, megabytes
from erpconsole.services.errors import CollectorError
from erpconsole.services.hosts.probe import END, MARKER
from erpconsole.services.models import Health

log = logging.getLogger(__name__)

READ_CHUNK = 65536


class TimedOut(Exception):
    pass


class ShellGone(Exception):
    """The kept shell's channel closed; ``output`` is what it printed before."""

    def __init__(self, output: bytes) -> None:
        super().__init__("channel closed")
        self.output = output


class AnswerTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"over {limit} bytes")
        self.limit = limit

    def error(self) -> CollectorError:
        return CollectorError(Health.PARSE_ERROR, _(
            "answer too large (over {mb:g} MB); the channel was closed. Check what the account's "
            "login shell or profile prints, or raise ${env}").format(
                mb=megabytes(self.limit), env=LIMIT_ENV))


def round_trip(chan: paramiko.Channel, data: bytes, token: str, deadline: float, limit: int) -> bytes:
    end = f"\n{MARKER}{END} {token}\n".encode()
    buf = bytearray()
    seen = 0  # stdout and stderr bytes, against the limit
    try:
        if data:
            chan.settimeout(max(0.01, deadline - time.monotonic()))
            chan.sendall(data)
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimedOut()
            chan.settimeout(remaining)
            chunk = chan.recv(READ_CHUNK)
            seen += len(chunk) + drain_stderr(chan, limit - seen)
            if seen > limit:
                raise AnswerTooLarge(limit)
            if not chunk:
                raise ShellGone(bytes(buf))
            start = max(0, len(buf) - len(end))
            buf += chunk
            if buf.find(end, start) >= 0:
                return bytes(buf)
    except TimeoutError:  # socket.timeout
        raise TimedOut() from None
    except (SSHException, EOFError, OSError):
        raise ShellGone(bytes(buf)) from None


def drain_stderr(chan: paramiko.Channel, room: int) -> int:
    """Reads what stderr holds (up to ``room`` bytes and a little), returns how much. stdout and
    stderr share one window: unread stderr would stall the channel in the end."""
    read = 0
    while read <= room and chan.recv_stderr_ready():
        text = chan.recv_stderr(READ_CHUNK)
        if not text:
            break
        read += len(text)
        if read <= READ_CHUNK:
            log.debug("remote stderr: %r", text[:200])
    return read
