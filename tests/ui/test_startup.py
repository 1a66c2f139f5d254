"""What stands between `erpconsole` and its first painted window: the first page, and nothing
it does not need (the store's SQLAlchemy, SSH, keyring, the chart library, PDF writers)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from erpconsole.config import Inventory, LocalConfig

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("sqlalchemy", "alembic", "paramiko", "keyring", "pyqtgraph", "reportlab", "fpdf", "psycopg", "pymysql")

# The real `erpconsole` command (cli.main, run_gui); the modules loaded are read at the
# window's first paint, before anything that runs after it (the store opening).
PROBE = textwrap.dedent(f"""
    import json, os, sys
    from PySide6.QtCore import QEvent, QObject
    import erpconsole.app as app_module

    watch = app_module._watch_first_paint
    seen = {{}}

    def recording(window, app):
        watch(window, app)

        class Record(QObject):
            def eventFilter(self, obj, event):
                if event.type() == QEvent.Type.Paint and not seen:
                    seen["loaded"] = sorted(m for m in {HEAVY!r} if m in sys.modules)
                    seen["page"] = window.current_page_key()
                    seen["host_detail_built"] = window._host_detail.is_built()
                return False

        window._record = Record(window)
        window.installEventFilter(window._record)  # the last installed filter sees it first

    app_module._watch_first_paint = recording
    real_exit = os._exit

    def report(code):
        print("probe " + json.dumps(seen), flush=True)
        real_exit(code)

    os._exit = report
    sys.argv = ["erpconsole"]
    from erpconsole.cli import main
    main()
""")


def test_the_first_painted_window_loads_none_of_the_heavy_libraries(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "ERPCONSOLE_EXIT_AFTER_FIRST_PAINT": "1",
           "PYTHONPATH": str(ROOT), "XDG_CONFIG_HOME": str(tmp_path / "config"),
           "XDG_DATA_HOME": str(tmp_path / "data"), "XDG_STATE_HOME": str(tmp_path / "state")}
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, env=env,
                          timeout=120, cwd=tmp_path)
    lines = [line for line in done.stdout.splitlines() if line.startswith("probe ")]
    assert lines, done.stdout + done.stderr
    seen = json.loads(lines[-1].removeprefix("probe "))
    assert seen["page"] == "overview"
    assert seen["loaded"] == []
    assert seen["host_detail_built"] is False  # its charts are built when it is first shown


def test_a_detail_page_is_built_when_first_shown(console_factory, qtbot):
    console = console_factory(Inventory(local=LocalConfig(interval_s=0.5)))
    console.start()
    window = console.window
    window.show()
    qtbot.waitExposed(window)
    assert not window._host_detail.is_built() and not window._database_detail.is_built()
    window.show_page("host")
    qtbot.waitUntil(lambda: window.page("host").isVisible(), timeout=5000)
    page = window.page("host")
    assert page is window.host_detail and page.charts  # the real page, with its charts
    assert window._host_detail.is_built() and not window._database_detail.is_built()
