"""Swedish personnummer: normalise, classify, mask.

Validity (date and check digit) is decided by the `personnummer` package on the 12-digit form; this module
only decides the century of 10-digit numbers (from `today`, so tests are stable), recognises interim numbers
(a letter in the serial, which the package does not know) and explains in Swedish why a number is refused.
No message or exception produced here ever contains a full personnummer.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Literal

from personnummer import personnummer as _personnummer_pkg

from bot.errors import InputError

Kind = Literal["personnummer", "samordningsnummer", "interim"]

# Interim numbers (Skatteverket's "interimistiska nummer", used by care as reservnummer) carry one of these
# letters in place of the serial's first digit; the check digit is computed with the letter read as 1.
INTERIM_LETTERS = "TRSUWXJKLMN"

_FORM = re.compile(r"^(?P<century>[0-9]{2})?(?P<yymmdd>[0-9]{6})(?P<sep>[-+])?(?P<serial>[0-9A-Z][0-9]{3})$", re.ASCII)

REASONS_SV = {
    "invalid_format": "Ogiltigt format: ett personnummer har 10 eller 12 siffror, t.ex. ÅÅÅÅMMDD-NNNN.",
    "invalid_serial": "Ogiltigt personnummer: födelsenumret får inte vara 000.",
    "invalid_date": "Ogiltigt datum i personnumret.",
    "future_date": "Födelsedatumet i personnumret ligger i framtiden.",
    "invalid_check_digit": "Fel kontrollsiffra: personnumret är felskrivet.",
    "interim": "Interimsnummer (reservnummer): innehavaren kan inte logga in på 1177 och kan inte nås här.",
}

MASK_PATTERN = re.compile(
    r"(?<![0-9])(?P<date>(?:18|19|20)?[0-9]{6})(?P<sep>[-+]?)(?P<serial>[0-9" + INTERIM_LETTERS + r"][0-9]{3})"
    r"(?![0-9])",
    re.ASCII,
)


class InvalidPersonnummer(InputError):
    """A text is not a usable personnummer; `code` is a short English slug, the message is Swedish."""

    def __init__(self, code: str, message: str | None = None) -> None:
        super().__init__(message or REASONS_SV[code])
        self.code = code


def luhn_check_digit(nine_digits: str) -> int:
    """The check digit for YYMMDDNNN (used for interim numbers and to derive test data on purpose)."""
    total = 0
    for i, ch in enumerate(nine_digits):
        v = int(ch) * (2 - i % 2)
        total += v - 9 if v > 9 else v
    return (10 - total % 10) % 10


def _birth_date(year: int, month: int, day: int) -> date | None:
    """The birth date a number encodes (samordningsnummer: day + 60), or None when it is no date."""
    try:
        return date(year, month, day - 60 if day > 60 else day)
    except ValueError:
        return None


def _full_year(yymmdd: str, plus: bool, today: date) -> int:
    """The four-digit year of a 10-digit number: the latest one not in the future, 100 years back for `+`."""
    yy, month, day = int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:6])
    limit = date(today.year - 100, today.month, 28 if (today.month, today.day) == (2, 29) else today.day)
    limit = limit if plus else today
    year = limit.year - ((limit.year - yy) % 100)
    born = _birth_date(year, month, day)
    if born is not None and born > limit:
        year -= 100
    return year


def _split(text: str, today: date) -> tuple[str, str]:
    """Return (YYYYMMDD, serial) of any textual form, or raise invalid_format."""
    if not isinstance(text, str):
        raise InvalidPersonnummer("invalid_format")
    match = _FORM.match(text.strip().upper())
    if not match:
        raise InvalidPersonnummer("invalid_format")
    yymmdd, serial = match["yymmdd"], match["serial"]
    if match["century"]:
        century_year = match["century"] + yymmdd[:2]
    else:
        century_year = f"{_full_year(yymmdd, match['sep'] == '+', today):04d}"
    if len(century_year) != 4:
        raise InvalidPersonnummer("invalid_date")
    return century_year + yymmdd[2:], serial


def _normalize_coordination(ymd: str, serial: str, today: date) -> str:
    """Validate a samordningsnummer. Its date may be incomplete or not a calendar date (month 00, day
    60-91 in any month): `personnummer` 3.2 refuses those, the personnummer organisation's vectors
    (allCoords.json) accept them, so they are checked here with the same Luhn rule."""
    pnr12 = ymd + serial
    if _personnummer_pkg.valid(pnr12):
        if int(ymd[:4]) > today.year:
            raise InvalidPersonnummer("future_date")
        return pnr12
    if serial[:3] == "000":
        raise InvalidPersonnummer("invalid_serial")
    if int(ymd[4:6]) > 12 or int(ymd[6:8]) > 91:
        raise InvalidPersonnummer("invalid_date")
    if luhn_check_digit(ymd[2:] + serial[:3]) != int(serial[3]):
        raise InvalidPersonnummer("invalid_check_digit")
    if int(ymd[:4]) > today.year:
        raise InvalidPersonnummer("future_date")
    return pnr12


def _explain(ymd: str, serial: str) -> str:
    """Why a number the package refused is invalid (a reason code)."""
    if serial[:3] == "000":
        return "invalid_serial"
    born = _birth_date(int(ymd[:4]), int(ymd[4:6]), int(ymd[6:8]))
    if born is None:
        return "invalid_date"
    return "invalid_check_digit"


def normalize(text: str, today: date | None = None, *, allow_interim: bool = False) -> str:
    """Return the 12-digit form of any textual form, or raise InvalidPersonnummer (interims refused by default)."""
    today = today or date.today()
    ymd, serial = _split(text, today)
    if serial[0].isalpha():
        return _normalize_interim(ymd, serial, today, allow_interim)
    pnr12 = ymd + serial
    if int(ymd[6:8]) >= 60:
        return _normalize_coordination(ymd, serial, today)
    if not _personnummer_pkg.valid(pnr12):
        raise InvalidPersonnummer(_explain(ymd, serial))
    born = _birth_date(int(ymd[:4]), int(ymd[4:6]), int(ymd[6:8]))
    if born is None:
        raise InvalidPersonnummer("invalid_date")
    if born > today:
        raise InvalidPersonnummer("future_date")
    return pnr12


def _normalize_interim(ymd: str, serial: str, today: date, allow_interim: bool) -> str:
    """Validate an interim number (letter read as 1 for the check digit); refuse it unless allowed."""
    if serial[0] not in INTERIM_LETTERS:
        raise InvalidPersonnummer("invalid_format")
    born = _birth_date(int(ymd[:4]), int(ymd[4:6]), int(ymd[6:8]))
    if born is None or int(ymd[6:8]) > 31:
        raise InvalidPersonnummer("invalid_date")
    if luhn_check_digit(ymd[2:] + "1" + serial[1:3]) != int(serial[3]):
        raise InvalidPersonnummer("invalid_check_digit")
    if born > today:
        raise InvalidPersonnummer("future_date")
    if not allow_interim:
        raise InvalidPersonnummer("interim")
    return ymd + serial


def classify(pnr12: str) -> Kind:
    """Tell a personnummer from a samordningsnummer (day + 60) or an interim number (letter in the serial)."""
    if not isinstance(pnr12, str) or len(pnr12) != 12 or not pnr12[:8].isdigit():
        raise InvalidPersonnummer("invalid_format")
    if pnr12[8].isalpha():
        return "interim"
    return "samordningsnummer" if int(pnr12[6:8]) >= 60 else "personnummer"


def display(pnr12: str) -> str:
    """The form the staff tool shows: YYYYMMDD-XXXX."""
    if len(pnr12) != 12:
        raise InvalidPersonnummer("invalid_format")
    return f"{pnr12[:8]}-{pnr12[8:]}"


def mask(pnr: str) -> str:
    """Keep the date and hide the serial: YYYYMMDD-**** (YYMMDD-**** for 10 digits, **** when no date leads)."""
    core = re.sub(r"[\s\-+]", "", str(pnr))
    sep = "+" if "+" in str(pnr) else "-"
    if len(core) == 12 and core[:8].isdigit():
        return f"{core[:8]}-****"
    if len(core) == 10 and core[:6].isdigit():
        return f"{core[:6]}{sep}****"
    if _leading_date(core[:8]):  # a value cut short keeps its date, which helps a person find the row
        return f"{core[:8]}-****"
    return "****"


def _leading_date(text: str) -> bool:
    """True for YYYYMMDD that is a birth date (samordningsnummer too) between 1800 and 2099."""
    if len(text) != 8 or not text.isdigit() or not 1800 <= int(text[:4]) <= 2099:
        return False
    return _birth_date(int(text[:4]), int(text[4:6]), int(text[6:8])) is not None


def scrub(text: str) -> str:
    """Mask every personnummer or samordningsnummer in free text (for logs and messages); HSA-ids stay readable."""
    return MASK_PATTERN.sub(_mask_match, str(text))


def _mask_match(m: re.Match[str]) -> str:
    """Mask a match whose date could be a birth date (samordningsnummer: day + 60).

    An organisation number (the heart of an HSA-id such as SE2321000016-A001) has a "month" of 20 or more, so
    it is left alone.
    """
    six = m["date"][-6:]
    month, day = int(six[2:4]), int(six[4:6])
    if month > 12 or not (day <= 31 or 60 <= day <= 91):
        return m[0]
    return f"{m['date']}{m['sep'] or '-'}****"
