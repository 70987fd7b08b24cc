"""Personnummer input handling for the mock: parse what a person types, refuse what the tool refuses.

Validity (date and Luhn check digit) comes from the `personnummer` package. Accepted input: 10 or 12 digits,
with or without `-` or `+` (`+` in a 10-digit number means 100 years or older), surrounding spaces ignored.
A letter in the serial (interimsnummer, reservnummer) is refused with its own message.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from personnummer import personnummer as _pnr

INVALID = "Ogiltigt personnummer"
BAD_FORMAT = f"{INVALID}: ange 10 eller 12 siffror, t.ex. ÅÅÅÅMMDD-NNNN"
BAD_DATE = f"{INVALID}: datumet finns inte"
FUTURE_DATE = f"{INVALID}: födelsedatumet har inte inträffat"
BAD_CHECK_DIGIT = f"{INVALID}: kontrollsiffran stämmer inte"
RESERV = "Reservnummer och interimsnummer kan inte ta emot ärenden i 1177"

_SHAPE = re.compile(r"^(\d{6}|\d{8})([-+]?)(\d{4})$")
_LETTER_SERIAL = re.compile(r"^(\d{6}|\d{8})[-+]?[A-Za-z]\d{3}$")


class PnrRefused(ValueError):
    """The input is not a personnummer the tool accepts; `str(err)` is the Swedish message."""


@dataclass(frozen=True)
class Pnr:
    """A valid personnummer or samordningsnummer, normalised to 12 digits."""

    digits: str

    @property
    def display(self) -> str:
        """The form the tool shows: `YYYYMMDD-XXXX`."""
        return display(self.digits)

    @property
    def is_samordningsnummer(self) -> bool:
        """True when the day is above 60."""
        return int(self.digits[6:8]) > 60


def display(digits12: str) -> str:
    """Format 12 digits as `YYYYMMDD-XXXX`."""
    return f"{digits12[:8]}-{digits12[8:]}"


def parse(raw: str, today: dt.date | None = None) -> Pnr:
    """Parse typed input into a `Pnr`, or raise `PnrRefused` with the Swedish reason."""
    text = (raw or "").strip().replace(" ", "")
    if _LETTER_SERIAL.match(text):
        raise PnrRefused(RESERV)
    shape = _SHAPE.match(text)
    if not shape:
        raise PnrRefused(BAD_FORMAT)
    today = today or dt.date.today()
    try:
        parsed = _pnr.parse(text)
    except _pnr.PersonnummerException as err:
        raise PnrRefused(_reason(shape, today)) from err
    if parsed.get_date() > today:
        raise PnrRefused(FUTURE_DATE)
    return Pnr(parsed.format(long_format=True))


def _reason(shape: re.Match, today: dt.date) -> str:
    """Why a well-shaped number is not valid: the check digit, else the date, else in general."""
    date, separator, serial = shape.groups()
    if luhn_check_digit(date[-6:] + serial[:3]) != int(serial[3]):
        return BAD_CHECK_DIGIT
    if len(date) == 8:
        year = int(date[:4])
    else:  # 10 digits: the latest year not in the future, a century earlier with "+"
        year = today.year - (today.year - int(date[:2])) % 100 - (100 if separator == "+" else 0)
    month, day = int(date[-4:-2]), int(date[-2:])
    try:
        dt.date(year, month, day - 60 if day > 60 else day)
    except ValueError:
        return BAD_DATE
    return INVALID


def try_parse(raw: str) -> Pnr | None:
    """Parse, returning None instead of raising."""
    try:
        return parse(raw)
    except PnrRefused:
        return None


def luhn_check_digit(nine_digits: str) -> int:
    """The Luhn check digit over the 9 digits YYMMDDNNN."""
    total = 0
    for i, ch in enumerate(nine_digits):
        v = int(ch) * (2 - i % 2)
        total += v - 9 if v > 9 else v
    return (10 - total % 10) % 10


def samordningsnummer_from(digits12: str) -> str:
    """Derive a samordningsnummer from a test personnummer: day + 60 and a recomputed check digit."""
    day = int(digits12[6:8]) + 60
    body = f"{digits12[:6]}{day:02d}{digits12[8:11]}"
    return body + str(luhn_check_digit(body[2:]))


def with_broken_check_digit(digits12: str) -> str:
    """The same number with a deliberately wrong check digit."""
    return digits12[:11] + str((int(digits12[11]) + 1) % 10)
