"""What the database and backup set dialogs share: a form whose Save waits for the required
fields, a "Test" that runs on the bridge's worker and lists its steps, the password field that
goes to keyring, and the line that says which file Save writes.

The bridge answers by signal, with the request id it returned: ``entry_tested(rid, steps)``,
``entry_saved(rid, path)``, ``entry_save_failed(rid, message)``, ``secret_known(rid, bool)``.
"""

from __future__ import annotations

from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from erpconsole.services.models import ConnectionStep
from erpconsole.ui.common.busy import clear_busy, set_busy


class EntryDialog(QDialog):
    """Subclasses fill ``form``, list their required line edits in ``required``, and implement
    ``values()`` (raises ValueError with a sentence), ``_start_test()`` and ``_start_save()``
    (each returns the bridge's request id) and ``_step_names()``."""

    def __init__(self, bridge, secret_name: str | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._test_request: int | None = None
        self._save_request: int | None = None
        self._secret_request: int | None = None
        self.steps: list[ConnectionStep] = []
        self.required: list[QLineEdit] = []
        self.setMinimumWidth(560)
        self.form = QFormLayout()
        self.secret_edit = QLineEdit()
        self.secret_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self._show_has_secret(False)
        self.test_button = QPushButton()
        self.test_button.clicked.connect(self.test)
        self.steps_list = QListWidget()
        self.steps_list.setObjectName("entrySteps")
        self.steps_list.setWordWrap(True)
        self.steps_list.setMinimumHeight(130)
        self.error_label = QLabel()
        self.error_label.setObjectName("dialogError")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #d64545;")
        self.error_label.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setText(self.tr("&Save"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Cancel"))
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        path = bridge.inventory_path
        self.where_label = QLabel(self.tr("Saves to {0}").format(path) if path else
                                  self.tr("Saves to a new inventory file (none is in use yet)"))
        self.where_label.setObjectName("savesTo")
        self.where_label.setWordWrap(True)
        bridge.entry_tested.connect(self._on_tested)
        bridge.entry_saved.connect(self._on_saved)
        bridge.entry_save_failed.connect(self._on_save_failed)
        bridge.secret_known.connect(self._on_secret_known)
        if secret_name is not None:  # keyring may wait on a desktop prompt: asked off the GUI thread
            self._secret_request = bridge.request_has_secret(secret_name)

    def _finish_layout(self) -> None:
        """Called by the subclass once ``form`` and ``required`` are filled."""
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        row = QHBoxLayout()
        row.addWidget(self.test_button)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addWidget(self.steps_list)
        layout.addWidget(self.error_label)
        layout.addWidget(self.where_label)
        layout.addWidget(self.buttons)
        for edit in self.required:
            edit.textChanged.connect(self._gate)
        self._gate()

    # -- Save gating and errors ------------------------------------------------------------------

    @property
    def save_button(self) -> QPushButton:
        return self.buttons.button(QDialogButtonBox.StandardButton.Save)

    def _gate(self, *_args) -> None:
        ready = all(edit.text().strip() for edit in self.required)
        self.save_button.setEnabled(ready and self._save_request is None)
        self.test_button.setEnabled(ready and self._test_request is None)

    def _show_error(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.setVisible(bool(text))

    def secret(self) -> str | None:
        return self.secret_edit.text() or None

    def _show_has_secret(self, has_secret: bool) -> None:
        self.secret_edit.setPlaceholderText(
            self.tr("stored in keyring (leave empty to keep it)") if has_secret
            else self.tr("optional; stored in keyring only, never in the inventory"))

    def _on_secret_known(self, rid: int, has_secret: bool) -> None:
        if rid == self._secret_request:
            self._secret_request = None
            self._show_has_secret(has_secret)

    # -- Test --------------------------------------------------------------------------------------

    def test(self) -> bool:
        if self._test_request is not None:
            return False
        try:
            self.values()
        except ValueError as exc:
            self._show_error(str(exc))
            return False
        self._show_error("")
        self.steps = []
        self.steps_list.clear()
        self.steps_list.addItem(self.tr("Testing…"))
        self._test_request = self._start_test()
        self._gate()
        return True

    @property
    def testing(self) -> bool:
        return self._test_request is not None

    def step_text(self, step: ConnectionStep) -> str:
        mark = "✓" if step.ok else ("✗" if step.ok is False else "·")
        name = self._step_names().get(step.key, step.key)
        text = self.tr("{0} {1}: {2}").format(mark, name, step.message)
        if step.hint:
            text += "\n    " + self.tr("What to do: {0}").format(step.hint)
        return text

    def _on_tested(self, rid: int, steps: list) -> None:
        if rid != self._test_request:
            return
        self._test_request = None
        self.steps = list(steps)
        self.steps_list.clear()
        for step in self.steps:
            item = QListWidgetItem(self.step_text(step))
            if step.ok is False:
                item.setForeground(QColor("#ff6b6b"))
            self.steps_list.addItem(item)
        self._gate()

    # -- Save --------------------------------------------------------------------------------------

    def save(self) -> bool:
        """Starts saving (False when a field is wrong); the dialog closes when the bridge says
        it is saved, or shows why not and stays open."""
        if self._save_request is not None:
            return False
        try:
            self.values()
        except ValueError as exc:
            self._show_error(str(exc))
            return False
        self._show_error("")
        set_busy(self.save_button, self.tr("Saving…"))
        self._save_request = self._start_save()
        return True

    @property
    def saving(self) -> bool:
        return self._save_request is not None

    def _on_saved(self, rid: int, _path: str) -> None:
        if rid == self._save_request:
            self._save_request = None
            clear_busy(self.save_button)
            self.accept()

    def _on_save_failed(self, rid: int, message: str) -> None:
        if rid == self._save_request:
            self._save_request = None
            clear_busy(self.save_button)
            self._gate()
            self._show_error(message)

    def done(self, result: int) -> None:  # noqa: D401 - Qt override
        for signal, slot in ((self._bridge.entry_tested, self._on_tested),
                             (self._bridge.entry_saved, self._on_saved),
                             (self._bridge.entry_save_failed, self._on_save_failed),
                             (self._bridge.secret_known, self._on_secret_known)):
            try:
                signal.disconnect(slot)
            except (RuntimeError, TypeError):
                pass
        super().done(result)

    # -- for subclasses ----------------------------------------------------------------------------

    def values(self) -> dict:
        raise NotImplementedError

    def _start_test(self) -> int:
        raise NotImplementedError

    def _start_save(self) -> int:
        raise NotImplementedError

    def _step_names(self) -> dict[str, str]:
        return {}
