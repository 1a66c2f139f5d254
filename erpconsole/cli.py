"""Entry point: parses arguments, nothing else. Exit codes follow the monitoring-plugin
convention: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN or bad input."""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import re
import sys
from pathlib import Path

from erpconsole import __version__, shell_alerts
from erpconsole.i18n import _, ngettext

EXIT_OK, EXIT_WARNING, EXIT_CRITICAL, EXIT_UNKNOWN = 0, 1, 2, 3
EXIT_BROKEN_PIPE = 128 + 13  # as a shell reports a command ended by SIGPIPE


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="erpconsole",
        description="Operations console for the people who keep an ERP system running. "
        "With no command, opens the console.",
    )
    p.add_argument("--version", action="version", version=f"erpconsole {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--inventory", metavar="FILE", default=argparse.SUPPRESS, help="inventory TOML (default: the one in your config folder, else this workstation alone)")
    common.add_argument("--store", metavar="URL", default=argparse.SUPPRESS, help="SQLAlchemy URL of the metric store (default: SQLite in your data folder)")
    # Also before the command (`erpconsole --inventory F`); SUPPRESS in the sub-parsers keeps
    # them from overwriting a value given here.
    p.add_argument("--inventory", metavar="FILE", help="inventory TOML (see the commands)")
    p.add_argument("--store", metavar="URL", help="SQLAlchemy URL of the metric store")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    sub.add_parser("gui", parents=[common], help="open the console (the default)")
    ins = sub.add_parser("inspect", parents=[common], help="one round of every collector and check, no GUI")
    ins.add_argument("--format", choices=("table", "json", "nagios"), default="table",
                     help="table (the default) for a person, json for scripts, nagios for a "
                     "Nagios / Icinga / Naemon service check: a status line with performance data")
    ins.add_argument("--only", metavar="PARTS", action="append",
                     help="cover only these parts: hosts, databases, backups, access, sop (comma "
                     "separated, or repeated; default hosts,databases,backups: the access review, "
                     "slow and reading every account, runs only when named)")
    ins.add_argument("--target", metavar="NAME", action="append",
                     help="cover only this host, database or backup set (repeat for more)")
    ins.add_argument("--out", metavar="FILE", help="write the result to FILE instead of standard output")
    ins.add_argument("--report", metavar="FILE", help="also write the daily report: FILE.html, or FILE.pdf by the extension (it covers the access review too, unless --only says otherwise)")

    shot = sub.add_parser("screenshot", parents=[common], help="render the real window offscreen to a PNG")
    shot.add_argument("file", metavar="FILE")
    shot.add_argument("--page", metavar="NAME", default="overview", help="overview, hosts, host, databases, database, access, events, alerts, alerts/incidents (default: overview)")
    shot.add_argument("--after", metavar="SECONDS", type=float, default=3.0, help="seconds of live data first (default 3)")
    shot.add_argument("--theme", choices=("light", "dark"), help="theme for the picture (default: the saved one)")
    shot.add_argument("--size", metavar="WxH", default="1400x900")

    agent = sub.add_parser("agent", parents=[common], help="headless: polling, alert rules and "
                           "notifications without a window, until SIGTERM or Ctrl+C")
    agent.add_argument("--print-systemd-unit", action="store_true",
                       help="print a systemd unit that runs this agent with these arguments, and exit")
    agent.add_argument("--lease", metavar="SECONDS", type=_lease_seconds, default=30.0,
                       help="how long another agent on the same store waits after this one stops "
                       "answering before it takes over the alert rules (default 30)")

    aud = sub.add_parser("audit", parents=[common], help="check, list or sign the audit trail")
    aud.add_argument("action", choices=("verify", "list", "head"),
                     help="verify: walk the hash chain and hold it against the signed checkpoints "
                     "(exit 0 intact, 1 not anchored yet, 2 broken, cut or rewritten, 3 no key to "
                     "check with); list: newest rows; head: sign the head and print it as "
                     "HASH ROWS SIGNATURE, to keep elsewhere")
    aud.add_argument("--expect", metavar="HASH", help="verify: the head `audit head` printed "
                     "earlier, kept elsewhere; exit 2 when the chain no longer holds it")
    aud.add_argument("--limit", type=int, default=50, metavar="N", help="rows to list (default 50)")

    shell_alerts.add_parsers(sub, common)
    sec = sub.add_parser("secret", help="store or remove a secret in keyring")
    sec.add_argument("action", choices=("set", "delete"))
    sec.add_argument("name", metavar="NAME", help="for example ssh:erp-app-1 or db:erp-db")
    return p


def _lease_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 1.0 <= value <= 3600.0:
        raise argparse.ArgumentTypeError(_("--lease takes seconds from 1 to 3600, not {value!r}").format(value=text))
    return value


def _load_inventory(path: str | None):
    from erpconsole.config import InventoryError, load_default_inventory, load_inventory
    from erpconsole.services.alerts.rules import checked

    try:
        return checked(load_inventory(path) if path else load_default_inventory()), None
    except InventoryError as exc:
        return None, str(exc)


def _inspect_scope(args: argparse.Namespace):
    """(inventory cut to --target, parts of --only, None, the whole inventory) or (None, (),
    what is wrong, None)."""
    from erpconsole.services import inspect_scope as scope

    whole, error = _load_inventory(args.inventory)
    if whole is None:
        return None, (), error, None
    try:
        parts = scope.parse_parts(args.only, scope.REPORT_PARTS if args.report else scope.DEFAULT_PARTS)
        inv = scope.select(whole, args.target)
        scope.check_covered(inv, parts)
    except scope.ScopeError as exc:
        return None, (), str(exc), None
    return inv, parts, None, whole


def _sop_reader(args: argparse.Namespace, inv):
    from erpconsole.app import default_store_url, user_sops_folder
    from erpconsole.services.sop.inspect_sop import inspect_sop

    url = args.store or default_store_url()
    return lambda: inspect_sop(inv, url, (user_sops_folder(),))


def _inspect(args: argparse.Namespace) -> int:
    from erpconsole.services.inspect import run_inspection, to_json, to_table
    from erpconsole.services.log_setup import setup_logging
    from erpconsole.services.plugin_output import to_nagios, unknown

    log_path = setup_logging()
    inv, parts, error, whole = _inspect_scope(args)
    if inv is None:
        if args.format == "nagios":  # the monitoring system shows standard output only
            sys.stdout.write(unknown(error))
        print(f"erpconsole: {error}", file=sys.stderr)
        return EXIT_UNKNOWN
    report = run_inspection(inv, parts=parts, sop=_sop_reader(args, inv) if "sop" in parts else None,
                            whole=whole)
    _say_unread_targets(report, log_path)
    text = (to_json(report) + "\n" if args.format == "json" else
            to_nagios(report, inv) if args.format == "nagios" else to_table(report))
    if args.out:
        try:
            Path(args.out).write_text(text, encoding="utf-8")
        except OSError as exc:
            print(f"erpconsole: cannot write {args.out}: {exc.strerror}", file=sys.stderr)
            return EXIT_UNKNOWN
    else:
        sys.stdout.write(text)
    if args.report:
        return _report(args, report)
    return report.exit_code


def _say_unread_targets(report, log_path: Path | None) -> None:
    """One line on stderr per target that could not be read (what went wrong is in the log
    file, tracebacks included), for the person or the monitoring system reading it."""
    from erpconsole.services.models import Health

    for target in (*report.hosts, *report.databases):
        if target.status is Health.OK:
            continue
        first = target.message.splitlines()[0] if target.message else ""
        if log_path is not None:
            line = _("erpconsole: {target}: {state}: {message} (details in {log})").format(
                target=target.name, state=target.status.value, message=first, log=log_path)
        else:
            line = _("erpconsole: {target}: {state}: {message}").format(
                target=target.name, state=target.status.value, message=first)
        print(line, file=sys.stderr)


def _report(args: argparse.Namespace, report) -> int:
    """The daily report beside the normal output; the exit code stays the inspection's."""
    from erpconsole.app import default_store_url
    from erpconsole.services.report import write_inspection_report

    try:
        notes = write_inspection_report(report, args.report, args.store or default_store_url())
    except OSError as exc:
        print(f"erpconsole: cannot write {args.report}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_UNKNOWN
    for note in notes:
        print(f"erpconsole: {note}", file=sys.stderr)
    return report.exit_code


def _secret(args: argparse.Namespace) -> int:
    from erpconsole.services.secrets import SecretStore, SecretStoreError

    store = SecretStore()
    if args.action == "delete":
        try:
            found = store.delete(args.name)
        except SecretStoreError as exc:
            print(f"erpconsole: {exc}", file=sys.stderr)
            return EXIT_UNKNOWN
        print(f"removed {args.name}" if found else f"no secret named {args.name}")
        return EXIT_OK
    value = getpass.getpass(f"secret for {args.name}: ") if sys.stdin.isatty() else sys.stdin.readline().rstrip("\n")
    if not value:
        print("erpconsole: empty secret, nothing stored", file=sys.stderr)
        return EXIT_UNKNOWN
    ok, why = store.available()
    if ok and not store.set(args.name, value):  # a backend that looked usable refused
        ok, why = False, _("the keyring backend ({backend}) refused to store it").format(backend=why)
    if not ok:
        from erpconsole.services.secrets import not_saved_advice

        inventory, _error = _load_inventory(getattr(args, "inventory", None))
        print(_("erpconsole: {advice}").format(advice=not_saved_advice(args.name, why, inventory)),
              file=sys.stderr)
        return EXIT_UNKNOWN
    print(_("stored {name} in keyring").format(name=args.name))
    return EXIT_OK


def _audit(args: argparse.Namespace) -> int:
    """verify and list read the store without writing to it (read-only media too); head signs
    the current head into a checkpoint, so it needs a store it may write."""
    from erpconsole.app import default_store_url
    from erpconsole.guards.urls import mask_text
    from erpconsole.guards.urls import mask_url as _safe_url

    url = args.store or default_store_url()
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        print(_("erpconsole: no store at {path}: the console has not recorded anything here yet "
                "(give --store URL for another one)").format(path=url.removeprefix("sqlite:///")),
              file=sys.stderr)
        return EXIT_UNKNOWN
    if args.action == "head":
        return _audit_head(url, _safe_url(url))
    if args.expect is not None and not _HEX64.fullmatch(args.expect.strip().lower()):
        print(_("erpconsole: --expect takes the 64 hex digits `erpconsole audit head` printed "
                "first, not {value!r}").format(value=args.expect), file=sys.stderr)
        return EXIT_UNKNOWN
    from sqlalchemy import inspect

    from erpconsole.services.store.db import make_read_only_engine

    try:
        engine = make_read_only_engine(url)
        has_audit = inspect(engine).has_table("audit")
    except Exception as exc:  # noqa: BLE001 - a message, not a traceback
        print(_("erpconsole: the store at {url} could not open: {error}").format(
            url=_safe_url(url), error=mask_text(str(exc))), file=sys.stderr)
        return EXIT_UNKNOWN
    try:
        if not has_audit:
            print(_("erpconsole: the store at {url} has no audit trail: open it once with this "
                    "version of the console to bring it up to date").format(url=_safe_url(url)),
                  file=sys.stderr)
            return EXIT_UNKNOWN
        if args.action == "list":
            from erpconsole.services.store.audit import AuditTrail

            for e in reversed(AuditTrail(engine).entries(args.limit)):
                print(f"{e.id:6}  {_iso(e.ts)}  {e.actor}  {e.action}  {e.target}  {e.details}")
            return EXIT_OK
        return _audit_verify(engine, args.expect.strip().lower() if args.expect else None)
    finally:
        engine.dispose()


_HEX64 = re.compile(r"[0-9a-f]{64}")


def _audit_verify(engine, expect: str | None) -> int:
    from erpconsole.services.store import audit_anchor as anchor
    from erpconsole.services.store.audit_key import AuditKey

    found = anchor.verify(engine, AuditKey(), expect)
    chain = found.chain
    code = anchor.EXIT_CODES[found.status]
    if found.status == anchor.BROKEN:
        print(ngettext("BROKEN at row {id}: {reason}; the {n} row before it is intact (last good hash {head})",
                       "BROKEN at row {id}: {reason}; the {n} rows before it are intact (last good hash {head})",
                       chain.count).format(id=chain.broken_id, reason=chain.reason, n=chain.count,
                                           head=chain.head))
        print(anchor.broken_advice())
        return code
    if code == EXIT_CRITICAL:
        print(_("CRITICAL: {problem}").format(problem=found.message))
        return code
    if code != EXIT_OK:
        word = _("WARNING") if code == EXIT_WARNING else _("UNKNOWN")
        print(ngettext("{status}: {n} row, head {head}: {problem}",
                       "{status}: {n} rows, head {head}: {problem}", chain.count).format(
                           status=word, n=chain.count, head=chain.head, problem=found.message))
        return code
    print(ngettext("OK: {n} row, head {head}", "OK: {n} rows, head {head}", chain.count).format(
        n=chain.count, head=chain.head))
    if found.latest is not None:
        print(ngettext("held against {k} signed checkpoint, the newest of {when} at row {n}",
                       "held against {k} signed checkpoints, the newest of {when} at row {n}",
                       found.checkpoints).format(k=found.checkpoints, when=_iso(found.latest.ts),
                                                 n=found.latest.count))
    if expect is not None:
        print(_("the head you kept, {expect}, is in the chain").format(expect=expect))
    return code


def _audit_head(url: str, shown: str) -> int:
    """The head hash first (64 hex digits), then the row count and the signature: one line for
    a cron job to send where the store's writers cannot reach."""
    from erpconsole.services.store import Store
    from erpconsole.services.store.audit_anchor import AuditAnchorError, checkpoint
    from erpconsole.services.store.audit_key import AuditKey, AuditKeyError

    key = AuditKey()
    try:
        key.ensure()
    except AuditKeyError as exc:
        print(_("erpconsole: {error}").format(error=exc), file=sys.stderr)
        return EXIT_UNKNOWN
    try:
        store = Store(url)
    except Exception as exc:  # noqa: BLE001 - a message, not a traceback
        from erpconsole.guards.urls import mask_text

        print(_("erpconsole: the store at {url} could not open for writing: {error}").format(
            url=shown, error=mask_text(str(exc))), file=sys.stderr)
        return EXIT_UNKNOWN
    try:
        mark = checkpoint(store.engine, key)
    except AuditAnchorError as exc:
        from erpconsole.services.store.audit_anchor import EXIT_CODES

        print(_("erpconsole: {error}").format(error=exc), file=sys.stderr)
        return EXIT_CODES[exc.status]
    finally:
        store.close()
    print(f"{mark.head} {mark.count} {mark.signature}")
    return EXIT_OK


def _iso(ts: float) -> str:
    from datetime import datetime

    return datetime.fromtimestamp(ts).astimezone().isoformat(timespec="seconds")


def main(argv: list[str] | None = None) -> int:
    """Every command; one whose reader went away (``| head``) ends quietly with 141."""
    try:
        try:
            return _run(argv)
        finally:
            sys.stdout.flush()  # here, not at exit, where a closed pipe is only a message
    except BrokenPipeError:
        # As the Python documentation advises (signal, "Note on SIGPIPE"): what is still
        # buffered goes to /dev/null, so the flush at exit cannot fail a second time.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return EXIT_BROKEN_PIPE


def _run(argv: list[str] | None) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # argparse says 2 for bad usage: CRITICAL to a monitoring system
        return EXIT_UNKNOWN if exc.code == 2 else int(exc.code or 0)
    command = args.command or "gui"
    if command in ("secret", "audit", "alerts", "notify", "incidents") and not logging.getLogger().handlers:  # inspect sets its own
        from erpconsole.guards.logs import stderr_handler

        # What Python's last-resort handler would print, with a URL's secrets masked.
        logging.getLogger().addHandler(stderr_handler())
    if command == "inspect":
        return _inspect(args)
    if command == "secret":
        return _secret(args)
    if command == "audit":
        return _audit(args)
    if command == "alerts":
        return shell_alerts.alerts(args, _load_inventory)
    if command == "notify":
        return shell_alerts.notify(args, _load_inventory)
    if command == "incidents":
        return shell_alerts.incidents(args)
    if command == "agent":
        from erpconsole import agent  # no Qt: a contract keeps it so

        return agent.run(args)
    from erpconsole import app  # Qt is imported only for the commands that need it

    if command == "screenshot":
        return app.screenshot(args)
    return app.run_gui(args)
