"""Read sent ärenden from Mottagningens ärenden → Alla ärenden (filter Ärendetyp: Skickat av vården), page by
page. Reconciliation (was an in-doubt send made?) and follow-up (who has read it?) both build on this.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.errors import SelectorError
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
    """One row of Alla ärenden; `sent_at` is None when the time does not parse with `sent_at_format`."""

    arende_id: str
    pnr: str
    subject: str
    sent_at: datetime | None
    status: str
    sent_text: str = ""  # the time as the tool shows it
    sent_by: str = ""


@dataclass(frozen=True)
class CaseTable:
    """The rows of a search, and whether every page of it was read."""

    rows: list[CaseRow] = field(default_factory=list)
    complete: bool = True


def find_sent_cases(screen: Screen, query: CaseQuery) -> list[CaseRow]:
    """Filter Alla ärenden to ärenden sent by care and return every matching row across all pages."""
    return read_sent_cases(screen, query).rows


def read_sent_cases(screen: Screen, query: CaseQuery) -> CaseTable:
    """Filter Alla ärenden to ärenden sent by care and read every page (up to `max_pages`), saying if it did."""
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
    for page_no in range(1, query.max_pages + 1):
        table = screen.read_table("unit_cases.table")
        _check_columns(screen, table, values)
        rows.extend(_parse(row, values) for row in table)
        if not screen.is_visible("unit_cases.next_page"):
            return CaseTable(rows, complete=True)
        if page_no < query.max_pages:
            screen.click_and_wait_replaced("unit_cases.next_page", "unit_cases.table")
    return CaseTable(rows, complete=False)


def _check_columns(screen: Screen, table: list[dict[str, str]], values: dict[str, str]) -> None:
    """A column the selectors name but the table lacks is a UI change, never an empty value."""
    if not table:
        return
    for key, default in (("col_id", "Ärende-id"), ("col_pnr", "Personnummer"), ("col_subject", "Rubrik")):
        if values.get(key, default) not in table[0]:
            raise SelectorError(
                f"unit_cases.values.{key}",
                f"Tabellen har kolumnerna {', '.join(table[0])}, inte '{values.get(key, default)}'.",
            )


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
        sent_text=sent_text,
        sent_by=row.get(values.get("col_sent_by", "Skickat av"), "").strip(),
    )
