"""The alerts, their notes, silences, the outbox and the evaluation lock in the store: raw SQL
with ``?`` placeholders, as the rest of the store. A transition and the outbox rows it causes
are written in one transaction (the caller's ``conn``), so a kill between them loses nothing
and sends nothing twice."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Connection, Engine

from erpconsole.services.alerts.silences import Silence
from erpconsole.services.store.db import placeholders

MISSED = "missed_response"  # the alert_notes kind of a time to respond that ran out
ACTIVE_STATES = ("pending", "firing", "acknowledged", "silenced")
_COLUMNS = ("id, rule, target, severity, state, summary, value, runbook, started_at, fired_at, "
            "last_seen, resolved_at, acked_by, acked_at, comment, escalated_at, notified_at")


@dataclass(frozen=True, slots=True)
class AlertRow:
    id: str
    rule: str
    target: str
    severity: str
    state: str
    summary: str
    value: str
    runbook: str
    started_at: float
    fired_at: float | None
    last_seen: float
    resolved_at: float | None
    acked_by: str | None
    acked_at: float | None
    comment: str | None
    escalated_at: float | None
    notified_at: float | None

    def as_json(self) -> dict:
        """The contract of ``erpconsole alerts list --format json`` (more keys may come)."""
        return {"id": self.id, "rule": self.rule, "target": self.target, "severity": self.severity,
                "state": self.state, "summary": self.summary, "value": self.value,
                "runbook": self.runbook, "started_at": self.started_at, "fired_at": self.fired_at,
                "last_seen": self.last_seen, "resolved_at": self.resolved_at,
                "acked_by": self.acked_by, "acked_at": self.acked_at, "comment": self.comment,
                "escalated_at": self.escalated_at}


def payload(row: AlertRow, transition: str, extra: dict | None = None) -> str:
    """The outbox row's JSON: what the notification says, whatever the channel; ``extra``: the
    person it is for on this channel (person, role, to, mention), from the rota."""
    end = row.resolved_at
    duration = (end - row.started_at) if end is not None else None
    return json.dumps({**(extra or {}), "id": row.id, "rule": row.rule, "target": row.target, "severity": row.severity,
                       "state": row.state, "summary": row.summary, "value": row.value,
                       "started_at": row.started_at, "resolved_at": end,
                       "duration_s": round(duration, 3) if duration is not None else None,
                       "runbook": row.runbook, "transition": transition}, ensure_ascii=False)


class AlertStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._q = lambda sql: placeholders(engine, sql)

    def _run(self, conn: Connection, sql: str, params=()):
        return conn.exec_driver_sql(self._q(sql), tuple(params))

    # -- inside the caller's transaction ----------------------------------------------------

    def insert(self, conn: Connection, row: AlertRow) -> None:
        self._run(conn, f"INSERT INTO alerts ({_COLUMNS}) VALUES ({', '.join('?' * 17)})", _values(row))

    def set_state(self, conn: Connection, alert_id: str, state: str, when: float, **extra) -> int:
        """Moves an alert that is not resolved; returns the rows changed (0: it was)."""
        sets = ", ".join(f"{k} = ?" for k in extra)
        sql = f"UPDATE alerts SET state = ?, last_seen = ?{', ' + sets if sets else ''} " \
              "WHERE id = ? AND state != 'resolved'"
        return self._run(conn, sql, (state, when, *extra.values(), alert_id)).rowcount

    def resolve(self, conn: Connection, alert_id: str, when: float) -> int:
        """Resolved, whatever else it was: an acknowledgement stops escalation, not this."""
        return self._run(conn, "UPDATE alerts SET state = 'resolved', resolved_at = ?, last_seen = ? "
                               "WHERE id = ? AND state != 'resolved'", (when, when, alert_id)).rowcount

    def touch(self, conn: Connection, alert_id: str, severity: str, summary: str, value: str,
              when: float) -> None:
        self._run(conn, "UPDATE alerts SET severity = ?, summary = ?, value = ?, last_seen = ? "
                        "WHERE id = ? AND state != 'resolved'", (severity, summary, value, when, alert_id))

    def delete_pending(self, conn: Connection, alert_id: str) -> None:
        self._run(conn, "DELETE FROM alerts WHERE id = ? AND state = 'pending'", (alert_id,))

    def mark(self, conn: Connection, alert_id: str, column: str, when: float, expect_state: str,
             old: float | None = None) -> bool:
        """Claim one escalation or reminder: True for the one writer whose update matched."""
        assert column in ("escalated_at", "notified_at")
        cond = f"{column} IS NULL" if old is None else f"{column} = ?"
        params = (when, alert_id, expect_state) + (() if old is None else (old,))
        return self._run(conn, f"UPDATE alerts SET {column} = ? WHERE id = ? AND state = ? AND {cond}",
                         params).rowcount == 1

    def enqueue(self, conn: Connection, row: AlertRow, transition: str, channels: Iterable[str],
                when: float, people: dict[str, dict] | None = None) -> int:
        """``people``: {channel: fields} for the channels that go to a person of the rota."""
        body = payload(row, transition)
        people = people or {}
        rows = [(row.id, transition, ch, payload(row, transition, people[ch]) if ch in people else body,
                 when, when) for ch in channels]
        for params in rows:
            self._run(conn, "INSERT INTO outbox (alert_id, transition, channel, payload, created_at, "
                            "next_try_at) VALUES (?, ?, ?, ?, ?, ?)", params)
        return len(rows)

    def get_in(self, conn: Connection, alert_id: str) -> AlertRow | None:
        found = self._run(conn, f"SELECT {_COLUMNS} FROM alerts WHERE id = ?", (alert_id,)).fetchone()
        return AlertRow(*found) if found else None

    # -- reads --------------------------------------------------------------------------------

    def get(self, alert_id: str) -> AlertRow | None:
        with self.engine.connect() as conn:
            return self.get_in(conn, alert_id)

    def open_alerts(self) -> list[AlertRow]:
        return self._select("WHERE state != 'resolved' ORDER BY started_at")

    def alerts(self, include_resolved: bool = False, limit: int = 100_000) -> list[AlertRow]:
        """Active alerts first (newest first), then resolved ones, newest first."""
        where = "" if include_resolved else "WHERE state != 'resolved' "
        order = "ORDER BY CASE WHEN state = 'resolved' THEN 1 ELSE 0 END, started_at DESC, id"
        return self._select(f"{where}{order} LIMIT {int(limit)}")

    def _select(self, tail: str, params=()) -> list[AlertRow]:
        with self.engine.connect() as conn:
            return [AlertRow(*r) for r in self._run(conn, f"SELECT {_COLUMNS} FROM alerts {tail}",
                                                    params).fetchall()]

    def due(self, column: str, before: float) -> list[AlertRow]:
        """Firing alerts not escalated since ``fired_at <= before``, or notified before it."""
        if column == "escalated_at":
            return self._select("WHERE state = 'firing' AND escalated_at IS NULL AND fired_at <= ?",
                                (before,))
        return self._select("WHERE state = 'firing' AND notified_at IS NOT NULL AND notified_at <= ?",
                            (before,))

    def outbox(self, alert_id: str | None = None) -> list[tuple]:
        """(alert_id, transition, channel, payload, created_at, sent_at) in the order written."""
        where, params = ("WHERE alert_id = ? ", (alert_id,)) if alert_id else ("", ())
        with self.engine.connect() as conn:
            return [tuple(r) for r in self._run(conn, "SELECT alert_id, transition, channel, payload, "
                                                f"created_at, sent_at FROM outbox {where}ORDER BY id",
                                                params).fetchall()]

    # -- a person's acts (each its own transaction) ---------------------------------------------

    def ack(self, alert_id: str, person: str, comment: str, when: float) -> AlertRow | None:
        """Recorded even when the alert resolved at the same moment; the state moves only from
        firing or silenced, in the same statement, so a resolution in between is kept."""
        with self.engine.begin() as conn:
            done = self._run(conn, "UPDATE alerts SET acked_by = ?, acked_at = ?, comment = ?, state = "
                                   "CASE WHEN state IN ('firing', 'silenced') THEN 'acknowledged' "
                                   "ELSE state END WHERE id = ?", (person, when, comment, alert_id)).rowcount
            if not done:
                return None
            self._note(conn, alert_id, when, person, "ack", comment)
            return self.get_in(conn, alert_id)

    def unack(self, alert_id: str, person: str, when: float) -> AlertRow | None:
        with self.engine.begin() as conn:
            done = self._run(conn, "UPDATE alerts SET acked_by = NULL, acked_at = NULL, comment = NULL, "
                                   "state = CASE WHEN state = 'acknowledged' THEN 'firing' ELSE state END "
                                   "WHERE id = ?", (alert_id,)).rowcount
            if not done:
                return None
            self._note(conn, alert_id, when, person, "unack", "")
            return self.get_in(conn, alert_id)

    def note(self, alert_id: str, person: str, text: str, when: float) -> None:
        with self.engine.begin() as conn:
            self._note(conn, alert_id, when, person, "note", text)

    def _note(self, conn: Connection, alert_id: str, when: float, person: str, kind: str, text: str) -> None:
        self._run(conn, "INSERT INTO alert_notes (alert_id, ts, author, kind, text) VALUES (?, ?, ?, ?, ?)",
                  (alert_id, when, person, kind, text))

    def missed(self, conn: Connection, alert_id: str, when: float, text: str) -> None:
        """A time to respond that ran out unacknowledged, as a note of kind missed_response."""
        self._note(conn, alert_id, when, "erpconsole", MISSED, text)

    def missed_responses(self, tz=None) -> dict[str, int]:
        """{"YYYY-MM": alerts whose time to respond ran out that month} (in ``tz``, else local
        time), for the monthly figures."""
        from datetime import datetime

        with self.engine.connect() as conn:
            rows = self._run(conn, "SELECT ts FROM alert_notes WHERE kind = ?", (MISSED,)).fetchall()
        out: dict[str, int] = {}
        for (ts,) in rows:
            month = (datetime.fromtimestamp(ts, tz) if tz else datetime.fromtimestamp(ts).astimezone()
                     ).strftime("%Y-%m")
            out[month] = out.get(month, 0) + 1
        return dict(sorted(out.items()))

    def notes(self, alert_id: str) -> list[tuple[float, str, str, str]]:
        with self.engine.connect() as conn:
            return [tuple(r) for r in self._run(conn, "SELECT ts, author, kind, text FROM alert_notes "
                                                      "WHERE alert_id = ? ORDER BY id", (alert_id,))]

    def add_silence(self, target: str | None, tag: str | None, starts_at: float, ends_at: float,
                    comment: str, person: str, when: float) -> int:
        with self.engine.begin() as conn:
            self._run(conn, "INSERT INTO silences (target, tag, starts_at, ends_at, comment, created_by, "
                            "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                      (target, tag, starts_at, ends_at, comment, person, when))
            return int(self._run(conn, "SELECT MAX(id) FROM silences WHERE created_by = ? AND created_at = ?",
                                 (person, when)).scalar_one())

    def remove_silence(self, silence_id: int, person: str, when: float) -> bool:
        with self.engine.begin() as conn:
            return self._run(conn, "UPDATE silences SET removed_at = ?, removed_by = ? WHERE id = ? "
                                   "AND removed_at IS NULL", (when, person, silence_id)).rowcount == 1

    def silences(self, now: float) -> list[Silence]:
        """Silences not removed that have not ended."""
        with self.engine.connect() as conn:
            rows = self._run(conn, "SELECT id, target, tag, starts_at, ends_at, comment, created_by "
                                   "FROM silences WHERE removed_at IS NULL AND ends_at > ? ORDER BY id",
                             (now,)).fetchall()
        return [Silence(int(r[0]), *r[1:]) for r in rows]


def _values(row: AlertRow) -> tuple:
    return (row.id, row.rule, row.target, row.severity, row.state, row.summary, row.value, row.runbook,
            row.started_at, row.fired_at, row.last_seen, row.resolved_at, row.acked_by, row.acked_at,
            row.comment, row.escalated_at, row.notified_at)
