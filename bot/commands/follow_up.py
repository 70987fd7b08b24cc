"""`utskick follow-up CAMPAIGN`: read Läst / Oläst av invånare from the staff tool, record it, write the reports."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from bot.app.command_log import CommandLog
from bot.app.follow_up import follow_up_document, format_follow_up
from bot.commands.output import emit, refuse
from bot.config import load_campaign
from bot.errors import UtskickError


@click.command("follow-up")
@click.argument("campaign_file", type=click.Path(path_type=Path))
@click.option("--base-url", help="Personalverktygets adress (ersätter staff_tool.url).")
@click.option("--ledger", type=click.Path(path_type=Path), help="Liggarens SQLite-fil (ersätter paths.ledger).")
@click.option("--no-report", is_flag=True, help="Skriv inte rapporterna efteråt.")
@click.option("--headed", is_flag=True, help="Visa webbläsaren.")
@click.option("--json", "as_json", is_flag=True, help="Skriv resultatet som ett JSON-dokument på stdout.")
@click.option("-v", "--verbose", is_flag=True, help="Visa händelser i terminalen, inte bara i loggfilen.")
def follow_up(
    campaign_file: Path,
    base_url: str | None,
    ledger: Path | None,
    no_report: bool,
    headed: bool,
    as_json: bool,
    verbose: bool,
) -> None:
    """Läs i Personalverktyget vilka invånare som har läst ärendet och för in det i liggaren."""
    from bot.app.follow_up import follow_up as follow_up_use_case
    from bot.run.runner import new_run_id

    run_id = new_run_id(datetime.now(UTC))
    campaign = log_file = None
    command_log = CommandLog("follow-up", run_id=run_id, verbose=verbose)
    try:
        campaign = load_campaign(campaign_file).with_overrides(
            base_url=base_url.rstrip("/") if base_url else None,
            ledger=ledger.resolve() if ledger else None,
            headless=False if headed else None,
        )
        log_file = command_log.open(campaign.logs)
        summary = follow_up_use_case(campaign, run_id=run_id, write_reports=not no_report)
        summary.log_file = log_file
    except UtskickError as e:
        command_log.refused(e, campaign_file)
        log_file = command_log.file
        name, key = (campaign.name, campaign.key()) if campaign else (None, None)
        refuse(
            "follow-up",
            e,
            e.exit_code,
            as_json=as_json,
            campaign=name,
            campaign_key=key,
            run_id=run_id,
            log_file=log_file,
        )
    command_log.finished(sent=summary.sent, read=summary.read, unread=summary.unread, reports=len(summary.reports))
    click.echo(format_follow_up(summary), err=as_json)
    if as_json:
        emit(follow_up_document(summary, run_id=run_id, campaign_key=campaign.key()))
