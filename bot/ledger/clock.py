"""The staff tool's clock as the bot measured it, and the facts reconciliation needs to distrust that clock.

Each measurement is a campaign-level event `tool_clock_measured` (no schema change: the append-only events table
holds it, like `run_started`); the latest one is the campaign's offset that status, doctor and the report show.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from bot.ledger.base import LedgerBase, chunked, detail_json

TOOL_CLOCK = "tool_clock_measured"


@dataclass(frozen=True)
class ClockReading:
    """One measurement: how far the tool's shown time is from the ledger's (positive: the tool shows later)."""

    offset_s: float
    arende_id: str
    shown: str
    zone: str
    at: str

    def as_json(self, skew_s: float) -> dict:
        """The reading for `--json` documents; `within_skew` False means the next send stops (exit 3)."""
        return {
            "offset_s": self.offset_s,
            "arende_id": self.arende_id,
            "shown": self.shown,
            "zone": self.zone,
            "measured_at": self.at,
            "skew_s": skew_s,
            "within_skew": abs(self.offset_s) <= skew_s,
        }

    def describe(self, skew_s: float | None = None) -> str:
        """One Swedish line for status, doctor and the report (the verdict on the skew when it is given)."""
        if abs(self.offset_s) < 1:
            how = "visar samma tid som liggaren"
        else:
            way = "senare" if self.offset_s > 0 else "tidigare"
            how = f"visar tiderna {describe_offset(self.offset_s)} {way} än liggaren"
        verdict = ""
        if skew_s is not None:
            verdict = (
                f"inom tillåtna {skew_s:g} s; "
                if abs(self.offset_s) <= skew_s
                else f"mer än tillåtna {skew_s:g} s, nästa sändning stoppas (exit 3); "
            )
        return (
            f"Personalverktygets klocka {how} ({verdict}uppmätt {self.at[:19]} UTC på ärende {self.arende_id}, "
            f"tidszon {self.zone})"
        )


def describe_offset(seconds: float) -> str:
    """An offset in Swedish words, e.g. '1 h 0 min' or '4 min 0 s'."""
    total = abs(int(seconds))
    if total >= 3600:
        return f"{total // 3600} h {total % 3600 // 60} min"
    return f"{total // 60} min {total % 60} s"


class ClockRecords(LedgerBase):
    """Writes and reads the measured offset; finds the ärende-ids and the first claim reconciliation relies on."""

    def record_tool_clock(self, campaign_key: str, offset_s: float, *, arende_id: str, shown: str, zone: str) -> None:
        """The tool showed `shown` for the bot's ärende `arende_id`: `offset_s` seconds from the ledger's time."""
        with self._write() as conn:
            detail = detail_json(offset_s=round(offset_s, 1), arende_id=arende_id, shown=shown, zone=zone)
            self._event(conn, self._now(conn), campaign_key, None, TOOL_CLOCK, detail=detail)

    def tool_clock(self, campaign_key: str) -> ClockReading | None:
        """The campaign's latest measurement, None before the first."""
        row = (
            self.connection()
            .execute(
                "SELECT at, detail FROM events WHERE campaign_key = ? AND event = ? ORDER BY id DESC LIMIT 1",
                (campaign_key, TOOL_CLOCK),
            )
            .fetchone()
        )
        if row is None:
            return None
        facts = json.loads(row[1] or "{}")
        return ClockReading(
            offset_s=float(facts.get("offset_s", 0.0)),
            arende_id=str(facts.get("arende_id", "")),
            shown=str(facts.get("shown", "")),
            zone=str(facts.get("zone", "")),
            at=row[0],
        )

    def first_claim(self, campaign_key: str) -> str | None:
        """The earliest time a row of the campaign was claimed for sending (ISO 8601 UTC), None if none was."""
        row = (
            self.connection()
            .execute("SELECT min(claimed_at) FROM items WHERE campaign_key = ?", (campaign_key,))
            .fetchone()
        )
        return row[0] if row else None

    def known_arende_ids(self, pnrs: Iterable[str]) -> set[str]:
        """Every ärende-id the ledger holds for these citizens, in any campaign: sends it already knows."""
        found: set[str] = set()
        for chunk in chunked(sorted(set(pnrs)), 500):
            marks = ", ".join("?" * len(chunk))
            rows = self.connection().execute(
                f"SELECT arende_id FROM items WHERE arende_id IS NOT NULL AND pnr IN ({marks})",  # noqa: S608
                tuple(chunk),
            )
            found.update(arende for (arende,) in rows)
        return found

    def latest_sent(self, campaign_key: str, limit: int = 1) -> list[tuple[str, str, str, str]]:
        """The campaign's latest sends confirmed by a receipt (not by reconciliation, whose time is the tool's):
        (pnr, ärende-id, claimed_at, sent_at), newest first."""
        return list(
            self.connection().execute(
                "SELECT i.pnr, i.arende_id, i.claimed_at, i.sent_at FROM items i "
                "WHERE i.campaign_key = ? AND i.state = 'sent' AND i.arende_id IS NOT NULL "
                "AND i.claimed_at IS NOT NULL AND i.sent_at IS NOT NULL AND EXISTS (SELECT 1 FROM events e "
                "WHERE e.item_id = i.id AND e.from_state = 'sending' AND e.to_state = 'sent') "
                "ORDER BY i.sent_at DESC LIMIT ?",
                (campaign_key, limit),
            )
        )
