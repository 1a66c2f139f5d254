import math

import pytest

from erpconsole.widgets.units import format_local_time, format_value, humanise_bytes


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (512, "B/s", "512 B/s"),
        (1536, "B/s", "1.5 KiB/s"),
        (3 * 1024**2, "B/s", "3.0 MiB/s"),
        (5 * 1024**3, "B", "5.0 GiB"),
        (12.345, "%", "12.3%"),
        (45.0, "°C", "45.0 °C"),
        (1.5, "", "1.5"),
        (250.0, "ms", "250 ms"),
    ],
)
def test_format_value_with_units(value, unit, expected):
    assert format_value(value, unit) == expected


def test_missing_values_say_so():
    assert format_value(None, "%") == "n/a"
    assert format_value(math.nan, "B/s") == "n/a"


def test_negative_bytes_keep_their_sign():
    assert humanise_bytes(-2048, "B/s") == "-2.0 KiB/s"


def test_local_time_format():
    import time

    ts = time.mktime((2024, 3, 5, 14, 7, 9, 0, 0, -1))
    assert format_local_time(ts) == "2024-03-05 14:07:09"
    assert format_local_time(ts, with_date=False) == "14:07:09"
