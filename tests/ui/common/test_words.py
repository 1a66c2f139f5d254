"""The Qt side's counted(): English forms with no catalog, the catalog's forms when one answers."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QObject, QTranslator

from erpconsole.ui.common.words import counted


class _Catalog(QTranslator):
    """A stand-in catalog (no .qm file needed): numerus forms for one source text."""

    def translate(self, context, source, disambiguation=None, n=-1):  # noqa: N802 - Qt's name
        if context == "words" and source == "%n hosts":
            return "%n Host" if n == 1 else "%n Hosts"
        return ""


def test_english_forms_without_a_catalog(qapp):
    assert counted("words", "%n host", "%n hosts", 1) == "1 host"
    assert counted("words", "%n host", "%n hosts", 0) == "0 hosts"
    assert counted("words", "%n host", "%n hosts", 21) == "21 hosts"


def test_the_context_of_an_object_is_its_class_name(qapp):
    class HostsThing(QObject):
        pass

    assert counted(HostsThing(), "{0}: %n host", "{0}: %n hosts", 1).format("fleet") == "fleet: 1 host"


def test_a_catalog_gives_the_forms_of_its_language(qapp):
    catalog = _Catalog()
    QCoreApplication.installTranslator(catalog)
    try:
        assert counted("words", "%n host", "%n hosts", 1) == "1 Host"
        assert counted("words", "%n host", "%n hosts", 3) == "3 Hosts"
    finally:
        QCoreApplication.removeTranslator(catalog)


def test_ages_in_the_access_review_agree_with_their_count(qapp):
    from erpconsole.ui.access.text import ago_text

    now = 1_800_000_000.0
    assert ago_text(now - 3600, now) in ("1 hour ago", "1 day ago")  # a day boundary may pass
    assert ago_text(now - 2 * 3600 - 5, now) in ("2 hours ago", "1 day ago")
    assert ago_text(now - 200 * 86400, now) == "200 days ago"
    assert ago_text(now - 86400, now) == "1 day ago"
