"""The shell's side of alerts and notifications: `erpconsole alerts list|ack|unack|silence|
unsilence`, `erpconsole notify status|test` and `erpconsole incidents open|list|show|close|
figures`, parsed here and run by their services (cli.py
stays the entry and the other commands)."""

from __future__ import annotations

import argparse
import sys

EXIT_UNKNOWN = 3


def add_parsers(sub, common) -> None:
    al = sub.add_parser("alerts", help="list, acknowledge and silence alerts from the shell")
    acts = al.add_subparsers(dest="action", metavar="ACTION", required=True)
    ls = acts.add_parser("list", parents=[common], help="active alerts (--all: resolved too)")
    ls.add_argument("--format", choices=("table", "json"), default="table")
    ls.add_argument("--all", action="store_true", dest="include_resolved")
    ack = acts.add_parser("ack", parents=[common], help="acknowledge: stops escalation, not resolution")
    ack.add_argument("alert_id", metavar="ID")
    ack.add_argument("--comment", required=True, metavar="TEXT")
    unack = acts.add_parser("unack", parents=[common], help="take an acknowledgement back")
    unack.add_argument("alert_id", metavar="ID")
    sil = acts.add_parser("silence", parents=[common], help="no notifications for a target or tag for a while")
    which = sil.add_mutually_exclusive_group(required=True)
    which.add_argument("--target", metavar="NAME")
    which.add_argument("--tag", metavar="TAG")
    sil.add_argument("--for", dest="duration", required=True, metavar="DURATION", help="30m, 2h, 1d")
    sil.add_argument("--comment", required=True, metavar="TEXT")
    oc = acts.add_parser("oncall", parents=[common], help="who is on call now (and second in line)")
    oc.add_argument("--at", metavar="ISO", help="another moment, like 2026-12-24T20:00 (the rota's time zone)")
    oc.add_argument("--format", choices=("table", "json"), default="table")
    unsil = acts.add_parser("unsilence", parents=[common], help="end a silence now")
    unsil.add_argument("silence_id", metavar="ID")
    nt = sub.add_parser("notify", help="what the outbox holds undelivered and why; a test message")
    nacts = nt.add_subparsers(dest="action", metavar="ACTION", required=True)
    nacts.add_parser("status", parents=[common], help="channels with notifications waiting, and why").add_argument(
        "--format", choices=("table", "json"), default="table")
    nacts.add_parser("test", parents=[common], help="send a test message through a channel now").add_argument(
        "channel", metavar="CHANNEL", help="a [[channels]] name")
    _incident_parsers(sub, common)


def _incident_parsers(sub, common) -> None:
    inc = sub.add_parser("incidents", help="incidents opened from alerts: timeline, closing, MTTA and MTTR")
    acts = inc.add_subparsers(dest="action", metavar="ACTION", required=True)
    op = acts.add_parser("open", parents=[common], help="open an incident from one or several alerts")
    op.add_argument("alert_ids", metavar="ALERT_ID", nargs="*")
    op.add_argument("--target", metavar="NAME", help="the target's active alerts (with or instead of ids)")
    op.add_argument("--title", required=True, metavar="T")
    acts.add_parser("list", parents=[common], help="incidents, open ones first, with TTA and TTR").add_argument(
        "--format", choices=("table", "json"), default="table")
    show = acts.add_parser("show", parents=[common], help="an incident and its timeline")
    show.add_argument("incident_id", metavar="ID")
    show.add_argument("--format", choices=("table", "json"), default="table")
    close = acts.add_parser("close", parents=[common], help="close it with its cause, fix and follow-ups")
    close.add_argument("incident_id", metavar="ID")
    close.add_argument("--cause", metavar="TEXT")
    close.add_argument("--fix", metavar="TEXT")
    close.add_argument("--follow-up", dest="follow_up", action="append", metavar="TEXT",
                       help="one follow-up (repeat for more; \"none\" if there is none)")
    fig = acts.add_parser("figures", parents=[common], help="per target: MTTA, MTTR, count by severity, "
                          "availability (with the unknown time) for a month")
    fig.add_argument("--month", metavar="YYYY-MM", help="default: this month")
    fig.add_argument("--format", choices=("table", "json"), default="table")


def incidents(args: argparse.Namespace) -> int:
    from erpconsole.services.incidents.commands import run
    from erpconsole.services.store.db import default_store_url

    keys = ("alert_ids", "target", "title", "incident_id", "cause", "fix", "follow_up", "month")
    kw = {k: getattr(args, k) for k in keys if hasattr(args, k)}
    if hasattr(args, "format"):
        kw["fmt"] = args.format
    code, out, err = run(args.action, args.store or default_store_url(), **kw)
    sys.stdout.write(out)
    if err:
        print(err, file=sys.stderr)
    return code


def oncall(args: argparse.Namespace, load_inventory) -> int:
    import time
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from erpconsole.i18n import _
    from erpconsole.services.alerts.oncall import report

    inventory, error = load_inventory(getattr(args, "inventory", None))
    if inventory is None:
        print(f"erpconsole: {error}", file=sys.stderr)
        return EXIT_UNKNOWN
    at = time.time()
    if args.at:
        try:
            moment = datetime.fromisoformat(args.at)
        except ValueError:
            print(_("erpconsole: --at takes a date and time like 2026-12-24T20:00 or "
                    "2026-12-24T20:00+08:00 (got {got!r})").format(got=args.at), file=sys.stderr)
            return EXIT_UNKNOWN
        if moment.tzinfo is None and inventory.oncall is not None:
            moment = moment.replace(tzinfo=ZoneInfo(inventory.oncall.time_zone))
        at = moment.timestamp()
    code, out, err = report(inventory, at, args.format)
    sys.stdout.write(out)
    if err:
        print(err, file=sys.stderr)
    return code


def alerts(args: argparse.Namespace, load_inventory=None) -> int:
    from erpconsole.services.alerts.commands import run

    if args.action == "oncall":
        return oncall(args, load_inventory)
    from erpconsole.services.store.db import default_store_url  # app's is this one, without Qt

    keys = ("alert_id", "comment", "target", "tag", "duration", "silence_id", "include_resolved")
    kw = {k: getattr(args, k) for k in keys if hasattr(args, k)}
    if hasattr(args, "format"):
        kw["fmt"] = args.format
    code, out, err = run(args.action, args.store or default_store_url(), **kw)
    sys.stdout.write(out)
    if err:
        print(err, file=sys.stderr)
    return code


def notify(args: argparse.Namespace, load_inventory) -> int:
    from erpconsole.services.notify import commands

    if args.action == "status":
        from erpconsole.services.store.db import default_store_url

        code, out, err = commands.status(args.store or default_store_url(), args.format)
    else:
        from erpconsole.services.alerts.service import person

        inventory, error = load_inventory(args.inventory)
        code, out, err = (EXIT_UNKNOWN, "", f"erpconsole: {error}") if inventory is None else \
            commands.test(inventory, args.channel, person())
    sys.stdout.write(out)
    if err:
        print(err, file=sys.stderr)
    return code
