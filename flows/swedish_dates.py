"""Read a time as a Swedish staff tool shows it ("3 dec. 2026 14:05", "idag 09:12", "4 maj 2:05 em", "… UTC") with
a `strptime` format from the selectors data, whatever the machine's locale."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

from bot.clock import STOCKHOLM, zone_named

# The tool's clock may run ahead of ours; a year-less time this far in our future is still this year's.
FUTURE_TOLERANCE = timedelta(days=1)

_MONTHS = ("jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec")
_ENGLISH = {"may": 5, "oct": 10}
_MONTH_WORD = re.compile(
    r"\b(januari|februari|mars|april|maj|juni|juli|augusti|september|oktober|november|december"
    r"|jan|feb|mar|apr|jun|jul|aug|sept|sep|okt|nov|dec|may|oct)\b\.?",
    re.IGNORECASE,
)
_RELATIVE = re.compile(r"^\s*(i\s*dag|i\s*går|i\s*förrgår|i\s*morgon)\b[\s,]*", re.IGNORECASE)
_RELATIVE_DAYS = {"idag": 0, "igår": -1, "iförrgår": -2, "imorgon": 1}
_MERIDIEM = re.compile(r"\b(f\.\s?m\.|e\.\s?m\.|fm|em)(?=\W|$)", re.IGNORECASE)
_ZONE_WORD = re.compile(r"\s*\b(UTC|GMT|CEST|CET|Z|[A-Za-z]+/[A-Za-z_]+)\b\s*")
_STATED = {"utc": UTC, "gmt": UTC, "z": UTC, "cet": timezone(timedelta(hours=1)), "cest": timezone(timedelta(hours=2))}
_TIME_PART = re.compile(r"%[HI].*$")


def parse_shown(text: str, fmt: str, zone: tzinfo = STOCKHOLM, now: datetime | None = None) -> datetime | None:
    """The shown time as an aware datetime (in `zone` unless the text states its own), None when it does not fit.

    A time without a year takes the latest year that does not put it more than a day after `now`."""
    zone, text, fmt = _stated_zone(text, fmt, zone)
    text, fmt = _meridiem(_months(text)), _months_format(fmt)
    moment = datetime.now(UTC) if now is None else now
    today = moment.astimezone(zone).date()
    relative = _RELATIVE.match(text)
    if relative:
        day = today + timedelta(days=_RELATIVE_DAYS[re.sub(r"\s", "", relative.group(1).lower())])
        return _relative(text[relative.end() :], fmt, day, zone)
    if "%Y" in fmt or "%y" in fmt:
        return _strptime(text, fmt, zone)
    readings = [_strptime(f"{year} {text}", f"%Y {fmt}", zone) for year in range(today.year + 1, today.year - 2, -1)]
    latest = moment + FUTURE_TOLERANCE
    return next((at for at in readings if at is not None and at <= latest), None)


def _strptime(text: str, fmt: str, zone: tzinfo) -> datetime | None:
    try:
        parsed = datetime.strptime(text.strip(), fmt)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=zone)


def _relative(rest: str, fmt: str, day: date, zone: tzinfo) -> datetime | None:
    time_part = _TIME_PART.search(fmt)
    formats = [time_part.group(0)] if time_part else []
    for time_fmt in [*formats, "%H:%M:%S", "%H:%M"]:
        parsed = _strptime(f"{day.isoformat()} {rest}", f"%Y-%m-%d {time_fmt}", zone)
        if parsed is not None:
            return parsed
    return None


def _months(text: str) -> str:
    def number(match: re.Match[str]) -> str:
        word = match.group(1).lower()
        return str(_ENGLISH.get(word) or _MONTHS.index(word[:3]) + 1)

    return _MONTH_WORD.sub(number, text)


def _months_format(fmt: str) -> str:
    return re.sub(r"%[bB]\.?", "%m", fmt)


def _meridiem(text: str) -> str:
    def english(match: re.Match[str]) -> str:
        return "AM" if match.group(1).lower().startswith("f") else "PM"

    return _MERIDIEM.sub(english, text)


def _stated_zone(text: str, fmt: str, zone: tzinfo) -> tuple[tzinfo, str, str]:
    """A %Z in the format takes the zone the text names (UTC, GMT, CET, CEST or an IANA name) instead of `zone`."""
    if "%Z" not in fmt:
        return zone, text, fmt
    found = _ZONE_WORD.search(text)
    if not found:
        return zone, text, fmt.replace("%Z", "").strip()
    word = found.group(1)
    stated: tzinfo = _STATED.get(word.lower()) or _zone(word) or zone
    rest = (text[: found.start()] + " " + text[found.end() :]).strip()
    return stated, rest, " ".join(fmt.replace("%Z", " ").split())


def _zone(name: str) -> ZoneInfo | None:
    try:
        return zone_named(name)
    except ValueError:
        return None
