"""What the console's pages ask for on their timers, asked by a loop instead, for
``erpconsole agent``, which has no pages: each backup set is read when its interval has passed
(one read per set in flight), and the SOP schedule is looked at every minute, a template whose
scheduled run is overdue logged once in the event log (and once again when it is on time)."""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from erpconsole.i18n import _
from erpconsole.services.models import Event, Severity

log = logging.getLogger(__name__)

SOP_EVERY_S = 60.0
SOP_KIND = "sop"  # the event log's kind (and the state log's) for a template's schedule


class PeriodicReads:
    """``tick()`` from a loop: submits what is due to its own small pool and returns at once.
    ``backups`` / ``sop``: the services, None where that part is not running."""

    def __init__(self, monitor, backups=None, sop=None, workers: int = 2) -> None:
        self._monitor = monitor
        self._backups = backups
        self._sop = sop
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="agent-read")
        self._lock = threading.Lock()
        self._busy: set[str] = set()
        self._last: dict[str, float] = {}  # monotonic time each job was last started
        self.sop_due: list = []  # the newest DueRun list (due or overdue), for the alert rules

    def tick(self, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        if self._backups is not None:
            for cfg in self._monitor.inventory.backups:
                self._submit(f"backup:{cfg.name}", cfg.interval_s, now,
                             lambda name=cfg.name: self._backups.read(name))
        if self._sop is not None:
            self._submit("sop", SOP_EVERY_S, now, self._sop_round)

    def _submit(self, key: str, every_s: float, now: float, work) -> None:
        with self._lock:
            if key in self._busy or now - self._last.get(key, -1e12) < every_s:
                return
            self._busy.add(key)
            self._last[key] = now

        def run() -> None:
            try:
                work()
            except Exception:  # noqa: BLE001 - logged; the next round tries again
                log.exception("agent: %s", key)
            finally:
                with self._lock:
                    self._busy.discard(key)

        try:
            self._pool.submit(run)
        except RuntimeError:  # shut down meanwhile
            with self._lock:
                self._busy.discard(key)

    def _sop_round(self) -> None:
        due = self._sop.due()
        self.sop_due = due
        overdue = {d.template_id: d for d in due if d.overdue}
        for template in self._sop.templates()[0]:
            if not template.schedule:
                continue
            late = overdue.get(template.id)
            self._monitor.states.offer(SOP_KIND, template.id, "overdue" if late else "ok",
                                       lambda before, t=template, d=late: _sop_event(t, d, before))

    def settled(self) -> bool:
        """Nothing submitted is still running."""
        with self._lock:
            return not self._busy

    def shutdown(self) -> None:
        """Reads in flight are not waited for (each has its own deadline)."""
        self._pool.shutdown(wait=False, cancel_futures=True)


def _sop_event(template, late, before: str) -> Event:
    if late is None:
        message = (_("SOP {title} is on schedule again").format(title=template.title) if before
                   else _("SOP {title} is on schedule").format(title=template.title))
        return Event(time.time(), template.id, Severity.INFO, message, kind=SOP_KIND, state="ok")
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(late.due))
    return Event(time.time(), template.id, Severity.WARNING,
                 _("SOP {title} is overdue: it was due at {when} and has not been done").format(
                     title=template.title, when=when), kind=SOP_KIND, state="overdue")
