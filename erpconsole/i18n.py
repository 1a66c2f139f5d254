"""Translation markers for text made outside Qt: config, services, the command line.

It lives at the top of the package, not in services, so that every layer may import it
(config imports nothing from services). Those layers mark every message a person reads with
``_()``, or ``ngettext()`` where the sentence depends on a count. The catalog is GNU gettext's
``erpconsole`` domain under ``resources/locale``; with no catalog for the language the
text stays as written. The Qt side translates its own strings with ``self.tr``.
"""

from __future__ import annotations

import gettext
from importlib import resources

_DOMAIN = "erpconsole"


def _load() -> gettext.NullTranslations:
    try:
        localedir = resources.files("erpconsole.resources") / "locale"
        return gettext.translation(_DOMAIN, localedir=str(localedir), fallback=True)
    except OSError:
        return gettext.NullTranslations()


_translations = _load()


def _(message: str) -> str:
    """Translate ``message`` for the reader; the marker the extraction tool looks for."""
    return _translations.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of a counted sentence that fits ``n``, in the reader's language."""
    return _translations.ngettext(singular, plural, n)


def N_(message: str) -> str:  # noqa: N802 - the gettext name for "mark, translate later"
    """Mark ``message`` for extraction without translating it now."""
    return message


#: A counted message before its count is known: (singular, plural), both with the same fields.
Plural = tuple[str, str]


def Nn_(singular: str, plural: str) -> Plural:  # noqa: N802 - like N_, for a counted message
    """Mark a counted message for extraction; ``counted()`` picks its form once ``n`` is known."""
    return singular, plural


def counted(message: Plural, n: int) -> str:
    """The form of ``message`` (from ``Nn_``) that fits ``n``, translated; fields left to fill."""
    return ngettext(message[0], message[1], n)
