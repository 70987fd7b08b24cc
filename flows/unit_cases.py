"""Read sent ärenden from Mottagningens ärenden → Alla ärenden (filter Ärendetyp: Skickat av vården), as the list
pages (`unit_cases.paging`: pages, load_more, scroll or one_page). Reconciliation (was an in-doubt send made?) and
follow-up (who has read it?) both build on this.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo

from playwright.sync_api import Locator, Response
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from bot.clock import zone_named
from flows.actions import run_action, run_action_replacing
from flows.screen import Screen
from flows.swedish_dates import parse_shown
from flows.waits import wait_none_visible

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
    screen.click_and_wait_replaced("unit_cases.search", "unit_cases.table", "unit_cases.ready")
    paging = screen.selectors.value("unit_cases.paging", "pages")
    records, complete = _READERS[paging](screen, query.max_pages)
    rows = [_parse(row, values, zone, now) for row in records]
    return CaseTable([row for row in rows if _matches(row, query)], complete=complete)


def _read_pages(screen: Screen, max_pages: int) -> tuple[list[dict[str, str]], bool]:
    """Page by page with `unit_cases.next_page` until it is absent or disabled (the last page); `max_pages` pages."""
    records: list[dict[str, str]] = []
    for page_no in range(1, max_pages + 1):
        records.extend(screen.read_records("unit_cases.cases"))
        if not _more_to_load(screen):
            return records, True
        if page_no < max_pages:
            run_action_replacing(screen, "next_page", "unit_cases.table")
    return records, False


def _read_one_page(screen: Screen, max_pages: int) -> tuple[list[dict[str, str]], bool]:
    """The tool shows every hit at once."""
    return screen.read_records("unit_cases.cases"), True


def _read_loading_more(screen: Screen, max_pages: int) -> tuple[list[dict[str, str]], bool]:
    """Click "Visa fler" (`unit_cases.next_page`, by the `next_page` action) until it is absent or disabled, at
    most `max_pages` times, each time until the rows grew or the button went away; then read the table once."""
    rows, button = screen.el("unit_cases.rows"), screen.el("unit_cases.next_page")
    with _failed_answers(screen) as failed:
        for _ in range(max_pages):
            if not _more_to_load(screen):
                return screen.read_records("unit_cases.cases"), True
            shown = rows.count()
            run_action(screen, "next_page")
            with screen.step("unit_cases.rows"):
                gone = lambda: not button.first.is_visible()  # noqa: E731
                grew = _wait_rows_beyond(rows, shown, screen.timeout_ms, failed, gone, must=True)
                if not grew and failed:
                    raise screen.diagnose("unit_cases.rows")
            _wait_not_busy(screen)
    return screen.read_records("unit_cases.cases"), not _more_to_load(screen)


def _read_scrolling(screen: Screen, max_pages: int) -> tuple[list[dict[str, str]], bool]:
    """Scroll the last row into view until no new rows come, at most `max_pages` times; then read the table.

    An endless list never says it ended: the end is a scroll after which no rows came, neither while `page.busy`
    showed nor within _SCROLL_QUIET_MS. A failed answer while loading is an error, never the end of the list.
    """
    rows = screen.el("unit_cases.rows")
    with _failed_answers(screen) as failed:
        for _ in range(max_pages):
            shown = rows.count()
            if not shown:  # no rows at all: nothing to scroll
                return screen.read_records("unit_cases.cases"), True
            with screen.step("unit_cases.rows"):
                rows.nth(shown - 1).scroll_into_view_if_needed()
                grew = _wait_rows_beyond(rows, shown, _SCROLL_QUIET_MS, failed, lambda: _busy(screen))
            if not grew:  # busy, or quiet: once the tool is idle, the rows have come or there are no more
                _wait_not_busy(screen)
                with screen.step("unit_cases.rows"):
                    grew = _wait_rows_beyond(rows, shown, _READY_SLICE_MS, failed)
            if failed:
                raise screen.diagnose("unit_cases.rows")
            if not grew:
                return screen.read_records("unit_cases.cases"), True
            _wait_not_busy(screen)
    return screen.read_records("unit_cases.cases"), False


_READERS = {
    "pages": _read_pages,
    "one_page": _read_one_page,
    "load_more": _read_loading_more,
    "scroll": _read_scrolling,
}
# How long a scrolled list may stay quiet (no new rows, not busy) before its end counts as reached: a tool shows
# its busy mark or the rows well within this after the last row comes into view.
_SCROLL_QUIET_MS = 1500.0
_READY_SLICE_MS = 250.0


def _more_to_load(screen: Screen) -> bool:
    """True while `unit_cases.next_page` is on the page and enabled."""
    return screen.is_visible("unit_cases.next_page") and screen.is_enabled("unit_cases.next_page")


def _busy(screen: Screen) -> bool:
    """True when the tool shows it is loading (`page.busy`, when the selectors name it)."""
    return screen.selectors.has("page.busy") and screen.is_visible("page.busy")


def _wait_not_busy(screen: Screen) -> None:
    """Wait until `page.busy` no longer shows (nothing to wait for when it is off)."""
    if screen.selectors.has("page.busy"):
        with screen.step("page.busy"):
            wait_none_visible(screen.el("page.busy"), screen.timeout_ms)


def _wait_rows_beyond(
    rows: Locator,
    shown: int,
    timeout_ms: float,
    failed: list[int],
    stop: Callable[[], bool] = lambda: False,
    *,
    must: bool = False,
) -> bool:
    """Wait until there are more than `shown` rows (True). False as soon as `stop()` holds or the tool answered
    with an error, and when `timeout_ms` passes, unless the rows `must` come: then the timeout is raised."""
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        left_ms = (deadline - time.monotonic()) * 1000
        try:
            rows.nth(shown).wait_for(state="attached", timeout=max(1.0, min(left_ms, _READY_SLICE_MS)))
            return True
        except PlaywrightTimeout:
            if failed or stop():
                return False
            if time.monotonic() >= deadline:
                if must:
                    raise
                return False


@contextmanager
def _failed_answers(screen: Screen) -> Iterator[list[int]]:
    """The error answers (5xx, 401) the tool gives while the block runs: rows that failed to load."""
    failed: list[int] = []

    def watch(response: Response) -> None:
        if response.status >= 500 or response.status == 401:
            failed.append(response.status)

    screen.page.on("response", watch)
    try:
        yield failed
    finally:
        screen.page.remove_listener("response", watch)


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
