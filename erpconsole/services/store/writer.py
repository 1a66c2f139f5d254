"""The one writer thread: callers queue samples and events without blocking; the thread writes
them in batches (one transaction each) and runs the store's maintenance between batches."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable

from sqlalchemy.exc import OperationalError

from erpconsole.guards.urls import mask_text
from erpconsole.i18n import _
from erpconsole.services.models import Event, Sample, StoreHealth
from erpconsole.services.store.store import Store

log = logging.getLogger(__name__)


class _Flush:
    """A marker in the queue: everything queued before it is written when ``done`` is set."""

    def __init__(self) -> None:
        self.done = threading.Event()


_STOP = object()


class StoreWriter:
    """Owns all writes to one ``Store``. No exception ever escapes its thread: a batch that
    failed for a transient reason (OperationalError: locked, disk full, server gone) is logged
    and kept for the next try, up to ``max_retained`` samples; any other failure drops it.
    ``written``/``dropped``/``errors`` are counters for the status bar, approximate across threads."""

    def __init__(
        self,
        store: Store,
        flush_interval_s: float = 0.5,
        batch_size: int = 5000,
        maintain_interval_s: float = 60.0,
        max_queued: int = 200_000,
        max_retained: int = 500_000,
    ) -> None:
        self._store = store
        self._flush_interval = flush_interval_s
        self._batch_size = batch_size
        self._maintain_interval = maintain_interval_s
        self._max_retained = max_retained
        # Bounded in puts (a snapshot is one put): a dead disk must not grow memory forever.
        self._queue: queue.Queue = queue.Queue(maxsize=max_queued)
        self._samples: list[Sample] = []
        self._events: list[Event] = []
        self.written = 0
        self.dropped = 0
        self.errors = 0
        self._closed = False
        self._failing = False
        self._health = StoreHealth(True)
        self._health_subs: list[Callable[[StoreHealth], None]] = []
        # Lock timeouts, a full disk, a lost server: worth retrying. Raw DBAPI executemany raises
        # the driver's own class, SQLAlchemy-level calls raise the wrapped one.
        self._transient = (OperationalError, store.engine.dialect.loaded_dbapi.OperationalError)
        self._thread = threading.Thread(target=self._run, name="store-writer", daemon=True)
        self._thread.start()

    # -- any thread -------------------------------------------------------------------------

    def put(self, samples: Iterable[Sample]) -> None:
        batch = list(samples)
        if batch:
            self._offer(batch)

    def put_event(self, event: Event) -> None:
        self._offer(event)

    def _offer(self, item: object) -> None:
        if self._closed:
            return
        try:
            self._queue.put_nowait(item)
        except queue.Full:
            n = len(item) if isinstance(item, list) else 1
            before = self.dropped
            self.dropped += n
            # One line per 10,000 dropped, not one per poll, while the writer is stuck.
            if before // 10_000 != self.dropped // 10_000 or before == 0:
                log.warning("store writer queue full: %d samples dropped so far", self.dropped)

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until everything queued so far is written (or given up); False on timeout."""
        if not self._thread.is_alive():
            return False
        marker = _Flush()
        self._queue.put(marker, timeout=timeout)
        return marker.done.wait(timeout)

    def close(self, timeout: float | None = 30.0) -> None:
        """Drain the queue, write what is left, and stop the thread."""
        if self._closed:
            return
        self._closed = True
        try:
            self._queue.put(_STOP, timeout=timeout)
        except queue.Full:  # writes have been failing for long: do not hang the exit on it
            log.warning("store writer queue full at close; %d samples not written", self._queue.qsize())
            return
        self._thread.join(timeout)
        if self._thread.is_alive():
            log.warning("store writer did not finish within %s s", timeout)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    @property
    def health(self) -> StoreHealth:
        return self._health

    def subscribe(self, on_health: Callable[[StoreHealth], None]) -> None:
        """``on_health(StoreHealth)`` on the writer thread when writes start failing and when
        they succeed again (not on every failed retry)."""
        self._health_subs.append(on_health)

    # -- the writer thread ------------------------------------------------------------------

    def _run(self) -> None:
        next_flush = time.monotonic() + self._flush_interval
        next_maintain = time.monotonic() + self._maintain_interval
        while True:
            try:
                item = self._queue.get(timeout=max(0.0, next_flush - time.monotonic()))
            except queue.Empty:
                item = None
            if item is _STOP:
                self._drain_into_buffers()
                self._write()
                return
            if isinstance(item, _Flush):
                self._write()
                item.done.set()
            elif item is not None:
                self._take(item)
            now = time.monotonic()
            if len(self._samples) >= self._batch_size or now >= next_flush:
                self._write()
                next_flush = now + self._flush_interval
            if now >= next_maintain:
                more = self._maintain()
                # A backlog (first start, long downtime) is worked off between batches.
                next_maintain = time.monotonic() + (1.0 if more else self._maintain_interval)

    def _take(self, item: object) -> None:
        if isinstance(item, list):
            self._samples.extend(item)
        elif isinstance(item, Event):
            self._events.append(item)

    def _drain_into_buffers(self) -> None:
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return
            if isinstance(item, _Flush):
                self._write()
                item.done.set()
            elif item is not _STOP:
                self._take(item)

    def _write(self) -> None:
        if not self._samples and not self._events:
            return
        samples, events = self._samples, self._events
        try:
            self.written += self._store.write_batch(samples, events)
            self._failing = False
            self._set_health(StoreHealth(True))
        except Exception as exc:  # noqa: BLE001 - nothing may kill the writer thread
            self.errors += 1
            if self._health.ok:
                self._set_health(StoreHealth(False, time.time(), failure_reason(exc),
                                             mask_text(f"{type(exc).__name__}: {exc}")))
            transient = isinstance(exc, self._transient)
            if transient and len(samples) + len(events) <= self._max_retained:
                self._log_failure(exc, len(samples), len(events), "kept for the next try")
                return
            # Bad data (a constraint, a type) would fail every retry: drop it and go on.
            self._log_failure(exc, len(samples), len(events), "dropped")
            self.dropped += len(samples)
            self._failing = False
        self._samples, self._events = [], []

    def _set_health(self, health: StoreHealth) -> None:
        if health.ok == self._health.ok:
            return
        self._health = health
        for cb in list(self._health_subs):
            try:
                cb(health)
            except Exception:  # noqa: BLE001 - a subscriber bug must not stop the writer
                log.exception("store health callback %r failed", cb)

    def _log_failure(self, exc: Exception, n_samples: int, n_events: int, outcome: str) -> None:
        # A full disk fails every 0.5 s: one traceback per streak, then one line each.
        if self._failing:
            log.warning("store write failed again (%s): %d samples %s", exc, n_samples, outcome)
        else:
            log.error("store write of %d samples, %d events failed: %s", n_samples, n_events, outcome, exc_info=exc)
        self._failing = True

    def _maintain(self) -> bool:
        try:
            result = self._store.maintain(time.time())
        except Exception:  # noqa: BLE001
            self.errors += 1
            log.exception("store maintenance failed")
            return False
        log.debug("store maintenance: %s", result)
        return bool(result.get("more"))


def failure_reason(exc: Exception) -> str:
    """A few words for a person: why the store refused the write."""
    text = str(exc).lower()
    if "disk is full" in text or "sqlite_full" in text or "no space left" in text or "disk full" in text:
        return _("disk full")
    if "locked" in text:
        return _("database locked")
    if "readonly" in text or "read-only" in text:
        return _("read-only")
    if "connection" in text or "server closed" in text:
        return _("server unreachable")
    return type(exc).__name__
