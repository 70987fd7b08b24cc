"""The approve use case: a second person approves this exact message for this delivery, in the ledger's audit
trail, on either ledger backend. The command line asks for the approver in the terminal, the window in a form;
both record through `approve_campaign` and show `describe_for_approval`."""

from __future__ import annotations

from pathlib import Path

from bot.app.documents import base_document
from bot.config import Campaign
from bot.errors import UtskickError
from bot.guideline import check
from bot.intake import IntakeResult
from bot.ledger import Approval, Ledger
from bot.ledger.target import LedgerTarget
from bot.private_files import private_dir
from bot.run.approval import approve as record_approval
from bot.run.approval import check_approver, require_approval


def describe_for_approval(campaign: Campaign, key: str, intake: IntakeResult) -> str:
    """The Swedish description of what an approval covers (the terminal and the window show the same facts)."""
    facts = campaign.key_facts()
    lines = [
        f"Kampanj: {campaign.name}  (nyckel {key[:12]})",
        f"Beställare: {campaign.bestallare}    Avsändare: {campaign.sender_name}",
        f"Mottagning: {campaign.unit}    Mall: {campaign.template}",
        f"Texter i ordning: {', '.join(campaign.texts) or '(inga)'}",
        f"Extra text: {campaign.extra_text or '(ingen)'}",
        "Bilagor: " + (", ".join(f"{a['name']} (sha256 {a['sha256'][:12]})" for a in facts["attachments"]) or "(inga)"),
        f"Leverans: {intake.source}  (fingeravtryck {intake.fingerprint[:12]})",
        f"  godkända personnummer: {len(intake.accepted)}, avvisade rader: {len(intake.rejected)}, "
        f"dubbletter: {intake.duplicates}",
        check(campaign, None).describe(),  # the approver confirms the checklist; the approval records it
    ]
    return "\n".join(lines)


def approve_campaign(
    campaign: Campaign, intake: IntakeResult, name: str, hsa_id: str, *, run_id: str, composed: str | None = None
) -> Approval:
    """Record `name`/`hsa_id`'s approval of the campaign as it is now, for this delivery (refused: InputError);
    `composed`: the previewed message, whose guideline checklist the approval records."""
    name, hsa_id = check_approver(campaign, name, hsa_id)
    make_ledger_folder(campaign.ledger)
    with Ledger.open(campaign.ledger, actor=hsa_id, run_id=run_id) as ledger:
        return record_approval(ledger, campaign, campaign.key(), intake, name, hsa_id, composed)


def make_ledger_folder(target: LedgerTarget) -> None:
    """A SQLite ledger's folder, owner-only when created; a database ledger has none."""
    if isinstance(target, Path):
        private_dir(target.parent, tighten=False)


def approvals(campaign: Campaign) -> list[Approval]:
    """The approvals of the campaign's current key (none when it has no ledger yet)."""
    if not campaign.ledger.exists():
        return []
    with Ledger.open(campaign.ledger, actor="ui", run_id="ui") as ledger:
        return ledger.approvals(campaign.key())


def approval_line(campaign: Campaign, intake: IntakeResult | None) -> str:
    """Whether a run may send, as far as approval goes, in Swedish (the run checks it again itself)."""
    if not campaign.approval_required:
        return "Kampanjen kräver inget godkännande av en andra person."
    if not campaign.ledger.exists():
        return "Kampanjen kräver godkännande av en andra person, och inget finns ännu (Godkännande)."
    key = campaign.key()
    with Ledger.open(campaign.ledger, actor="ui", run_id="ui") as ledger:
        fingerprints = [intake.fingerprint] if intake else [d["fingerprint"] for d in ledger.deliveries(key)]
        try:
            found = require_approval(ledger, campaign, key, fingerprints)
        except UtskickError as e:
            return str(e)
    return "Godkänt: " + "; ".join(a.describe() for a in found) + "."


def approval_document(campaign: Campaign, approval: Approval, *, message: str, log_file: Path | None) -> dict:
    """`utskick approve --json`: the recorded approval."""
    doc = base_document("approve", exit_code=0, campaign=campaign.name, campaign_key=campaign.key())
    doc.update(
        message=message,
        log_file=str(log_file) if log_file else None,
        approval={
            "id": approval.id,
            "at": approval.at,
            "approver_name": approval.approver_name,
            "approver_hsa_id": approval.approver_hsa_id,
            "delivery_fingerprint": approval.fingerprint,
            "delivery_source": approval.source,
        },
    )
    return doc
