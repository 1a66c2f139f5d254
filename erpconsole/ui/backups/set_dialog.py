"""Add or edit one backup set: the tool, its repository, where it lives, the database it backs up,
the repository password (to keyring as ``backup:NAME``, never to the file); "Test repository"
lists it once with its tool, on a backup worker, within 30 s."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QLineEdit, QWidget

from erpconsole.services.backups.models import BARMAN, BORG, DUMPDIR, PGBACKREST, RESTIC, BackupSetConfig
from erpconsole.ui.backups.bridge import BackupsApi
from erpconsole.ui.common.entry_dialog import EntryDialog

_WITH_PASSWORD = (RESTIC, BORG)
_WITH_STANZA = (PGBACKREST, BARMAN)
_DEFAULT_PATTERN = BackupSetConfig.__dataclass_fields__["pattern"].default


class BackupSetDialog(EntryDialog):
    def __init__(self, bridge: BackupsApi, cfg: BackupSetConfig | None = None, parent: QWidget | None = None) -> None:
        super().__init__(bridge, cfg.name if cfg else None, parent)
        self._original = cfg
        self.setWindowTitle(self.tr("Edit backup set {0}").format(cfg.name) if cfg else self.tr("Add backup set"))
        self.test_button.setText(self.tr("&Test repository"))
        self._build_fields(cfg)
        self._build_form()
        self.required = [self.name_edit, self.repo_edit]
        self._finish_layout()
        self.tool_combo.currentIndexChanged.connect(self._on_tool)
        self._on_tool()

    def _build_fields(self, cfg: BackupSetConfig | None) -> None:
        self.name_edit = QLineEdit(cfg.name if cfg else "")
        self.name_edit.setPlaceholderText(self.tr("erp-db-nightly"))
        self.tool_combo = QComboBox()
        for tool, label in ((RESTIC, "restic"), (BORG, "BorgBackup"), (PGBACKREST, "pgBackRest"),
                            (BARMAN, "Barman"), (DUMPDIR, self.tr("folder of dumps (pg_dump, mysqldump)"))):
            self.tool_combo.addItem(label, tool)
        self.tool_combo.setCurrentIndex(max(0, self.tool_combo.findData(cfg.tool if cfg else RESTIC)))
        self.repo_edit = QLineEdit(cfg.repo if cfg else "")
        self.host_combo = QComboBox()
        self.host_combo.addItem(self.tr("this workstation"), "")
        for name in self._bridge.host_names():
            self.host_combo.addItem(name, name)
        self.host_combo.setCurrentIndex(max(0, self.host_combo.findData((cfg.host if cfg else None) or "")))
        self.stanza_edit = QLineEdit((cfg.stanza or "") if cfg else "")
        self.pattern_edit = QLineEdit(cfg.pattern if cfg else _DEFAULT_PATTERN)
        self.database_combo = QComboBox()
        self.database_combo.addItem(self.tr("none"), "")
        for name in self._bridge.database_names():
            self.database_combo.addItem(name, name)
        self.database_combo.setCurrentIndex(max(0, self.database_combo.findData((cfg.database if cfg else None) or "")))
        self.interval_spin = QDoubleSpinBox()
        self.interval_spin.setRange(10.0, 86400.0)
        self.interval_spin.setDecimals(0)
        self.interval_spin.setSuffix(" s")
        self.interval_spin.setValue(cfg.interval_s if cfg else 300.0)

    def _build_form(self) -> None:
        form = self.form
        form.addRow(self.tr("&Name"), self.name_edit)
        form.addRow(self.tr("T&ool"), self.tool_combo)
        form.addRow(self.tr("&Repository"), self.repo_edit)
        form.addRow(self.tr("&Host"), self.host_combo)
        form.addRow(self.tr("Stan&za or server"), self.stanza_edit)
        form.addRow(self.tr("&File patterns"), self.pattern_edit)
        form.addRow(self.tr("&Database backed up"), self.database_combo)
        form.addRow(self.tr("Pass&word"), self.secret_edit)
        form.addRow(self.tr("&Interval"), self.interval_spin)

    def _on_tool(self, *_args) -> None:
        tool = self.tool_combo.currentData()
        self.secret_edit.setEnabled(tool in _WITH_PASSWORD)
        self.stanza_edit.setEnabled(tool in _WITH_STANZA)
        self.pattern_edit.setEnabled(tool == DUMPDIR)
        self.repo_edit.setPlaceholderText({
            RESTIC: self.tr("/srv/restic/erp or sftp:backup@nas:/restic"),
            BORG: self.tr("/srv/borg/erp or ssh://backup@nas/./erp"),
            PGBACKREST: self.tr("/var/lib/pgbackrest (the repository path)"),
            BARMAN: self.tr("/etc/barman.conf"),
            DUMPDIR: self.tr("/var/backups/erp (the folder of dump files)"),
        }[tool])

    # -- values ------------------------------------------------------------------------------

    def values(self) -> dict:
        """The managed fields of the [[backups]] table; ValueError with a sentence if one is wrong."""
        name = self.name_edit.text().strip()
        if not name:
            raise ValueError(self.tr("give the backup set a name"))
        if not self.repo_edit.text().strip():
            raise ValueError(self.tr("say where the backups are (the repository)"))
        tool = self.tool_combo.currentData()
        if tool in _WITH_STANZA and not self.stanza_edit.text().strip():
            raise ValueError(self.tr("{0} needs the stanza or server name").format(self.tool_combo.currentText()))
        pattern = self.pattern_edit.text().strip()
        return {
            "name": name, "tool": tool, "repo": self.repo_edit.text().strip(),
            "host": self.host_combo.currentData() or None,
            "stanza": self.stanza_edit.text().strip() if tool in _WITH_STANZA else None,
            "pattern": pattern if tool == DUMPDIR and pattern != _DEFAULT_PATTERN else None,
            "password_env": self._original.password_env if self._original else None,
            "database": self.database_combo.currentData() or None,
            "interval_s": None if self.interval_spin.value() == 300 else int(self.interval_spin.value()),
        }

    def config(self) -> BackupSetConfig:
        v = self.values()
        return BackupSetConfig(name=v["name"], tool=v["tool"], repo=v["repo"], host=v["host"], stanza=v["stanza"],
                               pattern=v["pattern"] or _DEFAULT_PATTERN, password_env=v["password_env"],
                               database=v["database"])

    def secret(self) -> str | None:
        return super().secret() if self.tool_combo.currentData() in _WITH_PASSWORD else None

    def _start_test(self) -> int:
        return self._bridge.test_backup_set(self.config(), self.secret())

    def _start_save(self) -> int:
        return self._bridge.save_backup_set(self.values(), self._original.name if self._original else None,
                                            self.secret())

    def _step_names(self) -> dict[str, str]:
        return {"read": self.tr("Repository"), "newest": self.tr("Newest")}
