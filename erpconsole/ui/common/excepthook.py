"""The last word on an uncaught exception: logged in full, and shown in a dialog from the GUI
thread, whichever thread raised it."""

from __future__ import annotations

import logging
import sys
import threading
import traceback

from erpconsole import __version__

log = logging.getLogger("erpconsole.app")


def install_excepthook() -> None:
    def hook(exc_type, exc, tb) -> None:
        details = "".join(traceback.format_exception(exc_type, exc, tb))
        log.critical("uncaught exception\n%s", details)
        try:
            from PySide6.QtWidgets import QApplication

            from erpconsole.ui.common.crash_dialog import CrashDialog

            if QApplication.instance() is not None:
                dialog = CrashDialog(f"{exc_type.__name__}: {exc}", f"erpconsole {__version__}\n{details}")
                dialog.show()
                hook.dialogs.append(dialog)  # keep a reference while it is open
        except Exception:  # noqa: BLE001 - the hook itself must never raise
            log.exception("crash dialog")

    hook.dialogs = []  # type: ignore[attr-defined]
    sys.excepthook = hook

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit:
            return
        if threading.current_thread() is threading.main_thread():
            hook(args.exc_type, args.exc_value, args.exc_traceback)
            return
        # Widgets belong to the GUI thread: log here, show the dialog from the event loop.
        details = "".join(traceback.format_exception(args.exc_type, args.exc_value, args.exc_traceback))
        log.critical("uncaught exception in thread %s\n%s", getattr(args.thread, "name", "?"), details)
        try:
            from PySide6.QtCore import QTimer
            from PySide6.QtWidgets import QApplication

            app = QApplication.instance()
            if app is not None:
                QTimer.singleShot(0, app, lambda: hook(args.exc_type, args.exc_value, args.exc_traceback))
        except Exception:  # noqa: BLE001 - the hook itself must never raise
            log.exception("crash dialog from thread")

    threading.excepthook = thread_hook
