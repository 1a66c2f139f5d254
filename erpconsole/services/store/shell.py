"""The store opened for one shell command (``erpconsole alerts ...``, ``erpconsole incidents ...``):
a missing SQLite file or a store that will not open is a message and exit 3, never a traceback,
and the engine is let go when the command is done."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from erpconsole.guards.urls import mask_text, mask_url
from erpconsole.i18n import _

EXIT_UNKNOWN = 3
Result = tuple[int, str, str]


class NoStore(Exception):
    pass


def open_engine(url: str):
    """An engine on a migrated store at ``url``; NoStore with what to do when there is none."""
    from erpconsole.services.store.db import make_engine, migrate

    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).expanduser().exists():
        raise NoStore(_("no store at {path}: the console has not recorded anything here yet (give "
                        "--store URL for another one)").format(path=url.removeprefix("sqlite:///")))
    try:
        engine = make_engine(url)
        migrate(engine)
    except Exception as exc:  # noqa: BLE001 - a message, not a traceback
        raise NoStore(_("the store at {url} could not open: {error}").format(
            url=mask_url(url), error=mask_text(str(exc)))) from None
    return engine


def run_on_store(url: str, make_store: Callable[[Any], Any],
                 actions: dict[str, Callable[..., Result]], action: str, **kw) -> Result:
    """``actions[action](make_store(engine), **kw)``: (exit code, stdout text, stderr text)."""
    try:
        engine = open_engine(url)
    except NoStore as exc:
        return EXIT_UNKNOWN, "", _("erpconsole: {error}").format(error=exc)
    try:
        return actions[action](make_store(engine), **kw)
    finally:
        engine.dispose()
