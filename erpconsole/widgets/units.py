"""Formatting of values with their unit, for axes, hover labels and tiles."""

from __future__ import annotations

import math
from datetime import datetime

from PySide6.QtCore import QCoreApplication

_BINARY_PREFIXES = ("", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei")
BYTE_UNITS = ("B", "B/s")


def _tr(text: str) -> str:
    return QCoreApplication.translate("units", text)


def humanise_bytes(value: float, unit: str = "B", digits: int = 1) -> str:
    """1536 -> '1.5 KiB'; 3.2e6 with unit 'B/s' -> '3.1 MiB/s'."""
    suffix = unit[1:]  # "" or "/s"
    magnitude = abs(value)
    index = 0
    while magnitude >= 1024 and index < len(_BINARY_PREFIXES) - 1:
        magnitude /= 1024
        index += 1
    scaled = math.copysign(magnitude, value)
    if index == 0:
        return f"{scaled:.0f} B{suffix}"
    return f"{scaled:.{digits}f} {_BINARY_PREFIXES[index]}B{suffix}"


def format_value(value: float | None, unit: str = "", digits: int = 1) -> str:
    """A value with its unit, readable at a glance: '12.3%', '1.5 MiB/s', '45.0 °C'."""
    if value is None or not math.isfinite(value):
        return _tr("n/a")
    if unit in BYTE_UNITS:
        return humanise_bytes(value, unit, digits)
    if unit == "%":
        return f"{value:.{digits}f}%"
    text = _format_number(value, digits)
    return f"{text} {unit}" if unit else text


_SI_PREFIXES = ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"))


def _format_number(value: float, digits: int) -> str:
    magnitude = abs(value)
    if magnitude >= 1e4:
        # 1.2M, 150k: a wide number ("1.2e+06", "150000") does not fit an axis and reads slowly.
        scale, prefix = next((s, p) for s, p in _SI_PREFIXES if magnitude >= s)
        return f"{value / scale:.3g}{prefix}"
    if magnitude != 0 and magnitude < 10 ** -(digits + 1):
        return f"{value:.{digits + 2}g}"
    if float(value).is_integer() and magnitude >= 100:
        return f"{value:.0f}"
    return f"{value:.{digits}f}" if magnitude < 100 else f"{value:.0f}"


def format_local_time(ts: float, with_date: bool = True) -> str:
    """Epoch seconds as local wall-clock time."""
    moment = datetime.fromtimestamp(ts)
    return moment.strftime("%Y-%m-%d %H:%M:%S" if with_date else "%H:%M:%S")
