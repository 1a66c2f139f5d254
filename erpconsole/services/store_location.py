"""Where the store lives unless told: a light module, so the window can name the store before it
paints without loading SQLAlchemy and Alembic (they load when the store opens, after the paint)."""

from __future__ import annotations

from pathlib import Path

APP_NAME = "erpconsole"


def default_store_url() -> str:
    """SQLite in the user's data folder: the console's and the agent's store unless told."""
    import platformdirs

    return f"sqlite:///{Path(platformdirs.user_data_dir(APP_NAME)) / 'store.sqlite3'}"
