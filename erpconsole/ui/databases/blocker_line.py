"""The line above the Activity table that names the session at the head of each lock queue:
who it is, how many wait behind it and for how long, how long its transaction is open, and a
link that selects it (then Terminate is one key away)."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QWidget

from erpconsole.services.models import PREPARED_XACT_PID, DbBlocker, DbSession, blockers
from erpconsole.ui.common.labels import format_duration
from erpconsole.ui.common.words import counted

SHOWN = 3  # queues named; the rest are counted


class BlockerLine(QLabel):
    """Hidden while no session waits on a lock. ``pid_requested(pid)``: "Select" was clicked."""

    pid_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("blockerLine")
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                     | Qt.TextInteractionFlag.LinksAccessibleByMouse)
        self.linkActivated.connect(self._on_link)
        self._queues: tuple[DbBlocker, ...] = ()
        self.hide()

    def set_sessions(self, sessions: tuple[DbSession, ...]) -> None:
        self._queues = blockers(sessions)
        lines = [self._line(b) for b in self._queues[:SHOWN]]
        rest = len(self._queues) - SHOWN
        if rest > 0:
            lines.append(html.escape(counted(self, "and %n more lock queue", "and %n more lock queues", rest)))
        self.setText("<br>".join(lines))
        self.setVisible(bool(lines))

    def queues(self) -> tuple[DbBlocker, ...]:
        return self._queues

    def _line(self, b: DbBlocker) -> str:
        n, wait = len(b.waiting), format_duration(b.longest_wait_s)
        if b.pid is None:
            return html.escape(counted(
                self, "%n session waits on a lock for up to {0}; the server does not say which session holds it",
                "%n sessions wait on a lock for up to {0}; the server does not say which session holds it",
                n).format(wait))
        if b.pid == PREPARED_XACT_PID:
            return html.escape(counted(
                self, "%n session waits for up to {0} behind a prepared transaction (see pg_prepared_xacts)",
                "%n sessions wait for up to {0} behind a prepared transaction (see pg_prepared_xacts)",
                n).format(wait))
        text = counted(self, "Session {0} ({1}) holds up %n session for up to {2}",
                       "Session {0} ({1}) holds up %n sessions for up to {2}", n).format(
            b.pid, self._who(b.session), wait)
        if b.session is None:
            return html.escape(text)
        link = self.tr("Select it")
        return f'<b>{html.escape(text)}</b> <a href="{b.pid}">{html.escape(link)}</a>'

    def _who(self, s: DbSession | None) -> str:
        if s is None:
            return self.tr("a background process of the server")
        parts = [p for p in (s.user, s.application, s.state) if p]
        if s.xact_age_s is not None:
            parts.append(self.tr("transaction open {0}").format(format_duration(s.xact_age_s)))
        return ", ".join(parts)

    def _on_link(self, href: str) -> None:
        if href.isdigit():
            self.pid_requested.emit(int(href))
