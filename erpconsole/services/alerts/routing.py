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
    """escalate_to of every matching route; a route that escalates to a person
    (escalate_person) and names no escalate_to escalates on its own channels."""
    out: dict[str, None] = {}
    for route in routes:
        if _matches(route, severity, tags):
            to = route.escalate_to or (route.channels if route.escalate_person else ())
            out.update(dict.fromkeys(to))
    return tuple(out)


def roles_for(routes: tuple[RouteConfig, ...], severity: str, tags, escalation: bool = False
              ) -> dict[str, str]:
    """{channel: "oncall" | "second"} for the channels of matching routes that send to a person
    (``person``, or ``escalate_person`` for the escalation); the first route naming one wins."""
    out: dict[str, str] = {}
    for route in routes:
        role = route.escalate_person if escalation else route.person
        if role is None or not _matches(route, severity, tags):
            continue
        channels = (route.escalate_to or route.channels) if escalation else route.channels
        for ch in channels:
            out.setdefault(ch, role)
    return out
