"""Add or edit one watched database: the URL's parts, the password (to keyring as ``db:NAME``,
never to the file), the ERP profile and the interval; "Test connection" reports connect, the
server's version and what each panel lacks, from the bridge's worker."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QLineEdit, QSpinBox, QWidget

from erpconsole.config import DatabaseConfig
from erpconsole.guards.urls import mask_url
from erpconsole.ui.common.entry_dialog import EntryDialog
from erpconsole.ui.databases.bridge import DatabasesApi

_PORTS = {"postgresql": 5432, "mariadb": 3306}


class DatabaseDialog(EntryDialog):
    def __init__(self, bridge: DatabasesApi, db: DatabaseConfig | None = None, parent: QWidget | None = None) -> None:
        super().__init__(bridge, db.name if db else None, parent)
        self._original = db
        self.setWindowTitle(self.tr("Edit database {0}").format(db.name) if db else self.tr("Add database"))
        self.test_button.setText(self.tr("&Test connection"))
        parts = bridge.database_url_parts(db.url) if db else {"kind": "postgresql", "host": "", "port": None,
                                                               "database": "", "user": ""}
        self._build_fields(db, parts)
        self._build_form()
        self.required = [self.name_edit, self.database_edit]
        self._finish_layout()
        self.kind_combo.currentIndexChanged.connect(self._on_kind)
        self._on_kind()
        self._url_locked = db is not None and not parts["kind"]
        if self._url_locked:  # an entry written by hand for a server this dialog does not know
            self._show_error(self.tr("This URL ({0}) cannot be edited here; change it in the file.").format(
                mask_url(db.url)))

    def _build_fields(self, db: DatabaseConfig | None, parts: dict) -> None:
        self.name_edit = QLineEdit(db.name if db else "")
        self.name_edit.setPlaceholderText(self.tr("erp-db"))
        self.kind_combo = QComboBox()
        for kind, label in (("postgresql", self.tr("PostgreSQL")), ("mariadb", self.tr("MariaDB or MySQL")),
                            ("sqlite", self.tr("SQLite file"))):
            self.kind_combo.addItem(label, kind)
        self.kind_combo.setCurrentIndex(max(0, self.kind_combo.findData(parts["kind"] or "postgresql")))
        self.host_edit = QLineEdit(parts["host"])
        self.host_edit.setPlaceholderText(self.tr("default: localhost"))
        self.port_spin = QSpinBox()
        self.port_spin.setRange(0, 65535)
        self.port_spin.setValue(parts["port"] or 0)
        self.database_edit = QLineEdit(parts["database"])
        self.user_edit = QLineEdit(parts["user"])
        self.erp_combo = QComboBox()
        for value, label in (("", self.tr("none")), ("odoo", "Odoo"), ("erpnext", "ERPNext")):
            self.erp_combo.addItem(label, value)
        if db is not None and db.erp == "custom":
            self.erp_combo.addItem(self.tr("custom query (kept as written)"), "custom")
        self.erp_combo.setCurrentIndex(max(0, self.erp_combo.findData((db.erp if db else None) or "")))
        self.interval_spin = QDoubleSpinBox()
        self.interval_spin.setRange(1.0, 3600.0)
        self.interval_spin.setDecimals(1)
        self.interval_spin.setSuffix(" s")
        self.interval_spin.setValue(db.interval_s if db else 10.0)

    def _build_form(self) -> None:
        form = self.form
        form.addRow(self.tr("&Name"), self.name_edit)
        form.addRow(self.tr("&Kind"), self.kind_combo)
        form.addRow(self.tr("&Host"), self.host_edit)
        form.addRow(self.tr("&Port"), self.port_spin)
        form.addRow(self.tr("&Database"), self.database_edit)
        form.addRow(self.tr("&User"), self.user_edit)
        form.addRow(self.tr("Pass&word"), self.secret_edit)
        form.addRow(self.tr("E&RP profile"), self.erp_combo)
        form.addRow(self.tr("&Interval"), self.interval_spin)

    def _on_kind(self, *_args) -> None:
        kind = self.kind_combo.currentData()
        server = kind != "sqlite"
        for w in (self.host_edit, self.port_spin, self.user_edit, self.secret_edit):
            w.setEnabled(server)
        self.port_spin.setSpecialValueText(self.tr("default ({0})").format(_PORTS[kind]) if server else "")
        self.database_edit.setPlaceholderText(self.tr("/path/to/file.db") if not server else self.tr("erp"))

    # -- values ------------------------------------------------------------------------------

    def url(self) -> str:
        if self._url_locked:
            return self._original.url
        kind = self.kind_combo.currentData()
        server = kind != "sqlite"
        return self._bridge.database_url(kind, self.host_edit.text().strip() if server else "",
                                         (self.port_spin.value() or None) if server else None,
                                         self.database_edit.text().strip(),
                                         self.user_edit.text().strip() if server else "")

    def values(self) -> dict:
        """The managed fields of the [[databases]] table; ValueError with a sentence if one is wrong."""
        name = self.name_edit.text().strip()
        if not name:
            raise ValueError(self.tr("give the database a name"))
        if not self.database_edit.text().strip():
            raise ValueError(self.tr("name the database (or, for SQLite, its file)"))
        interval = float(self.interval_spin.value())
        return {"name": name, "url": self.url(),
                "password_env": self._original.password_env if self._original else None,
                "erp": self.erp_combo.currentData() or None,
                "interval_s": int(interval) if interval.is_integer() else interval}

    def config(self) -> DatabaseConfig:
        v = self.values()
        return DatabaseConfig(name=v["name"], url=v["url"], password_env=v["password_env"])

    def _start_test(self) -> int:
        return self._bridge.test_database(self.config(), self.secret())

    def _start_save(self) -> int:
        return self._bridge.save_database(self.values(), self._original.name if self._original else None,
                                          self.secret())

    def _step_names(self) -> dict[str, str]:
        return {"connect": self.tr("Connect"), "version": self.tr("Server"), "panels": self.tr("Panels")}
