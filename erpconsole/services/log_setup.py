"""Where the log goes: everything to the log file, one line per problem on stderr.

The GUI and the commands without Qt (``inspect``) share it. paramiko writes a traceback as one
log record per line from its transport thread ("Exception (client): ...", "Traceback ...");
on a terminal, or in a monitoring system that keeps a plugin's stderr, that is 30 lines of
noise per failing host. Its records go to the file only: the health message already says what
is wrong. Our own warnings reach stderr as one line each, their traceback in the file.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
import threading
from pathlib import Path

import platformdirs

from erpconsole.guards.logs import MaskingFormatter
from erpconsole.guards.urls import mask_text

APP_NAME = "erpconsole"
_MARK = "_erpconsole"  # on the handlers made here: a second call adds none
# Libraries whose records stay in the file (the console turns their failures into messages).
FILE_ONLY = ("paramiko",)

log = logging.getLogger(__name__)


def log_file_path() -> Path:
    return Path(platformdirs.user_log_dir(APP_NAME)) / "erpconsole.log"


class OneLineFormatter(logging.Formatter):
    """``erpconsole: MESSAGE``: the message's first line, never its traceback."""

    def format(self, record: logging.LogRecord) -> str:
        lines = record.getMessage().splitlines()
        return mask_text(f"{APP_NAME}: {lines[0] if lines else ''}")


def _not_file_only(record: logging.LogRecord) -> bool:
    return not any(record.name == n or record.name.startswith(n + ".") for n in FILE_ONLY)


def _log_thread_exception(args: threading.ExceptHookArgs) -> None:
    if args.exc_type is SystemExit:
        return
    name = args.thread.name if args.thread is not None else "?"
    log.error("uncaught exception in thread %s: %s", name, args.exc_value,
              exc_info=(args.exc_type, args.exc_value, args.exc_traceback))


def setup_logging(path: Path | None = None) -> Path | None:
    """The log file (INFO and above) and stderr (WARNING, one line each); returns the file's
    path, or None when it could not be opened (or logging was set up already)."""
    root = logging.getLogger()
    if any(getattr(h, _MARK, False) for h in root.handlers):
        return None
    root.setLevel(logging.INFO)
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(logging.WARNING)
    console.setFormatter(OneLineFormatter())
    console.addFilter(_not_file_only)
    setattr(console, _MARK, True)
    root.addHandler(console)
    threading.excepthook = _log_thread_exception
    try:
        path = path or log_file_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(path, maxBytes=5_000_000, backupCount=3,
                                                       encoding="utf-8")
        handler.setFormatter(MaskingFormatter(  # a URL's secrets masked, tracebacks too
            "%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s"))
        setattr(handler, _MARK, True)
        root.addHandler(handler)
        return path
    except OSError as exc:  # a full or read-only disk must not stop the console
        log.warning("no log file: %s", exc)
        return None
