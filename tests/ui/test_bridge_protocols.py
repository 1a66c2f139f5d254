"""Each UI domain's Protocol is the contract between its pages and its bridge: the real bridge and
the test fakes provide every member of it (methods with signatures that accept every call the
Protocol allows, signals as Signals, properties), and the domain's pages reach their bridge only
through members the Protocol names. A fake that drifts or a page that reaches past its
Protocol fails here, not in a console that crashes on a missing attribute."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest
from PySide6.QtCore import Signal

import erpconsole.ui
from erpconsole.ui.access.bridge import AccessApi, AccessBridge
from erpconsole.ui.alerts.bridge import AlertsApi, AlertsBridge
from erpconsole.ui.backups.bridge import BackupsApi, BackupsBridge
from erpconsole.ui.common.bridge_base import StoreReader
from erpconsole.ui.databases.bridge import DatabasesApi, DatabasesBridge
from erpconsole.ui.events.bridge import EventsApi, EventsBridge
from erpconsole.ui.hosts.bridge import HostsApi, HostsBridge
from erpconsole.ui.overview.bridge import OverviewApi, OverviewBridge
from erpconsole.ui.sop.bridge import SopApi, SopBridge
from tests.ui import fakes
from tests.ui.access.access_samples import RecordingBridge as AccessRecording
from tests.ui.backups.backup_samples import RecordingBridge as BackupsRecording
from tests.ui.sop.test_sop_page import RecordingBridge as SopRecording

UI = Path(erpconsole.ui.__file__).parent

# domain folder: (Protocol, real bridge, fakes)
DOMAINS = {
    "hosts": (HostsApi, HostsBridge, [fakes.FakeHostsBridge]),
    "databases": (DatabasesApi, DatabasesBridge, []),
    "access": (AccessApi, AccessBridge, [AccessRecording]),
    "backups": (BackupsApi, BackupsBridge, [BackupsRecording]),
    "sop": (SopApi, SopBridge, [SopRecording]),
    "events": (EventsApi, EventsBridge, [fakes.FakeEventsBridge]),
    "overview": (OverviewApi, OverviewBridge, []),
    "alerts": (AlertsApi, AlertsBridge, []),
}


# -- what a Protocol names ------------------------------------------------------------------------

def protocol_members(proto) -> dict[str, str]:
    """name -> "signal" | "property" | "method"."""
    members = {}
    for name, annotation in proto.__dict__.get("__annotations__", {}).items():
        assert str(getattr(annotation, "__name__", annotation)) == "SignalInstance", (proto, name, annotation)
        members[name] = "signal"
    for name, value in proto.__dict__.items():
        if name.startswith("_"):
            continue
        if isinstance(value, property):
            members[name] = "property"
        elif inspect.isfunction(value):
            members[name] = "method"
    return members


def sample_calls(sig: inspect.Signature) -> list[tuple[tuple, dict]]:
    """Every shape of call the signature allows, as (args, kwargs) of placeholders."""
    params = [p for p in sig.parameters.values() if p.name != "self"]
    P = inspect.Parameter
    positional = [p for p in params if p.kind in (P.POSITIONAL_ONLY, P.POSITIONAL_OR_KEYWORD)]
    required_kw = {p.name: 0 for p in params if p.kind is P.KEYWORD_ONLY and p.default is P.empty}
    all_kw = {p.name: 0 for p in params if p.kind is P.KEYWORD_ONLY}
    required = tuple(0 for p in positional if p.default is P.empty)
    calls = [(required, dict(required_kw)), (tuple(0 for _ in positional), dict(all_kw))]
    by_name = {p.name: 0 for p in positional if p.kind is P.POSITIONAL_OR_KEYWORD}
    only = tuple(0 for p in positional if p.kind is P.POSITIONAL_ONLY)
    calls.append((only, {**by_name, **all_kw}))
    if any(p.kind is P.VAR_KEYWORD for p in params):
        calls.append((required, {**required_kw, "any_other_keyword": 0}))
    if any(p.kind is P.VAR_POSITIONAL for p in params):
        calls.append((tuple(0 for _ in positional) + (0,), dict(all_kw)))
    return calls


def problems(proto, cls, instance=None) -> list[str]:
    """What ``cls`` lacks of ``proto``; ``instance`` lets a fake hold a property as an attribute."""
    found = []
    for name, kind in protocol_members(proto).items():
        static = inspect.getattr_static(cls, name, None)
        if kind == "signal":
            if not isinstance(static, Signal):
                found.append(f"{cls.__name__}.{name} is not a Signal")
        elif kind == "property":
            held = instance is not None and name in vars(instance)
            if not isinstance(static, property) and not held:
                found.append(f"{cls.__name__}.{name} is not a property")
        elif not inspect.isfunction(static):
            found.append(f"{cls.__name__}.{name} is missing")
        else:
            impl = inspect.signature(static)
            for args, kwargs in sample_calls(inspect.signature(proto.__dict__[name])):
                try:
                    impl.bind(None, *args, **kwargs)
                except TypeError as exc:
                    found.append(f"{cls.__name__}.{name}{impl} refuses a call {proto.__name__} allows: {exc}")
    return found


@pytest.mark.parametrize("domain", DOMAINS)
def test_the_real_bridge_provides_its_protocol(domain):
    proto, real, _fakes = DOMAINS[domain]
    assert protocol_members(proto), f"{proto.__name__} names nothing"
    assert problems(proto, real) == []


@pytest.mark.parametrize("fake", [(d, f) for d, (_p, _r, fs) in DOMAINS.items() for f in fs],
                         ids=lambda df: f"{df[0]}-{df[1].__module__.rsplit('.', 1)[-1]}")
def test_every_fake_provides_its_domains_protocol(qtbot, fake):
    domain, cls = fake
    proto = DOMAINS[domain][0]
    instance = cls()
    try:
        assert problems(proto, cls, instance) == []
    finally:
        instance.deleteLater()


def test_a_fake_missing_a_method_or_with_another_signature_is_caught(qtbot):
    class Drifted(fakes.FakeEventsBridge):
        request_audit = None  # gone

        def request_recent_events(self, limit: int, newest_first: bool) -> None:  # a parameter more
            pass

    instance = Drifted()
    found = problems(EventsApi, Drifted, instance)
    instance.deleteLater()
    assert any("request_audit is missing" in p for p in found)
    assert any("request_recent_events" in p and "refuses" in p for p in found)


# -- what the pages call -------------------------------------------------------------------------

def bridge_uses(source: str, attribute: str = "_bridge", parameter: str = "bridge") -> dict[str, int]:
    """``name -> line`` of every ``self._bridge.name``, ``bridge.name`` (a parameter) and
    ``b.name`` after ``b = self._bridge`` in a module."""
    uses: dict[str, int] = {}
    for func in ast.walk(ast.parse(source)):
        if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            continue
        aliases = {a.arg for a in func.args.args if a.arg == parameter}
        for node in ast.walk(func):
            if isinstance(node, ast.Assign) and _is_self_attr(node.value, attribute):
                aliases |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        for node in ast.walk(func):
            if not isinstance(node, ast.Attribute):
                continue
            if _is_self_attr(node.value, attribute) or (isinstance(node.value, ast.Name) and node.value.id in aliases):
                uses.setdefault(node.attr, node.lineno)
    return uses


def _is_self_attr(node, attribute: str) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == attribute
            and isinstance(node.value, ast.Name) and node.value.id == "self")


def outside(uses: dict[str, int], allowed: set[str], where: str) -> list[str]:
    return [f"{where}:{line}: .{name} is not in the Protocol" for name, line in sorted(uses.items())
            if name not in allowed]


@pytest.mark.parametrize("domain", DOMAINS)
def test_pages_call_only_what_their_protocol_names(domain):
    allowed = set(protocol_members(DOMAINS[domain][0]))
    modules = [p for p in sorted((UI / domain).glob("*.py")) if p.name != "bridge.py"]
    found, used = [], {}
    for path in modules:
        uses = bridge_uses(path.read_text())
        used.update(uses)
        found += outside(uses, allowed, str(path.relative_to(UI.parent.parent)))
    assert used, f"no page of ui/{domain} reaches its bridge: is the check looking at the right name?"
    assert found == []


def test_the_main_window_calls_only_what_each_domain_names():
    source = (UI / "main_window.py").read_text()
    tree = ast.parse(source)
    allowed = {d: set(protocol_members(p)) for d, (p, _r, _f) in DOMAINS.items()}
    allowed["store"] = {n for n in dir(StoreReader) if not n.startswith("_")} - set(dir(object))
    found, seen = [], 0
    for node in ast.walk(tree):
        inner = node.value if isinstance(node, ast.Attribute) else None
        if not isinstance(inner, ast.Attribute):
            continue
        root = inner.value
        if (isinstance(root, ast.Name) and root.id == "bridges") or _is_self_attr(root, "_bridges"):
            seen += 1
            if node.attr not in allowed.get(inner.attr, ()):
                found.append(f"main_window.py:{node.lineno}: bridges.{inner.attr}.{node.attr}")
    assert seen and found == []


def test_a_page_reaching_past_its_protocol_is_caught():
    page = (
        "class Page:\n"
        "    def __init__(self, bridge):\n"
        "        self._bridge = bridge\n"
        "        bridge.status_changed.connect(self.x)\n"
        "    def go(self):\n"
        "        b = self._bridge\n"
        "        b.statuses()\n"
        "        self._bridge.remove_everything()\n"
        "        b._monitor.stop()\n"
    )
    found = outside(bridge_uses(page), set(protocol_members(HostsApi)), "page.py")
    assert found == ["page.py:9: ._monitor is not in the Protocol",
                     "page.py:8: .remove_everything is not in the Protocol"]
