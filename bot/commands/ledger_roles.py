"""`utskick ledger grant-runner CAMPAIGN ROLE`: the owner of a PostgreSQL ledger migrates its schema and gives a
runner role only the rights a run needs (`bot.ledger.pg_roles`). Run it logged in as the owner (the user in
`paths.ledger`); the runners' campaign files then name the runner role instead.
"""

from __future__ import annotations

from pathlib import Path

import click

from bot.app.command_log import CommandLog
from bot.commands.output import refuse
from bot.config import load_campaign
from bot.errors import ConfigError, UtskickError


@click.group("ledger")
def ledger_group() -> None:
    """Liggarens databasroller (PostgreSQL)."""


@ledger_group.command("grant-runner")
@click.argument("campaign_file", type=click.Path(path_type=Path))
@click.argument("role")
@click.option("-v", "--verbose", is_flag=True, help="Visa händelser i terminalen, inte bara i loggfilen.")
def grant_runner_command(campaign_file: Path, role: str, verbose: bool) -> None:
    """Migrera schemat som ägare och ge körrollen ROLE bara de rättigheter en körning behöver."""
    from bot.ledger import Ledger
    from bot.ledger.pg_roles import check_role_name, grant_runner
    from bot.ledger.target import PostgresTarget

    command_log = CommandLog("ledger-grant-runner", verbose=verbose)
    try:
        campaign = load_campaign(campaign_file)
        command_log.open(campaign.logs)
        check_role_name(role)
        if not isinstance(campaign.ledger, PostgresTarget):
            raise ConfigError(
                f"{campaign_file}: liggaren är en SQLite-fil ({campaign.ledger}). Roller finns bara för en "
                "PostgreSQL-liggare (paths.ledger = postgresql://…)."
            )
        with Ledger.open(campaign.ledger, actor="owner", run_id="grant-runner") as book:
            grant_runner(book.connection().raw, role)
    except UtskickError as e:
        command_log.refused(e, campaign_file)
        refuse("ledger-grant-runner", e, e.exit_code, as_json=False)
    command_log.finished(ran=True)
    click.echo(
        f"Schemat i {campaign.ledger} är aktuellt och rollen {role} har en körnings rättigheter: läsa, lägga till "
        "rader och ändra ärendenas läge, men inte ändra eller ta bort händelser och godkännanden, tömma tabeller "
        "eller ändra schemat. Ange rollen i körningarnas paths.ledger."
    )
