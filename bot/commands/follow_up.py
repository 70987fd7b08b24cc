"""`utskick follow-up CAMPAIGN`: read Läst / Oläst av invånare from the staff tool, record it, write the reports."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from bot.app.command_log import CommandLog
from bot.app.documents import base_document
from bot.clock import STOCKHOLM
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
    from bot.report import write_reports_for_campaign
    from bot.run.follow_up import follow_up_campaign
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
        summary = follow_up_campaign(campaign, run_id=run_id)
        summary.log_file = log_file
        if not no_report and summary.sent:
            summary.reports = write_reports_for_campaign(campaign)
    except UtskickError as e:
        command_log.refused(e, campaign_file)
        log_file = command_log.file
        name, key = (campaign.name, _key(campaign)) if campaign else (None, None)
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
        emit(follow_up_document(summary, run_id=run_id, campaign_key=_key(campaign)))


def _key(campaign) -> str:

    return campaign.key()


def follow_up_document(s, *, run_id: str, campaign_key: str) -> dict:
    """`utskick follow-up --json`: what the follow-up found."""
    doc = base_document("follow-up", exit_code=0, campaign=s.campaign, campaign_key=campaign_key)
    doc.update(
        run_id=run_id,
        message=s.message,
        sent=s.sent,
        read=s.read,
        unread=s.unread,
        newly_read=s.newly_read,
        unknown=s.unknown,
        missing=s.missing,
        log_file=str(s.log_file) if s.log_file else None,
        reports=[str(p) for p in s.reports],
    )
    return doc


def format_follow_up(s) -> str:
    """The follow-up's summary in Swedish."""
    lines = [f"Uppföljning av kampanjen '{s.campaign}'"]
    if s.message:
        lines.append(f"  {s.message}")
    if s.sent:
        when = s.seen_at.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M") if s.seen_at else ""
        lines += [
            f"  Kontrollerat i Alla ärenden: {when} (svensk tid)" if when else "",
            f"  Skickade ärenden i liggaren: {s.sent}",
            f"  Lästa av invånaren: {s.read} (nya sedan förra uppföljningen: {s.newly_read})",
            f"  Olästa: {s.unread}",
        ]
        if s.unknown:
            lines.append(f"  Med en status som selektorfilen inte känner igen: {s.unknown}")
        if s.missing:
            lines.append(f"  Hittades inte i Alla ärenden: {s.missing}")
    if s.log_file:
        lines.append(f"  Logg: {s.log_file}")
    lines += [f"  Rapport: {p}" for p in s.reports]
    return "\n".join(line for line in lines if line)
