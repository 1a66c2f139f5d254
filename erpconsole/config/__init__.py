"""The inventory (TOML) -> typed, validated models; errors carry FILE:LINE.

Imports nothing from services: the services, the command line and the UI all read the
inventory through the names re-exported here.
"""

from erpconsole.config.loader import (
    APP_NAME, default_inventory_path, load_default_inventory, load_inventory,
)
from erpconsole.config.models import (
    LOCAL_HOST, TOOLS, AccessPolicy, BackupPolicy, BackupSetConfig, DatabaseConfig, DbThresholds,
    HostConfig, Inventory, InventoryError, LocalConfig, Thresholds,
)

__all__ = [
    "APP_NAME", "LOCAL_HOST", "TOOLS", "AccessPolicy", "BackupPolicy", "BackupSetConfig",
    "DatabaseConfig", "DbThresholds", "HostConfig", "Inventory", "InventoryError", "LocalConfig",
    "Thresholds", "default_inventory_path", "load_default_inventory", "load_inventory",
]
