"""The audit trail's signed head in the daily report: a copy kept away from the store, which
`erpconsole audit verify --expect HASH` can later hold the chain against."""

from __future__ import annotations

import logging

from erpconsole.i18n import _, ngettext

log = logging.getLogger(__name__)


def audit_head_line(store, now: float, key=None) -> str:
    """Signs the head into a checkpoint (the event log gets it too) and says it in a sentence;
    a chain that no longer holds its checkpoints is said instead, and nothing is signed. "" with
    no store or no audit trail in it."""
    if store is None:
        return ""
    from erpconsole.services.store.audit_anchor import AuditAnchorError, checkpoint
    from erpconsole.services.store.audit_key import AuditKey

    try:
        mark = checkpoint(store.engine, key or AuditKey(), now=now)
    except AuditAnchorError as exc:
        return _("Audit trail NOT SIGNED: {problem}").format(problem=exc.problem)
    except Exception as exc:  # noqa: BLE001 - the rest of the report still stands
        log.warning("audit head for the report: %s", type(exc).__name__)
        return _("The audit trail's head could not be read ({error}).").format(
            error=type(exc).__name__)
    return ngettext(
        "Audit trail: {n} row, head {head}, signature {signature}. Keep this line elsewhere: "
        "`erpconsole audit verify --expect {head}` finds a tail cut off after it.",
        "Audit trail: {n} rows, head {head}, signature {signature}. Keep this line elsewhere: "
        "`erpconsole audit verify --expect {head}` finds a tail cut off after it.",
        mark.count).format(n=mark.count, head=mark.head, signature=mark.signature)
