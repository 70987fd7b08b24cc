"""The run use case: the runner's pass, then the reports, the JSON document and the alert, made here once for
the command line (`utskick run`) and the window (Skicka, Förhandsgranska). A dry run writes no report and sends
no alert; a run declined at the prompt writes no report."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bot.app.documents import campaign_reasons, error_document, run_document
from bot.config import Campaign
from bot.errors import EXIT_INTERRUPTED
from bot.notify import notify_run_end
from bot.summary import RunSummary

if TYPE_CHECKING:
    from bot.run.runner import Run, RunOptions


@dataclass
class RunOutcome:
    """What a run ended with: its summary, its JSON document (the alert's body) and undelivered-alert warnings."""

    summary: RunSummary
    document: dict
    warnings: list[str] = field(default_factory=list)


def run_campaign(
    campaign: Campaign,
    options: RunOptions,
    *,
    run_id: str,
    started: datetime,
    log_file: Path | None,
    on_run: Callable[[Run], None] = lambda run: None,
) -> RunOutcome:
    """Run the campaign and finish it (reports, document, alert); `on_run` gets the run before it starts (Stoppa)."""
    from bot.run.runner import Run

    run = Run(campaign, options, run_id=run_id)
    on_run(run)
    summary = run.execute()
    return finish_run(campaign, summary, run_id=run_id, started=started, log_file=log_file)


def finish_run(
    campaign: Campaign, summary: RunSummary, *, run_id: str, started: datetime, log_file: Path | None
) -> RunOutcome:
    """The reports (not for a dry or declined run), the run's JSON document and its alert."""
    key = campaign.key()
    if not summary.declined:
        summary.log_file = log_file
        summary.artifacts = campaign.artifacts
        summary.reports = run_reports(campaign, summary)
    document = run_document(summary, run_id=run_id, campaign_key=key, started=started, declined=summary.declined)
    document["not_reachable"] = campaign_reasons(campaign.ledger, key)
    return RunOutcome(summary, document, alert(campaign, document))


def refused_run(
    error: Exception, exit_code: int, *, campaign: Campaign | None, key: str | None, run_id: str, log_file: Path | None
) -> RunOutcome:
    """A run refused or stopped by an error: its JSON document and its alert (when the campaign could be read)."""
    document = error_document(
        "run",
        error,
        exit_code,
        campaign=campaign and campaign.name,
        campaign_key=key,
        run_id=run_id,
        log_file=log_file,
    )
    return RunOutcome(RunSummary(campaign=campaign.name if campaign else ""), document, alert(campaign, document))


def run_reports(campaign: Campaign, summary: RunSummary) -> list[Path]:
    """The follow-up reports after a run that may have sent; none after a dry run. A full disk refusing them is
    a line in the summary and exit 4 (run again), never an internal error."""
    if summary.dry_run:
        return []
    from bot.report import write_reports_for_campaign

    try:
        return write_reports_for_campaign(campaign)
    except OSError as e:
        from bot.disk_space import reports_not_written

        line = reports_not_written(campaign.reports, e)
        if line is None:
            raise
        summary.message = f"{summary.message}\n{line}" if summary.message else line
        summary.exit_code = summary.exit_code or EXIT_INTERRUPTED
        return []


def alert(campaign: Campaign | None, document: dict) -> list[str]:
    """Send the campaign's alert for how the run ended (never for a dry run); the undelivered ones' warnings."""
    if campaign is None or document.get("dry_run"):
        return []
    return notify_run_end(campaign.notify, document)
