"""Routing: which channels hear an alert (by severity and tag), and whom it escalates to."""

from __future__ import annotations

from erpconsole.config.alerts_models import RouteConfig


def _matches(route: RouteConfig, severity: str, tags) -> bool:
    if route.severity is not None and route.severity != severity:
        return False
    return not route.tags or any(tag in tags for tag in route.tags)


def channels_for(routes: tuple[RouteConfig, ...], severity: str, tags) -> tuple[str, ...]:
    """Every channel of every matching route, each once, in the order written."""
    out: dict[str, None] = {}
    for route in routes:
        if _matches(route, severity, tags):
            out.update(dict.fromkeys(route.channels))
    return tuple(out)


def escalation_for(routes: tuple[RouteConfig, ...], severity: str, tags) -> tuple[str, ...]:
    out: dict[str, None] = {}
    for route in routes:
        if _matches(route, severity, tags):
            out.update(dict.fromkeys(route.escalate_to))
    return tuple(out)
