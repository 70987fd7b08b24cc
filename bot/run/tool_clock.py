"""Measure the staff tool's clock against the ledger's, and stop before a send when it is off by more than the
allowed skew.

Whenever the bot knows an ärende it sent (a receipt gave its ärende-id), a later look at that ärende in Alla
ärenden compares the time the tool shows with the ledger's times of that send: claimed just before Skicka, sent
when the receipt came. The tool's moment lies between the two; how far its shown time is outside that span is
its offset (positive: the tool shows a later time). The offset is stored in the ledger as a campaign event.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

import structlog

from bot.errors import NeedsHuman
from bot.ledger import Ledger
from bot.ledger.clock import describe_offset
from bot.run.reconcile import true_times
from flows.screen import Screen
from flows.unit_cases import CaseQuery, CaseRow, CaseTable, read_sent_cases, resolution, time_format, tool_zone

log = structlog.get_logger("utskick.tool_clock")


class ToolClockOff(NeedsHuman):
    """The staff tool's shown times are further from the ledger's than `reconcile_clock_skew_s` allows."""


@dataclass(frozen=True)
class Measurement:
    """One measured offset, the ärende it comes from and the time the tool showed for it."""

    offset: timedelta
    arende_id: str
    shown: str


def offset_of(row: CaseRow, claimed: datetime, sent: datetime, step: timedelta) -> timedelta | None:
    """How far the row's shown time (covering `step`) is outside [claimed, sent]; 0 inside, None unreadable.

    In a repeated hour the reading nearer the span counts."""
    offsets = []
    for shown in true_times(row):
        low, high = shown - sent, shown + step - claimed  # every offset the two times allow
        offsets.append(low if low > timedelta(0) else high if high < timedelta(0) else timedelta(0))
    return min(offsets, key=abs, default=None)


def measure(tables: list[CaseTable], known: dict[str, tuple[datetime, datetime]], fmt: str) -> Measurement | None:
    """The offset shown for the latest send in `known` (ärende-id -> claimed, sent) that the tables hold."""
    seen = [(known[r.arende_id], r) for t in tables for r in t.rows if r.arende_id in known and r.sent_at]
    if not seen:
        return None
    (claimed, sent), row = max(seen, key=lambda pair: pair[0][1])
    offset = offset_of(row, claimed, sent, resolution(fmt))
    return None if offset is None else Measurement(offset, row.arende_id, row.sent_text)


def look_up_and_measure(
    screen: Screen, ledger: Ledger, campaign_key: str, tables: list[CaseTable] = ()
) -> Measurement | None:
    """Measure on the latest known send: in `tables` when they hold it, else by one look in Alla ärenden."""
    latest = ledger.latest_sent(campaign_key, limit=20)
    if not latest:
        return None
    known = {arende: (_utc(claimed), _utc(sent)) for _, arende, claimed, sent in latest}
    fmt = time_format(screen.selectors.value("unit_cases.values", {}))
    found = measure(list(tables), known, fmt)
    if found is None:
        pnr, _, claimed, _ = latest[0]
        since = (_utc(claimed) - timedelta(days=1)).date()
        found = measure([read_sent_cases(screen, CaseQuery(pnr=pnr, date_from=since))], known, fmt)
    return found


def record(ledger: Ledger, campaign_key: str, found: Measurement, zone: tzinfo) -> None:
    """Store the measurement as the campaign's offset and log it (never the personnummer)."""
    ledger.record_tool_clock(
        campaign_key, found.offset.total_seconds(), arende_id=found.arende_id, shown=found.shown, zone=str(zone)
    )
    log.info("tool_clock_measured", offset_s=found.offset.total_seconds(), arende_id=found.arende_id)


def current_offset(ledger: Ledger, campaign_key: str, zone: tzinfo) -> timedelta | None:
    """The campaign's stored offset, when it was measured with the zone the selectors name now."""
    reading = ledger.tool_clock(campaign_key)
    if reading is None or reading.zone != str(zone):
        return None
    return timedelta(seconds=reading.offset_s)


def check_tool_clock(screen: Screen, ledger: Ledger, campaign_key: str, skew: timedelta, tables=()) -> timedelta:
    """Measure (and store) the tool's offset, or take the stored one; raise ToolClockOff when it exceeds `skew`."""
    zone = tool_zone(screen.selectors.value("unit_cases.values", {}))
    found = look_up_and_measure(screen, ledger, campaign_key, tables)
    if found is not None:
        record(ledger, campaign_key, found, zone)
        offset = found.offset
    else:
        offset = current_offset(ledger, campaign_key, zone) or timedelta(0)
    if abs(offset) > skew:
        raise ToolClockOff(clock_off_message(offset, skew, zone))
    return offset


def clock_off_message(offset: timedelta, skew: timedelta, zone: tzinfo, now: datetime | None = None) -> str:
    """The Swedish stop message: how far off the tool's clock is, and what to set."""
    seconds = offset.total_seconds()
    direction = "senare" if seconds > 0 else "tidigare"
    how_far = describe_offset(seconds)
    said = (
        f"Personalverktyget visar tiderna i Alla ärenden {how_far} {direction} än när utskick "
        f"skickade ärendena, mer än tillåtna {int(skew.total_seconds())} s (staff_tool.reconcile_clock_skew_s). "
        "Inget mer skickades."
    )
    hours = round(seconds / 3600)
    if hours and abs(seconds - hours * 3600) <= skew.total_seconds():
        shown_zone = suggest_zone(zone, hours, now)
        return (
            f'{said} Visar verktyget en annan tidszon, ange den i selektorfilen: zone = "{shown_zone}" under '
            "[unit_cases.values], och kör igen."
        )
    needed = math.ceil(abs(seconds) / 60) * 60 + 60
    return (
        f"{said} Går verktygets klocka fel, be förvaltningen rätta den eller sätt staff_tool.reconcile_clock_skew_s "
        f"= {needed} i kampanjfilen, och kör igen."
    )


def suggest_zone(zone: tzinfo, hours: int, now: datetime | None = None) -> str:
    """The zone a tool shows when it is `hours` from `zone` now: UTC, or a fixed Etc/GMT zone."""
    utc_hours = round((datetime.now(UTC) if now is None else now).astimezone(zone).utcoffset().total_seconds() / 3600)
    shown = utc_hours + hours
    return "UTC" if shown == 0 else f"Etc/GMT{-shown:+d}"  # Etc/GMT-2 is two hours ahead of UTC (POSIX signs)


def _utc(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
