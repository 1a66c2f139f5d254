"""One collection of the access review: every source read at once, each on its own thread
with its own deadline, so a dead host or a slow database never holds up the others."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass

from erpconsole.config import Inventory
from erpconsole.services.access.models import (
    DATABASE, ERP, OS, Account, Extraction, Person, SourceExtract,
)
from erpconsole.i18n import _
from erpconsole.services import units
from erpconsole.services.models import LOCAL_HOST

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]
MAX_WORKERS = 8
DEFAULT_TIMEOUT_S = 60.0


@dataclass(frozen=True, slots=True)
class Job:
    label: str  # what the progress line says
    system: str
    source: str
    kind: str
    read: Callable[[], tuple[list, SourceExtract]]


def jobs(inv: Inventory, secrets=None, known_hosts_path=None, now: float | None = None,
         login_gate=None) -> list[Job]:
    """Every source of ``inv``: its databases (and their ERP users), its hosts, this
    workstation when it is watched, and the HR roster. ``login_gate``: shared with the other
    readers of one run (inspect), so a refused account sees one failed login, not one each."""
    from erpconsole.services.access.db_accounts import read_database_accounts
    from erpconsole.services.access.erp_users import read_erp_users
    from erpconsole.services.access.os_read import read_os_accounts
    from erpconsole.services.access.roster import read_roster

    out: list[Job] = []
    for db in inv.databases:
        out.append(Job(_("{name}: database roles").format(name=db.name), db.name, DATABASE, "database",
                       lambda db=db: read_database_accounts(db, secrets, now)))
        if db.erp:
            out.append(Job(_("{name}: {erp} users").format(name=db.name, erp=db.erp), db.name, ERP, db.erp,
                           lambda db=db: read_erp_users(db, secrets, now)))
    if inv.local.enabled:
        out.append(Job(_("{name}: OS accounts").format(name=LOCAL_HOST), LOCAL_HOST, OS, "linux",
                       lambda: read_os_accounts(None, inv.access, secrets, known_hosts_path, now)))
    for host in inv.hosts:
        out.append(Job(_("{name}: OS accounts").format(name=host.name), host.name, OS, "linux",
                       lambda host=host: read_os_accounts(host, inv.access, secrets, known_hosts_path, now,
                                                          login_gate=login_gate)))
    if inv.access.roster:
        out.append(Job(_("HR roster"), "HR roster", "roster", "csv",
                       lambda: read_roster(inv.access.roster, now)))
    return out


def _failed(job: Job, message: str, started: float) -> SourceExtract:
    return SourceExtract(job.system, job.source, job.kind, "", 0, time.time(), time.monotonic() - started,
                         error=message)


def _run(job: Job) -> tuple[list, SourceExtract]:
    started = time.monotonic()
    try:
        return job.read()
    except Exception as exc:  # a bug in one reader must not lose the others
        log.exception("access source %s failed", job.label)
        return [], _failed(job, _("could not be read: {error}").format(error=exc), started)


def run_jobs(job_list: list[Job], progress: Progress | None = None,
             timeout_s: float = DEFAULT_TIMEOUT_S) -> Extraction:
    """Runs every job; one that passes ``timeout_s`` is recorded as not read, and left to
    finish on a daemon thread (its result is dropped)."""
    started, ts = time.monotonic(), time.time()
    lock = threading.Lock()
    finished = [0]

    def report(job: Job) -> None:
        with lock:
            finished[0] += 1
            n = finished[0]
        if progress is not None:
            try:
                progress(job.label, n, len(job_list))
            except Exception:
                log.exception("progress callback")

    pool = ThreadPoolExecutor(max_workers=MAX_WORKERS, thread_name_prefix="access")
    futures = [pool.submit(_run, job) for job in job_list]
    for job, future in zip(job_list, futures):
        future.add_done_callback(lambda _f, job=job: report(job))
    wait(futures, timeout=timeout_s)
    pool.shutdown(wait=False, cancel_futures=True)
    return _assemble(job_list, futures, ts, started, timeout_s)


def _assemble(job_list: list[Job], futures: list[Future], ts: float, started: float,
              timeout_s: float) -> Extraction:
    accounts: list[Account] = []
    people: list[Person] = []
    sources: list[SourceExtract] = []
    for job, future in zip(job_list, futures, strict=True):
        if not future.done() or future.cancelled():
            sources.append(_failed(job, _("no answer within {s}; try again, or check that "
                                          "{system} is reachable").format(s=units.duration(timeout_s), system=job.system),
                                   started))
            continue
        rows, extract = future.result()
        (people if job.source == "roster" else accounts).extend(rows)
        sources.append(extract)
    return Extraction(ts, tuple(accounts), tuple(sources), tuple(people))


def collect(inv: Inventory, secrets=None, known_hosts_path=None, progress: Progress | None = None,
            timeout_s: float = DEFAULT_TIMEOUT_S, login_gate=None) -> Extraction:
    return run_jobs(jobs(inv, secrets, known_hosts_path, login_gate=login_gate), progress,
                    timeout_s)
