"""`utskick doctor CAMPAIGN.toml [--delivery ARCHIVE | --pnr NUMMER]`: check every selectors key against the
staff tool, up to and never including Skicka, and write a report with a screenshot of each screen."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path

import click

from bot.app.command_log import CommandLog
from bot.config import load_campaign
from bot.errors import UtskickError


@click.command("doctor")
@click.argument("campaign_file", type=click.Path(path_type=Path))
@click.option("--delivery", type=click.Path(path_type=Path), help="Leverans: doktorn provar dess första invånare.")
@click.option(
    "--pnr",
    "pnr_texts",
    multiple=True,
    help="En invånare att prova i stället för leveransens första (kan anges flera gånger: en som kan nås och en som "
    "inte kan det).",
)
@click.option("--base-url", help="Personalverktygets adress (ersätter staff_tool.url).")
@click.option("--out", type=click.Path(path_type=Path), help="Mapp för rapporten (annars paths.artifacts).")
@click.option(
    "--propose",
    type=click.Path(path_type=Path),
    help="Skriv en override-fil med de poster doktorn kunde avgöra av vad den såg.",
)
@click.option("--force", is_flag=True, help="Skriv över filen som --propose anger om den redan finns.")
@click.option("--headed", is_flag=True, help="Visa webbläsaren.")
@click.option("--json", "as_json", is_flag=True, help="Skriv resultatet som JSON (för maskiner).")
@click.option("-v", "--verbose", is_flag=True, help="Visa händelser i terminalen, inte bara i loggfilen.")
def doctor(
    campaign_file: Path,
    delivery: Path | None,
    pnr_texts: tuple[str, ...],
    base_url: str | None,
    out: Path | None,
    propose: Path | None,
    force: bool,
    headed: bool,
    as_json: bool,
    verbose: bool,
) -> None:
    """Gå igenom Personalverktygets skärmar fram till, men aldrig med, Skicka och kontrollera varje selektor."""
    from bot.app.doctor import check_selectors, doctor_citizens
    from bot.run.doctor_report import STATES_SV, format_report

    command_log = CommandLog("doctor", verbose=verbose)
    try:
        campaign = load_campaign(campaign_file).with_overrides(
            base_url=base_url.rstrip("/") if base_url else None, headless=False if headed else None
        )
        command_log.open(campaign.logs)
        pnrs = doctor_citizens(delivery, pnr_texts, campaign.delivery_password_env)
        report = check_selectors(
            campaign, pnrs, out.resolve() if out else None, propose.resolve() if propose else None, force
        )
    except UtskickError as e:
        command_log.refused(e, campaign_file)
        click.echo(f"Fel: {e}", err=True)
        sys.exit(e.exit_code)
    command_log.finished(exit_code=report.exit_code, failed=[c.key for c in report.failed])
    if as_json:
        payload = {
            "ok": report.exit_code == 0,
            "stopped": report.stopped,
            "report": str(report.folder),
            "failed": [asdict(c) for c in report.failed],
            "tool_clock": report.tool_clock or None,
            "proposal": str(report.proposal_file) if report.proposal_file else None,
            "proposed": sorted(report.proposals.decided),
            "undecided": report.proposals.undecided,
        }
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        from bot.locators import Selectors

        click.echo(format_report(report, Selectors.load(campaign.selectors, campaign.selectors_override)))
        click.echo(f"Rapport och skärmbilder: {report.folder}")
        if report.failed:
            click.echo(f"Åtgärda: {', '.join(f'{c.key} ({STATES_SV[c.state]})' for c in report.failed)}")
    sys.exit(report.exit_code)
