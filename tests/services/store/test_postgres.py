"""The same store on the machine's PostgreSQL, in a database created for the test."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import inspect

from erpconsole.services.models import Event, Sample, Severity
from erpconsole.services.store import Store, StoreWriter
from erpconsole.services.store.db import head_revision

from .conftest import NOW
from .helpers import count, rows, series_samples

pytestmark = pytest.mark.integration


def test_postgres_round_trip(pg_url: str) -> None:
    store = Store(pg_url)
    try:
        assert {"series", "samples", "rollup_1m", "rollup_1h", "events"} <= set(inspect(store.engine).get_table_names())
        assert rows(store, "SELECT version_num FROM alembic_version") == [(head_revision(),)]
        writer = StoreWriter(store, flush_interval_s=0.05)
        writer.put(series_samples("pg-host", "cpu", NOW - 3 * 3600, 10.0, range(3 * 360)))
        writer.put([Sample("pg-host", "disk", 50.0, NOW - 60, "/var"), Sample("pg-host", "disk", 50.0, NOW - 60, "/var")])
        writer.put_event(Event(NOW, "pg-host", Severity.CRITICAL, "down", "timeout", kind="health"))
        assert writer.flush(5.0)
        writer.close()
        assert count(store, "samples") == 3 * 360 + 1
        while store.maintain(NOW)["more"]:
            pass
        # One minute of 0..5 -> avg 2.5; the hour rollup weighted the same way as on SQLite.
        assert rows(store, "SELECT min, max, avg, count FROM rollup_1m ORDER BY bucket_ts LIMIT 1") == [(0.0, 5.0, 2.5, 6)]
        assert rows(store, "SELECT min, max, avg, count FROM rollup_1h ORDER BY bucket_ts LIMIT 1") == [(0.0, 359.0, 179.5, 360)]
        data = store.host_history("pg-host", NOW - 24 * 3600, NOW, now=NOW)
        assert set(data) == {("cpu", ""), ("disk", "/var")}
        ts, values = store.history("pg-host", "cpu", "", NOW - 3600, NOW, now=NOW)
        assert len(ts) == 360 and np.all(np.diff(ts) == 10.0)
        assert store.recent_events(5) == [Event(NOW, "pg-host", Severity.CRITICAL, "down", "timeout", "health")]
        assert store.series("pg-host") == [("cpu", ""), ("disk", "/var")]
        assert store.size_bytes() > 1_000_000
    finally:
        store.close()
