"""Read sent ärenden from Mottagningens ärenden → Alla ärenden (filter Ärendetyp: Skickat av vården), page by
page. Reconciliation (was an in-doubt send made?) and follow-up (who has read it?) both build on this.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo

from bot.clock import zone_named
from flows.actions import run_action, run_action_replacing
from flows.screen import Screen
from flows.swedish_dates import parse_shown

DEFAULT_SENT_AT_FORMAT = "%Y-%m-%d %H:%M:%S"


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
    """One row of Alla ärenden; `sent_at` is the shown time in the tool's zone (`unit_cases.values.zone`, Swedish
    time by default; the earlier of a repeated hour's two readings), None when it does not parse with
    `sent_at_format`."""

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
    """Filter Alla ärenden to ärenden sent by care and read every page (up to `max_pages`), saying if it did.

    A filter the tool lacks (an `optional` entry absent on the page, or one switched off) is applied here instead,
    to the rows read from every page.
    """
    values = screen.selectors.value("unit_cases.values", {})
    zone, now = tool_zone(values), datetime.now(UTC)
    open_all_cases(screen)
    screen.choose("unit_cases.case_type", values.get("sent_by_care", "Skickat av vården"))
    if query.status and screen.present("unit_cases.status"):
        screen.choose("unit_cases.status", query.status)
    if query.pnr and screen.present("unit_cases.pnr"):
        screen.fill("unit_cases.pnr", screen.display_pnr(query.pnr))
    if query.date_from and screen.present("unit_cases.date_from"):
        screen.fill("unit_cases.date_from", query.date_from.isoformat())
    if query.date_to and screen.present("unit_cases.date_to"):
        screen.fill("unit_cases.date_to", query.date_to.isoformat())
    screen.click_and_wait_replaced("unit_cases.search", "unit_cases.table")
    rows: list[CaseRow] = []
    for page_no in range(1, query.max_pages + 1):
        rows.extend(_parse(row, values, zone, now) for row in screen.read_records("unit_cases.cases"))
        if not screen.is_visible("unit_cases.next_page") or not screen.is_enabled("unit_cases.next_page"):
            # no "Nästa sida", or a disabled one: the last page
            return CaseTable([row for row in rows if _matches(row, query)], complete=True)
        if page_no < query.max_pages:
            run_action_replacing(screen, "next_page", "unit_cases.table")
    return CaseTable([row for row in rows if _matches(row, query)], complete=False)


def open_all_cases(screen: Screen) -> None:
    """Mottagningens ärenden → the Alla ärenden tab, as `[actions] open_all_cases` says (by default each click once
    the tool is ready for it, `unit_cases.ready`: a tab that is still loading may overwrite the one chosen)."""
    screen.at_receipt = False  # the next send starts from Mina ärenden, not from a receipt's link
    run_action(screen, "open_all_cases")


def _matches(row: CaseRow, query: CaseQuery) -> bool:
    """The query's filters, for a tool that lacks some of them (a row without a readable time is kept)."""
    if query.pnr and row.pnr != query.pnr:
        return False
    if query.status and row.status.casefold() != query.status.strip().casefold():
        return False
    day = row.sent_at.date() if row.sent_at else None  # the tool's own day, as its date filter has it
    if day and query.date_from and day < query.date_from:
        return False
    return not (day and query.date_to and day > query.date_to)


def tool_zone(values: dict[str, str]) -> tzinfo:
    """The zone the tool shows its times in (`unit_cases.values.zone`), Swedish time when the selectors are silent."""
    return zone_named(values.get("zone"))


def time_format(values: dict[str, str]) -> str:
    """The format of the tool's Skickat column (`unit_cases.values.sent_at_format`)."""
    return values.get("sent_at_format", DEFAULT_SENT_AT_FORMAT)


def resolution(fmt: str) -> timedelta:
    """How much time one shown value covers: a second when the format shows seconds, else a minute."""
    return timedelta(seconds=1) if "%S" in fmt else timedelta(minutes=1)


def _parse(
    row: dict[str, str], values: dict[str, str], zone: tzinfo | None = None, now: datetime | None = None
) -> CaseRow:
    digits = "".join(ch for ch in row.get("pnr", "") if ch.isdigit())
    sent_text = row.get("sent_at", "").strip()
    sent_at = parse_shown(sent_text, time_format(values), zone or tool_zone(values), now)
    return CaseRow(
        arende_id=row.get("arende_id", "").strip(),
        pnr=digits,
        subject=row.get("subject", "").strip(),
        sent_at=sent_at,
        status=row.get("status", "").strip(),
        sent_text=sent_text,
        sent_by=row.get("sent_by", "").strip(),
    )
