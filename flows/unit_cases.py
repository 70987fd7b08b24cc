"""Read sent ärenden from Mottagningens ärenden → Alla ärenden (filter Ärendetyp: Skickat av vården), page by
page. Reconciliation (was an in-doubt send made?) and follow-up (who has read it?) both build on this.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flows.screen import Screen

STOCKHOLM = ZoneInfo("Europe/Stockholm")


@dataclass(frozen=True)
class CaseQuery:
    """Filters for Alla ärenden; None leaves a filter as the tool has it."""

    pnr: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    status: str | None = None
    max_pages: int = 1000


@dataclass(frozen=True)
class CaseRow:
    """One row of Alla ärenden."""

    arende_id: str
    pnr: str
    subject: str
    sent_at: datetime | None
    status: str


def find_sent_cases(screen: Screen, query: CaseQuery) -> list[CaseRow]:
    """Filter Alla ärenden to ärenden sent by care and return every matching row across all pages."""
    values = screen.selectors.value("unit_cases.values", {})
    screen.click("nav.unit_cases")
    screen.click("unit_cases.all_tab")
    screen.wait_visible("unit_cases.case_type")
    screen.choose("unit_cases.case_type", values.get("sent_by_care", "Skickat av vården"))
    if query.status:
        screen.choose("unit_cases.status", query.status)
    if query.pnr:
        screen.fill("unit_cases.pnr", screen.display_pnr(query.pnr))
    if query.date_from:
        screen.fill("unit_cases.date_from", query.date_from.isoformat())
    if query.date_to:
        screen.fill("unit_cases.date_to", query.date_to.isoformat())
    screen.click_and_wait_replaced("unit_cases.search", "unit_cases.table")
    rows: list[CaseRow] = []
    for _ in range(query.max_pages):
        rows.extend(_parse(row, values) for row in screen.read_table("unit_cases.table"))
        if not screen.is_visible("unit_cases.next_page"):
            break
        screen.click_and_wait_replaced("unit_cases.next_page", "unit_cases.table")
    return rows


def _parse(row: dict[str, str], values: dict[str, str]) -> CaseRow:
    digits = "".join(ch for ch in row.get(values.get("col_pnr", "Personnummer"), "") if ch.isdigit())
    sent_text = row.get(values.get("col_sent_at", "Skickat"), "").strip()
    try:
        fmt = values.get("sent_at_format", "%Y-%m-%d %H:%M:%S")
        sent_at = datetime.strptime(sent_text, fmt).replace(tzinfo=STOCKHOLM)
    except ValueError:
        sent_at = None
    return CaseRow(
        arende_id=row.get(values.get("col_id", "Ärende-id"), "").strip(),
        pnr=digits,
        subject=row.get(values.get("col_subject", "Rubrik"), "").strip(),
        sent_at=sent_at,
        status=row.get(values.get("col_status", "Status"), "").strip(),
    )
