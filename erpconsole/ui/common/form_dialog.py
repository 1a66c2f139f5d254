"""What the console's form dialogs share: Save kept off until the required fields are filled,
with a line that says what is still missing; a line that says which file Save writes; and the
keyboard mnemonics of a dialog, so that no two of its labels and buttons share an Alt+letter.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QObject, Qt
from PySide6.QtWidgets import QAbstractButton, QGroupBox, QLabel, QLineEdit, QTabWidget, QWidget


def _tr(text: str) -> str:
    return QCoreApplication.translate("form_dialog", text)


class RequiredFields(QObject):
    """Keeps ``button`` disabled while a required field is empty or invalid; ``hint`` names
    the fields still needed, by the words of their labels."""

    def __init__(self, button: QAbstractButton, hint: QLabel, parent: QObject | None = None) -> None:
        super().__init__(parent or button)
        self._button = button
        self._hint = hint
        self._hint.setObjectName(self._hint.objectName() or "formMissingHint")
        self._hint.setWordWrap(True)
        self._fields: list[tuple[QLineEdit, str, Callable[[str], bool]]] = []
        self._busy = False

    def require(self, edit: QLineEdit, name: str, valid: Callable[[str], bool] | None = None) -> None:
        """``name`` is how the hint calls the field (its label without the "&")."""
        self._fields.append((edit, name, valid or (lambda text: bool(text.strip()))))
        edit.textChanged.connect(self.update)
        self.update()

    def missing(self) -> list[str]:
        return [name for edit, name, valid in self._fields if not valid(edit.text())]

    def set_busy(self, busy: bool) -> None:
        """While the form is being saved the button stays off whatever the fields hold."""
        self._busy = busy
        self.update()

    def update(self) -> None:
        missing = self.missing()
        self._button.setEnabled(not missing and not self._busy)
        # A list of field names, not a sentence made of pieces: the frame is one translated text.
        self._hint.setText(_tr("To save, fill in: {0}").format(", ".join(missing)) if missing else "")
        self._hint.setVisible(bool(missing))


def saves_to_text(path: str | None, new_path: str) -> str:
    """"Saves to <file>": the file in use, or the one Save will create when none is yet."""
    if path:
        return _tr("Saves to {0}").format(path)
    return _tr("Saves to {0} (a new file: no inventory is in use yet)").format(new_path)


def saves_to_label(path: str | None, new_path: str) -> QLabel:
    label = QLabel(saves_to_text(path, new_path))
    label.setObjectName("formSavesTo")
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setToolTip(path or new_path)
    return label


# -- mnemonics ----------------------------------------------------------------------------------

def mnemonic_of(text: str) -> str | None:
    """The letter after a single "&" (lower case), as Qt reads it; "&&" is a literal "&"."""
    i = 0
    while i < len(text) - 1:
        if text[i] == "&":
            if text[i + 1] != "&":
                return text[i + 1].lower()
            i += 1
        i += 1
    return None


def _texts(widget: QWidget) -> list[str]:
    if isinstance(widget, QLabel):
        return [widget.text()] if widget.buddy() is not None else []  # without a buddy & is inert
    if isinstance(widget, QAbstractButton):
        return [widget.text()]
    if isinstance(widget, QGroupBox):
        return [widget.title()]
    if isinstance(widget, QTabWidget):
        return [widget.tabText(i) for i in range(widget.count())]
    return []


def mnemonics(root: QWidget) -> dict[str, list[str]]:
    """Each Alt+letter of ``root``'s shown labels, buttons, group boxes and tabs, with the texts
    that claim it; a letter claimed twice is a defect (Alt+letter reaches only one)."""
    found: dict[str, list[str]] = {}
    for widget in root.findChildren(QWidget):
        if not widget.isVisibleTo(root):
            continue
        for text in _texts(widget):
            letter = mnemonic_of(text)
            if letter:
                found.setdefault(letter, []).append(text)
    return found


def duplicate_mnemonics(root: QWidget) -> dict[str, list[str]]:
    return {letter: texts for letter, texts in mnemonics(root).items() if len(texts) > 1}
