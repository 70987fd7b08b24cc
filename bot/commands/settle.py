"""`utskick settle CAMPAIGN`: a person settles in-doubt citizens that reconciliation could not settle (exit 3).

Without options it lists the campaign's in-doubt rows (ledger row, masked personnummer, when Skicka was clicked,
why the run could not tell). After looking the citizen up in Alla ärenden, the person records what they saw:
`--row N --sent ÄRENDE-ID` (the citizen has the ärende: never sent again) or `--row N --not-sent` (no ärende:
the next run sends). Each decision is an audit event in the ledger carrying the person's name, under the
campaign's run lock, so no run can be sending at the same moment.
"""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

import click

from bot.app.command_log import CommandLog
from bot.app.documents import base_document
from bot.app.settle import in_doubt_rows, settle_row
from bot.commands.output import emit, refuse
from bot.config import Campaign, load_campaign
from bot.errors import ConfigError, UtskickError
from bot.ledger import Item


@click.command("settle")
@click.argument("campaign_file", type=click.Path(path_type=Path))
@click.option("--row", "row", type=click.IntRange(min=1), help="Liggarens rad (står i felmeddelandet vid exit 3).")
@click.option("--sent", "arende_id", metavar="ÄRENDE-ID", help="Invånaren har ärendet: dess ärende-id i Alla ärenden.")
@click.option("--not-sent", is_flag=True, help="Invånaren har inget ärende: nästa körning skickar.")
@click.option("--by", "decided_by", help="Vem som avgör (namn); annars inloggad användare.")
@click.option("--show-pnr", is_flag=True, help="Visa hela personnumret (bara i en terminal, aldrig i loggen).")
@click.option("--ledger", type=click.Path(path_type=Path), help="Liggarens SQLite-fil.")
@click.option("--yes", "assume_yes", is_flag=True, help="Fråga inte.")
@click.option("--json", "as_json", is_flag=True, help="Skriv resultatet som ett JSON-dokument på stdout.")
@click.option("-v", "--verbose", is_flag=True, help="Visa händelser i terminalen, inte bara i loggfilen.")
def settle(
    campaign_file: Path,
    row: int | None,
    arende_id: str | None,
    not_sent: bool,
    decided_by: str | None,
    show_pnr: bool,
    ledger: Path | None,
    assume_yes: bool,
    as_json: bool,
    verbose: bool,
) -> None:
    """Avgör för hand om en osäker invånare har fått ärendet (efter exit 3)."""
    command_log = CommandLog("settle", verbose=verbose)
    campaign = key = None
    try:
        campaign = load_campaign(campaign_file).with_overrides(ledger=ledger.resolve() if ledger else None)
        command_log.open(campaign.logs)
        key = campaign.key()
        _check_options(row, arende_id, not_sent, show_pnr, as_json)
        actor = f"person:{decided_by or getpass.getuser()}"
        if row is None:
            rows = in_doubt_rows(campaign, actor)
            command_log.finished(ran=True)
            _show_in_doubt(rows, show_pnr, as_json, campaign, key)
            return
        decision = f"har ärendet {arende_id}" if arende_id else "har inget ärende (skickas vid nästa körning)"

        def confirmed(item: Item) -> bool:
            question = f"Rad {row} ({_pnr_text(item, show_pnr)}): invånaren {decision}. Spara? [j/N] "
            return assume_yes or _confirm(question)

        after = settle_row(campaign, row, arende_id, actor=actor, confirm=confirmed)
    except UtskickError as e:
        command_log.refused(e, campaign_file)
        refuse("settle", e, e.exit_code, as_json=as_json, campaign=campaign and campaign.name, campaign_key=key)
    command_log.finished(ran=True)
    text = "skickad" if after.state == "sent" else "väntar (skickas vid nästa körning)"
    if as_json:
        doc = base_document("settle", exit_code=0, campaign=campaign.name, campaign_key=key)
        doc.update(row=row, state=after.state, arende_id=after.arende_id, decided_by=actor)
        emit(doc)
    else:
        click.echo(f"Rad {row} är nu {text}. Beslutet står i liggarens händelselogg ({actor}).")


def _check_options(row: int | None, arende_id: str | None, not_sent: bool, show_pnr: bool, as_json: bool) -> None:
    if row is not None and bool(arende_id) == not_sent:
        raise ConfigError("Ange precis ett av --sent ÄRENDE-ID och --not-sent tillsammans med --row.")
    if row is None and (arende_id or not_sent):
        raise ConfigError("--sent och --not-sent kräver --row (liggarens rad).")
    if show_pnr and (as_json or not sys.stdout.isatty()):
        raise ConfigError("--show-pnr visar personnummer bara i en terminal, aldrig i en fil eller i JSON.")


def _pnr_text(item: Item, show_pnr: bool) -> str:
    return f"{item.pnr[:8]}-{item.pnr[8:]}" if show_pnr else item.masked_pnr


def _show_in_doubt(rows: list[Item], show_pnr: bool, as_json: bool, campaign: Campaign, key: str) -> None:
    from bot.report.frames import local_text

    if as_json:
        doc = base_document("settle", exit_code=0, campaign=campaign.name, campaign_key=key)
        doc["in_doubt"] = [{"row": i.id, "claimed_at": i.claimed_at, "detail": i.detail} for i in rows]
        emit(doc)
        return
    if not rows:
        click.echo(f"Kampanjen '{campaign.name}' har inga osäkra invånare.")
        return
    click.echo(f"Osäkra invånare i kampanjen '{campaign.name}' ({len(rows)}):")
    for item in rows:
        why = f" – {item.detail}" if item.detail else ""
        click.echo(f"  rad {item.id}: {_pnr_text(item, show_pnr)}, Skicka klickat {local_text(item.claimed_at)}{why}")
    click.echo(
        "Sök upp invånaren i Mottagningens ärenden → Alla ärenden och spara vad du ser: "
        "`utskick settle KAMPANJ --row N --sent ÄRENDE-ID` eller `--row N --not-sent`."
    )


def _confirm(question: str) -> bool:
    if not sys.stdin.isatty():
        raise ConfigError("Ingen terminal att fråga i: ange --yes för att spara beslutet.")
    return click.prompt(question, default="N", show_default=False, prompt_suffix="").strip().lower() in ("j", "ja")
