"""What the window's buttons do, each by calling the same core the command line calls: intake and the ledger
comparison (`validate --campaign`), the runner (`run`, `run --dry-run`), approval (`approve`), follow-up and
the reports. Nothing here decides anything the CLI would decide differently."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.app.command_log import CommandLog
from bot.commands.validate import compare_with_campaign
from bot.config import Campaign
from bot.errors import InputError, UtskickError
from bot.intake import read_delivery
from bot.ledger import Approval, Ledger
from bot.private_files import private_dir
from bot.run.approval import approve as record_approval
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
    key = campaign.key()
    private_dir(campaign.ledger.parent, tighten=False)
    with Ledger.open(campaign.ledger, actor=hsa_id.strip().upper(), run_id="ui-approve") as ledger:
        return record_approval(ledger, campaign, key, ws.intake, name, hsa_id)


def approvals(campaign: Campaign) -> list[Approval]:
    """The approvals of the campaign's current key (none when it has no ledger yet)."""
    if not campaign.ledger.exists():
        return []
    with Ledger.open(campaign.ledger, actor="ui", run_id="ui") as ledger:
        return ledger.approvals(campaign.key())


def preview(job: Job, ws: Workspace) -> None:
    """The dry pass with the first citizen (`run --dry-run --limit 1`), keeping the composed text and step 3."""
    from bot.run.runner import Run, RunOptions, new_run_id

    campaign = ws.campaign()
    shot = ws.shot_path()
    shot.unlink(missing_ok=True)
    run_id = new_run_id(datetime.now(UTC))
    CommandLog("run", run_id=run_id).open(campaign.logs, announce=False)
    options = RunOptions(delivery=ws.delivery, dry_run=True, limit=1, preview_screenshot=shot)
    job.note("Loggar in i Personalverktyget och fyller i ärendet för den första invånaren (utan att skicka) …")
    with lent_to_environment(_secrets(campaign, ws)):
        summary = Run(campaign, options, run_id=run_id).execute()
    job.result = summary
    if summary.exit_code != 0 or not summary.preview_text:
        job.message = summary.message or "Förhandsgranskningen kunde inte göras."
        raise JobStopped(job.message, summary.exit_code)
    ws.preview = Preview(summary.preview_text, shot if shot.exists() else None, campaign.key())
    job.message = "Förhandsgranskningen är klar. Inget skickades."


def send(job: Job, ws: Workspace) -> None:
    """`run --yes` in the server: the run belongs to this thread, the tab only watches; Stoppa = SIGTERM."""
    from bot.app.documents import run_document
    from bot.notify import notify_run_end
    from bot.report import write_reports_for_campaign
    from bot.run.runner import Run, RunOptions, new_run_id
    from bot.summary import format_summary

    campaign = ws.campaign()
    started = datetime.now(UTC)
    run_id = new_run_id(started)
    command_log = CommandLog("run", run_id=run_id)
    log_file = command_log.open(campaign.logs, announce=False)
    options = RunOptions(delivery=ws.delivery, on_start=job.on_start, on_progress=job.on_progress, on_waiting=job.note)
    job.note("Förbereder utskicket: kontrollerar leveransen, godkännandet och inloggningen …")
    with lent_to_environment(_secrets(campaign, ws)):
        run = Run(campaign, options, run_id=run_id)
        job.stopper = run.request_stop
        try:
            summary = run.execute()
        except UtskickError as e:
            command_log.refused(e, ws.path)
            raise
        finally:
            job.stopper = None
    summary.log_file = log_file
    summary.artifacts = campaign.artifacts
    summary.reports = write_reports_for_campaign(campaign)
    key = campaign.key()
    notify_run_end(
        campaign.notify, run_document(summary, run_id=run_id, campaign_key=key, started=started, declined=False)
    )
    job.result, job.exit_code, job.message = summary, summary.exit_code, format_summary(summary)
    job.note("Utskicket är klart." if summary.exit_code == 0 else "Utskicket avslutades: se sammanfattningen.")
    ws.forget_delivery()  # the citizens are in the ledger now; the upload and the archive password go


def follow_up(job: Job, ws: Workspace) -> None:
    """`follow-up`: read Läst / Oläst from Alla ärenden, record it, write the reports again."""
    from bot.commands.follow_up import format_follow_up
    from bot.report import write_reports_for_campaign
    from bot.run.follow_up import follow_up_campaign
    from bot.run.runner import new_run_id

    campaign = ws.campaign()
    run_id = new_run_id(datetime.now(UTC))
    CommandLog("follow-up", run_id=run_id).open(campaign.logs)
    job.note("Läser läsläget i Mottagningens ärenden → Alla ärenden …")
    with lent_to_environment(_secrets(campaign, ws)):
        summary = follow_up_campaign(campaign, run_id=run_id)
    if summary.sent:
        summary.reports = write_reports_for_campaign(campaign)
    job.result, job.exit_code, job.message = summary, 0, format_follow_up(summary)
    job.note("Uppföljningen är klar; rapporterna är uppdaterade.")
