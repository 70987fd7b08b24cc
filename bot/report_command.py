"""`utskick report CAMPAIGN [--out DIR]`: write the beställare's xlsx, the HTML summary and the journal export."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from bot.config import load_campaign
from bot.errors import UtskickError


@click.command("report")
@click.argument("campaign_file", type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(path_type=Path), help="Mapp för rapporterna (annars paths.reports).")
@click.option("--ledger", type=click.Path(path_type=Path), help="Liggarens SQLite-fil (ersätter paths.ledger).")
def report(campaign_file: Path, out: Path | None, ledger: Path | None) -> None:
    """Skriv rapporterna: Excel till beställaren, HTML-sammanfattning utan personnummer och journalexport."""
    from bot.report import write_reports_for_campaign

    try:
        campaign = load_campaign(campaign_file).with_overrides(ledger=ledger.resolve() if ledger else None)
        paths = write_reports_for_campaign(campaign, out.resolve() if out else None)
    except UtskickError as e:
        click.echo(f"Fel: {e}", err=True)
        sys.exit(e.exit_code)
    if not paths:
        click.echo(f"Kampanjen '{campaign.name}' har inte körts ännu: ingen rapport skrevs.")
        return
    click.echo(f"Rapporter för kampanjen '{campaign.name}':")
    for label, path in zip(_LABELS, paths, strict=False):
        click.echo(f"  {label}: {path}")


_LABELS = (
    "Excel till beställaren (innehåller personnummer)",
    "Sammanfattning (HTML, utan personnummer)",
    "Journalexport (CSV, innehåller personnummer)",
)
