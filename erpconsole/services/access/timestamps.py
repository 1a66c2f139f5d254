"""How the evidence package writes a time: the CSV files and the PDF share it.

A module of its own so that evidence.py (the package) and evidence_pdf.py (its report) both
import it and neither imports the other back.
"""

from __future__ import annotations

from datetime import datetime, timezone


def iso(ts: float | None) -> str:
    if ts is None:
        return ""
    return datetime.fromtimestamp(ts, timezone.utc).astimezone().isoformat(timespec="seconds")
