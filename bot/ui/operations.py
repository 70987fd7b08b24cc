"""What the window's buttons do: each parses the form's input, calls the use case in `bot.app` that the command
line calls too (validate, run, approve, follow-up, report), and keeps the result for the page to show.
The reports, the JSON document and the alert come from `bot.app`, never from here."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.app.approve import approvals as campaign_approvals
from bot.app.approve import approve_campaign
from bot.app.command_log import CommandLog
from bot.app.validate import compare_with_campaign
from bot.config import Campaign
from bot.errors import InputError, UtskickError
from bot.intake import read_delivery
from bot.ledger import Approval
from bot.ui.jobs import Job, JobStopped
from bot.ui.secrets import lent_to_environment
from bot.ui.workspace import Preview, Workspace


def _secrets(campaign: Campaign, ws: Workspace) -> dict[str, str]:
    return {campaign.delivery_password_env: ws.delivery_password, campaign.password_env: ws.staff_password}


def choose_delivery(ws: Workspace, delivery: Path, password: str) -> None:
    """Read and check the delivery as `validate --campaign` does; keep it (and its password) only if it reads."""
    campaign = ws.campaign()
    with lent_to_environment({campaign.delivery_password_env: password}):
        intake = read_delivery(delivery, campaign.delivery_password_env)
    ws.delivery, ws.delivery_password, ws.intake = delivery, password, intake
    ws.comparison = compare_with_campaign(intake, campaign)
    ws.preview = None


def approve(ws: Workspace, name: str, hsa_id: str) -> Approval:
    """Record a second person's approval of the campaign as it is now, for the chosen delivery."""
    if ws.intake is None:
        raise InputError("Välj och kontrollera leveransen först (Leverans): godkännandet gäller en viss leverans.")
    campaign = ws.campaign()
    composed = ws.preview.text if ws.preview is not None and ws.preview.key == campaign.key() else None
    return approve_campaign(campaign, ws.intake, name, hsa_id, run_id="ui-approve", composed=composed)


def approvals(campaign: Campaign) -> list[Approval]:
    """The approvals of the campaign's current key (none when it has no ledger yet)."""
    return campaign_approvals(campaign)


def preview(job: Job, ws: Workspace) -> None:
    """The dry pass with the first citizen (`run --dry-run --limit 1`), keeping the composed text and step 3."""
    from bot.app.run import run_campaign
    from bot.run.runner import RunOptions, new_run_id

    campaign = ws.campaign()
    shot = ws.shot_path()
    shot.unlink(missing_ok=True)
    started = datetime.now(UTC)
    run_id = new_run_id(started)
    log_file = CommandLog("run", run_id=run_id).open(campaign.logs, announce=False)
    options = RunOptions(delivery=ws.delivery, dry_run=True, limit=1, preview_screenshot=shot)
    job.note("Loggar in i Personalverktyget och fyller i ärendet för den första invånaren (utan att skicka) …")
    with lent_to_environment(_secrets(campaign, ws)):
        outcome = run_campaign(campaign, options, run_id=run_id, started=started, log_file=log_file)
    summary = outcome.summary
    job.result = summary
    if summary.exit_code != 0 or not summary.preview_text:
        job.message = summary.message or "Förhandsgranskningen kunde inte göras."
        raise JobStopped(job.message, summary.exit_code)
    ws.preview = Preview(summary.preview_text, shot if shot.exists() else None, campaign.key())
    job.message = "Förhandsgranskningen är klar. Inget skickades."


def send(job: Job, ws: Workspace) -> None:
    """`run --yes` in the server: the run belongs to this thread, the tab only watches; Stoppa = SIGTERM."""
    from bot.app.run import refused_run, run_campaign
    from bot.run.runner import RunOptions, new_run_id
    from bot.summary import format_summary

    campaign = ws.campaign()
    started = datetime.now(UTC)
    run_id = new_run_id(started)
    command_log = CommandLog("run", run_id=run_id)
    log_file = command_log.open(campaign.logs, announce=False)
    options = RunOptions(delivery=ws.delivery, on_start=job.on_start, on_progress=job.on_progress, on_waiting=job.note)
    job.note("Förbereder utskicket: kontrollerar leveransen, godkännandet och inloggningen …")

    def watch(run) -> None:
        job.stopper = run.request_stop

    with lent_to_environment(_secrets(campaign, ws)):
        try:
            outcome = run_campaign(campaign, options, run_id=run_id, started=started, log_file=log_file, on_run=watch)
        except UtskickError as e:
            command_log.refused(e, ws.path)
            refused_run(e, e.exit_code, campaign=campaign, key=campaign.key(), run_id=run_id, log_file=log_file)
            raise
        finally:
            job.stopper = None
    summary = outcome.summary
    for warning in outcome.warnings:
        job.note(f"Varning: {warning}")
    job.result, job.exit_code, job.message = summary, summary.exit_code, format_summary(summary)
    job.note("Utskicket är klart." if summary.exit_code == 0 else "Utskicket avslutades: se sammanfattningen.")
    ws.forget_delivery()  # the citizens are in the ledger now; the upload and the archive password go


def follow_up(job: Job, ws: Workspace) -> None:
    """`follow-up`: read Läst / Oläst from Alla ärenden, record it, write the reports again."""
    from bot.app.follow_up import follow_up as follow_up_use_case
    from bot.app.follow_up import format_follow_up
    from bot.run.runner import new_run_id

    campaign = ws.campaign()
    run_id = new_run_id(datetime.now(UTC))
    CommandLog("follow-up", run_id=run_id).open(campaign.logs)
    job.note("Läser läsläget i Mottagningens ärenden → Alla ärenden …")
    with lent_to_environment(_secrets(campaign, ws)):
        summary = follow_up_use_case(campaign, run_id=run_id)
    job.result, job.exit_code, job.message = summary, 0, format_follow_up(summary)
    job.note("Uppföljningen är klar; rapporterna är uppdaterade.")


def report(ws: Workspace) -> list[Path]:
    """Rapport: write the campaign's three reports again, as `utskick report` does."""
    from bot.app.report import write_campaign_reports

    return write_campaign_reports(ws.campaign())
