"""A named lease in the store: one process at a time performs a duty for a store (``rules``:
evaluating the alert rules and sending the notifications), whichever host it runs on.

The holder renews its row before it lapses; any other process takes the row over once it has
lapsed, so an agent killed with SIGKILL is replaced after one lease time, and nobody has to
clear anything by hand. Expiry is judged by the store's own clock in the same statement that
takes the row: two agents on hosts whose clocks disagree still agree on who holds it.

A holder acts only while its lease is valid by its own monotonic clock, counted from when
its last successful renewal *started*: a renewal that fails (store gone, statement timed out)
leaves it a holder at most until the lease it had runs out, never longer than the others wait.
"""

from __future__ import annotations

import getpass
import logging
import os
import socket
import threading
import time
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from erpconsole.services.store.db import placeholders

log = logging.getLogger(__name__)

RULES = "rules"  # the lease of the process that evaluates rules and sends for a store
DEFAULT_TTL_S = 30.0
STATEMENT_TIMEOUT_MS = 5000  # a frozen PostgreSQL must not hold the agent's loop

# The store's clock in epoch seconds, per dialect (SQLite: to the millisecond).
_NOW = {
    "sqlite": "((julianday('now') - 2440587.5) * 86400.0)",
    "postgresql": "CAST(EXTRACT(EPOCH FROM clock_timestamp()) AS DOUBLE PRECISION)",
    "mysql": "UNIX_TIMESTAMP(NOW(6))",
    "mariadb": "UNIX_TIMESTAMP(NOW(6))",
}


def default_holder() -> str:
    """user@host:pid of this process: what a person reads to find the holder."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (a container's random uid)
        user = str(os.getuid())
    return f"{user}@{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True, slots=True)
class LeaseHolder:
    name: str
    holder: str
    expires_at: float  # epoch seconds, by the store's clock
    remaining_s: float  # how long it still runs, as the store saw it when read

    @property
    def lapsed(self) -> bool:
        return self.remaining_s <= 0


class StoreLease:
    """One process's claim on the lease ``name`` of a store. ``try_acquire`` takes it (when
    free or lapsed) or renews it (when ours); call it about every ``ttl_s / 3``. Thread-safe."""

    def __init__(self, engine: Engine, name: str = RULES, holder: str | None = None,
                 ttl_s: float = DEFAULT_TTL_S) -> None:
        if ttl_s <= 0:
            raise ValueError("ttl_s must be positive")
        self.engine = engine
        self.name = name
        self.holder = holder or default_holder()
        self.ttl_s = float(ttl_s)
        self._valid_until = 0.0  # monotonic
        self._lock = threading.Lock()
        now = _NOW.get(engine.dialect.name, _NOW["sqlite"])
        q = lambda sql: placeholders(engine, sql.replace("{now}", now))  # noqa: E731
        self._take = q("UPDATE alert_lock SET holder = ?, expires_at = {now} + ? "
                       "WHERE name = ? AND (holder = ? OR expires_at < {now})")
        self._insert = q("INSERT INTO alert_lock (name, holder, expires_at) VALUES (?, ?, {now} + ?)")
        self._release = q("DELETE FROM alert_lock WHERE name = ? AND holder = ?")
        self._read = q("SELECT holder, expires_at, expires_at - {now} FROM alert_lock WHERE name = ?")

    @property
    def held(self) -> bool:
        """True while the last renewal's lease still runs (by this process's monotonic clock)."""
        return time.monotonic() < self._valid_until

    def try_acquire(self) -> bool:
        """Takes or renews the lease; False when another holder's lease still runs. Raises the
        store's error when it cannot be asked (then ``held`` runs out on its own)."""
        with self._lock:
            started = time.monotonic()
            if self._update():
                self._valid_until = started + self.ttl_s
                return True
            if self._insert_row():
                self._valid_until = started + self.ttl_s
                return True
            self._valid_until = 0.0
            return False

    def _update(self) -> bool:
        with self.engine.begin() as conn:
            self._deadline(conn)
            cur = conn.exec_driver_sql(self._take, (self.holder, self.ttl_s, self.name, self.holder))
            return cur.rowcount == 1

    def _insert_row(self) -> bool:
        """The first holder of a name creates its row; a process that loses that race sees the
        primary key refuse it."""
        try:
            with self.engine.begin() as conn:
                self._deadline(conn)
                conn.exec_driver_sql(self._insert, (self.name, self.holder, self.ttl_s))
            return True
        except IntegrityError:
            return False

    def release(self) -> bool:
        """Gives the lease up now (a clean stop), so another process takes over at once instead
        of after the lease time. True when it was ours."""
        with self._lock:
            self._valid_until = 0.0
            with self.engine.begin() as conn:
                self._deadline(conn)
                return conn.exec_driver_sql(self._release, (self.name, self.holder)).rowcount == 1

    def current(self) -> LeaseHolder | None:
        """Who holds the lease as the store says now (maybe lapsed); None when nobody has."""
        with self.engine.connect() as conn:
            self._deadline(conn)
            row = conn.exec_driver_sql(self._read, (self.name,)).first()
            conn.rollback()
        if row is None:
            return None
        return LeaseHolder(self.name, row[0], float(row[1]), float(row[2]))

    def _deadline(self, conn) -> None:
        if self.engine.dialect.name == "postgresql":
            conn.exec_driver_sql(f"SET LOCAL statement_timeout = {STATEMENT_TIMEOUT_MS}")
