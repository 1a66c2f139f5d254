"""`inspect` measures CPU over at least a second and says over how long: over 0.5 s it
jumped (59/86/71% while Glances read 94/84/67% under a steady load)."""

from __future__ import annotations

import json

from erpconsole.config import Inventory, LocalConfig
from erpconsole.services.inspect import run_inspection, to_json


def test_cpu_is_taken_over_at_least_a_second_and_the_json_says_how_long() -> None:
    report = run_inspection(Inventory(local=LocalConfig(enabled=True)))
    host = json.loads(to_json(report))["hosts"][0]
    assert host["status"] == "ok", host
    metrics = host["metrics"]
    assert metrics["cpu_percent"] is not None
    assert 1.0 <= metrics["cpu_window_s"] < 2.0, metrics
