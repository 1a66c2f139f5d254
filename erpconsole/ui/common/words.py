"""Counted words on the Qt side: "1 backup", "3 backups", never a noun with "(s)" glued on.

Qt's own answer to plurals is one source text with %n and a catalog that gives each language
its forms; with no catalog installed (English, the source language) Qt would show the source
text as written for every count. ``counted`` takes the English singular and plural, asks the
catalog for the plural source with ``n`` (so a catalog keeps full control of every language's
forms), and falls back to the English form that fits ``n``.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QObject


def _context(where: QObject | str) -> str:
    return where if isinstance(where, str) else where.metaObject().className()


def counted(where: QObject | str, singular: str, plural: str, n: int) -> str:
    """``singular`` or ``plural`` (both with %n for the number) as fits ``n``, translated in the
    context of ``where`` (an object, like ``self.tr``, or a context name)."""
    source = plural
    translated = QCoreApplication.translate(_context(where), source, "", n)
    if translated != source.replace("%n", str(n)):
        return translated  # a catalog answered, with the forms its language needs
    return (singular if n == 1 else plural).replace("%n", str(n))
