"""The time Mottagningens ärenden shows, as a staff-tool build may show it: in Swedish time (the default), in
another zone such as the server's UTC, from a server clock some minutes ahead or behind, or without the year.
The QA API's `sent_at` stays the true time, so a test can compare what the tool showed with what happened."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from mock_personalverktyg.models import STOCKHOLM

CLOCK_KEYS = ("clock_zone", "clock_offset_s", "clock_no_year")
# Swedish abbreviated months as a Swedish locale writes them: a period after a shortened word only.
SWEDISH_MONTHS = ("jan.", "feb.", "mars", "apr.", "maj", "juni", "juli", "aug.", "sep.", "okt.", "nov.", "dec.")


def validate_clock(raw: dict) -> dict:
    """The clock settings of a faults body, checked; raises ValueError with the reason (Swedish)."""
    clean: dict = {}
    if raw.get("clock_zone") is not None:
        try:
            ZoneInfo(str(raw["clock_zone"]))
        except (ZoneInfoNotFoundError, ValueError) as err:
            raise ValueError("clock_zone måste vara en IANA-tidszon, t.ex. UTC eller Europe/Stockholm") from err
        clean["clock_zone"] = str(raw["clock_zone"])
    if raw.get("clock_offset_s") is not None:
        offset = raw["clock_offset_s"]
        if isinstance(offset, bool) or not isinstance(offset, int | float):
            raise ValueError("clock_offset_s måste vara ett tal (sekunder före, negativt efter)")
        clean["clock_offset_s"] = offset
    if raw.get("clock_no_year") is not None:
        if not isinstance(raw["clock_no_year"], bool):
            raise ValueError("clock_no_year måste vara true eller false")
        clean["clock_no_year"] = raw["clock_no_year"]
    return clean


@dataclass(frozen=True)
class ShownClock:
    """How the tool shows a moment: its zone, how far its clock is off, and whether the year is left out."""

    zone: dt.tzinfo = STOCKHOLM
    offset_s: float = 0.0
    no_year: bool = False

    @classmethod
    def from_settings(cls, settings: dict) -> ShownClock:
        """The clock a faults body describes (Swedish time, on time, with the year when it says nothing)."""
        zone = ZoneInfo(settings["clock_zone"]) if settings.get("clock_zone") else STOCKHOLM
        return cls(zone, float(settings.get("clock_offset_s", 0)), bool(settings.get("clock_no_year", False)))

    def moment(self, ts: float) -> dt.datetime:
        """The epoch time `ts` as the tool's clock has it, in the tool's zone."""
        return dt.datetime.fromtimestamp(ts + self.offset_s, self.zone)

    def show(self, ts: float, fmt: str) -> str:
        """`ts` formatted with `fmt` (without its year when the clock leaves it out)."""
        if self.no_year:
            fmt = fmt.replace("%Y-", "").replace("%Y", "").strip()
        return self.moment(ts).strftime(fmt)

    def show_short(self, ts: float) -> str:
        """`ts` as "3 dec. 2026 14:05": day, Swedish abbreviated month, year (unless left out), no seconds."""
        at = self.moment(ts)
        year = "" if self.no_year else f" {at.year}"
        return f"{at.day} {SWEDISH_MONTHS[at.month - 1]}{year} {at:%H:%M}"
