"""The doctor use case: walk every screen of the staff tool up to, never including, Skicka with trial citizens and
check every selectors key; the report (with a screenshot of each screen) says what is missing and the closest
candidates."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import Campaign
from bot.errors import ConfigError

if TYPE_CHECKING:
    from bot.run.doctor_report import DoctorReport


def check_selectors(
    campaign: Campaign, pnrs: list[str], out: Path | None = None, propose: Path | None = None, force: bool = False
) -> DoctorReport:
    """Walk the screens with the trial citizens `pnrs` and return the report (written into `out`, or
    paths.artifacts); with `propose`, write there the override the doctor could decide (an existing file only
    with `force`)."""
    from bot.run.doctor import run_doctor
    from bot.run.doctor_propose import refuse_existing

    if propose is not None:
        refuse_existing(propose, force)
    return run_doctor(campaign, pnrs, out, propose, force)


# How many of a delivery's citizens the doctor tries, at most, to see one who can be reached and one who cannot.
TRIALS = 5


def doctor_citizens(delivery: Path | None, pnr_texts: tuple[str, ...], password_env: str) -> list[str]:
    """The 12-digit personnummer to try, in order: those named, or the delivery's first few."""
    from bot.intake import read_delivery
    from bot.pnr import InvalidPersonnummer, normalize

    if pnr_texts:
        try:
            return [normalize(text) for text in pnr_texts]
        except InvalidPersonnummer as e:
            raise ConfigError(f"--pnr är inget giltigt personnummer ({e}).") from None
    if delivery is None:
        raise ConfigError("Ange --delivery (doktorn använder leveransens första invånare) eller --pnr.")
    accepted = read_delivery(delivery, password_env).accepted
    if not accepted:
        raise ConfigError(f"Leveransen {delivery} har inga giltiga personnummer.")
    return [item.pnr for item in accepted[:TRIALS]]
