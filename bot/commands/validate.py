"""`utskick validate DELIVERY`: unpack and check a delivery, show what would be sent and what is refused."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from bot.app.command_log import CommandLog
from bot.app.validate import REASON_LABELS_SV, compare_with_campaign
from bot.config import load_campaign
from bot.errors import EXIT_INPUT, EXIT_OK, InputError
from bot.intake import IntakeResult, NoValidPersonnummer, read_delivery
from bot.pnr import mask, scrub
from bot.summary import STATES_SV

PREVIEW = 5


@click.command("validate")
@click.argument("delivery", type=click.Path(path_type=Path))
@click.option(
    "--password-env",
    default=None,
    metavar="NAME",
    help="Miljövariabeln som håller arkivets lösenord (standard: kampanjens delivery.password_env, "
    "annars UTSKICK_7Z_PASSWORD).",
)
@click.option(
    "--campaign",
    "campaign_file",
    type=click.Path(path_type=Path),
    help="Kampanjfil: visa också vilka som redan finns i kampanjens liggare och vilka som är nya.",
)
@click.option("--json", "as_json", is_flag=True, help="Skriv resultatet som JSON (för maskiner).")
@click.option("-v", "--verbose", is_flag=True, help="Visa händelser i terminalen, inte bara i loggfilen.")
def validate(
    delivery: Path, password_env: str | None, campaign_file: Path | None, as_json: bool, verbose: bool
) -> None:
    """Packa upp och kontrollera en leverans; ingenting skickas."""
    command_log = CommandLog("validate", verbose=verbose)  # a log file only with --campaign: it says where
    try:
        campaign = load_campaign(campaign_file) if campaign_file else None
        if campaign is not None:
            command_log.open(campaign.logs)
        env = password_env or (campaign.delivery_password_env if campaign else "UTSKICK_7Z_PASSWORD")
        result = read_delivery(delivery, env)
    except NoValidPersonnummer as e:
        command_log.refused(e, campaign_file)
        _emit(e.result, as_json, error=str(e))
        sys.exit(EXIT_INPUT)
    except InputError as e:
        command_log.refused(e, campaign_file)
        _emit(None, as_json, error=str(e))
        sys.exit(EXIT_INPUT)
    against = compare_with_campaign(result, campaign) if campaign else None
    problem = against.get("problem") if against else None
    command_log.finished(accepted=len(result.accepted), rejected=len(result.rejected), problem=bool(problem))
    _emit(result, as_json, against=against, error=problem)
    sys.exit(EXIT_INPUT if problem else EXIT_OK)


def _emit(result: IntakeResult | None, as_json: bool, error: str | None = None, against: dict | None = None) -> None:
    if as_json:
        payload = result.to_json_dict() if result else {"valid": 0, "invalid": [], "duplicates": 0, "warnings": []}
        payload["ok"] = error is None
        if against is not None:
            payload["campaign"] = {k: v for k, v in against.items() if k != "guideline_text"}
        if error:
            payload["error"] = scrub(error)
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    console = Console(highlight=False, soft_wrap=True)
    if result is not None:
        _summary(console, result)
    if against is not None:
        _campaign_summary(console, against)
    if error:
        console.print(f"[bold red]Fel:[/] {escape(scrub(error))}", markup=True)
        console.print("Ingenting skickas. Rätta det som står ovan och kör igen.")


def _summary(console: Console, result: IntakeResult) -> None:
    """The Swedish summary a case handler reads: counts, refusals by reason, the refused rows, warnings."""
    console.print(f"[bold]Leverans:[/] {escape(result.source)}  (fingeravtryck {result.fingerprint[:12]})")
    console.print(f"Filer: {result.files}   Rader: {result.rows}")
    console.print(f"[green]Godkända (skickas till): {len(result.accepted)}[/]")
    console.print(f"Avvisade: {len(result.rejected)}   varav dubbletter: {result.duplicates}")
    by_reason = result.rejected_by_reason()
    if by_reason:
        counts = Table(title="Avvisade per orsak", show_header=True)
        counts.add_column("Orsak")
        counts.add_column("Antal", justify="right")
        for code, n in by_reason.items():
            counts.add_row(REASON_LABELS_SV.get(code, code), str(n))
        console.print(counts)
        rows = Table(title="Avvisade rader", show_header=True)
        for column in ("Fil", "Rad", "Personnummer", "Orsak"):
            rows.add_column(column)
        for r in result.rejected:
            rows.add_row(escape(r.file), str(r.line), r.masked or "-", escape(r.reason))
        console.print(rows)
    if result.accepted:
        preview = ", ".join(mask(c.pnr) for c in result.accepted[:PREVIEW])
        more = f" … och {len(result.accepted) - PREVIEW} till" if len(result.accepted) > PREVIEW else ""
        console.print(f"Första mottagarna: {preview}{more}")
    for warning in result.warnings:
        console.print(f"[yellow]Varning:[/] {escape(scrub(warning))}")


def _campaign_summary(console: Console, against: dict) -> None:
    """What a run of this campaign would do with the delivery: send to the new, nothing twice to the known."""
    console.print(f"[bold]Kampanj:[/] {against['name']}")
    console.print(f"Liggare: {against['ledger']}")
    if against["already_received_earlier"]:
        console.print(f"Har redan fått meddelandet i kampanjen som fortsätts: {against['already_received_earlier']}")
    console.print(f"Nya för kampanjen: {against['new']}")
    known = ", ".join(f"{STATES_SV.get(state, state)} {n}" for state, n in sorted(against["by_state"].items()))
    console.print(f"Redan i kampanjen: {against['already_in_campaign']}" + (f" ({known})" if known else ""))
    console.print(f"[green]Skickas vid nästa körning: {against['to_send_next_run']}[/]")
    console.print(against["guideline_text"], markup=False)
    for line in against["identity"]:
        if line != against["problem"]:
            console.print(line, markup=False)
