"""How many bytes one answer from outside may have: a host's probe or account listing over SSH, a
backup tool's listing run here. Past it the reader stops and closes what it reads from."""

from __future__ import annotations

import logging
import os

log = logging.getLogger(__name__)

# A poll's probe answers in a few kB; an account read of a large host in well under 1 MB; a
# backup tool's listing of years of snapshots in well under 4 MB.
ANSWER_LIMIT_MB = 4.0
LIMIT_ENV = "ERPCONSOLE_ANSWER_LIMIT_MB"


def answer_limit() -> int:
    """Bytes one answer may have: ANSWER_LIMIT_MB, or the number of MB in $ERPCONSOLE_ANSWER_LIMIT_MB."""
    try:
        mb = float(os.environ.get(LIMIT_ENV, "") or ANSWER_LIMIT_MB)
    except ValueError:
        log.warning("%s=%r is not a number of MB; using %g", LIMIT_ENV, os.environ.get(LIMIT_ENV), ANSWER_LIMIT_MB)
        mb = ANSWER_LIMIT_MB
    return max(1, int(mb * 1024 * 1024))


def megabytes(limit: int) -> float:
    return round(limit / (1024 * 1024), 1)
