"""The third skin ("modern"): a build made with a component library, over the single-page skin's JSON API.

One shell page serves every path under `/ui/` (history routing, not hash routes); `static/modern/*.js` renders the
screens from `spa.py`/`spa_api.py`, so faults, latency, lost answers, session expiry and the clock apply as for
the spa skin. What differs is the interaction: a native select plus Fortsätt, a type-to-filter combobox, several
personnummer at once, check results only in icons' accessible names inside a web component, a menu button for
the template texts, a two-step upload, a confirmation checkbox instead of a dialog, receipt cards, and one list of
every ärende with "Visa fler". The site's own check-result wordings are here, so tests and the README share them.
"""

from __future__ import annotations

from flask import Blueprint, render_template

from mock_personalverktyg.citizens import ERRORS

bp = Blueprint("modern", __name__)

CAN = "Kan ta emot"
CANNOT = "Kan inte ta emot"
CHECKING = "Kontrollerar"
# This build's wording of each refusal (the other skins show citizens.ERRORS).
REASONS = {
    "samordningsnummer": "Samordningsnummer saknar inloggning till 1177",
    "deceased": "Personen är avliden eller utflyttad",
    "never": "Invånaren har aldrig loggat in i 1177",
    "locked": "Inloggningen är låst",
    "no_notification": "Aviseringar saknas (varken SMS eller e-post)",
}
CHANNELS = {"Avisering: SMS": "avisering via SMS", "Avisering: E-post": "avisering via e-post"}
CHANNELS["Avisering: SMS, E-post"] = "avisering via SMS och e-post"
PROTECTED = "Skyddad identitet"


def result_text(code: str, texts: list[str]) -> str:
    """A check result as this build names its icon, e.g. "Kan inte ta emot: Inloggningen är låst"."""
    if code != "ok":
        return f"{CANNOT}: {REASONS[code]}"
    channel = next(CHANNELS[t] for t in texts if t in CHANNELS)
    marker = f". {PROTECTED}" if PROTECTED in texts else ""
    return f"{CAN}: Aktiv inloggning, {channel}{marker}"


def site_texts() -> dict:
    """What the page needs to word results its own way: reasons by code and by the store's (classic) text."""
    return {
        "can": CAN,
        "cannot": CANNOT,
        "checking": CHECKING,
        "reasons": REASONS,
        "by_text": {ERRORS[code]: f"{CANNOT}: {REASONS[code]}" for code in REASONS},
        "channels": CHANNELS,
        "protected": PROTECTED,
    }


@bp.get("/ui/")
@bp.get("/ui/<path:route>")
def shell(route: str = ""):
    """The one page of the modern skin; its path says which screen to render."""
    return render_template("modern.html", texts=site_texts())
