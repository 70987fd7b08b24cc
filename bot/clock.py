"""Swedish time, defined once: the zone the bot shows times in and, unless the selectors say otherwise
(`unit_cases.values.zone`), the zone it reads the staff tool's times in."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def zone_named(name: str | None) -> ZoneInfo:
    """The IANA zone `name` (Swedish time when empty); raises ValueError with a Swedish reason when unknown."""
    if not name:
        return STOCKHOLM
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as err:
        raise ValueError(f"okänd tidszon '{name}' (ange en IANA-zon, t.ex. UTC eller Europe/Stockholm)") from err
