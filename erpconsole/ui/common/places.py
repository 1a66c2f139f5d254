"""Folders of the console that more than one domain names: where evidence packages go by default
(the access review writes them there, Help shows the folder)."""

from __future__ import annotations

from pathlib import Path

import platformdirs

APP_NAME = "erpconsole"


def evidence_dir(create: bool = False) -> Path:
    """The folder evidence packages are suggested in (Help > Where things are shows it);
    ``create`` makes it, for a save dialog about to suggest a file in it."""
    path = Path(platformdirs.user_data_dir(APP_NAME)) / "evidence"
    if create:
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError:  # a read-only disk: the save dialog still lets the user choose
            pass
    return path
