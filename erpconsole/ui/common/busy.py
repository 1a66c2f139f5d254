"""A button that started work on a worker says so until the answer comes."""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractButton

_IDLE_TEXT = "_erpconsole_idle_text"


def set_busy(button: QAbstractButton, text: str) -> None:
    """Disabled, labelled ``text`` ("Saving…"); clear_busy() gives its own label back."""
    if button.property(_IDLE_TEXT) is None:
        button.setProperty(_IDLE_TEXT, button.text())
    button.setText(text)
    button.setEnabled(False)


def clear_busy(button: QAbstractButton) -> None:
    idle = button.property(_IDLE_TEXT)
    if idle is not None:
        button.setText(idle)
        button.setProperty(_IDLE_TEXT, None)
    button.setEnabled(True)


def is_busy(button: QAbstractButton) -> bool:
    return button.property(_IDLE_TEXT) is not None
