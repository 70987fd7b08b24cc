"""Facts the staff tool showed about a citizen who was reached (e.g. skyddad identitet), as audit events.

One `markers_shown` event per citizen and send; the report marks those citizens. No state changes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from bot.ledger.base import LedgerBase, detail_json

MARKERS_SHOWN = "markers_shown"


class MarkerRecords(LedgerBase):
    """Writes and reads the markers the recipient check showed."""

    def record_markers(self, pairs: Iterable[tuple[int, Iterable[str]]]) -> None:
        """(item_id, marker names) pairs, in one transaction; nothing when there are none."""
        rows = [(item_id, sorted(set(names))) for item_id, names in pairs if names]
        if not rows:
            return
        with self._write() as conn:
            now = self._now(conn)
            for item_id, names in rows:
                campaign = conn.execute("SELECT campaign_key FROM items WHERE id = ?", (item_id,)).fetchone()[0]
                self._event(conn, now, campaign, item_id, MARKERS_SHOWN, detail=detail_json(markers=names))

    def markers(self, campaign_key: str) -> dict[int, tuple[str, ...]]:
        """item_id -> every marker the tool has shown for that citizen."""
        found: dict[int, set[str]] = {}
        for item_id, detail in self.connection().execute(
            "SELECT item_id, detail FROM events WHERE campaign_key = ? AND event = ? ORDER BY id",
            (campaign_key, MARKERS_SHOWN),
        ):
            found.setdefault(item_id, set()).update(json.loads(detail or "{}").get("markers", []))
        return {item_id: tuple(sorted(names)) for item_id, names in found.items()}
