"""The status bar's SOP word at start: "checking…" until the service has counted, then the
true count (a daily inspection 12 h late is "1 overdue" from the first look on, never a 0
nobody counted), and "unknown" when the SOP runs cannot be read."""

from __future__ import annotations

import time
from pathlib import Path

from erpconsole.config import Inventory, LocalConfig
from erpconsole.services.sop.runs import RunStore
from erpconsole.services.sop.templates import bundled_paths, load_templates
from erpconsole.services.store import Store

DAILY = next(p for p in bundled_paths() if Path(p).name == "daily-inspection.sop.toml")


def _late_daily_inspection(tmp_path: Path) -> Path:
    """A team folder whose daily inspection fell due 12 h ago (local time), and a store whose
    history began with an unscheduled run 12.5 h ago: no other schedule can be overdue yet."""
    folder = tmp_path / "team-sops"
    folder.mkdir()
    at = time.localtime(time.time() - 12 * 3600)
    text = Path(DAILY).read_text(encoding="utf-8")
    assert 'schedule = "daily 08:30"' in text
    text = text.replace('schedule = "daily 08:30"', f'schedule = "daily {at.tm_hour:02d}:{at.tm_min:02d}"')
    (folder / "daily-inspection.sop.toml").write_text(text, encoding="utf-8")
    store = Store(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    try:
        incident = {t.id: t for t in load_templates([folder])[0]}["incident-response"]
        runs = RunStore(store.engine)
        started = time.time() - 12.5 * 3600
        runs.sign(runs.create(incident, started, "ana", None), "Ana", "ana", started + 600)
    finally:
        store.close()
    return folder


def test_a_late_daily_inspection_is_one_overdue_from_the_first_show(console_factory, qtbot, tmp_path):
    folder = _late_daily_inspection(tmp_path)
    console = console_factory(Inventory(local=LocalConfig(interval_s=0.5), sop_folders=(str(folder),)))
    window = console.window
    window.show_page("overview")
    window.show()
    label = window.sop_label
    # At first show the count is either known or said to be unknown yet; never a false 0.
    assert label.isVisible()
    assert label.text() in ("SOP: checking…", "SOP: 1 overdue")
    seen = set()
    qtbot.waitUntil(lambda: seen.add(label.text()) or label.text() == "SOP: 1 overdue", timeout=10000)
    assert "SOP: 0 overdue" not in seen
    assert label.property("level") == "critical" and label.toolTip() == "Daily inspection"
    # The SOP page was never visited, yet its library knows what is due.
    tree = window.sop.library.templates_tree
    qtbot.waitUntil(lambda: tree.topLevelItemCount() > 0, timeout=10000)
    due = {tree.topLevelItem(i).text(0): tree.topLevelItem(i).text(2) for i in range(tree.topLevelItemCount())}
    assert due["Daily inspection"] == "OVERDUE 12 h"


def test_no_store_is_unknown_not_zero(qtbot, tmp_path):
    from erpconsole.app import Console

    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    console = Console(Inventory(local=LocalConfig(interval_s=0.5)), f"sqlite:///{blocker}/store.sqlite3",
                      tmp_path / "ui.ini")
    qtbot.addWidget(console.window)
    try:
        assert console.window.sop_label.text() == "SOP: checking…"
        assert not console.wait_store()
        qtbot.waitUntil(lambda: console.window.sop_label.text() == "SOP: unknown", timeout=5000)
        assert "could not open" in console.window.sop_label.toolTip()
    finally:
        console.window.close()
        console.stop()
        console.window.deleteLater()
        console.bridges.delete_later()
