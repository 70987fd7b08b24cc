"""The validate use case: how a delivery's accepted citizens stand in the campaign's ledger (new, known by state,
reached by the continued campaign) and whether the campaign may run; `utskick validate --campaign` and the
window's Leverans both show it. Reading the delivery itself is `bot.intake.read_delivery`."""

from __future__ import annotations

from bot.config import Campaign
from bot.guideline import check
from bot.intake import IntakeResult
from bot.ledger import Ledger
from bot.ledger.identity import identify

REASON_LABELS_SV = {
    "invalid_format": "Ogiltigt format",
    "invalid_serial": "Ogiltigt födelsenummer",
    "invalid_date": "Ogiltigt datum",
    "future_date": "Datum i framtiden",
    "invalid_check_digit": "Fel kontrollsiffra",
    "interim": "Interimsnummer/reservnummer",
    "samordningsnummer": "Samordningsnummer",
    "duplicate": "Dubbletter",
}


def compare_with_campaign(result: IntakeResult, campaign: Campaign) -> dict:
    """How the accepted citizens stand in the campaign's ledger: new ones, known ones by state, those the
    continued campaign already reached, and the other campaigns of the same name (`problem` when it may not run)."""
    known: dict[str, str] = {}
    received: set[str] = set()
    identity_lines: list[str] = []
    problem = None
    if campaign.ledger.exists():  # never create a ledger just to look
        with Ledger.open(campaign.ledger, actor="validate", run_id="validate") as ledger:
            key = campaign.key()
            identity = identify(ledger, campaign, key)
            if identity.recorded:
                known = {item.pnr: item.state for item in ledger.items(key)}
            received = identity.already_received(ledger)
            identity_lines = identity.describe()
            problem = identity.problem
    by_state: dict[str, int] = {}
    earlier = 0
    for citizen in result.accepted:
        if citizen.pnr in known:
            by_state[known[citizen.pnr]] = by_state.get(known[citizen.pnr], 0) + 1
        elif citizen.pnr in received:
            earlier += 1
    already = sum(by_state.values())
    new = len(result.accepted) - already - earlier
    checklist = check(campaign, None)  # validate reads no browser: the text points wait for the preview
    problem = problem or checklist.refusal()
    # In-doubt citizens are looked up in Alla ärenden first, so they are not counted as sends.
    to_send = new + by_state.get("pending", 0) + by_state.get("failed", 0)
    return {
        "name": campaign.name,
        "new": new,
        "already_in_campaign": already,
        "by_state": by_state,
        "to_send_next_run": 0 if problem else to_send,
        "already_received_earlier": earlier,
        "ledger": str(campaign.ledger),
        "identity": identity_lines,
        "problem": problem,
        "guideline": checklist.to_dict(),
        "guideline_text": checklist.describe(),
    }
