"""A second person's approvals in the ledger: who approved which message (campaign key) for which delivery.

The `approvals` table is append-only; each approval also leaves an `approval_given` event in the audit trail
(campaign key in its detail: the campaign itself is registered only when it first runs).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.ledger.base import LedgerBase, detail_json
from bot.ledger.model import canonical_json

APPROVAL_GIVEN = "approval_given"
_COLUMNS = "id, at, campaign_key, campaign_name, fingerprint, source, approver_name, approver_hsa_id, recorded_by"


@dataclass(frozen=True)
class Approval:
    """One recorded approval."""

    id: int
    at: str
    campaign_key: str
    campaign_name: str
    fingerprint: str
    source: str
    approver_name: str
    approver_hsa_id: str
    recorded_by: str
    facts: dict[str, Any]

    def describe(self) -> str:
        """A Swedish line: who approved what, when."""
        return (
            f"godkänd av {self.approver_name} ({self.approver_hsa_id}) {self.at[:16].replace('T', ' ')} UTC "
            f"(nyckel {self.campaign_key[:12]}, leverans {self.source})"
        )


class ApprovalRecords(LedgerBase):
    """Writes and reads approvals."""

    def record_approval(
        self,
        campaign_key: str,
        campaign_name: str,
        fingerprint: str,
        source: str,
        *,
        approver_name: str,
        approver_hsa_id: str,
        facts: dict[str, Any],
    ) -> Approval:
        """Record that `approver_*` approved this exact message for this delivery; returns the stored row."""
        with self._write() as conn:
            now = self._now(conn)
            cur = conn.execute(
                "INSERT INTO approvals (at, campaign_key, campaign_name, fingerprint, source, approver_name,"
                " approver_hsa_id, recorded_by, facts_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (
                    now,
                    campaign_key,
                    campaign_name,
                    fingerprint,
                    source,
                    approver_name,
                    approver_hsa_id,
                    self.actor,
                    canonical_json(facts),
                ),
            )
            approval_id = cur.fetchone()[0]  # RETURNING: both backends (PostgreSQL has no lastrowid)
            detail = detail_json(
                campaign_key=campaign_key,
                fingerprint=fingerprint,
                approver_name=approver_name,
                approver_hsa_id=approver_hsa_id,
                approval_id=approval_id,
            )
            self._event(conn, now, None, None, APPROVAL_GIVEN, detail=detail)
        return self.approval(approval_id)

    def approval(self, approval_id: int) -> Approval:
        """The approval with this id."""
        row = (
            self.connection()
            .execute(f"SELECT {_COLUMNS}, facts_json FROM approvals WHERE id = ?", (approval_id,))
            .fetchone()
        )
        return _approval(row)

    def approvals(self, campaign_key: str | None = None) -> list[Approval]:
        """Every approval (of one campaign key, when given), oldest first."""
        sql = f"SELECT {_COLUMNS}, facts_json FROM approvals"
        params: tuple = ()
        if campaign_key is not None:
            sql += " WHERE campaign_key = ?"
            params = (campaign_key,)
        return [_approval(row) for row in self.connection().execute(sql + " ORDER BY id", params)]


def _approval(row: tuple) -> Approval:
    return Approval(*row[:-1], facts=json.loads(row[-1]))
