"""`utskick approve CAMPAIGN --delivery LEVERANS`: a second person approves this exact message for this delivery.

Shows what is approved (the message facts, the attachments by hash, the delivery's counts and fingerprint),
asks for the approver's name and HSA-id when they are not given, asks to confirm (or `--yes`), and writes the
approval to the ledger's audit trail. Sends nothing.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from bot.app.approve import approval_document, approve_campaign, describe_for_approval
from bot.app.command_log import CommandLog
from bot.commands.output import emit, refuse
from bot.config import load_campaign
from bot.errors import InputError, UtskickError


@click.command("approve")
@click.argument("campaign_file", type=click.Path(path_type=Path))
@click.option("--delivery", type=click.Path(path_type=Path), required=True, help="Leveransen som godkänns.")
@click.option("--approver-name", help="Godkännarens namn (frågas efter om det saknas).")
@click.option("--approver-hsa-id", help="Godkännarens HSA-id, t.ex. SE2321000016-A002 (frågas efter om det saknas).")
@click.option("--ledger", type=click.Path(path_type=Path), help="Liggarens SQLite-fil (ersätter paths.ledger).")
@click.option("--yes", "assume_yes", is_flag=True, help="Fråga inte om bekräftelse.")
@click.option("--json", "as_json", is_flag=True, help="Skriv godkännandet som ett JSON-dokument på stdout.")
@click.option("-v", "--verbose", is_flag=True, help="Visa händelser i terminalen, inte bara i loggfilen.")
def approve(
    campaign_file: Path,
    delivery: Path,
    approver_name: str | None,
    approver_hsa_id: str | None,
    ledger: Path | None,
    assume_yes: bool,
    as_json: bool,
    verbose: bool,
) -> None:
    """Godkänn kampanjens meddelande för en leverans (en andra persons godkännande). Inget skickas."""
    from bot.intake import read_delivery
    from bot.run.approval import check_approver

    campaign = key = None
    command_log = CommandLog("approve", verbose=verbose)
    try:
        campaign = load_campaign(campaign_file).with_overrides(ledger=ledger.resolve() if ledger else None)
        command_log.open(campaign.logs)
        key = campaign.key()
        intake = read_delivery(delivery, campaign.delivery_password_env)
        interactive = sys.stdin.isatty()
        if not interactive and not (assume_yes and approver_name and approver_hsa_id):
            raise InputError(
                "Ingen terminal att fråga i: ange --approver-name, --approver-hsa-id och --yes för att godkänna."
            )
        click.echo(describe_for_approval(campaign, key, intake), err=as_json)
        name = approver_name or click.prompt("Godkännarens namn", err=as_json)
        hsa_id = approver_hsa_id or click.prompt("Godkännarens HSA-id", err=as_json)
        name, hsa_id = check_approver(campaign, name, hsa_id)
        if not assume_yes and not click.confirm(
            f"{name} ({hsa_id}) godkänner meddelandet, och riktlinjens punkter ovan är genomgångna?",
            default=False,
            err=as_json,
        ):
            click.echo("Avbrutet – inget godkändes.", err=True)
            sys.exit(4)
        approval = approve_campaign(campaign, intake, name, hsa_id, run_id=command_log.run_id)
    except UtskickError as e:
        command_log.refused(e, campaign_file)
        refuse("approve", e, e.exit_code, as_json=as_json, campaign=campaign and campaign.name, campaign_key=key)
    command_log.finished(approval_id=approval.id, approver_hsa_id=approval.approver_hsa_id)
    line = f"Godkänt: kampanjen '{campaign.name}' {approval.describe()}."
    click.echo(line, err=as_json)
    if as_json:
        emit(approval_document(campaign, approval, message=line, log_file=command_log.file))
