from __future__ import annotations

from erpconsole.services.models import Event, Severity
from erpconsole.services.store import Store, StoreWriter

from .conftest import NOW


def test_event_log_round_trip_newest_first(store: Store) -> None:
    events = [
        Event(NOW + i, f"host-{i % 2}", [Severity.INFO, Severity.WARNING, Severity.CRITICAL][i % 3], f"m{i}", f"d{i}", kind="health")
        for i in range(10)
    ]
    writer = StoreWriter(store)
    for e in events:
        writer.put_event(e)
    writer.close()
    assert store.recent_events(100) == list(reversed(events))
    assert store.recent_events(3) == [events[9], events[8], events[7]]
    assert store.recent_events(100, target="host-1") == [e for e in reversed(events) if e.target == "host-1"]
    assert store.recent_events(10, target="nobody") == []


def test_unicode_and_unknown_level_survive(store: Store) -> None:
    store.write_batch([], [Event(NOW, "hôte", Severity.CRITICAL, "disque plein ✗", "trace\nline 2", kind="store")])
    with store.engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO events (ts, target, level, kind, message, detail) VALUES (?, '', 'debug', 'note', 'x', '')",
            (NOW + 1,),
        )
    newest, older = store.recent_events(2)
    assert newest.level is Severity.INFO and newest.kind == "note"
    assert older == Event(NOW, "hôte", Severity.CRITICAL, "disque plein ✗", "trace\nline 2", "store")


def test_last_states_are_the_newest_state_per_kind_and_target(store) -> None:
    from erpconsole.services.models import Event, Severity

    store.write_batch([], [
        Event(1.0, "app-1", Severity.INFO, "app-1 is ok", kind="health", state="ok"),
        Event(2.0, "app-1", Severity.CRITICAL, "app-1: unreachable", kind="health", state="unreachable"),
        Event(3.0, "app-1", Severity.INFO, "a note", kind="note"),
        Event(4.0, "app-1", Severity.CRITICAL, "backup set app-1: late", kind="backup", state="late"),
        Event(5.0, "", Severity.INFO, "console started (erpconsole 1)", kind="console"),
    ])
    assert store.last_states() == {("health", "app-1"): "unreachable", ("backup", "app-1"): "late"}
    assert store.recent_events(1, "app-1")[0].state == "late"
