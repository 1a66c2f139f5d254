"""Add or edit one SSH host; test the connection step by step; import from ~/.ssh/config.

The password / passphrase field goes to keyring (``ssh:NAME``) through the bridge and is never
written to the inventory. "Test connection", the keyring and the inventory file are worked on
by the bridge's workers, never on the GUI thread: the dialog asks and waits for the answer.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from erpconsole.config import HostConfig, default_inventory_path
from erpconsole.services.models import ConnectionStep
from erpconsole.ui.common.busy import clear_busy, set_busy
from erpconsole.ui.common.form_dialog import RequiredFields, saves_to_label
from erpconsole.ui.hosts.bridge import HostsApi


class HostDialog(QDialog):
    def __init__(self, bridge: HostsApi, host: HostConfig | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._original = host
        self._request: int | None = None
        self._save_request: int | None = None
        self._secret_request: int | None = None
        self.steps: list[ConnectionStep] = []
        self.setWindowTitle(self.tr("Edit host {0}").format(host.name) if host else self.tr("Add host"))
        self.setMinimumWidth(560)

        self._build_fields(host)
        form = self._build_form()
        self._build_test()
        where = self._build_buttons()
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        test_row = QHBoxLayout()
        test_row.addWidget(self.test_button)
        test_row.addStretch(1)
        layout.addLayout(test_row)
        layout.addWidget(self.steps_list)
        layout.addWidget(self.error_label)
        layout.addWidget(where)
        layout.addWidget(self.missing_label)
        layout.addWidget(self.buttons)

        bridge.connection_step.connect(self._on_step)
        bridge.connection_done.connect(self._on_done)
        bridge.host_saved.connect(self._on_saved)
        bridge.host_save_failed.connect(self._on_save_failed)
        bridge.secret_known.connect(self._on_secret_known)
        if host is not None:  # keyring may wait on a desktop prompt: asked off the GUI thread
            self._secret_request = bridge.request_has_secret(host.name)

    # -- building ------------------------------------------------------------------------

    def _build_fields(self, host: HostConfig | None) -> None:
        self.name_edit = QLineEdit(host.name if host else "")
        self.address_edit = QLineEdit(host.address if host else "")
        self.address_edit.setPlaceholderText(self.tr("host name, IP address or ~/.ssh/config alias"))
        self.port_spin = QSpinBox()
        self.port_spin.setRange(0, 65535)
        self.port_spin.setSpecialValueText(self.tr("default (22 or ~/.ssh/config)"))
        self.port_spin.setValue((host.port or 0) if host else 0)
        self.user_edit = QLineEdit((host.user or "") if host else "")
        self.user_edit.setPlaceholderText(self.tr("default: ~/.ssh/config, else your user"))
        self.key_edit = QLineEdit((host.key_file or "") if host else "")
        self.key_edit.setPlaceholderText(self.tr("default: ssh-agent and ~/.ssh/id_*"))
        self.jump_edit = QLineEdit((host.proxy_jump or "") if host else "")
        self.jump_edit.setPlaceholderText(self.tr("user@jumphost:port (optional)"))
        self.interval_spin = QDoubleSpinBox()
        self.interval_spin.setRange(1.0, 3600.0)
        self.interval_spin.setDecimals(1)
        self.interval_spin.setSuffix(" s")
        self.interval_spin.setValue(host.interval_s if host else 5.0)
        self.tags_edit = QLineEdit(", ".join(host.tags) if host else "")
        self.tags_edit.setPlaceholderText(self.tr("app, prod"))
        self.secret_edit = QLineEdit()
        self.secret_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self._show_has_secret(False)

    def _build_form(self) -> QFormLayout:
        browse = QPushButton(self.tr("Browse…"))
        browse.clicked.connect(self._browse)
        key_row = QHBoxLayout()
        key_row.addWidget(self.key_edit, 1)
        key_row.addWidget(browse)
        form = QFormLayout()
        form.addRow(self.tr("&Name"), self.name_edit)
        form.addRow(self.tr("&Address"), self.address_edit)
        form.addRow(self.tr("&Port"), self.port_spin)
        form.addRow(self.tr("&User"), self.user_edit)
        key_label = QLabel(self.tr("&Key file"))
        key_label.setBuddy(self.key_edit)
        form.addRow(key_label, key_row)
        form.addRow(self.tr("Proxy&Jump"), self.jump_edit)
        form.addRow(self.tr("&Interval"), self.interval_spin)
        form.addRow(self.tr("&Tags"), self.tags_edit)
        form.addRow(self.tr("Pass&word / passphrase"), self.secret_edit)
        return form

    def _build_test(self) -> None:
        self.test_button = QPushButton(self.tr("Test &connection"))  # Alt+T is Tags
        self.test_button.clicked.connect(self.test_connection)
        self.steps_list = QListWidget()
        self.steps_list.setObjectName("connectionSteps")
        self.steps_list.setWordWrap(True)
        self.steps_list.setMinimumHeight(150)
        self.error_label = QLabel()
        self.error_label.setObjectName("dialogError")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #d64545;")
        self.error_label.hide()

    def _build_buttons(self) -> QLabel:
        """The Save and Cancel buttons, Save off until a name and an address are given; returns
        the line that says which file Save writes (the bridge's rule: the inventory in use,
        else the default one, created)."""
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        self.missing_label = QLabel()
        self.required = RequiredFields(self.buttons.button(QDialogButtonBox.StandardButton.Save), self.missing_label)
        self.required.require(self.name_edit, self.tr("Name"))
        self.required.require(self.address_edit, self.tr("Address"))
        self.saves_to = saves_to_label(self._bridge.inventory_path, str(default_inventory_path()))
        return self.saves_to

    # -- values --------------------------------------------------------------------------

    def host_config(self) -> HostConfig:
        """The entered host; raises ValueError with a sentence when a field is wrong."""
        name = self.name_edit.text().strip()
        address = self.address_edit.text().strip()
        if not name:
            raise ValueError(self.tr("give the host a name"))
        if not address:
            raise ValueError(self.tr("give the host an address"))
        tags = tuple(t.strip() for t in self.tags_edit.text().replace(";", ",").split(",") if t.strip())
        kept = {}
        if self._original is not None:  # fields this dialog does not edit stay as they were
            kept = {"known_hosts": self._original.known_hosts, "timeout_s": self._original.timeout_s,
                    "thresholds": self._original.thresholds}
        return HostConfig(
            name=name,
            address=address,
            port=self.port_spin.value() or None,
            user=self.user_edit.text().strip() or None,
            key_file=self.key_edit.text().strip() or None,
            proxy_jump=self.jump_edit.text().strip() or None,
            interval_s=float(self.interval_spin.value()),
            tags=tags,
            **kept,
        )

    def secret(self) -> str | None:
        return self.secret_edit.text() or None

    def _browse(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, self.tr("Private key file"), self.key_edit.text() or "~/.ssh")
        if path:
            self.key_edit.setText(path)

    def _show_has_secret(self, has_secret: bool) -> None:
        self.secret_edit.setPlaceholderText(
            self.tr("stored in keyring (leave empty to keep it)") if has_secret
            else self.tr("optional; stored in keyring only, never in the inventory"))

    def _on_secret_known(self, rid: int, has_secret: bool) -> None:
        if rid == self._secret_request:
            self._secret_request = None
            self._show_has_secret(has_secret)

    def _show_error(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.setVisible(bool(text))

    # -- test connection -------------------------------------------------------------------

    def test_connection(self) -> None:
        try:
            host = self.host_config()
        except ValueError as exc:
            self._show_error(str(exc))
            return
        self._show_error("")
        self.steps = []
        self.steps_list.clear()
        self.steps_list.addItem(self.tr("Testing…"))
        self.test_button.setEnabled(False)
        self._request = self._bridge.test_connection(host, self.secret())

    def _step_text(self, step: ConnectionStep) -> str:
        names = {"resolve": self.tr("Resolve"), "connect": self.tr("Connect"), "host key": self.tr("Host key"),
                 "authenticate": self.tr("Authenticate"), "probe": self.tr("Probe")}
        mark = "✓" if step.ok else ("✗" if step.ok is False else "·")
        text = f"{mark} {names.get(step.key, step.key)}: {step.message}"
        if step.hint:
            text += "\n    " + self.tr("What to do: {0}").format(step.hint)
        return text

    def _on_step(self, rid: int, step: ConnectionStep) -> None:
        if rid != self._request:
            return
        if not self.steps:
            self.steps_list.clear()
        self.steps.append(step)
        item = QListWidgetItem(self._step_text(step))
        if step.ok is False:
            item.setForeground(QColor("#ff6b6b"))
        self.steps_list.addItem(item)

    def _on_done(self, rid: int, steps: list) -> None:
        if rid != self._request:
            return
        self.test_button.setEnabled(True)
        if len(self.steps) != len(steps):  # a failure before any step reported
            self.steps_list.clear()
            self.steps = []
            for step in steps:
                self._on_step(rid, step)
        self._request = None

    @property
    def testing(self) -> bool:
        return self._request is not None

    # -- save ------------------------------------------------------------------------------

    def save(self) -> bool:
        """Starts saving (False when a field is wrong); the dialog closes when the bridge says
        it is saved, or shows why not."""
        if self.saving:
            return False
        try:
            host = self.host_config()
        except ValueError as exc:
            self._show_error(str(exc))
            return False
        self._show_error("")
        self.required.set_busy(True)
        set_busy(self.buttons.button(QDialogButtonBox.StandardButton.Save), self.tr("Saving…"))
        old = self._original.name if self._original else None
        self._save_request = self._bridge.save_host(host, old, self.secret())
        return True

    @property
    def saving(self) -> bool:
        return self._save_request is not None

    def _on_saved(self, rid: int, _path: str) -> None:
        if rid == self._save_request:
            self._save_request = None
            clear_busy(self.buttons.button(QDialogButtonBox.StandardButton.Save))
            self.required.set_busy(False)
            self.accept()

    def _on_save_failed(self, rid: int, message: str) -> None:
        if rid == self._save_request:
            self._save_request = None
            clear_busy(self.buttons.button(QDialogButtonBox.StandardButton.Save))
            self.required.set_busy(False)
            self._show_error(message)

    def done(self, result: int) -> None:  # noqa: D401 - Qt override
        for signal, slot in ((self._bridge.connection_step, self._on_step),
                             (self._bridge.connection_done, self._on_done),
                             (self._bridge.host_saved, self._on_saved),
                             (self._bridge.host_save_failed, self._on_save_failed),
                             (self._bridge.secret_known, self._on_secret_known)):
            try:
                signal.disconnect(slot)
            except (RuntimeError, TypeError):
                pass
        super().done(result)


class ImportDialog(QDialog):
    """Entries of ~/.ssh/config with checkboxes; ``chosen()`` the ticked ones."""

    def __init__(self, entries: list[dict], existing: set[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Import hosts from ~/.ssh/config"))
        self.setMinimumWidth(520)
        self._entries = entries
        self.list = QListWidget()
        for entry in entries:
            where = entry["address"] + (f":{entry['port']}" if entry.get("port") else "")
            user = f"{entry['user']}@" if entry.get("user") else ""
            item = QListWidgetItem(f"{entry['name']}  ({user}{where})")
            taken = entry["name"] in existing
            if taken:
                item.setText(item.text() + "  " + self.tr("already watched"))
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.list.addItem(item)
        info = QLabel(self.tr("Tick the hosts to watch; they are added to the inventory file.") if entries
                      else self.tr("No Host entries without wildcards were found in ~/.ssh/config."))
        info.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Add chosen hosts"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(info)
        layout.addWidget(self.list)
        layout.addWidget(buttons)

    def set_checked(self, name: str, on: bool = True) -> None:
        for i, entry in enumerate(self._entries):
            if entry["name"] == name:
                self.list.item(i).setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)

    def chosen(self) -> list[dict]:
        return [e for i, e in enumerate(self._entries)
                if self.list.item(i).checkState() == Qt.CheckState.Checked
                and self.list.item(i).flags() & Qt.ItemFlag.ItemIsEnabled]
