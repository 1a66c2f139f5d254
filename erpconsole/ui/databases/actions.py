"""From a person's click to an audited database action: the exact statement, a confirmation,
the run on a worker (never the GUI thread), and the answer as a line, not a modal box."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QDialog, QWidget

from erpconsole.services.models import DbAction, DbActionResult
from erpconsole.ui.databases.bridge import DatabasesApi
from erpconsole.ui.databases.action_dialog import DbActionDialog, ExplainDialog
from erpconsole.ui.common.labels import db_action_label, display_name


class DbActionRunner(QObject):
    """``message_changed(text, level)`` and ``busy_changed(running)`` drive the page's status line."""

    message_changed = Signal(str, str)
    busy_changed = Signal(int)
    explain_shown = Signal(object)  # ExplainDialog

    def __init__(self, bridge: DatabasesApi, parent_widget: QWidget) -> None:
        super().__init__(parent_widget)
        self._bridge = bridge
        self._parent = parent_widget
        self._running: list[DbAction] = []
        self.last_dialog: DbActionDialog | None = None
        self.last_explain: ExplainDialog | None = None
        # Tests answer the confirmation here; a person answers the modal dialog.
        self.run_dialog: Callable[[QDialog], bool] = lambda d: d.exec() == QDialog.DialogCode.Accepted
        bridge.db_action_finished.connect(self._on_finished)

    def running(self) -> list[DbAction]:
        return list(self._running)

    def request(self, target: str, kind: str, action: str, **subject) -> DbAction | None:
        """Builds, confirms and starts ``action``; returns it when it was started."""
        try:
            built = self._bridge.build_db_action(target, action, **subject)
        except ValueError as exc:
            self.message_changed.emit(self.tr("{0}: {1}").format(db_action_label(action), exc), "warning")
            return None
        dialog = DbActionDialog(built, kind, self._parent)
        self.last_dialog = dialog
        confirmed = self.run_dialog(dialog)
        dialog.deleteLater()
        if not confirmed:
            self.message_changed.emit(self.tr("{0} — {1}: not run").format(db_action_label(action), built.subject), "")
            return None
        self._running.append(built)
        self.busy_changed.emit(len(self._running))
        self.message_changed.emit(self.tr("{0} — {1} on {2}: running…").format(
            db_action_label(action), built.subject, display_name(target)), "pending")
        self._bridge.run_db_action(built)
        return built

    def _on_finished(self, result: DbActionResult) -> None:
        if result.action not in self._running:
            return  # another page's action
        self._running.remove(result.action)
        self.busy_changed.emit(len(self._running))
        a = result.action
        text = self.tr("{0} — {1} on {2}: {3} ({4:.2f} s)").format(
            db_action_label(a.action), a.subject, display_name(a.target), result.message, result.duration_s)
        self.message_changed.emit(text, "ok" if result.ok else "critical")
        if a.action == "explain" and result.ok:
            dialog = ExplainDialog(result, self._parent)
            self.last_explain = dialog
            dialog.destroyed.connect(lambda *_: self._forget_explain(dialog))
            dialog.show()
            self.explain_shown.emit(dialog)

    def _forget_explain(self, dialog: ExplainDialog) -> None:
        if self.last_explain is dialog:
            self.last_explain = None
