"""`utskick status CAMPAIGN [--json]`: the campaign's counts in the ledger, the run in progress (host, pid, start,
last heartbeat, progress, from the lock) or a stale lock left by a run whose process is gone, and the last run."""

from __future__ import annotations

from pathlib import Path

import click

from bot.app.command_log import CommandLog
from bot.app.status import campaign_status, status_document
from bot.commands.output import emit, refuse
from bot.config import load_campaign
from bot.errors import UtskickError
from bot.summary import STATES_SV


@click.command("status")
@click.argument("campaign_file", type=click.Path(path_type=Path))
@click.option("--ledger", type=click.Path(path_type=Path), help="Liggarens SQLite-fil.")
@click.option("--json", "as_json", is_flag=True, help="Skriv läget som ett JSON-dokument på stdout.")
@click.option("-v", "--verbose", is_flag=True, help="Visa händelser i terminalen, inte bara i loggfilen.")
def status(campaign_file: Path, ledger: Path | None, as_json: bool, verbose: bool) -> None:
    """Visa kampanjens läge i liggaren och en körning som pågår."""
    key = campaign = None
    command_log = CommandLog("status", verbose=verbose)
    try:
        campaign = load_campaign(campaign_file).with_overrides(ledger=ledger.resolve() if ledger else None)
        command_log.open(campaign.logs)
        key = campaign.key()
        facts, identity_lines = campaign_status(campaign)
    except UtskickError as e:
        command_log.refused(e, campaign_file)
        refuse("status", e, e.exit_code, as_json=as_json, campaign=campaign and campaign.name, campaign_key=key)
    command_log.finished(ran=facts is not None)
    if as_json:
        emit(status_document(campaign, facts, identity_lines))
        return
    click.echo(f"Liggare: {campaign.ledger}")
    if not campaign.ledger.exists():
        click.echo(f"Kampanjen '{campaign.name}' har inte körts ännu (ingen liggare på {campaign.ledger}).")
    elif facts is None:
        click.echo(f"Kampanjen '{campaign.name}' (nyckel {key[:12]}) har inte körts ännu med det här meddelandet.")
    else:
        click.echo(f"Kampanj: {campaign.name}  (nyckel {key[:12]})")
        for state, n in facts["counts"].items():
            click.echo(f"  {STATES_SV.get(state, state)}: {n}")
        click.echo(f"  ogiltiga rader i leveranserna: {facts['rejected']}")
        for line in _running_lines(facts["note"], facts["last_run"]):
            click.echo(line)
        for line in runner_lines(facts["runners"]):
            click.echo(line)
        if facts["tool_clock"] is not None:
            click.echo(f"  {facts['tool_clock'].describe(campaign.reconcile_clock_skew_s)}")
    for line in identity_lines:
        click.echo(line)


RUN_OUTCOMES_SV = {
    "finished": "klar",
    "declined": "avbruten (inget skickades)",
    "interrupted": "avbruten",
    "stopped": "stoppad",
    "crashed": "avbröts av systemet",
    "killed": "avbröts av systemet",
}


def _running_lines(note, last: dict | None) -> list[str]:
    """The run in progress (or the one that died holding the lock) and the last run, in Swedish."""
    from bot.report.frames import local_text

    lines = []
    if note is not None:
        progress = f"{note.done} av {note.total}" if note.total is not None else "okänt"
        where = f"på {note.host}, process {note.pid}"
        if note.process_gone():
            lines.append(
                f"  Inaktuellt lås: körningen {note.owner} ({where}) finns inte längre. Nästa körning tar över låset "
                "och kontrollerar osäkra invånare först."
            )
        else:
            lines.append(f"  Pågående körning: {note.owner} {where}")
        lines.append(
            f"    startad {local_text(note.since)}, senaste livstecken {local_text(note.heartbeat)} (svensk tid)"
        )
        lines.append(f"    klara: {progress}")
    if last is not None:
        ended = f", slut {local_text(last['ended_at'])}" if last["ended_at"] else ""
        code = f", slutkod {last['exit_code']}" if last["exit_code"] is not None else ""
        lines.append(
            f"  Senaste körning: {last['run_id']}: {RUN_OUTCOMES_SV.get(last['outcome'], last['outcome'])}{code}{ended}"
        )
    return lines


RUNNER_STATES_SV = {"active": "kör", "ended": "klar", "expired": "lease utgången"}


def runner_lines(runners: list) -> list[str]:
    """Every runner of a campaign in a shared (PostgreSQL) ledger: host, HSA-id, pid, heartbeat, sent."""
    from bot.report.frames import local_text

    if not runners:
        return []
    lines = ["  Löpare (flera datorer kan skicka samma kampanj):"]
    for r in runners:
        state = RUNNER_STATES_SV.get(r.state, r.state)
        if r.state == "active" and not r.live:
            state = "tyst: leasen har gått ut, nästa löpare tar över"
        lines.append(
            f"    {r.host} HSA-id {r.hsa_id or '–'} process {r.pid}: {state}; senaste livstecken "
            f"{local_text(r.heartbeat_at)}; skickade {r.sent} (körning {r.run_id})"
        )
    return lines
