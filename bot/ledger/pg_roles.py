"""Two PostgreSQL roles for the ledger: an owner that creates and migrates the schema, and a runner role with only
the rights a run needs.

The owner (the role the tables belong to) runs `utskick ledger grant-runner CAMPAIGN ROLE`, which migrates the
schema and grants the runner role what `RUNNER_RIGHTS` lists: it reads every table and writes rows, but has no
UPDATE, DELETE or TRUNCATE on the audit trail (`events`, `approvals`), no TRUNCATE anywhere, and, owning nothing,
cannot ALTER a table nor disable its append-only triggers. A runner connecting as that role never runs DDL:
`ensure_schema` skips it when the schema is current and refuses (`may_migrate`) when it is older.
"""

from __future__ import annotations

import re
from typing import Any

from bot.errors import EXIT_INPUT, EXIT_NEEDS_HUMAN
from bot.ledger.model import LedgerError

# Table -> the privileges a run (and `approve`, `settle`, `follow-up`, `report`) needs on it, besides SELECT.
RUNNER_RIGHTS: dict[str, tuple[str, ...]] = {
    "schema_version": (),
    "campaigns": ("INSERT",),
    "deliveries": ("INSERT", "UPDATE"),
    "items": ("INSERT", "UPDATE"),
    "rejected": ("INSERT",),
    "events": ("INSERT",),
    "approvals": ("INSERT",),
    "runners": ("INSERT", "UPDATE"),
    "pacing": ("INSERT", "UPDATE"),
    "campaign_stops": ("INSERT",),
    "preflights": ("INSERT", "UPDATE"),
}
ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def check_role_name(role: str) -> str:
    """`role` when it is a plain lower-case PostgreSQL role name; a Swedish LedgerError otherwise."""
    if not ROLE_NAME.fullmatch(role or ""):
        error = LedgerError(
            f"Rollnamnet '{role}' går inte att använda: små bokstäver a–z, siffror och _ (högst 63 tecken)."
        )
        error.exit_code = EXIT_INPUT
        raise error
    return role


def grant_runner_statements(role: str) -> list[Any]:
    """The GRANT statements (psycopg `Composed`) that give `role` a runner's rights on the tables and sequences."""
    from psycopg import sql  # the PostgreSQL extra: a SQLite-only installation never gets here

    who = sql.Identifier(check_role_name(role))
    statements = [sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(who)]
    for table, rights in RUNNER_RIGHTS.items():
        granted = sql.SQL(", ").join(sql.SQL(r) for r in ("SELECT", *rights))
        statements.append(sql.SQL("GRANT {} ON {} TO {}").format(granted, sql.Identifier(table), who))
    statements.append(sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {}").format(who))
    return statements


def grant_runner(conn: Any, role: str) -> None:
    """As the owner, on a current schema: give the existing role `role` a runner's rights (in one transaction)."""
    exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (check_role_name(role),)).fetchone()
    if not exists:
        error = LedgerError(
            f"Rollen '{role}' finns inte i databasen. Skapa den först (CREATE ROLE {role} LOGIN PASSWORD …)."
        )
        error.exit_code = EXIT_INPUT
        raise error
    with conn.transaction():
        for statement in grant_runner_statements(role):
            conn.execute(statement)


def may_migrate(conn: Any, version: int) -> bool:
    """True when the connected role may create the schema (empty database) or migrate it (it owns the tables)."""
    if version == 0:
        return bool(conn.execute("SELECT has_schema_privilege(current_schema(), 'CREATE')").fetchone()[0])
    owner_is_me = (
        "SELECT pg_has_role(current_user, c.relowner, 'USAGE') FROM pg_class c"
        " WHERE c.oid = to_regclass('schema_version')"
    )
    return bool(conn.execute(owner_is_me).fetchone()[0])


def migration_refused(version: int, current: int) -> LedgerError:
    """The Swedish error for a runner role that finds a schema it may not create or migrate."""
    found = "ingen tabell" if version == 0 else f"version {version}"
    error = LedgerError(
        f"Liggarens schema i databasen är {found}, den här versionen av utskick behöver version {current}, "
        "och den roll körningen loggar in med får inte ändra schemat (en körroll). Låt ägarrollen migrera: "
        "utskick ledger grant-runner KAMPANJFIL ROLL, inloggad som ägaren. Inget skickades."
    )
    error.exit_code = EXIT_NEEDS_HUMAN
    return error
