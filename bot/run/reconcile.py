"""Was an in-doubt send made? Look the citizens up in Alla ärenden and decide, failing closed.

Only two answers are clear: the ärende is there (same citizen, exactly the campaign's subject, a time that
parses and is after the claim minus the skew), or it is clearly absent (every page of the table was read and
no row for the citizen is after the claim minus the skew). Anything in between, such as a row for the citizen
whose time does not parse or whose subject is shortened or spaced differently, may be the ärende: the citizen
stays `in_doubt` and a person decides. A citizen is never sent to twice on a guess.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.ledger import Item
from flows.screen import Screen
from flows.unit_cases import STOCKHOLM, CaseQuery, CaseRow, CaseTable, read_sent_cases

PER_CITIZEN_QUERIES = 5  # up to this many in-doubt citizens are searched one by one, more by date only
_ELLIPSIS = re.compile(r"(…|\.\.\.)\s*$")


@dataclass
class Reconciliation:
    """Per ledger row: the ärende found, a clear absence, or why it is uncertain (Swedish, no personnummer)."""

    found: dict[int, CaseRow] = field(default_factory=dict)
    absent: list[int] = field(default_factory=list)
    uncertain: dict[int, str] = field(default_factory=dict)


def reconcile(screen: Screen, items: Sequence[Item], subject: str, skew: timedelta) -> Reconciliation:
    """Look each in-doubt item up in Alla ärenden (sent by care, from the claim day on) and classify it."""
    claimed = {item.id: datetime.fromisoformat(item.claimed_at) - skew for item in items if item.claimed_at}
    result = Reconciliation()
    for item in items:
        if item.id not in claimed:
            result.uncertain[item.id] = "raden saknar tidpunkt för när den togs för sändning"
    if not claimed:
        return result
    since = min(claimed.values()).astimezone(STOCKHOLM).date()
    claimed_items = [item for item in items if item.id in claimed]
    if len(claimed_items) <= PER_CITIZEN_QUERIES:
        tables = {item.id: read_sent_cases(screen, CaseQuery(pnr=item.pnr, date_from=since)) for item in claimed_items}
    else:
        everything = read_sent_cases(screen, CaseQuery(date_from=since))
        tables = dict.fromkeys(claimed, everything)
    for item in claimed_items:
        verdict, row, why = classify(item.pnr, tables[item.id], subject, claimed[item.id])
        if verdict == "found":
            result.found[item.id] = row
        elif verdict == "absent":
            result.absent.append(item.id)
        else:
            result.uncertain[item.id] = why
    return result


def classify(pnr: str, table: CaseTable, subject: str, after: datetime) -> tuple[str, CaseRow | None, str]:
    """("found", row, ""), ("absent", None, "") or ("uncertain", row or None, why) for one citizen."""
    look_alike: tuple[CaseRow, str] | None = None
    for row in table.rows:
        if row.pnr != pnr:
            continue
        same_subject = row.subject == subject
        if row.sent_at is not None and row.sent_at < after:
            continue  # an earlier ärende: clearly not this send
        if not same_subject and not similar_subject(row.subject, subject):
            continue  # another message (another template), whenever it was sent
        if same_subject and row.sent_at is not None:
            return "found", row, ""
        if look_alike is None:
            look_alike = (row, _why_look_alike(row, subject))
    if look_alike:
        return "uncertain", look_alike[0], look_alike[1]
    if not table.complete:
        return "uncertain", None, "Alla ärenden kunde inte läsas till sista sidan"
    return "absent", None, ""


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


def _why_look_alike(row: CaseRow, subject: str) -> str:
    parts = [f"ärende {row.arende_id or '(utan id)'}"]
    if row.sent_at is None:
        parts.append(f"tiden '{row.sent_text}' går inte att läsa med sent_at_format")
    if row.subject != subject:
        parts.append(f"rubriken '{row.subject}' är inte exakt '{subject}'")
    return ", ".join(parts)
