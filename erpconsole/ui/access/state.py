"""What the access review page says about a campaign as a whole: the summary line, and the
empty states that say what to do next instead of showing a bare table (shown by
ui/common/message_bar.EmptyState)."""

from __future__ import annotations

import html
from collections import Counter

from PySide6.QtCore import QCoreApplication

from erpconsole.services.access.models import CampaignReview
from erpconsole.ui.access.text import when_text
from erpconsole.ui.common.words import counted
from erpconsole.widgets.theme import status_color


def _tr(text: str) -> str:
    return QCoreApplication.translate("access", text)


def _e(text: str) -> str:
    return html.escape(_tr(text))


def summary_html(review: CampaignReview | None, theme: str) -> str:
    """Accounts, findings by severity, decided n of total, the drift baseline, when collected."""
    if review is None or review.extraction is None:
        return ""
    severities = Counter(f.severity.value for r in review.rows for f in r.findings)
    found = ", ".join(f'<span style="color:{status_color(level, theme)}">{severities[sev]} {_e(word)}</span>'
                      for sev, level, word in (("critical", "critical", "critical"), ("warning", "warning", "warning"),
                                               ("info", "pending", "info")) if severities[sev])
    total = len(review.rows)
    parts = [counted("access", "<b>{0}</b> account", "<b>{0}</b> accounts", total).format(f"{total:,}"),
             _tr("findings: {0}").format(found or _e("none")),
             _tr("decided <b>{0}</b> of {1}").format(f"{review.decided:,}", f"{total:,}"),
             _tr("drift baseline: {0}").format(html.escape(review.baseline)) if review.baseline else
             _e("no drift baseline yet (the first signed campaign becomes it)"),
             _tr("collected {0}").format(when_text(review.extraction.ts))]
    if review.gone:
        parts.append(counted("access", "%n approved account gone since the baseline",
                             "%n approved accounts gone since the baseline", len(review.gone)))
    return " · ".join(parts)


def empty_state(review: CampaignReview | None, *, unavailable: str, requested: bool, loading: bool,
                has_campaigns: bool, collecting: bool, failed_sources: int) -> tuple[str, str]:
    """(what the page says instead of the table, the text of the button for the next step);
    ("", "") when the table has something to show."""
    if unavailable:
        return f"<p>{html.escape(unavailable)}</p>", ""
    if requested and not loading and not has_campaigns:
        return ("<h3>" + _e("No access review campaign yet") + "</h3><p>" + _e(
            "Create a campaign, then collect: a campaign is one review period (for example 2026 Q4); "
            "Collect now reads every database role, OS account and ERP user in the inventory.") + "</p>",
                _tr("New campaign…"))
    if review is None:
        return (_e("Loading the access review…") if requested else ""), ""
    if review.extraction is None:
        if review.campaign.signed:
            return _e("This campaign was signed without a collection."), ""
        return ("<h3>" + html.escape(_tr("“{0}” has not been collected yet").format(review.campaign.name))
                + "</h3><p>" + _e("Collect now reads the accounts of every database, host and ERP in the "
                                  "inventory, read-only; the page stays usable while it runs.") + "</p>",
                "" if collecting else _tr("Collect now"))
    if not review.rows:
        sources = len(review.extraction.sources)
        if failed_sources:
            return html.escape(counted(
                "access", "No accounts were read: {0} of %n source failed; the Sources panel below says why.",
                "No accounts were read: {0} of %n sources failed; the Sources panel below says why.",
                sources).format(failed_sources)), ""
        return _e("The sources were read and hold no accounts."), ""
    return "", ""
