"""`utskick report CAMPAIGN [--out DIR]`: write the beställare's xlsx, the HTML summary and the journal export."""

from __future__ import annotations

from pathlib import Path

import click

from bot.app.command_log import CommandLog
from bot.app.report import REPORT_LABELS_SV, report_document, write_campaign_reports
from bot.commands.output import emit, refuse
from bot.config import load_campaign
from bot.errors import UtskickError


@click.command("report")
@click.argument("campaign_file", type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(path_type=Path), help="Mapp för rapporterna (annars paths.reports).")
@click.option("--ledger", type=click.Path(path_type=Path), help="Liggarens SQLite-fil (ersätter paths.ledger).")
@click.option("--json", "as_json", is_flag=True, help="Skriv resultatet som ett JSON-dokument på stdout.")
@click.option("-v", "--verbose", is_flag=True, help="Visa händelser i terminalen, inte bara i loggfilen.")
def report(campaign_file: Path, out: Path | None, ledger: Path | None, as_json: bool, verbose: bool) -> None:
    """Skriv rapporterna: Excel till beställaren, HTML-sammanfattning utan personnummer och journalexport."""
    campaign = key = None
    command_log = CommandLog("report", verbose=verbose)
    try:
        campaign = load_campaign(campaign_file).with_overrides(ledger=ledger.resolve() if ledger else None)
        command_log.open(campaign.logs)
        key = campaign.key()
        paths = write_campaign_reports(campaign, out.resolve() if out else None)
    except UtskickError as e:
        command_log.refused(e, campaign_file)
        refuse("report", e, e.exit_code, as_json=as_json, campaign=campaign and campaign.name, campaign_key=key)
    command_log.finished(reports=len(paths))
    if as_json:
        emit(report_document(campaign, paths))
    if not paths:
        click.echo(f"Kampanjen '{campaign.name}' har inte körts ännu: ingen rapport skrevs.", err=as_json)
        return
    click.echo(f"Rapporter för kampanjen '{campaign.name}':", err=as_json)
    for label, path in zip(REPORT_LABELS_SV, paths, strict=False):
        click.echo(f"  {label}: {path}", err=as_json)
