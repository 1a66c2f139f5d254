"""Counted words read as a person writes them: "1 host", "2 hosts", never "host(s)".

A "(s)" in a message is the sign of a count glued to a noun without the plural machinery
(``ngettext`` in services, ``counted`` or ``self.tr(text, "", n)`` with a catalog in the UI).
"""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

import erpconsole
from erpconsole.i18n import Nn_, counted

PACKAGE = Path(erpconsole.__file__).parent
# "(s)" after a letter: "target(s)", "query(s)". A regex group like "(s)" alone is not a word.
_GLUED_PLURAL = re.compile(r"[A-Za-z]\((?:s|es)\)")


def _string_literals(source: str):
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.STRING:
            yield tok.start[0], tok.string


def glued_plurals(source: str) -> list[tuple[int, str]]:
    return [(line, text) for line, text in _string_literals(source) if _GLUED_PLURAL.search(text)]


def test_the_scan_finds_a_glued_plural_and_passes_plain_words():
    assert glued_plurals('x = tr("%n target(s) ok", "", n)\n') == [(1, '"%n target(s) ok"')]
    assert glued_plurals('x = _("{n} line(s) skipped")\n')
    assert not glued_plurals('x = ngettext("{n} host", "{n} hosts", n)  # no host(s) here\n')
    assert not glued_plurals('pattern = r"(s)?"\n')


def test_no_message_in_the_package_glues_a_plural_to_a_noun():
    found = [f"{path.relative_to(PACKAGE.parent)}:{line}: {text}"
             for path in sorted(PACKAGE.rglob("*.py"))
             for line, text in glued_plurals(path.read_text(encoding="utf-8"))]
    assert found == [], "use ngettext / counted() instead of '(s)':\n" + "\n".join(found)


def test_services_counted_messages_follow_the_count():
    message = Nn_("{n} host is late", "{n} hosts are late")
    assert counted(message, 1).format(n=1) == "1 host is late"
    assert counted(message, 0).format(n=0) == "0 hosts are late"
    assert counted(message, 2).format(n=2) == "2 hosts are late"
