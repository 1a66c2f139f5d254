"""Incidents in the store (raw SQL with ``?`` placeholders, as the rest of the store), and the
reads the figures and the timeline make of what the store already holds: alerts and their
notes, the health states of the event log, the times something was polled. Every read is
bounded (``LIMIT``) and runs on the caller's thread, never the GUI's."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from erpconsole.services.incidents.figures import AlertFacts
from erpconsole.services.store.db import placeholders

MAX_ROWS = 500_000  # a month of polls bucketed by a quarter of the gap, and some to spare
_COLUMNS = "id, title, opened_at, opened_by, closed_at, closed_by, cause, fix, follow_ups"


@dataclass(frozen=True, slots=True)
class IncidentRow:
    id: int
    title: str
    opened_at: float
    opened_by: str
    closed_at: float | None
    closed_by: str | None
    cause: str | None
    fix: str | None
    follow_ups: str | None
    alert_ids: tuple[str, ...] = ()

    @property
    def state(self) -> str:
        return "open" if self.closed_at is None else "closed"


class IncidentStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._q = lambda sql: placeholders(engine, sql)

    def rows(self, sql: str, params=()) -> list[tuple]:
        with self.engine.connect() as conn:
            return [tuple(r) for r in conn.exec_driver_sql(self._q(sql), tuple(params)).fetchall()]

    def missing_alerts(self, alert_ids: list[str]) -> list[str]:
        known = {r[0] for r in self.rows(f"SELECT id FROM alerts WHERE id IN ({', '.join('?' * len(alert_ids))})",
                                         alert_ids)} if alert_ids else set()
        return [a for a in alert_ids if a not in known]

    def active_alerts_of(self, target: str) -> list[str]:
        return [r[0] for r in self.rows("SELECT id FROM alerts WHERE target = ? AND state != 'resolved' "
                                        "ORDER BY started_at, id LIMIT 1000", (target,))]

    def open(self, title: str, alert_ids: list[str], person: str, when: float) -> int:
        with self.engine.begin() as conn:
            run = lambda sql, params: conn.exec_driver_sql(self._q(sql), tuple(params))  # noqa: E731
            run("INSERT INTO incidents (title, opened_at, opened_by) VALUES (?, ?, ?)", (title, when, person))
            number = int(run("SELECT MAX(id) FROM incidents WHERE opened_by = ? AND opened_at = ?",
                             (person, when)).scalar_one())
            for alert_id in dict.fromkeys(alert_ids):
                run("INSERT INTO incident_alerts (incident_id, alert_id) VALUES (?, ?)", (number, alert_id))
        return number

    def close(self, number: int, cause: str, fix: str, follow_ups: str, person: str, when: float) -> bool:
        """False when there is no such open incident."""
        with self.engine.begin() as conn:
            return conn.exec_driver_sql(self._q(
                "UPDATE incidents SET closed_at = ?, closed_by = ?, cause = ?, fix = ?, follow_ups = ? "
                "WHERE id = ? AND closed_at IS NULL"), (when, person, cause, fix, follow_ups, number)).rowcount == 1

    def get(self, number: int) -> IncidentRow | None:
        found = self.incidents(where="WHERE id = ?", params=(number,))
        return found[0] if found else None

    def incidents(self, where: str = "", params=(), limit: int = 10_000) -> list[IncidentRow]:
        """Open ones first, newest first, each with its alert ids."""
        rows = self.rows(f"SELECT {_COLUMNS} FROM incidents {where} ORDER BY CASE WHEN closed_at IS NULL "
                         f"THEN 0 ELSE 1 END, opened_at DESC, id DESC LIMIT {int(limit)}", params)
        if not rows:
            return []
        ids = [r[0] for r in rows]
        links: dict[int, list[str]] = {}
        for number, alert_id in self.rows(f"SELECT incident_id, alert_id FROM incident_alerts WHERE incident_id "
                                          f"IN ({', '.join('?' * len(ids))}) ORDER BY alert_id", ids):
            links.setdefault(int(number), []).append(alert_id)
        return [IncidentRow(int(r[0]), *r[1:], alert_ids=tuple(links.get(int(r[0]), ()))) for r in rows]

    def alert_facts(self, alert_ids: tuple[str, ...] | list[str]) -> list[AlertFacts]:
        if not alert_ids:
            return []
        marks = ", ".join("?" * len(alert_ids))
        acks = {a: ts for a, ts in self.rows(f"SELECT alert_id, MIN(ts) FROM alert_notes WHERE kind = 'ack' AND "
                                             f"alert_id IN ({marks}) GROUP BY alert_id", alert_ids)}
        rows = self.rows(f"SELECT id, target, severity, started_at, fired_at, resolved_at, acked_at FROM alerts "
                         f"WHERE id IN ({marks}) ORDER BY started_at, id", alert_ids)
        return [AlertFacts(r[0], r[1], r[2], r[3], r[4], r[5], acks.get(r[0], r[6])) for r in rows]

    # -- the health history ---------------------------------------------------------------------

    def states(self, target: str, start: float, end: float) -> list[tuple[float, str]]:
        """The target's health changes in [start, end), and the last one before ``start``."""
        before = self.rows("SELECT ts, state FROM events WHERE kind = 'health' AND target = ? AND state != '' "
                           "AND ts < ? ORDER BY ts DESC, id DESC LIMIT 1", (target, start))
        inside = self.rows("SELECT ts, state FROM events WHERE kind = 'health' AND target = ? AND state != '' "
                           f"AND ts >= ? AND ts < ? ORDER BY ts, id LIMIT {MAX_ROWS}", (target, start, end))
        return [(float(ts), str(s)) for ts, s in before + inside]

    def polls(self, start: float, end: float, gap_s: float) -> list[float]:
        """When the console or agent polled, from one series of each target (a target that is
        down gives none, the others and the workstation do). Where raw samples are kept: the
        first and last of each quarter of ``gap_s``, so a longer stretch is measured exactly;
        before that (raw samples are kept 48 h) the start of each minute of the minute rollups,
        so a gap is measured to the minute. The last poll before ``start`` and the first after
        ``end`` are included, so the edges are judged too."""
        sids = [int(r[0]) for r in self.rows("SELECT MIN(id) FROM series GROUP BY target ORDER BY 1 LIMIT 1000")]
        if not sids:
            return []
        marks = ", ".join("?" * len(sids))
        oldest = self.rows(f"SELECT MIN(ts) FROM samples WHERE series_id IN ({marks})", sids)[0][0]
        raw_from = max(start, float(oldest)) if oldest is not None else end
        bucket = max(gap_s / 4.0, 1.0)
        found: set[float] = set()
        if raw_from < end:
            for pair in self.rows(f"SELECT MIN(ts), MAX(ts) FROM samples WHERE series_id IN ({marks}) AND ts >= ? "
                                  f"AND ts < ? GROUP BY CAST(ts / ? AS BIGINT) LIMIT {MAX_ROWS}",
                                  (*sids, raw_from, end, bucket)):
                found.update(float(t) for t in pair)
        if start < raw_from:
            found.update(float(b) for (b,) in self.rows(
                f"SELECT DISTINCT bucket_ts FROM rollup_1m WHERE series_id IN ({marks}) AND bucket_ts >= ? "
                f"AND bucket_ts < ? LIMIT {MAX_ROWS}", (*sids, _floor(start - gap_s), min(raw_from, end))))
        edges = self.rows(f"SELECT MAX(ts) FROM samples WHERE series_id IN ({marks}) AND ts < ? AND ts >= ?",
                          (*sids, start, start - gap_s)) + \
            self.rows(f"SELECT MIN(ts) FROM samples WHERE series_id IN ({marks}) AND ts >= ? AND ts < ?",
                      (*sids, end, end + gap_s))
        found.update(float(t) for (t,) in edges if t is not None)
        return sorted(found)

    def missed(self, start: float, end: float) -> dict[str, int]:
        """{target: alerts whose time to respond ran out in [start, end)}."""
        return {str(t): int(n) for t, n in self.rows(
            "SELECT a.target, COUNT(DISTINCT a.id) FROM alert_notes n JOIN alerts a ON a.id = n.alert_id "
            "WHERE n.kind = 'missed_response' AND n.ts >= ? AND n.ts < ? GROUP BY a.target", (start, end))}

    def targets_with_states(self, start: float, end: float) -> list[str]:
        return [r[0] for r in self.rows("SELECT DISTINCT target FROM events WHERE kind = 'health' AND state != '' "
                                        "AND ts < ? ORDER BY target LIMIT 10000", (end,))]


def _floor(ts: float) -> int:
    return int(ts // 60 * 60)
