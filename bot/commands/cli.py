"""The `utskick` command line: one command per use case; each parses its options, calls the use case in `bot.app`
(the window calls the same) and prints the result.

Option names and logs are English; everything a case handler reads is Swedish. Exit codes: 0 finished,
1 internal error, 2 input error (nothing sent), 3 a human is needed, 4 interrupted (run again to resume).
"""

from __future__ import annotations

import importlib
import sys
from datetime import UTC, datetime
from pathlib import Path

import click
import structlog

from bot.app.command_log import CommandLog
from bot.commands.approve import approve
from bot.commands.cli_swedish import SwedishGroup
from bot.commands.doctor import doctor
from bot.commands.follow_up import follow_up
from bot.commands.ledger_roles import ledger_group
from bot.commands.output import emit
from bot.commands.report import report
from bot.commands.selectors import selectors
from bot.commands.settle import settle
from bot.commands.status import status
from bot.commands.validate import validate
from bot.config import MAX_WORKERS, Campaign, load_campaign
from bot.errors import EXIT_INTERNAL, UtskickError
from bot.logging_setup import configure_logging, current_log_file
from bot.pnr import scrub
from bot.private_files import restrict_umask
from bot.summary import format_summary

log = structlog.get_logger("utskick.cli")
# The window sits beside the command line, not below it: its module is imported only when `utskick ui` runs.
WINDOW_ENTRY = ("ui", "bot.ui.server", "ui")


class UtskickGroup(SwedishGroup):
    """The `utskick` group: its own commands, and the window's command loaded by name when it is asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every command name, the window's included."""
        return sorted({*super().list_commands(ctx), WINDOW_ENTRY[0]})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        """The command called `name`; the window's is imported here, on demand."""
        if name == WINDOW_ENTRY[0]:
            return getattr(importlib.import_module(WINDOW_ENTRY[1]), WINDOW_ENTRY[2])
        return super().get_command(ctx, name)


@click.group(cls=UtskickGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="utskick")
def main() -> None:
    """utskick: skickar ett mallat 1177-ärende till varje invånare i en leverans, via Personalverktyget."""
    configure_logging(None)  # every command logs masked; each adds its own log file once its campaign is read


main.add_command(validate)
main.add_command(follow_up)
main.add_command(report)
main.add_command(selectors)
main.add_command(doctor)
main.add_command(status)
main.add_command(settle)
main.add_command(approve)
main.add_command(ledger_group)


def _fail(error: UtskickError) -> None:
    click.echo(f"Fel: {scrub(str(error))}", err=True)
    sys.exit(error.exit_code)


@main.command("run")
@click.argument("campaign_file", type=click.Path(path_type=Path))
@click.option("--delivery", type=click.Path(path_type=Path), help="Leverans: 7z-arkiv, mapp eller fil.")
@click.option("--base-url", help="Personalverktygets adress (ersätter staff_tool.url).")
@click.option("--ledger", type=click.Path(path_type=Path), help="Liggarens SQLite-fil (ersätter paths.ledger).")
@click.option("--mode", type=click.Choice(["single", "batch"]), help="Ett ärende per körning eller upp till 250.")
@click.option("--workers", type=click.IntRange(1, MAX_WORKERS), help="Antal parallella webbläsare (1–4).")
@click.option("--dry-run", is_flag=True, help="Kör fram till, men inte med, Skicka. Inget skickas.")
@click.option("--yes", "assume_yes", is_flag=True, help="Fråga inte: för schemalagda körningar.")
@click.option("--limit", type=click.IntRange(min=1), help="Skicka till högst N invånare i denna körning.")
@click.option("--no-wait", is_flag=True, help="Avsluta i stället för att vänta när sändningsfönstret är stängt.")
@click.option("--headed", is_flag=True, help="Visa webbläsaren (kräver en Chromium som kan visa fönster).")
@click.option("--slowmo", "slow_mo", type=click.IntRange(min=0), help="Vänta MS millisekunder före varje klick (QA).")
@click.option("--json", "as_json", is_flag=True, help="Skriv resultatet som ett JSON-dokument på stdout.")
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
    slow_mo: int | None,
    as_json: bool,
    verbose: bool,
) -> None:
    """Skicka kampanjens meddelande till leveransens invånare."""
    from bot.app.run import refused_run, run_campaign
    from bot.run.runner import RunOptions, new_run_id

    started = datetime.now(UTC)
    run_id = new_run_id(started)
    campaign = log_file = key = None
    command_log = CommandLog("run", run_id=run_id, verbose=verbose)
    try:
        campaign = load_campaign(campaign_file).with_overrides(
            base_url=base_url.rstrip("/") if base_url else None,
            ledger=ledger.resolve() if ledger else None,
            mode=mode,
            workers=workers,
            headless=False if headed else None,
            slow_mo_ms=slow_mo,
        )
        key = campaign.key()
        log_file = command_log.open(campaign.logs, announce=False)  # the runner's run_started comes first
        if headed:
            _check_headed(campaign)
        interactive = not assume_yes and sys.stdin.isatty()
        if not assume_yes and not interactive and not dry_run:
            raise _UsageError("Ingen terminal att fråga i: lägg till --yes för en obevakad körning, eller --dry-run.")
        with _Progress(enabled=interactive or sys.stderr.isatty(), to_stderr=as_json) as progress:
            options = RunOptions(
                delivery=delivery,
                dry_run=dry_run,
                limit=limit,
                no_wait=no_wait,
                confirm=(_ask_on_stderr if as_json else _ask) if interactive else None,
                on_start=progress.start,
                on_progress=progress.advance,
                on_waiting=progress.note,
            )
            outcome = run_campaign(campaign, options, run_id=run_id, started=started, log_file=log_file)
    except UtskickError as e:
        command_log.refused(e, campaign_file)
        outcome = refused_run(e, e.exit_code, campaign=campaign, key=key, run_id=run_id, log_file=command_log.file)
        _end_run(outcome, as_json)
        _fail(e)
    summary = outcome.summary
    if summary.declined:
        click.echo("\n" + summary.message, err=as_json)
    else:
        human = format_summary(summary)
        if summary.dry_run and summary.preview_text:
            human += "\n\nFörhandsvisning av meddelandet:\n" + summary.preview_text
        if summary.guideline_text:
            human += "\n\n" + summary.guideline_text
        click.echo(human, err=as_json)
    _end_run(outcome, as_json)
    sys.exit(summary.exit_code)


def _end_run(outcome, as_json: bool) -> None:
    """Print the run's JSON document (with --json) and the warnings of alerts that could not be delivered."""
    if as_json:
        emit(outcome.document)
    for warning in outcome.warnings:
        click.echo(f"Varning: {warning}", err=True)


def _check_headed(campaign: Campaign) -> None:
    """Refuse --headed at once, before anything runs, when no Chromium here can show a window."""
    from bot.run.staff_session import headed_executable

    headed_executable(campaign)


def _ask_on_stderr(text: str) -> bool:
    click.echo(text, err=True)
    return click.confirm("Skicka nu?", default=False, err=True)


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

    def __init__(self, enabled: bool, to_stderr: bool = False) -> None:
        self.enabled = enabled
        self.to_stderr = to_stderr
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
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self._progress = Progress(
            TextColumn("Skickar"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            transient=False,
            console=Console(stderr=True) if self.to_stderr else None,
        )
        self._task = self._progress.add_task("utskick", total=total)
        self._progress.start()

    def advance(self, n: int) -> None:
        """Move the bar by `n` citizens."""
        if self._progress is not None:
            self._progress.advance(self._task, n)

    def note(self, line: str) -> None:
        """A Swedish line for whoever watches (above the bar when it shows), always on stderr."""
        if self._progress is not None and not self.to_stderr:
            self._progress.console.print(line, markup=False, highlight=False)
        else:
            click.echo(line, err=True)


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
        log_file = current_log_file()
        click.echo(internal_error_line(e, log_file), err=True)
        if log_file is None:  # no file to hold the traceback: show it (masked, no locals) rather than lose it
            configure_logging(None, verbose=True)
        log.exception("internal_error", error=type(e).__name__)
        sys.exit(EXIT_INTERNAL)


def internal_error_line(error: Exception, log_file: Path | None) -> str:
    """The Swedish line for an error that is not the project's own: that it happened, and where the details are."""
    where = f"Detaljerna finns i loggfilen {log_file}." if log_file else "Ingen loggfil: detaljerna står nedan."
    return f"Internt fel i utskick ({type(error).__name__}): kommandot avbröts. {where} Meddela automationsteamet."


if __name__ == "__main__":
    entry()
