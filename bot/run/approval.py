"""A second person's approval: with `[approval] required = true`, a run sends only a message (campaign key:
name, unit, template, texts, extra text, attachments by hash) and a delivery (fingerprint) that someone else,
named with name and HSA-id, has approved. A changed character in the message makes a new key, which no approval
covers. `utskick approve` and the window record approvals; `run` (both) checks them.

"Someone else" is checked against the sender: the campaign's `staff_tool.hsa_id` and the users the staff tool
showed as signed in to earlier runs (at approval), and the user it shows signed in to this run (after each
login: `check_sender`). An approval records a statement (a name and an HSA-id typed in), not a login of the
approver's own.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from bot.config import Campaign
from bot.errors import ApprovalMissing, CampaignConflict, InputError, SenderUnknown
from bot.guideline import check as check_guideline
from bot.intake import IntakeResult
from bot.ledger import Approval, Ledger
from bot.ledger.identity import identify, message_differences, same_name

# SE + the organisation number (10 digits) + "-" + the local part, e.g. SE2321000016-A001.
HSA_ID = re.compile(r"SE\d{10}-[0-9A-Za-z]{1,31}")
MAX_NAME = 120


def check_approver(campaign: Campaign, name: str, hsa_id: str, senders: list[str] = ()) -> tuple[str, str]:
    """The approver's name and HSA-id, trimmed; an InputError (Swedish) when either is wrong or is the sender
    (`staff_tool.hsa_id`, or one of `senders`, the users the staff tool showed signed in to the campaign's runs)."""
    name = " ".join(unicodedata.normalize("NFC", name or "").split())
    hsa_id = (hsa_id or "").strip().upper()
    if not name:
        raise InputError("Godkännandet behöver godkännarens namn.")
    if len(name) > MAX_NAME or any(unicodedata.category(ch).startswith("C") for ch in name):
        raise InputError(f"Godkännarens namn får vara högst {MAX_NAME} tecken, utan styrtecken.")
    if not HSA_ID.fullmatch(hsa_id):
        raise InputError(
            f"HSA-id '{hsa_id}' har fel form: det ska vara SE, tio siffror, ett bindestreck och ett id, "
            "t.ex. SE2321000016-A001."
        )
    if campaign.hsa_id and hsa_id == campaign.hsa_id.strip().upper():
        raise InputError(
            f"{hsa_id} är den som skickar kampanjen (staff_tool.hsa_id). Godkännandet ska göras av en annan person."
        )
    for sender in senders:
        if _is_sender(sender, name, hsa_id):
            raise InputError(
                f"{name} ({hsa_id}) var inloggad i Personalverktyget när kampanjen skickades ({sender}) och är "
                "alltså avsändaren. Godkännandet ska göras av en annan person."
            )
    return name, hsa_id


def check_sender(campaign: Campaign, approvals: list[Approval], sender: str | None) -> None:
    """After a login of a run that needs approval: SenderUnknown (exit 3) when the staff tool shows no signed-in
    user, ApprovalMissing (exit 2, nothing sent) when the signed-in user is one of the approvers."""
    if not campaign.approval_required:
        return
    if sender is None:
        raise SenderUnknown(
            "Kampanjen kräver godkännande av en andra person, men Personalverktyget visar inte vem som är inloggad "
            "(selectors-nyckeln nav.signed_in_user hittas inte). Utan avsändaren går det inte att se att "
            "godkännaren är en annan person. Kör utskick doctor och rätta nyckeln. Inget skickades."
        )
    for approval in approvals:
        if _is_sender(sender, approval.approver_name, approval.approver_hsa_id):
            raise ApprovalMissing(
                f"Godkännandet ({approval.describe()}) är gjort av den som är inloggad i Personalverktyget och "
                f"skickar ({sender}). Godkännandet ska göras av en annan person. Inget skickades."
            )


def _is_sender(shown: str, name: str, hsa_id: str) -> bool:
    """The staff tool's signed-in text names this person: the same name, or their HSA-id in it."""
    shown_ids = {found.upper() for found in HSA_ID.findall(shown)}
    return same_name(shown, name) or (bool(hsa_id) and hsa_id.upper() in shown_ids) or _name_part(shown, name)


def _name_part(shown: str, name: str) -> bool:
    # A header may add the HSA-id or a role to the name: "Anna Andersson (SE2321000016-A001)".
    before = re.split(r"\(|,|\||\s[–-]\s", shown, maxsplit=1)[0]
    return bool(before.strip()) and same_name(before, name)


def approval_facts(campaign: Campaign, intake: IntakeResult, composed: str | None = None) -> dict[str, Any]:
    """What an approval covers: the message facts, the guideline checklist as it was shown, and the delivery
    (fingerprint, source, counts; no personnummer)."""
    return {
        **campaign.facts(),
        "guideline": check_guideline(campaign, composed).to_dict(),
        "delivery": {
            "fingerprint": intake.fingerprint,
            "source": intake.source,
            "accepted": len(intake.accepted),
            "rejected": len(intake.rejected),
            "duplicates": intake.duplicates,
        },
    }


def approve(
    ledger: Ledger,
    campaign: Campaign,
    key: str,
    intake: IntakeResult,
    name: str,
    hsa_id: str,
    composed: str | None = None,
) -> Approval:
    """Record `name`/`hsa_id`'s approval of this message for this delivery; refused when the campaign could not run."""
    name, hsa_id = check_approver(campaign, name, hsa_id, ledger.senders(key))
    problem = identify(ledger, campaign, key).problem
    if problem:
        raise CampaignConflict(problem)
    return ledger.record_approval(
        key,
        campaign.name,
        intake.fingerprint,
        intake.source,
        approver_name=name,
        approver_hsa_id=hsa_id,
        facts=approval_facts(campaign, intake, composed),
    )


def require_approval(
    ledger: Ledger, campaign: Campaign, key: str, fingerprints: list[str], source: str = ""
) -> list[Approval]:
    """The approvals that let this run send; ApprovalMissing (exit 2, nothing sent) when one is missing."""
    if not campaign.approval_required:
        return []
    given = ledger.approvals(key)
    by_fingerprint = {a.fingerprint: a for a in given}
    missing = [fp for fp in fingerprints if fp not in by_fingerprint]
    if fingerprints and not missing:
        return [by_fingerprint[fp] for fp in fingerprints]
    raise ApprovalMissing(_missing_message(ledger, campaign, key, given, source))


def _missing_message(ledger: Ledger, campaign: Campaign, key: str, given: list[Approval], source: str) -> str:
    lines = [
        f"Kampanjen '{campaign.name}' (nyckel {key[:12]}) kräver godkännande av en andra person "
        "(approval.required = true). Inget skickades."
    ]
    if given:
        lines.append(
            f"Meddelandet är godkänt för en annan leverans ({given[-1].describe()}), inte för "
            f"{source or 'leveranserna i liggaren'}."
        )
    else:
        others = [a for a in ledger.approvals() if a.campaign_key != key and same_name(a.campaign_name, campaign.name)]
        if others:
            latest = others[-1]
            lines.append(
                f"Godkännandet ({latest.describe()}) gäller ett annat meddelande: det har ändrats sedan dess och "
                "godkännandet gäller inte längre."
            )
            lines.extend(f"  skiljer sig i {d}" for d in message_differences(latest.facts, campaign.facts()))
        else:
            lines.append("Inget godkännande finns för det här meddelandet.")
    lines.append(
        "Be en kollega granska och godkänna: utskick approve "
        f"{campaign.path.name} --delivery LEVERANS (eller i fönstret, utskick ui: Godkännande)."
    )
    return "\n".join(lines)
