"""Numbers a person reads in findings and messages: a duration in the unit that fits it, and a
measured value beside its limit. One place, so that "running for 0 min (warning at 0.166667
min)" cannot come back from one check while another says "30 s".
"""

from __future__ import annotations

import math

from erpconsole.i18n import _

MINUTE_S = 60.0
HOUR_S = 3600.0
DAY_S = 86400.0
# Hours read better than days up to two days: an RPO of 26 h, not 1.08 d.
_DAYS_FROM_S = 2 * DAY_S


def _decimals(value: float, figures: int) -> int:
    """Decimals that leave ``figures`` significant figures (none past the point for 1234)."""
    if value == 0 or not math.isfinite(value):
        return 0
    return max(0, figures - 1 - math.floor(math.log10(abs(value))))


def significant(value: float, figures: int = 3) -> float:
    """``value`` rounded to ``figures`` significant figures (at least to whole units past
    that: 1234 stays 1234, it does not become 1230)."""
    return round(value, _decimals(value, figures)) if math.isfinite(value) else value


def number(value: float, figures: int = 3) -> str:
    """At most ``figures`` significant figures, no trailing zeros, no exponent: 0.5, 12.3, 300."""
    decimals = _decimals(value, figures)
    text = f"{round(value, decimals):.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text if text != "-0" else "0"


def duration(seconds: float) -> str:
    """A duration in the unit that fits it, with at most three significant figures: 0.4 s,
    30 s, 5 min, 12.5 min, 26 h, 3.5 d. Never "0 min" for half a minute."""
    seconds = max(0.0, float(seconds))
    for limit, unit_s, text in ((MINUTE_S, 1.0, _("{n} s")), (HOUR_S, MINUTE_S, _("{n} min")),
                                (_DAYS_FROM_S, HOUR_S, _("{n} h"))):
        rounded = significant(seconds / unit_s) * unit_s
        if rounded < limit:
            return text.format(n=number(seconds / unit_s))
        # 59.96 s rounds to 60 s: that is "1 min", not "0.999 min".
        seconds = max(seconds, rounded)
    return _("{n} d").format(n=number(seconds / DAY_S))


def percent(value: float, limit: float | None = None) -> str:
    """A percentage as a whole number, with as many decimals as it takes not to look equal to
    ``limit`` when it is not: 95.3% over a limit of 95% reads 95.3%, not 95%."""
    for decimals in (0, 1, 2):
        text = f"{value:.{decimals}f}"
        if limit is None or value == limit or float(text) != limit:
            return text + "%"
    return f"{value:.2f}%"
