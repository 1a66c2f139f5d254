"""MTTA, MTTR and availability worked out on recorded histories: a gap in polling is counted
neither healthy nor down, and the figure says how long it was; then the same on a real store
(SQLite and the machine's PostgreSQL) holding the samples, health events and alerts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from erpconsole.services.alerts.store import AlertRow, AlertStore
from erpconsole.services.incidents.figures import AlertFacts, availability, incident_times, per_target
from erpconsole.services.incidents.report import month_bounds, monthly
from erpconsole.services.incidents.store import IncidentStore
from erpconsole.services.models import Event, Sample, Severity
from erpconsole.services.store import Store

T0 = datetime(2027, 1, 10, tzinfo=UTC).timestamp()


def _history(t0: float) -> tuple[list[float], list[tuple[float, str]]]:
    """Polls every 10 s over 1000 s with none from 300 to 500 (the console was not running);
    the host ok, down at 600 (polled through it), ok again at 700."""
    polls = [t0 + s for s in range(0, 1001, 10) if not 300 < s < 500]
    states = [(t0 - 5, "ok"), (t0 + 600, "unreachable"), (t0 + 700, "ok")]
    return polls, states


def test_a_gap_in_polling_is_unknown_not_healthy_nor_down() -> None:
    polls, states = _history(0.0)
    got = availability("erp-app-1", states, polls, 0.0, 1000.0, gap_s=30)
    assert (got.healthy_s, got.down_s, got.unknown_s) == (700.0, 100.0, 200.0)
    assert got.share == pytest.approx(700 / 800)


def test_a_gap_while_down_is_unknown_too() -> None:
    polls = [float(s) for s in range(0, 201, 10)] + [float(s) for s in range(400, 501, 10)]
    states = [(0.0, "ok"), (100.0, "unreachable"), (450.0, "ok")]
    got = availability("db", states, polls, 0.0, 500.0, gap_s=30)
    assert (got.healthy_s, got.down_s, got.unknown_s) == (150.0, 150.0, 200.0)
    # A warning finding (the disk at 85%) is available, said apart; a critical finding is not.
    graded = availability("db", [(0.0, "ok"), (100.0, "warning"), (200.0, "critical"), (300.0, "ok")],
                          [float(s) for s in range(0, 401, 10)], 0.0, 400.0, gap_s=30)
    assert (graded.healthy_s, graded.warning_s, graded.down_s, graded.unknown_s) == (200.0, 100.0, 100.0, 0.0)
    assert graded.share == 0.75
    # Before the first poll nothing is known either.
    late = availability("db", [(300.0, "ok")], [300.0, 310.0], 0.0, 310.0, gap_s=30)
    assert (late.healthy_s, late.down_s, late.unknown_s) == (10.0, 0.0, 300.0)


def test_time_to_acknowledge_and_to_repair() -> None:
    a = AlertFacts("a1", "erp-app-1", "warning", 100.0, 110.0, 400.0, 170.0)
    b = AlertFacts("a2", "erp-db-1", "critical", 120.0, 130.0, 700.0, None)
    times = incident_times([a, b])
    assert (times.tta_s, times.ttr_s, times.severity, times.targets) == (60.0, 590.0, "critical",
                                                                         ("erp-app-1", "erp-db-1"))
    open_one = incident_times([a, AlertFacts("a3", "erp-db-1", "critical", 120.0, 130.0, None, None)])
    assert open_one.ttr_s is None and open_one.tta_s == 60.0
    months = per_target("2027-01", [times, incident_times([AlertFacts("a4", "erp-app-1", "critical", 0.0,
                                                                      10.0, 130.0, 40.0)])])
    app = months["erp-app-1"]
    assert (app.incidents, app.by_severity, app.mtta_s, app.mttr_s) == (2, {"critical": 2}, 45.0, 355.0)


def _alert(alert_id: str, target: str, severity: str, started: float, resolved: float | None) -> AlertRow:
    return AlertRow(alert_id, "target_down", target, severity, "resolved" if resolved else "firing",
                    f"{target} unreachable", "unreachable", "", started, started + 10, started + 10, resolved,
                    None, None, None, None, None)


def test_monthly_figures_from_a_real_store(store_url: str) -> None:
    polls, states = _history(T0)
    store = Store(store_url)
    try:
        store.write_batch([Sample("workstation", "cpu_pct", 1.0, ts) for ts in polls],
                          [Event(ts, "erp-app-1", Severity.INFO, state, kind="health", state=state)
                           for ts, state in states])
        alerts = AlertStore(store.engine)
        with store.engine.begin() as conn:
            alerts.insert(conn, _alert("a1", "erp-app-1", "critical", T0 + 590, T0 + 700))
            alerts.insert(conn, _alert("a2", "erp-app-1", "warning", T0 + 595, T0 + 690))
            alerts.missed(conn, "a1", T0 + 620, "not acknowledged within 15 min")
        alerts.ack("a1", "anna@desk", "on it", T0 + 640)
        alerts.unack("a1", "anna@desk", T0 + 650)  # taken back: the first acknowledgement still counts
        incidents = IncidentStore(store.engine)
        incidents.open("app down", ["a1", "a2"], "anna@desk", T0 + 645)

        [row] = monthly(incidents, "2027-01", now=T0 + 10 * 86400, tz=UTC, gap_s=30)
        start, end = month_bounds("2027-01", UTC)
        assert (row.target, row.incidents, row.by_severity) == ("erp-app-1", 1, {"critical": 1})
        assert (row.mtta_s, row.mttr_s) == (40.0, 100.0)  # from the first firing (T0 + 600)
        assert row.as_json()["missed_responses"] == 1
        got = row.availability
        # 700 s as above, the 5 s since the 'ok' logged at T0 - 5 and the gap_s (30 s) the last
        # poll at T0 + 1000 vouches for.
        assert (got.healthy_s, got.down_s) == (735.0, 100.0)
        # Everything else of the month so far is unknown, the gap included: the figure says so.
        assert got.unknown_s == pytest.approx(T0 + 10 * 86400 - start - 835.0)
        assert row.as_json()["availability"] == pytest.approx(735 / 835)
        assert end > start
    finally:
        store.close()


def test_availability_of_a_time_whose_raw_samples_are_rolled_up(store_url: str) -> None:
    """Raw samples are kept 48 h: last month's polls are read from the minute rollups, so a gap
    there is still unknown (to the minute) and the rest is still known."""
    from erpconsole.services.store import StorePolicy

    end = T0 + 3 * 3600
    polls = [T0 + s for s in range(0, 3 * 3600 + 1, 10) if not 1790 < s < 2400]
    store = Store(store_url, StorePolicy(raw_retention_s=3600))
    try:
        store.write_batch([Sample("workstation", "cpu_pct", 1.0, ts) for ts in polls],
                          [Event(T0 - 5, "erp-app-1", Severity.INFO, "ok", kind="health", state="ok")])
        for _round in range(100):
            if not store.maintain(end + 130).get("more"):
                break
        with store.engine.connect() as conn:
            kept = conn.exec_driver_sql("SELECT MIN(ts) FROM samples").scalar()
        assert kept > T0 + 2 * 3600  # the gap's samples are gone: only their minutes are left
        got = availability("erp-app-1", IncidentStore(store.engine).states("erp-app-1", T0, end),
                           IncidentStore(store.engine).polls(T0, end, 60), T0, end, 60)
        assert got.down_s == 0.0
        assert 610.0 <= got.unknown_s <= 660.0, got  # 1790 s to 2400 s, read to the minute
        assert got.healthy_s == pytest.approx(3 * 3600 - got.unknown_s)
    finally:
        store.close()
