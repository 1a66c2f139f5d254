"""The Backups page as a person sees it: panels, the RPO gauge, the 30-day timeline and its
gaps, findings, the details table, verify and the restore drill (confirmation, progress,
cancel, result), the empty state, and the Overview's backup tile. Fed with statuses built here;
the bridge is a recording stand-in (the page's contract), except for the Overview and window
tests, which run the real console."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import Qt

from erpconsole.config import Inventory, LocalConfig
from erpconsole.services.models import Severity
from erpconsole.ui.backups.backups_page import BackupsPage
from erpconsole.widgets.table_model import LevelRole
from erpconsole.widgets.theme import status_color
from tests.ui.backups import backup_samples as s

NAME = "erp-db-nightly"
TARGET = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


@pytest.fixture
def bridge():
    return s.RecordingBridge([s.config(NAME, drill_target=TARGET, key_tables=("public.res_partner",)),
                              s.config("files-restic", tool="restic")])


@pytest.fixture
def page(qtbot, bridge):
    page = BackupsPage(bridge)
    qtbot.addWidget(page)
    page.resize(1300, 900)
    page.show()
    qtbot.waitExposed(page)
    return page


def load(bridge, *views):
    bridge.backups_loaded.emit(list(views))


def fresh(name=NAME, **kw):
    cfg = s.config(name, drill_target=TARGET, key_tables=("public.res_partner",))
    backups = s.daily(name, **kw)
    newest = backups[-1].id
    return s.status(name, backups, config=cfg, verification=s.verified(name, newest),
                    last_drill=s.drill(name, newest), query="find /var/backups/erp-db-nightly -name '*.dump'")


def test_reads_every_set_when_shown(page, bridge):
    assert ("read", (NAME, "files-restic")) in bridge.calls
    assert sorted(page.panels()) == ["erp-db-nightly", "files-restic"]
    assert page.panel(NAME).badge.full_text() == "reading…"


def test_a_fresh_set_is_green_with_its_facts(page, bridge):
    load(bridge, (fresh(), []))
    panel = page.panel(NAME)
    assert panel.level() == "ok" and panel.badge.full_text() == "ok"
    assert panel.gauge.fraction() == pytest.approx(2 / 26, abs=0.01)
    assert panel.gauge.level() == "ok"
    assert panel.gauge.text() == "newest 2 h old · RPO 1 d 2 h"
    assert panel.last_label.text() == "Last dump: 2 h ago"
    assert panel.verify_label.text().startswith("Verified 3 h ago with pg_restore --list")
    assert panel.drill_label.text() == "Last drill 5 d ago: restored in 4 min 12 s (target 30 min)"
    assert panel.timeline.gaps() == [] and panel.timeline.visible_ticks() == 30
    assert panel.timeline_label.text() == "30 days: 30 backups · No gap longer than the RPO in 30 days"
    assert len(panel.size_chart.values()) == 30
    assert panel.size_label.text().startswith("Newest 50.5 MiB (+0.2% on the one before) · size of the last 30 backups")
    assert panel.findings_shown() == [] and panel.verify_button.isEnabled()


def test_a_late_set_is_red_and_lists_its_findings(page, bridge):
    page.apply_theme("dark")
    late = fresh(newest_h=40)
    findings = [s.finding(NAME, "backup.unverified", "the newest backup has not been verified"),
                s.finding(NAME, "backup.late", "newest good backup is 1 d 16 h old; the RPO is 1 d 2 h",
                          Severity.CRITICAL)]
    load(bridge, (late, findings))
    panel = page.panel(NAME)
    assert panel.level() == "critical" and panel.badge.full_text() == "late"
    assert panel.gauge.fraction() == pytest.approx(40 / 26, abs=0.01) and panel.gauge.level() == "critical"
    # The worst first, each in its colour.
    assert panel.findings_shown() == [("critical", "newest good backup is 1 d 16 h old; the RPO is 1 d 2 h"),
                                      ("warning", "the newest backup has not been verified")]
    assert "newest good backup is 1 d 16 h old" in panel.findings_label.text()
    assert status_color("critical", "dark") in panel.findings_label.text()


def test_a_three_day_gap_is_shown(page, bridge):
    load(bridge, (fresh(skip_days=(10, 11)), []))
    panel = page.panel(NAME)
    (start, end), = panel.timeline.gaps()
    assert end - start == pytest.approx(3 * s.D, abs=1)
    assert "1 gap longer than the RPO in 30 days · longest 3 d, until" in panel.timeline_label.text()
    assert panel.timeline.visible_ticks() == 28


def test_a_set_whose_source_failed_says_why(page, bridge):
    broken = s.status("files-restic", (), config=s.config("files-restic", tool="restic"),
                      error="restic: wrong password or no key found; set it with: erpconsole secret set backup:files-restic")
    load(bridge, (broken, []))
    panel = page.panel("files-restic")
    assert panel.level() == "critical" and panel.badge.full_text() == "cannot read"
    assert panel.error_label.isVisible() and panel.error_label.text().startswith("restic: wrong password")
    assert not panel.verify_button.isEnabled() and not panel.drill_button.isEnabled()
    assert panel.gauge.text() == "no good backup (RPO 1 d 2 h)"


def test_details_table_lists_every_backup_with_the_command(page, bridge, qtbot):
    st = fresh()
    failed = s.backup(NAME, 30 * s.H, ok=False, error="pg_dump: error: connection lost")
    st = s.status(NAME, tuple(sorted(st.backups + (failed,), key=lambda b: b.finished)), config=st.config,
                  query=st.query)
    load(bridge, (st, []))
    qtbot.mouseClick(page.panel(NAME).details_button, Qt.MouseButton.LeftButton)
    assert page.stack.currentWidget() is page.details
    model, table = page.details.model, page.details.table
    assert model.rowCount() == 31
    assert page.details.title.text() == "erp-db-nightly: 31 backups"
    assert "find /var/backups/erp-db-nightly -name '*.dump'" in page.details.query_label.text()
    bad = next(i for i, r in enumerate(model.rows()) if r["error"])
    assert model.display_text(bad, model.column_index("result")) == "FAILED"
    assert model.data(model.index(bad, 0), LevelRole) == "critical"
    # Sorted newest first; copy gives the cells as text.
    first = table.proxy_model().index(0, model.column_index("id")).data()
    assert first == st.backups[-1].id
    table.selectRow(0)
    assert st.backups[-1].id in table.rows_as_tsv()
    page.details.back_button.click()
    assert page.stack.currentWidget() is not page.details


def test_verify_newest_reaches_the_bridge_and_shows_the_result(page, bridge, qtbot):
    st = fresh()
    load(bridge, (st, []))
    button = page.panel(NAME).verify_button
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert ("verify", NAME, st.backups[-1].id) in bridge.calls
    assert not button.isEnabled() and button.text() == "Verifying…"
    load(bridge, (st, []))  # a periodic read landing meanwhile keeps the button busy
    assert not button.isEnabled()
    bridge.backup_verified.emit(s.verified(NAME, st.backups[-1].id, ok=False))
    assert button.isEnabled() and button.text() == "Verify newest"
    assert "FAILED verification (pg_restore --list): pg_restore: error" in page.message()


def test_restore_drill_confirm_progress_cancel_result(page, bridge, qtbot):
    st = fresh()
    load(bridge, (st, []))
    qtbot.mouseClick(page.panel(NAME).drill_button, Qt.MouseButton.LeftButton)
    confirm = page.confirm_dialog
    assert confirm is not None and confirm.isVisible()
    text = confirm.text()
    assert st.backups[-1].id in text and TARGET in text and "dropped afterwards" in text
    assert "row counts of public.res_partner" in text
    assert not [c for c in bridge.calls if c[0] == "drill"]  # nothing runs before the confirmation
    confirm.start_button.click()
    assert ("drill", NAME, st.backups[-1].id) in bridge.calls
    progress = page.drill_dialog(NAME)
    assert progress.isVisible() and not progress.isModal()
    bridge.drill_progress.emit(NAME, "restoring with pg_restore", 0.5)
    assert progress.phase_label.text() == "restoring with pg_restore" and progress.bar.value() == 500
    progress.button.click()
    assert ("cancel", NAME) in bridge.calls
    bridge.drill_finished.emit(s.drill(NAME, st.backups[-1].id, age_s=0))
    assert progress.headline.text() == "Drill passed: restored and checked in 4 min 12 s (target 30 min)"
    assert "scratch target erpconsole_drill_20240501_1200 dropped" in progress.phase_label.text()
    assert progress.checks.rowCount() == 2 and progress.button.text() == "Close"
    assert page.message() == "erp-db-nightly: restore drill passed in 4 min 12 s"


def test_a_failed_drill_and_a_refused_start_are_said(page, bridge):
    st = fresh()
    load(bridge, (st, []))
    page.ask_drill(NAME).accept()
    bridge.backups_failed.emit("drill", f"{NAME}: no drill target: add drill_target to the set")
    dialog = page.drill_dialog(NAME)
    assert dialog.headline.text() == "Drill could not run" and "no drill target" in dialog.phase_label.text()
    assert "no drill target" in page.message()


def test_empty_inventory_says_how_to_add_a_set(qtbot):
    bridge = s.RecordingBridge([])
    page = BackupsPage(bridge)
    qtbot.addWidget(page)
    assert page.is_empty()
    text = page.empty_label.text()
    assert "No backup sets in the inventory" in text and "[[backups]]" in text
    assert "tool = &quot;dumpdir&quot;" in text and "inventory.toml" in text
    assert bridge.calls == []


def test_before_the_service_is_attached_the_page_says_so(qtbot):
    bridge = s.RecordingBridge([s.config(NAME)], has_backups=False)
    page = BackupsPage(bridge)
    qtbot.addWidget(page)
    page.show()
    assert "starts with the store" in page.message() and bridge.calls == []
    bridge.has_backups = True
    bridge.backups_ready.emit()
    assert bridge.calls == [("read", (NAME,))] and page.message() == ""


def test_light_theme_recolours_findings(page, bridge):
    load(bridge, (fresh(newest_h=40), [s.finding(NAME, "backup.late", "late", Severity.CRITICAL)]))
    page.apply_theme("dark")
    assert status_color("critical", "dark") in page.panel(NAME).findings_label.text()
    page.apply_theme("light")
    assert status_color("critical", "light") in page.panel(NAME).findings_label.text()
    assert status_color("critical", "dark") not in page.panel(NAME).findings_label.text()


# -- the real window and the Overview tile --------------------------------------------------------

def backup_inventory(tmp_path) -> Inventory:
    return Inventory(path=str(tmp_path / "inventory.toml"), local=LocalConfig(enabled=False),
                     backups=(s.config(NAME, repo=str(tmp_path)), s.config("files-restic", tool="restic")))


def test_overview_tile_counts_late_sets_and_opens_the_page(console_factory, qtbot, tmp_path):
    console = console_factory(backup_inventory(tmp_path))
    window = console.window
    assert window.page_keys().index("backups") == window.page_keys().index("access") + 1
    window.show()
    qtbot.waitExposed(window)
    tile = window.overview.backup_tile
    assert tile is not None
    window.overview.refresh()
    assert tile.status()[0] == "pending"
    late = fresh(newest_h=40)
    console.bridges.backups.backups_loaded.emit([(late, [s.finding(NAME, "backup.late", "late", Severity.CRITICAL)]),
                                        (fresh("files-restic"), [])])
    window.overview.refresh()
    assert tile.status() == ("critical", "worst: erp-db-nightly: late")
    assert [(c, v) for c, v, _lv in tile.values()] == [("Late", "1"), ("Problems", "1"), ("Sets", "2")]
    # A red number is as big as the others (a style sheet once dropped its scaled font).
    sizes = {label.font().pixelSize() for label in tile._value_labels}
    assert len(sizes) == 1 and sizes.pop() == tile.font_pixel_size("value")
    assert window.backups.panel(NAME).badge.full_text() == "late"
    tile.activated.emit("backups")
    assert window.current_page_key() == "backups"


def test_overview_has_no_backup_tile_without_sets(console_factory):
    console = console_factory()
    assert console.window.overview.backup_tile is None
    assert console.window.backups.is_empty()


def test_a_sub_second_drill_shows_its_tenths(page, bridge):
    st = fresh()
    load(bridge, (st, []))
    page.ask_drill(NAME).accept()
    bridge.drill_finished.emit(s.drill(NAME, st.backups[-1].id, duration_s=0.4, age_s=0))
    assert page.drill_dialog(NAME).headline.text() == "Drill passed: restored and checked in 0.4 s (target 30 min)"


def test_real_dump_folder_through_the_real_bridge(console_factory, qtbot, tmp_path):
    """Real pg_dump files, the real BackupService behind the real bridge: the panel is read,
    and "Verify newest" runs pg_restore --list on the newest file."""
    import os
    import shutil
    import subprocess

    from erpconsole.services.backups.models import BackupSetConfig
    from tests.conftest import require

    require(shutil.which("pg_dump") is not None and shutil.which("pg_restore") is not None, "pg_dump, pg_restore")
    dumps = tmp_path / "dumps"
    dumps.mkdir()
    now = time.time()
    for days in (0, 1, 5):  # four days between the older two: longer than the RPO, a gap
        path = dumps / f"postgres-{days}.dump"
        subprocess.run(["pg_dump", "-h", "127.0.0.1", "-U", "postgres", "-Fc", "-f", str(path), "postgres"],
                       check=True, timeout=60, capture_output=True)
        os.utime(path, (now - days * s.D - s.H, now - days * s.D - s.H))
    cfg = BackupSetConfig(name="pg-dumps", tool="dumpdir", repo=str(dumps), pattern="*.dump", interval_s=3600)
    console = console_factory(Inventory(path=str(tmp_path / "inventory.toml"), local=LocalConfig(enabled=False),
                                        backups=(cfg,)))
    page = console.window.backups
    qtbot.waitUntil(lambda: "pg-dumps" in page.views(), timeout=30000)
    panel = page.panel("pg-dumps")
    assert panel.gauge.text() == "newest 1 h old · RPO 1 d 2 h" and panel.gauge.level() == "ok"
    assert panel.timeline.visible_ticks() == 3 and len(panel.timeline.gaps()) == 1
    with qtbot.waitSignal(console.bridges.backups.backup_verified, timeout=30000) as verified:
        panel.verify_button.click()
    result = verified.args[0]
    assert result.ok and result.backup_id == "postgres-0.dump", result
    qtbot.waitUntil(lambda: panel.verify_label.text().startswith("Verified"), timeout=30000)


def test_attention_from_the_gauge_alone_says_why(page, bridge):
    load(bridge, (fresh(newest_h=22.0), []))  # 22 h of a 26 h RPO: nothing wrong yet
    panel = page.panel(NAME)
    assert panel.badge.full_text() == "attention"
    assert "has used 85% of the RPO" in panel.findings_label.text()


def test_an_sop_step_asks_for_a_drill_once_the_set_is_read(page, bridge):
    page.drill_when_read(NAME)
    assert bridge.calls[-1] == ("read", (NAME,))  # not read yet: read it first
    assert page.confirm_dialog is None
    load(bridge, (fresh(), []))
    assert page.confirm_dialog is not None and page.confirm_dialog.isVisible()


def test_a_long_location_is_elided_with_the_whole_of_it_in_the_tooltip(qtbot):
    deep = "/srv/backups/" + "/".join(f"department-{i}" for i in range(12)) + "/erp-db-nightly"
    bridge = s.RecordingBridge([s.config(NAME, repo=deep)])
    page = BackupsPage(bridge)
    qtbot.addWidget(page)
    page.resize(1230, 860)
    page.show()
    qtbot.waitExposed(page)
    load(bridge, (s.status(NAME, config=s.config(NAME, repo=deep)), []))
    label = page.panel(NAME).source_label
    whole = f"dumpdir · {deep} on this workstation"
    assert label.full_text() == whole and label.toolTip() == whole
    qtbot.waitUntil(label.is_elided)
    assert "…" in label.text() and label.text().startswith("dumpdir · /srv/")
    assert label.text().endswith("on this workstation")
    # The panel stays inside the page: the location gives way, not the panel.
    assert page.panel(NAME).geometry().right() < page.width()
    assert label.fontMetrics().horizontalAdvance(label.text()) <= label.width()


def test_a_set_without_sizes_says_so_in_the_chart_and_panels_of_a_row_line_up(page, bridge, qtbot):
    restic = s.config("files-restic", tool="restic")
    sizeless = tuple(s.backup("files-restic", age_s=h * s.H, size=None) for h in (50, 26, 2))
    load(bridge, (fresh(), []), (s.status("files-restic", sizeless, config=restic), []))
    panel = page.panel("files-restic")
    assert panel.size_chart.is_empty()
    assert panel.size_chart.empty_text() == "No sizes reported by restic: no size trend to show"
    assert panel.size_chart.toolTip() == panel.size_chart.empty_text()
    assert not panel.size_label.isVisibleTo(panel)  # not said twice
    # The set with sizes charts them and has no empty text.
    dumps = page.panel(NAME)
    assert not dumps.size_chart.is_empty() and dumps.size_chart.empty_text() == ""
    assert dumps.size_label.isVisibleTo(dumps)
    # Side by side at this width, same top, same height, buttons on one line.
    qtbot.waitUntil(lambda: panel.height() == dumps.height())
    assert panel.y() == dumps.y() and panel.x() > dumps.x()
    assert panel.drill_button.mapTo(page, panel.drill_button.rect().topLeft()).y() == \
        dumps.drill_button.mapTo(page, dumps.drill_button.rect().topLeft()).y()
    # Below the row the page is left empty: the panels keep their own height.
    assert dumps.height() < page.height() / 2
