"""The TCP socket under an SSH transport: short connect timeout, NODELAY, keepalive, immediate
ACKs (sshd's small writes otherwise wait on our delayed ACK), and a ``close()`` that wakes the
transport's reader thread at once, so that thread may sleep in ``recv`` between polls."""

from __future__ import annotations

import errno
import socket
import struct
import threading

_TCP_QUICKACK = getattr(socket, "TCP_QUICKACK", None)


class _MonitorSocket(socket.socket):
    """``close()`` shuts the connection down first: a thread blocked in ``recv`` on it returns
    now (a bare close leaves it waiting until its timeout), so paramiko's reader thread need not
    wake every second to see whether its transport was closed (``IDLE_READ_S``).

    While another thread is inside ``recv`` or ``send``, the descriptor is closed by that thread
    on its way out, not under it: closed at once, its number could be given to a new file before
    the reader's ``poll`` began, which would then wait on that file for ``IDLE_READ_S`` (seen
    when a jump host's login was closed right after it)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self._use = threading.Lock()
        self._users = 0
        self._closing = False

    def recv(self, bufsize: int, flags: int = 0) -> bytes:
        self._enter()
        try:
            return super().recv(bufsize, flags)
        finally:
            self._leave()

    def send(self, data: bytes, flags: int = 0) -> int:  # type: ignore[override]
        self._enter()
        try:
            return super().send(data, flags)
        finally:
            self._leave()

    def close(self) -> None:
        try:
            self.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass  # not connected, or closed already
        with self._use:
            self._closing = True
            if self._users:
                return  # woken by the shutdown, the last one inside closes it
        super().close()

    def _enter(self) -> None:
        with self._use:
            if self._closing:
                raise OSError(errno.EBADF, "socket closed")
            self._users += 1

    def _leave(self) -> None:
        with self._use:
            self._users -= 1
            last = self._closing and not self._users
        if last:
            super().close()


class _QuickAckSocket(_MonitorSocket):
    """Acknowledges every segment at once. sshd sets TCP_NODELAY only on sessions with a
    pty, so the probe's many small writes reach us under Nagle: each waits for our ACK of
    the one before, which Linux delays by 40 ms or more after an idle spell. Measured on
    loopback, 40 idle hosts polled once each: poll p95 from ~100 ms to 15-50 ms."""

    def recv(self, bufsize: int, flags: int = 0) -> bytes:
        data = super().recv(bufsize, flags)
        try:
            self.setsockopt(socket.IPPROTO_TCP, _TCP_QUICKACK, 1)  # Linux resets it: re-arm
        except OSError:
            pass
        return data


# How long paramiko's reader thread sleeps in recv with nothing arriving, once logged in. It
# woke every second before (to look for a close request): 70 us of CPU each time, 0.35 ms per
# host between two polls 5 s apart, measured on 100 idle hosts. A close wakes it now, a dead
# peer ends the read through TCP keepalive, and a rekey is started on the next packet.
IDLE_READ_S = 60.0


def open_socket(host: str, port: int, timeout: float) -> socket.socket:
    """A TCP connection with the options a monitoring link wants (see DESIGN: NODELAY)."""
    plain = socket.create_connection((host, port), timeout=timeout)
    cls = _QuickAckSocket if _TCP_QUICKACK is not None else _MonitorSocket
    sock = cls(plain.family, plain.type, plain.proto, fileno=plain.detach())
    sock.settimeout(timeout)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    for opt, value in (("TCP_KEEPIDLE", 30), ("TCP_KEEPINTVL", 10), ("TCP_KEEPCNT", 3)):
        if hasattr(socket, opt):
            sock.setsockopt(socket.IPPROTO_TCP, getattr(socket, opt), value)
    return sock


# struct tcp_info (linux/tcp.h): tcpi_min_rtt, in microseconds, at byte 148 (Linux 4.10 on).
_TCP_INFO = getattr(socket, "TCP_INFO", None)
_MIN_RTT_AT = 148


def kernel_min_rtt(sock: object) -> float | None:
    """The kernel's smallest round trip of this TCP connection, in seconds (the SSH handshake
    took several): a first deadline for keepalive probes before they have history of their own.
    None where the kernel does not say (not Linux, not a TCP socket, a jump host's channel)."""
    if _TCP_INFO is None or not isinstance(sock, socket.socket):
        return None
    try:
        info = sock.getsockopt(socket.IPPROTO_TCP, _TCP_INFO, _MIN_RTT_AT + 4)
    except OSError:
        return None
    if len(info) < _MIN_RTT_AT + 4:
        return None
    (micros,) = struct.unpack_from("I", info, _MIN_RTT_AT)
    return micros / 1e6 if micros else None
