"""Which series go on which Database detail chart, in which order, what each is called; the
recent points kept per database; and the size growth shown in words on the size chart."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QCoreApplication

from erpconsole.services.models import Sample
from erpconsole.ui.common.labels import format_duration
from erpconsole.ui.hosts.host_charts import ChartSpec
from erpconsole.ui.common.series_store import SeriesKey, SeriesStore
from erpconsole.widgets.units import humanise_bytes

SIZE_METRIC = "db.size_bytes"
_STATE_ORDER = ("active", "idle", "idle in transaction", "idle in transaction (aborted)", "waiting")


def _tr(text: str) -> str:
    return QCoreApplication.translate("db_charts", text)


def db_chart_specs() -> list[ChartSpec]:
    return [
        ChartSpec("tps", _tr("Transactions per second"), "/s", None, ("db.commits_ps", "db.rollbacks_ps")),
        # MySQL/MariaDB: every statement clients send (Questions), the first figure a MySQL DBA
        # reads; PostgreSQL has no such counter and the chart stays hidden.
        ChartSpec("qps", _tr("Queries per second"), "/s", None, ("db.queries_ps",), hide_when_empty=True),
        ChartSpec("connections", _tr("Connections by state"), "", None,
                  ("db.connections_state", "db.max_connections")),
        ChartSpec("cache", _tr("Cache hit ratio"), "%", None, ("db.cache_hit_percent",), hide_when_empty=True),
        ChartSpec("rows", _tr("Rows per second"), "/s", None,
                  ("db.rows_read_ps", "db.rows_inserted_ps", "db.rows_updated_ps", "db.rows_deleted_ps")),
        ChartSpec("locks", _tr("Lock waits and deadlocks"), "", None, ("db.lock_waits", "db.deadlocks_ps")),
        ChartSpec("temp", _tr("Temporary files written"), "/s", None, ("db.temp_files_ps",), hide_when_empty=True),
        ChartSpec("temp_bytes", _tr("Temporary file bytes written"), "B/s", None, ("db.temp_bytes_ps",),
                  hide_when_empty=True),
        ChartSpec("size", _tr("Database size"), "B", None, (SIZE_METRIC,)),
        ChartSpec("lag_bytes", _tr("Replication lag (bytes)"), "B", None, ("db.replication_lag_bytes",),
                  hide_when_empty=True),
        ChartSpec("lag_s", _tr("Replication lag (seconds)"), "s", None, ("db.replication_lag_s",),
                  hide_when_empty=True),
        ChartSpec("wraparound", _tr("Transaction ID wraparound"), "%", (0, 100), ("db.wraparound_percent",),
                  hide_when_empty=True),
    ]


# The charts each kind of database can fill; a kind not named here (PostgreSQL, or one not
# known before the first poll) may fill them all. SQLite has no server: no transactions,
# connections, row counters or locks to count, only the file's size.
CHARTS_FOR_KIND: dict[str, frozenset[str]] = {
    "sqlite": frozenset({"size"}),
    "mysql": frozenset({"tps", "qps", "connections", "cache", "rows", "locks", "temp", "size", "lag_s"}),
    "mariadb": frozenset({"tps", "qps", "connections", "cache", "rows", "locks", "temp", "size", "lag_s"}),
}


def charts_for_kind(kind: str, specs: list[ChartSpec]) -> list[str]:
    """The keys of the charts in ``specs`` that a database of ``kind`` can fill."""
    fits = CHARTS_FOR_KIND.get(kind)
    return [spec.key for spec in specs if fits is None or spec.key in fits]


def db_series_name(metric: str, label: str) -> str:
    names = {
        "db.commits_ps": _tr("commits"),
        "db.rollbacks_ps": _tr("rollbacks"),
        "db.queries_ps": _tr("statements"),
        "db.max_connections": _tr("maximum"),
        "db.cache_hit_percent": _tr("hit ratio"),
        "db.rows_read_ps": _tr("read"),
        "db.rows_inserted_ps": _tr("inserted"),
        "db.rows_updated_ps": _tr("updated"),
        "db.rows_deleted_ps": _tr("deleted"),
        "db.lock_waits": _tr("sessions waiting on a lock"),
        "db.deadlocks_ps": _tr("deadlocks per second"),
        "db.temp_files_ps": _tr("files"),
        "db.temp_bytes_ps": _tr("bytes"),
        "db.replication_lag_bytes": _tr("worst replica"),
        "db.replication_lag_s": _tr("worst replica"),
        "db.size_bytes": _tr("size"),
        "db.wraparound_percent": _tr("oldest transaction ID"),
    }
    if metric == "db.connections_state":
        return label or _tr("unknown")
    return names.get(metric, label or metric)


def growth_text(ts: np.ndarray, values: np.ndarray, since: float) -> str:
    """'+12.0 MiB in 24 h' from the size points at or after ``since``; "" with fewer than two."""
    keep = np.isfinite(values) & (ts >= since)
    ts, values = ts[keep], values[keep]
    if len(ts) < 2:
        return ""
    delta = float(values[-1] - values[0])
    sign = "+" if delta >= 0 else "−"
    span = format_duration(float(ts[-1] - ts[0]), precise=False)
    return _tr("{0}{1} in {2}").format(sign, humanise_bytes(abs(delta)), span)


def series_order(specs: list[ChartSpec]) -> Callable[[SeriesKey], tuple]:
    """A sort key: series join a chart in one order whatever order the data came in, so the
    colours and the legend stay the same from poll to poll and from store to live."""
    rank = {m: i for spec in specs for i, m in enumerate(spec.metrics)}

    def key(item: SeriesKey) -> tuple:
        metric, label = item
        state = _STATE_ORDER.index(label) if label in _STATE_ORDER else len(_STATE_ORDER)
        return rank.get(metric, 99), state, label

    return key


class SeriesMemory(SeriesStore):
    """The recent points of every database's series, kept while another one is shown; after
    a restart they start from the store's last hour. Unlike the hosts' shared store, every
    sample handed in is kept: only this page feeds it, once a poll."""

    def remember(self, samples: list[Sample]) -> None:
        for s in samples:
            self.buffer(s.target, (s.metric, s.label)).append(s.ts, s.value)
