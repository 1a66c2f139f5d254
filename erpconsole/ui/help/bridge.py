"""What the Help dialogs read: the console's files and folders (as paths, never a secret), and
its version. Plain data, read when a dialog opens: an inventory made by "Add host" since the
console started is the one shown."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QObject

from erpconsole import __version__
from erpconsole.config import default_inventory_path
from erpconsole.guards.urls import mask_url

INVENTORY, STORE, LOG, EVIDENCE = "inventory", "store", "log", "evidence"


@dataclass(frozen=True)
class Place:
    """One thing the console keeps: ``path`` is what Copy copies (a file, a folder, or the URL of
    a store on a server, its password masked); ``open_path`` what Open shows ("" when nothing
    on this machine can be opened); ``exists`` whether it is there yet."""

    key: str
    path: str
    open_path: str
    exists: bool


class HelpApi(Protocol):
    @property
    def version(self) -> str: ...
    def places(self) -> list[Place]: ...


def _file_place(key: str, path: Path) -> Place:
    # A file not written yet (no log line, no inventory saved) opens as its folder.
    return Place(key, str(path), str(path if path.exists() else path.parent), path.exists())


def _store_place(url: str) -> Place:
    try:
        from sqlalchemy.engine import make_url

        parsed = make_url(url)
        shown = mask_url(parsed.render_as_string(hide_password=True))  # ?password= too
        database = parsed.database if parsed.get_backend_name() == "sqlite" else None
    except Exception:  # noqa: BLE001 - an unparsable URL is shown without its user part
        shown, database = mask_url(url), None
    if database and database != ":memory:":
        path = Path(database)
        return Place(STORE, str(path), str(path.parent), path.exists())
    return Place(STORE, shown, "", True)  # on a server: nothing here to open


class HelpBridge(QObject):
    def __init__(self, inventory_path: Callable[[], str | None], store_url: str, log_file: str,
                 evidence_dir: str, version: str = __version__, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._inventory_path = inventory_path
        self._store_url = store_url
        self._log_file = log_file
        self._evidence_dir = evidence_dir
        self._version = version

    @property
    def version(self) -> str:
        return self._version

    def places(self) -> list[Place]:
        inventory = Path(self._inventory_path() or default_inventory_path())
        evidence = Path(self._evidence_dir)
        return [_file_place(INVENTORY, inventory), _store_place(self._store_url),
                _file_place(LOG, Path(self._log_file)),
                Place(EVIDENCE, str(evidence), str(evidence), evidence.is_dir())]
