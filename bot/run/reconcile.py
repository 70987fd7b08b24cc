"""Was an in-doubt send made? Look the citizens up in Alla ärenden and decide, failing closed.

The staff tool's clock is never trusted blindly: it may show another zone, run minutes ahead or behind, repeat
an hour when summer time ends, or leave out the year. So a row for the citizen with the campaign's subject (or
one that may be it) is set aside as an earlier ärende only when that is provable: its ärende-id is one the
ledger holds for another send, or it is older than the campaign's first claim by `margin` (a day by default),
further than any clock error reaches. Only two answers are clear: the ärende is there (exactly the subject, a
time that fits the claim once the measured offset is taken off), or it is clearly absent (every page read, no
such row since the margin). Anything in between stays `in_doubt` and a person decides (`utskick settle`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.ledger import Item
from flows.screen import Screen
from flows.unit_cases import CaseQuery, CaseRow, CaseTable, read_sent_cases, tool_zone

PER_CITIZEN_QUERIES = 5  # up to this many in-doubt citizens are searched one by one, more by date only
_ELLIPSIS = re.compile(r"(…|\.\.\.)\s*$")


@dataclass(frozen=True)
class Window:
    """What a row must be measured against: the claim, how far back an earlier ärende is provable, the tool's
    measured clock offset (shown minus true time), the allowed skew, and the ärende-ids the ledger already holds."""

    not_before: datetime  # the campaign's first claim minus the margin: an older row is provably earlier
    skew: timedelta = timedelta(seconds=120)
    offset: timedelta = timedelta(0)
    known_ids: frozenset[str] = frozenset()


@dataclass
class Reconciliation:
    """Per ledger row: the ärende found, a clear absence, or why it is uncertain (Swedish, no personnummer)."""

    found: dict[int, CaseRow] = field(default_factory=dict)
    absent: list[int] = field(default_factory=list)
    uncertain: dict[int, str] = field(default_factory=dict)
    tables: list[CaseTable] = field(default_factory=list)


def reconcile(screen: Screen, items: Sequence[Item], subject: str, window: Window) -> Reconciliation:
    """Look each in-doubt item up in Alla ärenden (sent by care, from the margin on) and classify it."""
    claimed = {item.id: datetime.fromisoformat(item.claimed_at) for item in items if item.claimed_at}
    result = Reconciliation()
    for item in items:
        if item.id not in claimed:
            result.uncertain[item.id] = "raden saknar tidpunkt för när den togs för sändning"
    if not claimed:
        return result
    # The filter's day is the tool's; a day more for a clock ahead of or behind the margin's edge.
    zone = tool_zone(screen.selectors.value("unit_cases.values", {}))
    since = (window.not_before - timedelta(days=1)).astimezone(zone).date()
    claimed_items = [item for item in items if item.id in claimed]
    if len(claimed_items) <= PER_CITIZEN_QUERIES:
        tables = {item.id: read_sent_cases(screen, CaseQuery(pnr=item.pnr, date_from=since)) for item in claimed_items}
    else:
        everything = read_sent_cases(screen, CaseQuery(date_from=since))
        tables = dict.fromkeys(claimed, everything)
    result.tables = list({id(t): t for t in tables.values()}.values())
    for item in claimed_items:
        verdict, row, why = classify(item.pnr, tables[item.id], subject, claimed[item.id], window)
        if verdict == "found":
            result.found[item.id] = row
        elif verdict == "absent":
            result.absent.append(item.id)
        else:
            result.uncertain[item.id] = why
    return result


def classify(
    pnr: str, table: CaseTable, subject: str, claimed: datetime, window: Window
) -> tuple[str, CaseRow | None, str]:
    """("found", row, ""), ("absent", None, "") or ("uncertain", row or None, why) for one citizen."""
    look_alike: tuple[CaseRow, str] | None = None
    for row in table.rows:
        if row.pnr != pnr or (row.arende_id and row.arende_id in window.known_ids):
            continue  # another citizen, or a send the ledger already knows
        same_subject = row.subject == subject
        if not same_subject and not similar_subject(row.subject, subject):
            continue  # another message (another template), whenever it was sent
        times = true_times(row, window.offset)
        if times and max(times) < window.not_before:
            continue  # older than any clock error reaches: provably an earlier ärende
        if same_subject and any(t >= claimed - window.skew for t in times):
            return "found", row, ""
        if look_alike is None:
            look_alike = (row, _why_look_alike(row, subject, bool(times)))
    if look_alike:
        return "uncertain", look_alike[0], look_alike[1]
    if not table.complete:
        return "uncertain", None, "Alla ärenden kunde inte läsas till sista sidan"
    return "absent", None, ""


def true_times(row: CaseRow, offset: timedelta = timedelta(0)) -> list[datetime]:
    """The moments (UTC) the row's shown time may stand for, the tool's offset taken off: two in a repeated hour."""
    if row.sent_at is None:
        return []
    return sorted({(row.sent_at.replace(fold=fold).astimezone(UTC) - offset) for fold in (0, 1)})


def similar_subject(shown: str, subject: str) -> bool:
    """True when `shown` may be `subject` as a tool displays it: other spacing or case, or shortened."""
    a, b = _normal(shown), _normal(subject)
    if not a or not b:
        return not a  # an empty subject cell says nothing either way
    if a == b:
        return True
    stem = _normal(_ELLIPSIS.sub("", shown))
    return bool(stem) and b.startswith(stem)  # shortened; a tool never lengthens a subject


def _normal(text: str) -> str:
    return " ".join(text.split()).casefold()


def _why_look_alike(row: CaseRow, subject: str, timed: bool) -> str:
    parts = [f"ärende {row.arende_id or '(utan id)'}"]
    if row.sent_at is None:
        parts.append(f"tiden '{row.sent_text}' går inte att läsa med sent_at_format")
    if row.subject != subject:
        parts.append(f"rubriken '{row.subject}' är inte exakt '{subject}'")
    elif timed:
        parts.append(
            f"tiden '{row.sent_text}' är före sändningen enligt verktygets klocka (en annan tidszon eller en klocka "
            "som går fel kan förklara det; se unit_cases.values.zone)"
        )
    return ", ".join(parts)
