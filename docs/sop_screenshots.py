"""Screenshot of the SOP page on real parts: the bundled daily inspection started on a fresh
store, its checks run against this workstation (the real monitor) and a dump folder judged by
the real backup service (one dump two days old: the RPO check fails), two manual steps ticked
and one skipped. `erpconsole screenshot` draws the real window, which opens the run to resume.

    .venv/bin/python docs/sop_screenshots.py
    .venv/bin/python docs/sop_screenshots.py --size 1920x1080 --out /tmp/wall   # the wall display
"""

from __future__ import annotations

import gzip
import os
import sys
import tempfile
import time
from pathlib import Path

# What this script draws into docs/screenshots/ (tests/test_readme_pictures.py reads it).
PICTURES = ("sop.png", "sop-light.png")

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from erpconsole.config import load_inventory  # noqa: E402
from shots import arguments, shoot  # noqa: E402
from erpconsole.services.backups.service import BackupService  # noqa: E402
from erpconsole.services.monitor import Monitor  # noqa: E402
from erpconsole.services.models import Event, Severity  # noqa: E402
from erpconsole.services.sop.context import CheckContext  # noqa: E402
from erpconsole.services.sop.service import SopService  # noqa: E402
from erpconsole.services.store import Store  # noqa: E402



def main() -> None:
    out, size = arguments(__doc__)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        dumps = folder / "dumps"
        dumps.mkdir()
        dump = dumps / "erp.sql.gz"
        dump.write_bytes(gzip.compress(b"CREATE TABLE t (id int);\n"))
        os.utime(dump, (time.time() - 2 * 86400,) * 2)
        inv_path = folder / "inventory.toml"
        inv_path.write_text('[local]\nenabled = true\ninterval_s = 1\n\n[[backups]]\nname = "erp-db dumps"\n'
                            f'tool = "dumpdir"\nrepo = "{dumps}"\nrpo_h = 26\n')
        inv = load_inventory(inv_path)
        store_url = f"sqlite:///{folder / 'store.db'}"
        store = Store(store_url)
        store.write_batch([], [Event(time.time() - 7 * 86400, "This workstation", Severity.INFO, "watched")])
        monitor = Monitor(inv)
        monitor.start()
        time.sleep(3)
        backups = BackupService(inv)

        def context() -> CheckContext:
            pairs = tuple((s, tuple(backups.findings(s))) for s in backups.read_all())
            return CheckContext(tuple(monitor.statuses()), pairs, None, time.time())

        service = SopService(store.engine, inv, audit=store.audit, check_context=context)
        run = service.start("daily-inspection", actor="anna@erp-ops")
        service.run_checks(run.id, actor="anna@erp-ops")
        service.tick(run.id, "cpu-network", note="flat all night", actor="anna@erp-ops")
        service.tick(run.id, "environment", note="UPS self-test passed", actor="anna@erp-ops")
        service.skip(run.id, "replication", "no replica in this estate", actor="anna@erp-ops")
        monitor.stop()
        store.close()
        shoot(out, size, "sop", inv_path, store_url)


if __name__ == "__main__":
    main()
