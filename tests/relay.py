"""A TCP relay a test starts on a port of its choosing: connections to it are carried to a real
server (this machine's PostgreSQL, say), so a server can be "down" on that port, then back."""

from __future__ import annotations

import socket
import threading


class Relay:
    def __init__(self, port: int, target: tuple[str, int]) -> None:
        self.port, self.target = port, target
        self._server: socket.socket | None = None
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", self.port))
        server.listen(16)
        self._server = server
        self._spawn(self._accept, server)

    def _accept(self, server: socket.socket) -> None:
        while True:
            try:
                near, _ = server.accept()
            except OSError:
                return  # stopped
            try:
                far = socket.create_connection(self.target, timeout=5)
            except OSError:
                near.close()
                continue
            with self._lock:
                self._open += [near, far]
            for a, b in ((near, far), (far, near)):
                self._spawn(self._pipe, a, b)

    def _spawn(self, work, *args) -> None:
        thread = threading.Thread(target=work, args=args, daemon=True)
        with self._lock:
            self._threads.append(thread)
        thread.start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def stop(self) -> None:
        """Closes the port and every carried connection; returns when its threads have ended."""
        if self._server is not None:
            try:
                self._server.shutdown(socket.SHUT_RDWR)  # wakes the accept
            except OSError:
                pass
            self._server.close()
            self._server = None
        with self._lock:
            for s in self._open:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            threads = list(self._threads)
        for thread in threads:
            thread.join(timeout=10)
        with self._lock:
            for s in self._open:
                s.close()
            self._open.clear()
