"""`utskick validate DELIVERY`: unpack and check a delivery, show what would be sent and what is refused."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from bot.errors import EXIT_INPUT, EXIT_OK, InputError
from bot.intake import IntakeResult, NoValidPersonnummer, read_delivery
from bot.pnr import mask, scrub

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
PREVIEW = 5


@click.command("validate")
@click.argument("delivery", type=click.Path(path_type=Path))
@click.option(
    "--password-env",
    default="UTSKICK_7Z_PASSWORD",
    show_default=True,
    metavar="NAME",
    help="Miljövariabeln som håller arkivets lösenord.",
)
@click.option("--json", "as_json", is_flag=True, help="Skriv resultatet som JSON (för maskiner).")
def validate(delivery: Path, password_env: str, as_json: bool) -> None:
    """Packa upp och kontrollera en leverans; ingenting skickas."""
    try:
        result = read_delivery(delivery, password_env)
    except NoValidPersonnummer as e:
        _emit(e.result, as_json, error=str(e))
        sys.exit(EXIT_INPUT)
    except InputError as e:
        _emit(None, as_json, error=str(e))
        sys.exit(EXIT_INPUT)
    _emit(result, as_json)
    sys.exit(EXIT_OK)


def _emit(result: IntakeResult | None, as_json: bool, error: str | None = None) -> None:
    if as_json:
        payload = result.to_json_dict() if result else {"valid": 0, "invalid": [], "duplicates": 0, "warnings": []}
        payload["ok"] = error is None
        if error:
            payload["error"] = scrub(error)
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    console = Console(highlight=False, soft_wrap=True)
    if result is not None:
        _summary(console, result)
    if error:
        console.print(f"[bold red]Fel:[/] {scrub(error)}", markup=True)
        console.print("Ingenting skickas. Rätta leveransen och kör igen.")


def _summary(console: Console, result: IntakeResult) -> None:
    """The Swedish summary a case handler reads: counts, refusals by reason, the refused rows, warnings."""
    console.print(f"[bold]Leverans:[/] {result.source}  (fingeravtryck {result.fingerprint[:12]})")
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
            rows.add_row(r.file, str(r.line), r.masked or "-", r.reason)
        console.print(rows)
    if result.accepted:
        preview = ", ".join(mask(c.pnr) for c in result.accepted[:PREVIEW])
        more = f" … och {len(result.accepted) - PREVIEW} till" if len(result.accepted) > PREVIEW else ""
        console.print(f"Första mottagarna: {preview}{more}")
    for warning in result.warnings:
        console.print(f"[yellow]Varning:[/] {scrub(warning)}")
