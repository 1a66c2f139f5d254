"""The evidence package of a campaign: one zip an auditor can check on their own.

accounts.csv (every account with owner, findings and decision), findings.csv, sources.csv
(what was read, by which query or command, how many rows, when: completeness),
decisions.csv (every decision and undo in order), report.pdf (the same, readable),
audit_head.txt (the audit trail's signed head when the package was made, for
``erpconsole audit verify --expect``), and manifest.json with the SHA-256 of each file. The package's own SHA-256 goes to the audit trail.
CSV files carry a UTF-8 byte-order mark so spreadsheet programs read non-Latin names right.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import tempfile
import time
import zipfile
from pathlib import Path

from erpconsole import __version__
from erpconsole.services.access.evidence_pdf import render_pdf
from erpconsole.services.access.models import CampaignReview, Decision, ExportResult, ReviewRow
from erpconsole.services.access.timestamps import iso
from erpconsole.guards.csv_cells import guard_row
from erpconsole.i18n import _


def _csv(header: list[str], rows: list[list]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(guard_row(header))
    writer.writerows([guard_row("" if v is None else v for v in row) for row in rows])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


ACCOUNT_COLUMNS = [
    "campaign", "extracted_at", "key", "source", "system", "kind", "account", "display_name", "email",
    "owner_employee_id", "owner_name", "owner_status", "owner_end_date", "can_login", "locked",
    "superuser", "privileges", "last_login", "password_changed", "password_expires", "findings",
    "worst_severity", "decision", "reviewer", "decided_at", "comment", "statements",
]


def _account_row(review: CampaignReview, r: ReviewRow) -> list:
    a, o, d = r.account, r.owner, r.decision
    return [
        review.campaign.name, iso(review.extraction.ts if review.extraction else None), a.key, a.source,
        a.system, a.kind, a.name, a.display_name, a.email, o.employee_id if o else "", o.name if o else "",
        o.status if o else "", o.end_date.isoformat() if o and o.end_date else "", a.can_login, a.locked,
        a.superuser, " | ".join(a.privileges), iso(a.last_login) if a.login_tracked else "not tracked",
        iso(a.password_changed), iso(a.password_expires), " | ".join(f.rule for f in r.findings),
        r.worst.value if r.worst else "", d.decision if d else "", d.reviewer if d else "",
        iso(d.ts) if d else "", d.comment if d else "", "\n".join(s.text for s in r.statements),
    ]


def _files(review: CampaignReview, log: list[tuple[str, str, Decision]]) -> dict[str, bytes]:
    findings = [[f.key, f.rule, f.severity.value, f.message, " | ".join(f.extra), " | ".join(f.missing)]
                for r in review.rows for f in r.findings] + \
               [[f.key, f.rule, f.severity.value, f.message, "", " | ".join(f.missing)] for f in review.gone]
    sources = [[s.system, s.source, s.kind, iso(s.ts), s.rows, f"{s.duration_s:.3f}", "ok" if s.ok else "failed",
                s.error, s.note, s.query] for s in (review.extraction.sources if review.extraction else ())]
    decisions = [[i, op, key, d.decision, d.reviewer, iso(d.ts), d.comment] for i, (op, key, d) in enumerate(log, 1)]
    return {
        "accounts.csv": _csv(ACCOUNT_COLUMNS, [_account_row(review, r) for r in review.rows]),
        "findings.csv": _csv(["key", "rule", "severity", "message", "extra", "missing"], findings),
        "sources.csv": _csv(["system", "source", "kind", "extracted_at", "rows", "duration_s", "result",
                             "error", "note", "query"], sources),
        "decisions.csv": _csv(["seq", "op", "key", "decision", "reviewer", "at", "comment"], decisions),
        "report.pdf": render_pdf(review, log),
    }


def _audit_head_text(head: dict) -> bytes:
    if "head" in head:
        first = f"{head['head']} {head['rows']} {head['signature']}"
        why = _("The audit trail's head when this package was made: its hash, row count and "
                "signature. `erpconsole audit verify --expect {head}` on the console's store "
                "finds a trail rewritten or cut short since.").format(head=head["head"])
    else:
        first = _("not signed: {problem}").format(problem=head.get("unsigned", ""))
        why = ""
    return "\n".join(line for line in (first, why) if line).encode("utf-8") + b"\n"


def _manifest(review: CampaignReview, files: dict[str, bytes], audit_head: dict | None = None) -> bytes:
    c = review.campaign
    doc = {
        "campaign": c.name, "created_at": iso(c.created_ts), "created_by": c.created_by,
        "signed": c.signed, "signed_by": c.signed_by, "signed_at": iso(c.signed_ts), "signed_actor": c.signed_actor,
        "extracted_at": iso(review.extraction.ts if review.extraction else None),
        "generated_at": iso(time.time()), "generator": f"erpconsole {__version__}",
        "baseline": review.baseline, "accounts": len(review.rows),
        "findings": sum(len(r.findings) for r in review.rows) + len(review.gone),
        "rows_per_source": [{"system": s.system, "source": s.source, "rows": s.rows, "ok": s.ok}
                            for s in (review.extraction.sources if review.extraction else ())],
        "files": {name: hashlib.sha256(data).hexdigest() for name, data in files.items()},
    }
    if audit_head is not None:
        doc["audit_head"] = {k: (iso(v) if k == "signed_at" else v) for k, v in audit_head.items()}
    return json.dumps(doc, indent=2, ensure_ascii=False).encode("utf-8")


def write_package(review: CampaignReview, log: list[tuple[str, str, Decision]], path: str | os.PathLike,
                  audit_head: dict | None = None) -> ExportResult:
    """Writes the zip next to ``path`` first and renames it into place, so a full disk or a
    crash never leaves half a package under the real name. Raises ValueError with a message."""
    target = Path(path).expanduser()
    if target.suffix.lower() != ".zip":
        target = target.with_name(target.name + ".zip")
    files = _files(review, log)
    if audit_head is not None:
        files["audit_head.txt"] = _audit_head_text(audit_head)
    files["manifest.json"] = _manifest(review, files, audit_head)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".evidence-", suffix=".zip", dir=target.parent)
        with os.fdopen(fd, "wb") as raw, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data in files.items():
                info = zipfile.ZipInfo(name, date_time=time.localtime()[:6])
                info.external_attr = 0o644 << 16  # readable files once unpacked
                zf.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
        os.replace(tmp, target)
    except OSError as exc:
        if "tmp" in locals() and os.path.exists(tmp):
            os.unlink(tmp)
        raise ValueError(_("the evidence could not be written to {path}: {reason}; choose another "
                           "folder or free some space").format(path=target, reason=exc.strerror or exc)) from None
    digest = hashlib.sha256(target.read_bytes()).hexdigest()
    hashes = tuple((name, hashlib.sha256(data).hexdigest()) for name, data in files.items())
    return ExportResult(str(target), digest, len(review.rows),
                        sum(len(r.findings) for r in review.rows) + len(review.gone), hashes)
