"""Translation marker for text made in services (no Qt here).

Services mark every message a person reads with ``_()``. The catalog is GNU gettext's
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


def N_(message: str) -> str:  # noqa: N802 - the gettext name for "mark, translate later"
    """Mark ``message`` for extraction without translating it now."""
    return message
