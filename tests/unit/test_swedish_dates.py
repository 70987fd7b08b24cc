"""The Skickat parser: Swedish months, missing years, relative days, 12/24 hours, stated zones, summer time."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.clock import STOCKHOLM
from flows.swedish_dates import parse_shown

FULL = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober",
        "november", "december")  # fmt: skip
SHORT = ("jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec")
SWEDISH_SHORT = ("jan", "feb", "mars", "apr", "maj", "juni", "juli", "aug", "sept", "okt", "nov", "dec")
WITH_YEAR = "%d %b %Y %H:%M"
NO_YEAR = "%d %b %H:%M"


def stockholm(*parts: int) -> datetime:
    """A wall-clock time in Swedish time."""
    return datetime(*parts, tzinfo=STOCKHOLM)  # type: ignore[misc]


def shown(at: datetime, words: tuple[str, ...] = SHORT, year: bool = True) -> str:
    """`at` as a Swedish tool shows it: "3 dec. 2026 14:05"."""
    local = at.astimezone(STOCKHOLM)
    return f"{local.day} {words[local.month - 1]}. {local.year if year else ''} {local:%H:%M}".replace("  ", " ")


@pytest.mark.parametrize("month", range(1, 13))
@pytest.mark.parametrize("words", [FULL, SHORT, SWEDISH_SHORT], ids=["full", "short", "swedish-short"])
@pytest.mark.parametrize("period", [".", ""], ids=["period", "no-period"])
def test_parse_shown_should_read_every_swedish_month(month: int, words: tuple[str, ...], period: str) -> None:
    text = f"3 {words[month - 1]}{period} 2026 14:05"
    assert parse_shown(text, WITH_YEAR) == stockholm(2026, month, 3, 14, 5)


@pytest.mark.parametrize("fmt", [WITH_YEAR, "%d %b. %Y %H:%M", "%d %B %Y %H:%M"])
def test_parse_shown_should_read_the_readme_example(fmt: str) -> None:
    assert parse_shown("3 dec. 2026 14:05", fmt) == stockholm(2026, 12, 3, 14, 5)


@pytest.mark.parametrize(
    ("text", "now", "expected"),
    [
        ("31 dec. 23:55", stockholm(2027, 1, 1, 0, 10), stockholm(2026, 12, 31, 23, 55)),
        ("1 jan. 00:02", stockholm(2026, 12, 31, 23, 58), stockholm(2027, 1, 1, 0, 2)),
        ("20 dec. 10:00", stockholm(2026, 12, 4, 23, 0), stockholm(2025, 12, 20, 10, 0)),
        ("4 dec. 10:00", stockholm(2026, 12, 4, 23, 0), stockholm(2026, 12, 4, 10, 0)),
        ("29 feb. 12:00", stockholm(2028, 3, 1, 9, 0), stockholm(2028, 2, 29, 12, 0)),
    ],
    ids=["dec-read-in-jan", "jan-read-on-dec-31-tool-ahead", "later-date-is-last-year", "today", "leap-day"],
)
def test_parse_shown_should_take_the_latest_year_not_in_the_future(
    text: str, now: datetime, expected: datetime
) -> None:
    assert parse_shown(text, NO_YEAR, now=now) == expected


@pytest.mark.parametrize(
    ("text", "now", "expected"),
    [
        ("idag 14:05", stockholm(2026, 12, 4, 15, 0), stockholm(2026, 12, 4, 14, 5)),
        ("Idag, 14:05", stockholm(2026, 12, 4, 15, 0), stockholm(2026, 12, 4, 14, 5)),
        ("i dag 14:05", stockholm(2026, 12, 4, 15, 0), stockholm(2026, 12, 4, 14, 5)),
        ("igår 23:59", stockholm(2027, 1, 1, 0, 10), stockholm(2026, 12, 31, 23, 59)),
        ("Igår 08:00", stockholm(2026, 3, 30, 8, 0), stockholm(2026, 3, 29, 8, 0)),
    ],
)
def test_parse_shown_should_read_relative_days_in_the_tools_zone(text: str, now: datetime, expected: datetime) -> None:
    assert parse_shown(text, WITH_YEAR, now=now.astimezone(UTC)) == expected


@pytest.mark.parametrize(
    ("text", "hour"),
    [("3 dec. 2026 2:05 em", 14), ("3 dec. 2026 2:05 fm", 2), ("3 dec. 2026 12:05 PM", 12), ("3 dec 2026 12:05 AM", 0)],
)
def test_parse_shown_should_read_twelve_hour_times(text: str, hour: int) -> None:
    assert parse_shown(text, "%d %b %Y %I:%M %p") == stockholm(2026, 12, 3, hour, 5)


@pytest.mark.parametrize(
    ("text", "fmt"),
    [
        ("3 dec. 2026 13:05 UTC", "%d %b %Y %H:%M %Z"),
        ("3 dec. 2026 14:05 CET", "%d %b %Y %H:%M %Z"),
        ("3 dec. 2026 08:05 America/New_York", "%d %b %Y %H:%M %Z"),
        ("3 dec. 2026 14:05 +01:00", "%d %b %Y %H:%M %z"),
        ("2026-12-03T13:05:00Z", "%Y-%m-%dT%H:%M:%S%z"),
    ],
)
def test_parse_shown_should_take_a_stated_zone_over_the_tools(text: str, fmt: str) -> None:
    assert parse_shown(text, fmt, zone=UTC) == stockholm(2026, 12, 3, 14, 5)


@pytest.mark.parametrize(
    "text", ["", "okänd", "3 foo 2026 14:05", "igår", "32 dec. 2026 14:05", "3 dec. 2026 25:05", "imorgonbitti 14:05"]
)
def test_parse_shown_should_answer_none_for_what_it_cannot_read(text: str) -> None:
    assert parse_shown(text, WITH_YEAR, now=stockholm(2026, 12, 4, 12, 0)) is None


SUMMER_TIME_CHANGES = [datetime(2026, 3, 29, 1, 0, tzinfo=UTC), datetime(2026, 10, 25, 1, 0, tzinfo=UTC)]


@given(change=st.sampled_from(SUMMER_TIME_CHANGES), minutes=st.integers(-240, 240))
def test_parse_shown_should_read_back_times_around_both_summer_time_changes(change: datetime, minutes: int) -> None:
    at = change + timedelta(minutes=minutes)
    parsed = parse_shown(shown(at), WITH_YEAR)
    repeated = at.astimezone(STOCKHOLM).fold == 1
    # instants, because Python never calls a time in a repeated hour equal to one in another zone
    assert parsed is not None and parsed.astimezone(UTC) == (at - timedelta(hours=1) if repeated else at)


@given(
    at=st.datetimes(datetime(2020, 1, 1), datetime(2030, 12, 31), timezones=st.just(UTC)),
    later=st.timedeltas(timedelta(0), timedelta(days=360)),
)
def test_parse_shown_should_place_a_yearless_time_in_its_year(at: datetime, later: timedelta) -> None:
    at = at.replace(second=0, microsecond=0)
    parsed = parse_shown(shown(at, FULL, year=False), NO_YEAR, now=at + later)
    assert parsed is not None and abs(parsed - at) <= timedelta(hours=1)
    assert parsed.year == at.astimezone(STOCKHOLM).year


def test_parse_shown_should_read_the_readme_example_with_the_readmes_own_format() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    found = re.search(r'sent_at_format = "([^"]+)"\s+# Skickat reads "([^"]+)"', readme)
    assert found is not None, "the README's override example names a Skickat format and an example of it"
    assert parse_shown(found.group(2), found.group(1)) == stockholm(2026, 12, 3, 14, 5)
