"""Performance data as the Monitoring Plugins development guidelines write it:
``'label'=value[UOM];[warn];[crit];[min];[max]``, from one inspection.

Units are the guidelines' own (none, s, %, B, c): a rate has none and says "per_s" in its label,
a latency is written in seconds. A threshold is a range in the plugins' syntax: ``85`` alerts
over 85 (as the checks do: services/checks.py), ``95:`` under 95 (the cache hit ratio).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from erpconsole.config import Inventory
from erpconsole.config.models import LOCAL_HOST, DbThresholds, Thresholds
from erpconsole.services import metrics
from erpconsole.services.models import DatabaseSnapshot, HostSnapshot, blockers

# Not in a label: the guidelines forbid "=" and "'" (a quote would need doubling, which not
# every reader undoes); "|" and line ends would cut the output where no one meant it to.
_NOT_IN_LABEL = re.compile(r"[='|\r\n]")


@dataclass(frozen=True, slots=True)
class PerfItem:
    label: str
    value: float
    uom: str = ""
    warn: str = ""  # a range: "85" alerts over 85, "95:" under 95
    crit: str = ""
    min: float | None = None
    max: float | None = None

    def text(self) -> str:
        label = _NOT_IN_LABEL.sub("_", self.label)
        fields = [f"{_num(self.value)}{self.uom}", self.warn, self.crit,
                  "" if self.min is None else _num(self.min), "" if self.max is None else _num(self.max)]
        while fields and fields[-1] == "":
            fields.pop()
        return f"'{label}'=" + ";".join(fields)

    def alerts(self) -> bool:
        """True when the value lies outside its warning (or critical) range."""
        return any(_outside(self.value, r) for r in (self.warn, self.crit) if r)


def _num(value: float) -> str:
    """A plain decimal (the guidelines' [-0-9.]): no exponent, at most 6 decimals, no
    trailing zeros."""
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def over(limit: float) -> str:
    """The range that alerts over ``limit`` (and under 0, which these values never are)."""
    return _num(limit)


def under(limit: float) -> str:
    return f"{_num(limit)}:"


def _outside(value: float, rng: str) -> bool:
    if rng.endswith(":"):
        return value < float(rng[:-1])
    return value < 0 or value > float(rng)


# Host metric (metrics.py) -> the label after the host's name; "{label}" is the mount.
_HOST_STEMS = {
    "cpu.percent": "cpu", "mem.percent": "mem", "swap.percent": "swap", "load.1": "load1",
    "disk.used_percent": "disk_{label}", "net.rx_bps": "net_rx_bytes_per_s",
    "net.tx_bps": "net_tx_bytes_per_s", "net.latency_ms": "latency", "net.loss_percent": "loss",
}


def _host_limits(m: metrics.Metric, t: Thresholds, snap: HostSnapshot) -> tuple[str, str]:
    if m.limits is None:
        return "", ""
    warn, crit = getattr(t, m.limits.warning_field), getattr(t, m.limits.critical_field)
    if m.name == "load.1":  # the limits are per core; the value is the host's load
        if snap.cpu_count <= 0:
            return "", ""
        warn, crit = warn * snap.cpu_count, crit * snap.cpu_count
    return over(warn), over(crit)


def host_items(name: str, snap: HostSnapshot | None, t: Thresholds) -> list[PerfItem]:
    if snap is None:
        return []
    out: list[PerfItem] = []
    for m in metrics.HOST_METRICS:
        stem = _HOST_STEMS.get(m.name)
        if stem is None:
            continue
        warn, crit = _host_limits(m, t, snap)
        bounds = m.y_range or (0.0, None)
        for label, value in m.values(snap):
            if value is None:
                continue
            uom = {"%": "%", "ms": "s", "s": "s"}.get(m.unit, "")
            shown = float(value) / 1000.0 if m.unit == "ms" else float(value)
            out.append(PerfItem(f"{name}_{stem.format(label=label)}", shown, uom, warn, crit,
                                bounds[0], bounds[1]))
    return out


def db_items(name: str, snap: DatabaseSnapshot | None, t: DbThresholds) -> list[PerfItem]:
    if snap is None:
        return []
    s = snap
    running = [x.duration_s for x in s.sessions
               if x.duration_s is not None and x.state and not x.state.startswith("idle")]
    queues = blockers(s.sessions)
    candidates = (
        ("connections", s.connections, "", "", "", 0.0, s.max_connections),
        ("connections_used", s.connections_percent, "%", over(t.connections_warning),
         over(t.connections_critical), 0.0, 100.0),
        ("transactions_per_s", s.tps, "", "", "", 0.0, None),
        ("queries_per_s", s.queries_ps, "", "", "", 0.0, None),
        ("cache_hit", s.cache_hit_percent, "%", under(t.cache_hit_warning), "", 0.0, 100.0),
        ("replication_lag", s.replication_lag_s, "s", over(t.replication_lag_warning_s),
         over(t.replication_lag_critical_s), 0.0, None),
        ("lock_waits", s.lock_waits, "", "", "", 0.0, None),
        ("longest_lock_wait", max((q.longest_wait_s for q in queues), default=0.0)
         if s.lock_waits is not None or queues else None, "s", over(t.lock_wait_warning_s),
         over(t.lock_wait_critical_s), 0.0, None),
        ("longest_query", max(running, default=0.0), "s", over(t.long_query_warning_s), "", 0.0, None),
        ("wraparound", s.wraparound_percent, "%", over(t.wraparound_warning),
         over(t.wraparound_critical), 0.0, 100.0),
        ("size", s.size_bytes, "B", "", "", 0.0, None),
    )
    return [PerfItem(f"{name}_{stem}", float(value), uom, warn, crit, low, high)
            for stem, value, uom, warn, crit, low, high in candidates if value is not None]


def backup_items(backups: list[dict]) -> list[PerfItem]:
    """From inspect's backups JSON: the newest good backup's age against the RPO (late is
    critical), how many there are, the newest one's size."""
    out: list[PerfItem] = []
    for b in backups:
        name = b["name"]
        if b["newest_age_s"] is not None:
            out.append(PerfItem(f"{name}_newest_age", b["newest_age_s"], "s", "", over(b["rpo_s"]), 0.0))
        out.append(PerfItem(f"{name}_backups", b["backups"], "", "", "", 0.0))
        if b["newest_size_bytes"] is not None:
            out.append(PerfItem(f"{name}_newest_size", b["newest_size_bytes"], "B", "", "", 0.0))
    return out


def thresholds_of(inv: Inventory, name: str) -> Thresholds | DbThresholds:
    """The thresholds the checks judged ``name`` by (the defaults for a name not listed)."""
    if name == LOCAL_HOST:
        return inv.local.thresholds
    for entry in (*inv.hosts, *inv.databases):
        if entry.name == name:
            return entry.thresholds
    return Thresholds()
