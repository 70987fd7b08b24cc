"""Follow-up: read each sent ärende's status (Läst / Oläst av invånare) from Mottagningens ärenden → Alla ärenden.

The flow only reads the staff tool. Matching to the ledger (by ärende-id) and keeping the first time an ärende
was seen read belong to the caller.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from flows.screen import Screen
from flows.unit_cases import CaseQuery, CaseRow, find_sent_cases

READ = "read"
UNREAD = "unread"
UNKNOWN = "unknown"


@dataclass(frozen=True)
class FollowUpRequest:
    """Which ärenden to look for, and the sent-date range to filter Alla ärenden on."""

    arende_ids: frozenset[str]
    date_from: date | None = None
    date_to: date | None = None
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC), compare=False)


@dataclass(frozen=True)
class ReadStatus:
    """One ärende's status as the tool shows it: `read`, `unread` or `unknown` (a text the selectors do not name)."""

    arende_id: str
    status_text: str
    state: str


@dataclass(frozen=True)
class FollowUpOutcome:
    """The statuses found for the asked ärenden, those not found, and when the table was read."""

    statuses: dict[str, ReadStatus]
    missing: frozenset[str]
    seen_at: datetime
    rows: tuple[CaseRow, ...] = ()  # the asked ärenden's rows, for measuring the tool's clock

    @property
    def read(self) -> int:
        """How many of the found ärenden are read."""
        return sum(1 for s in self.statuses.values() if s.state == READ)


def read_statuses(screen: Screen, request: FollowUpRequest) -> FollowUpOutcome:
    """Page through Alla ärenden (Skickat av vården, the date range) and read the asked ärenden's statuses."""
    values = screen.selectors.value("unit_cases.values", {})
    read_text = values.get("read", "Läst av invånare").strip().casefold()
    unread_text = values.get("unread", "Oläst av invånare").strip().casefold()
    rows = find_sent_cases(screen, CaseQuery(date_from=request.date_from, date_to=request.date_to))
    seen_at = request.clock()
    statuses: dict[str, ReadStatus] = {}
    asked = tuple(row for row in rows if row.arende_id in request.arende_ids)
    for row in asked:
        text = row.status.strip()
        folded = text.casefold()
        state = READ if folded == read_text else UNREAD if folded == unread_text else UNKNOWN
        statuses[row.arende_id] = ReadStatus(row.arende_id, text, state)
    return FollowUpOutcome(statuses, frozenset(request.arende_ids - statuses.keys()), seen_at, asked)
