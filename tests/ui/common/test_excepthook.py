"""An uncaught exception anywhere is logged and shown in a crash dialog (STYLE.md), even from
a worker thread: the dialog is built on the GUI thread."""

import sys
import threading

from PySide6.QtWidgets import QApplication


def test_exception_in_a_thread_reaches_a_crash_dialog_on_the_gui_thread(qtbot):
    from erpconsole.app import install_excepthook

    old_sys, old_thread = sys.excepthook, threading.excepthook
    install_excepthook()
    try:
        def boom():
            raise RuntimeError("collector exploded")

        t = threading.Thread(target=boom, name="worker")
        t.start()
        t.join()
        dialogs = sys.excepthook.dialogs
        qtbot.waitUntil(lambda: len(dialogs) == 1, timeout=3000)
        dialog = dialogs[0]
        assert dialog.thread() is QApplication.instance().thread()
        assert "collector exploded" in dialog.headline.text()
        assert "Traceback" in dialog.details.toPlainText()
        dialog.close()
        dialog.deleteLater()
    finally:
        sys.excepthook, threading.excepthook = old_sys, old_thread
