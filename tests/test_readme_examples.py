"""What the README tells a person to write is read by the real loader: every TOML example loads
on its own, means what its words say, and the threshold table lists exactly the keys the
loader takes, with their defaults."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

import pytest

from erpconsole.config import InventoryError, load_inventory
from erpconsole.config.models import DbThresholds, Thresholds

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")
TOML_BLOCKS = re.findall(r"^```toml\n(.*?)^```$", README, flags=re.S | re.M)


def test_the_readme_has_toml_examples():
    assert len(TOML_BLOCKS) >= 4


@pytest.mark.parametrize("index", range(len(TOML_BLOCKS)))
def test_every_toml_example_loads_through_the_real_loader(tmp_path, index):
    path = tmp_path / f"example{index}.toml"
    path.write_text(TOML_BLOCKS[index], encoding="utf-8")
    inv = load_inventory(path)
    assert inv.hosts or inv.databases or inv.backups or inv.local.enabled


def test_the_database_example_threshold_changes_the_finding_limit(tmp_path):
    # The README's example said long_query_s = 30, a display filter: no finding moved.
    (block,) = [b for b in TOML_BLOCKS if "[[databases]]" in b and "thresholds" in b]
    path = tmp_path / "db.toml"
    path.write_text(block, encoding="utf-8")
    (db,) = load_inventory(path).databases
    written = dict(re.findall(r"(\w+) = (\d+)", block.split("thresholds = {", 1)[1].split("}")[0]))
    assert written, "the example sets no threshold"
    for key, value in written.items():
        assert getattr(db.thresholds, key) == float(value)
        assert getattr(db.thresholds, key) != getattr(DbThresholds(), key), f"{key} is the default"


def _threshold_table() -> dict[str, float]:
    section = README.split("#### Thresholds", 1)[1].split("\n#", 1)[0]
    rows = re.findall(r"^\| `(\w+)` \|[^|]*\|[^|]*\| ([\d.]+) \|", section, flags=re.M)
    return {name: float(default) for name, default in rows}


def test_the_threshold_table_is_every_key_once_with_its_default():
    table = _threshold_table()
    keys = {f.name: f.default for f in (*fields(Thresholds), *fields(DbThresholds))}
    assert table == keys


def test_a_threshold_the_loader_does_not_know_is_refused_with_file_and_line(tmp_path):
    path = tmp_path / "old.toml"
    path.write_text('[[databases]]\nname = "erp-db"\nurl = "postgresql+psycopg://monitor@db:5432/erp"\n'
                    "thresholds = { long_query_s = 30 }\n", encoding="utf-8")
    with pytest.raises(InventoryError) as caught:
        load_inventory(path)
    assert str(caught.value).startswith(f"{path}:4: ")
    assert '"long_query_s"' in str(caught.value) and '"long_query_warning_s"' in str(caught.value)
