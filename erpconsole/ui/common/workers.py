"""Work handed to a bridge's worker threads, guarded so that nothing escapes a worker."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

log = logging.getLogger(__name__)


def submit_guarded(pool: ThreadPoolExecutor, area: str, operation: str, work, done, failed,
                   refusals: tuple[type[BaseException], ...] = (ValueError,)) -> None:
    """Runs ``work()`` on ``pool``; ``done(result)`` there. A ValueError (or one of ``refusals``)
    is the service's refusal, worded for a person; anything else is logged and named: nothing
    escapes a worker. A request that arrives while the console closes (a queued signal) is dropped."""
    def run() -> None:
        try:
            result = work()
        except refusals as exc:
            failed(operation, str(exc))
            return
        except Exception as exc:  # noqa: BLE001 - the page shows it
            log.exception("%s: %s", area, operation)
            failed(operation, f"{type(exc).__name__}: {exc}")
            return
        done(result)

    try:
        pool.submit(run)
    except RuntimeError:
        log.debug("%s: %s after shutdown", area, operation)
