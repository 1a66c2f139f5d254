"""Review campaigns in the store: campaigns, their extractions, and the decision history.

All writes go through here; a signed campaign refuses every further write.
"""

from __future__ import annotations

import threading
import time

from sqlalchemy import Engine, exc as sa_exc, text

from erpconsole.services.access import codec
from erpconsole.services.access.models import DECISIONS, Campaign, Decision, Extraction
from erpconsole.i18n import _

_CAMPAIGN_COLS = "id, name, created_ts, created_by, signed_ts, signed_by, signed_actor"


class CampaignStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._lock = threading.Lock()  # one writer in this process: checks then writes

    # -- campaigns ------------------------------------------------------------------------------

    def campaigns(self) -> list[Campaign]:
        with self.engine.connect() as conn:
            rows = conn.execute(text(f"SELECT {_CAMPAIGN_COLS} FROM access_campaigns ORDER BY id DESC"))
            return [_campaign(r) for r in rows]

    def campaign(self, campaign_id: int) -> Campaign:
        with self.engine.connect() as conn:
            row = conn.execute(text(f"SELECT {_CAMPAIGN_COLS} FROM access_campaigns WHERE id = :id"),
                               {"id": campaign_id}).first()
        if row is None:
            raise ValueError(_("no campaign with id {id}; it may have been made in another "
                               "store").format(id=campaign_id))
        return _campaign(row)

    def create(self, name: str, actor: str, ts: float | None = None) -> Campaign:
        name = " ".join(name.split())
        if not name:
            raise ValueError(_('give the campaign a name, for example "2026 Q4"'))
        with self._lock:
            if any(c.name.casefold() == name.casefold() for c in self.campaigns()):
                raise ValueError(_('a campaign named "{name}" exists already; open it or choose '
                                   "another name").format(name=name))
            try:
                with self.engine.begin() as conn:
                    new_id = conn.execute(text(
                        "INSERT INTO access_campaigns (name, created_ts, created_by) "
                        "VALUES (:name, :ts, :actor) RETURNING id"),
                        {"name": name, "ts": ts if ts is not None else time.time(),
                         "actor": actor}).scalar_one()
            except sa_exc.IntegrityError:
                raise ValueError(_('a campaign named "{name}" exists already').format(name=name)) from None
        return self.campaign(int(new_id))

    def sign(self, campaign_id: int, signer: str, actor: str, ts: float | None = None) -> Campaign:
        signer = " ".join(signer.split())
        if not signer:
            raise ValueError(_("type the name of the person who signs"))
        with self._lock:
            self.writable(campaign_id)
            with self.engine.begin() as conn:
                conn.execute(text(
                    "UPDATE access_campaigns SET signed_ts = :ts, signed_by = :signer, "
                    "signed_actor = :actor WHERE id = :id AND signed_ts IS NULL"),
                    {"ts": ts if ts is not None else time.time(), "signer": signer, "actor": actor,
                     "id": campaign_id})
        return self.campaign(campaign_id)

    def writable(self, campaign_id: int) -> Campaign:
        campaign = self.campaign(campaign_id)
        if campaign.signed:
            raise ValueError(_('campaign "{name}" was signed by {who} and is read-only; start a new '
                               "campaign for changes").format(name=campaign.name, who=campaign.signed_by))
        return campaign

    # -- extractions ----------------------------------------------------------------------------

    def add_extraction(self, campaign_id: int, extraction: Extraction) -> None:
        with self._lock:
            self.writable(campaign_id)
            with self.engine.begin() as conn:
                conn.execute(text("INSERT INTO access_extractions (campaign_id, ts, body) "
                                  "VALUES (:c, :ts, :body)"),
                             {"c": campaign_id, "ts": extraction.ts, "body": codec.dumps(extraction)})

    def latest_extraction(self, campaign_id: int) -> Extraction | None:
        with self.engine.connect() as conn:
            body = conn.execute(text(
                "SELECT body FROM access_extractions WHERE campaign_id = :c ORDER BY id DESC LIMIT 1"),
                {"c": campaign_id}).scalar()
        return codec.loads(body) if body is not None else None

    # -- decisions ------------------------------------------------------------------------------

    def add_decision(self, campaign_id: int, key: str, decision: str, comment: str, reviewer: str,
                     ts: float | None = None) -> Decision:
        if decision not in DECISIONS:
            raise ValueError(_("unknown decision {d}; choose keep, revoke or change").format(d=decision))
        return self._append(campaign_id, key, "decide", decision, comment, reviewer, ts)

    def add_undo(self, campaign_id: int, key: str, reviewer: str, ts: float | None = None) -> None:
        if not self.history(campaign_id).get(key):
            raise ValueError(_("there is no decision on this account to undo"))
        self._append(campaign_id, key, "undo", "", "", reviewer, ts)

    def _append(self, campaign_id, key, op, decision, comment, reviewer, ts) -> Decision:
        ts = ts if ts is not None else time.time()
        with self._lock:
            self.writable(campaign_id)
            with self.engine.begin() as conn:
                conn.execute(text(
                    "INSERT INTO access_decisions (campaign_id, account_key, op, decision, comment, "
                    "reviewer, ts) VALUES (:c, :k, :op, :d, :comment, :r, :ts)"),
                    {"c": campaign_id, "k": key, "op": op, "d": decision, "comment": comment,
                     "r": reviewer, "ts": ts})
        return Decision(key, decision, comment, reviewer, ts)

    def log(self, campaign_id: int) -> list[tuple[str, str, Decision]]:
        """Every decide and undo in order: (op, key, decision) — the history for the evidence."""
        with self.engine.connect() as conn:
            rows = conn.execute(text(
                "SELECT op, account_key, decision, comment, reviewer, ts FROM access_decisions "
                "WHERE campaign_id = :c ORDER BY id"), {"c": campaign_id}).all()
        return [(op, key, Decision(key, d, comment, reviewer, float(ts)))
                for op, key, d, comment, reviewer, ts in rows]

    def history(self, campaign_id: int) -> dict[str, list[Decision]]:
        """Per account, the stack of decisions still standing (undo pops the last)."""
        stacks: dict[str, list[Decision]] = {}
        for op, key, decision in self.log(campaign_id):
            stack = stacks.setdefault(key, [])
            if op == "undo":
                if stack:
                    stack.pop()
            else:
                stack.append(decision)
        return stacks

    def current(self, campaign_id: int) -> dict[str, Decision]:
        return {key: stack[-1] for key, stack in self.history(campaign_id).items() if stack}


def _campaign(row) -> Campaign:
    cid, name, created_ts, created_by, signed_ts, signed_by, signed_actor = row
    return Campaign(int(cid), name, float(created_ts), created_by,
                    float(signed_ts) if signed_ts is not None else None, signed_by or "", signed_actor or "")
