"""The `utskick` command line: validate, run, status, mock (and follow-up/report as they land).

Option names and logs are English; everything a case handler reads is Swedish. Exit codes: 0 finished,
1 internal error, 2 input error (nothing sent), 3 a human is needed, 4 interrupted (run again to resume).
"""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime
from pathlib import Path

import click
import structlog

from bot.cli_swedish import SwedishGroup
from bot.config import Campaign, load_campaign
from bot.doctor_command import doctor
from bot.errors import EXIT_INTERNAL, UtskickError
from bot.followup_command import follow_up
from bot.logging_setup import configure_logging
from bot.pnr import scrub
from bot.private_files import restrict_umask
from bot.report_command import report
from bot.selectors_command import selectors
from bot.summary import STATES_SV, format_summary
from bot.validate_command import validate

log = structlog.get_logger("utskick.cli")


@click.group(cls=SwedishGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="utskick")
def main() -> None:
    """utskick: skickar ett mallat 1177-ärende till varje invånare i en leverans, via Personalverktyget."""
    configure_logging(None)  # every command logs masked; `run` adds its log file


main.add_command(validate)
main.add_command(follow_up)
main.add_command(report)
main.add_command(selectors)
main.add_command(doctor)


def _fail(error: UtskickError) -> None:
    click.echo(f"Fel: {scrub(str(error))}", err=True)
    sys.exit(error.exit_code)


@main.command("run")
@click.argument("campaign_file", type=click.Path(path_type=Path))
@click.option("--delivery", type=click.Path(path_type=Path), help="Leverans: 7z-arkiv, mapp eller fil.")
@click.option("--base-url", help="Personalverktygets adress (ersätter staff_tool.url).")
@click.option("--ledger", type=click.Path(path_type=Path), help="Liggarens SQLite-fil (ersätter paths.ledger).")
@click.option("--mode", type=click.Choice(["single", "batch"]), help="Ett ärende per körning eller upp till 250.")
@click.option("--workers", type=int, help="Antal parallella webbläsarflikar (1–4).")
@click.option("--dry-run", is_flag=True, help="Kör fram till, men inte med, Skicka. Inget skickas.")
@click.option("--yes", "assume_yes", is_flag=True, help="Fråga inte: för schemalagda körningar.")
@click.option("--limit", type=click.IntRange(min=1), help="Skicka till högst N invånare i denna körning.")
@click.option("--no-wait", is_flag=True, help="Avsluta i stället för att vänta när sändningsfönstret är stängt.")
@click.option("--headed", is_flag=True, help="Visa webbläsaren.")
@click.option("-v", "--verbose", is_flag=True, help="Visa händelser i terminalen, inte bara i loggfilen.")
def run_command(
    campaign_file: Path,
    delivery: Path | None,
    base_url: str | None,
    ledger: Path | None,
    mode: str | None,
    workers: int | None,
    dry_run: bool,
    assume_yes: bool,
    limit: int | None,
    no_wait: bool,
    headed: bool,
    verbose: bool,
) -> None:
    """Skicka kampanjens meddelande till leveransens invånare."""
    from bot.runner import Run, RunOptions, new_run_id

    started = datetime.now(UTC)
    run_id = new_run_id(started)
    try:
        campaign = load_campaign(campaign_file).with_overrides(
            base_url=base_url.rstrip("/") if base_url else None,
            ledger=ledger.resolve() if ledger else None,
            mode=mode,
            workers=workers,
            headless=False if headed else None,
        )
        log_file = campaign.logs / f"utskick-{run_id}.jsonl"
        configure_logging(log_file, console_level=logging.INFO if verbose else logging.WARNING)
        interactive = not assume_yes and sys.stdin.isatty()
        if not assume_yes and not interactive and not dry_run:
            _fail(_UsageError("Ingen terminal att fråga i: lägg till --yes för en obevakad körning, eller --dry-run."))
        with _Progress(enabled=interactive or sys.stderr.isatty()) as progress:
            options = RunOptions(
                delivery=delivery,
                dry_run=dry_run,
                limit=limit,
                no_wait=no_wait,
                confirm=_ask if interactive else None,
                on_start=progress.start,
                on_progress=progress.advance,
            )
            summary = Run(campaign, options, run_id=run_id).execute()
        if summary.declined:
            click.echo("\n" + summary.message)
            sys.exit(summary.exit_code)
        summary.log_file = log_file
        summary.artifacts = campaign.artifacts
        summary.reports = _write_reports(campaign, summary)
    except UtskickError as e:
        log.error("run_refused", error=type(e).__name__, message=str(e))
        _fail(e)
    click.echo(format_summary(summary))
    if summary.dry_run and summary.preview_text:
        click.echo("\nFörhandsvisning av meddelandet:\n" + summary.preview_text)
    sys.exit(summary.exit_code)


def _write_reports(campaign: Campaign, summary) -> list[Path]:
    """Write the follow-up reports when the report module is installed (issue 5)."""
    if summary.dry_run:
        return []
    try:
        from bot.report import write_reports_for_campaign
    except ImportError:
        return []
    return write_reports_for_campaign(campaign)


class _UsageError(UtskickError):
    exit_code = 2


YES = ("j", "ja", "y", "yes")
NO = ("", "n", "nej", "no")


def _ask(text: str) -> bool:
    """Show what will be sent and ask; EOFError (Ctrl-D) and KeyboardInterrupt (Ctrl-C) reach the runner."""
    click.echo(text)
    while True:
        answer = input("Skicka nu? [j/N] ").strip().casefold()
        if answer in YES:
            return True
        if answer in NO:
            return False
        click.echo("Svara j (ja) eller n (nej).")


class _Progress:
    """A rich progress bar on the terminal; silent when nobody watches."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._progress = None
        self._task = None

    def __enter__(self) -> _Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()

    def start(self, total: int) -> None:
        """Show the bar for `total` citizens."""
        if not self.enabled:
            return
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self._progress = Progress(
            TextColumn("Skickar"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), transient=False
        )
        self._task = self._progress.add_task("utskick", total=total)
        self._progress.start()

    def advance(self, n: int) -> None:
        """Move the bar by `n` citizens."""
        if self._progress is not None:
            self._progress.advance(self._task, n)


@main.command("status")
@click.argument("campaign_file", type=click.Path(path_type=Path))
@click.option("--ledger", type=click.Path(path_type=Path), help="Liggarens SQLite-fil.")
def status_command(campaign_file: Path, ledger: Path | None) -> None:
    """Visa kampanjens läge i liggaren."""
    from bot.campaign_identity import identify
    from bot.ledger import Ledger, campaign_key

    try:
        campaign = load_campaign(campaign_file).with_overrides(ledger=ledger.resolve() if ledger else None)
        key = campaign_key(campaign.key_facts())
        if not campaign.ledger.exists():
            click.echo(f"Kampanjen '{campaign.name}' har inte körts ännu (ingen liggare på {campaign.ledger}).")
            return
        with Ledger.open(campaign.ledger, actor="status", run_id="status") as book:
            identity = identify(book, campaign, key)
            counts = book.counts(key) if identity.recorded else None
            rejected = sum(1 for _ in book.rejected_rows(key))
    except UtskickError as e:
        _fail(e)
    click.echo(f"Liggare: {campaign.ledger}")
    if counts is None:
        click.echo(f"Kampanjen '{campaign.name}' (nyckel {key[:12]}) har inte körts ännu med det här meddelandet.")
    else:
        click.echo(f"Kampanj: {campaign.name}  (nyckel {key[:12]})")
        for state, n in counts.items():
            click.echo(f"  {STATES_SV.get(state, state)}: {n}")
        click.echo(f"  ogiltiga rader i leveranserna: {rejected}")
    for line in identity.describe():
        click.echo(line)


@main.command("mock", context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.pass_context
def mock_command(ctx: click.Context) -> None:
    """Starta mocken av Personalverktyget (samma flaggor som python -m mock_personalverktyg)."""
    from mock_personalverktyg.__main__ import main as mock_main

    sys.exit(mock_main(ctx.args))


def entry() -> None:
    """Console-script entry: owner-only files, masked logs; an error not the project's own is internal (exit 1)."""
    restrict_umask()
    configure_logging(None)
    try:
        main()
    except SystemExit:
        raise
    except Exception as e:  # noqa: BLE001
        log.exception("internal_error", error=type(e).__name__)
        click.echo(f"Internt fel ({type(e).__name__}). Se loggfilen för detaljer.", err=True)
        sys.exit(EXIT_INTERNAL)


if __name__ == "__main__":
    entry()
