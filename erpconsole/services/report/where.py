"""Which store a report read, named the way a person looks for it."""

from __future__ import annotations

from pathlib import Path

from erpconsole.guards.urls import mask_url


def store_label(url: str) -> str:
    """A SQLite file's path, else the URL without its password."""
    from sqlalchemy.engine import make_url

    try:
        parsed = make_url(url)
    except Exception:  # noqa: BLE001 - not a URL at all: say nothing of what it holds
        return "?"
    if parsed.get_backend_name() == "sqlite":
        return str(Path(parsed.database or ":memory:").expanduser())
    return mask_url(parsed.render_as_string(hide_password=True))  # ?password= too
