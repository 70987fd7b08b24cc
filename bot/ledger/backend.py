"""Which ledger backend a target gets: a SQLite file, or a PostgreSQL database that several runners share."""

from __future__ import annotations

from pathlib import Path

from bot.ledger.contract import LedgerContract
from bot.ledger.postgres import PostgresLedger
from bot.ledger.store import SqliteLedger
from bot.ledger.target import LedgerTarget, PostgresTarget


def open_ledger(target: LedgerTarget, *, actor: str, run_id: str) -> SqliteLedger | PostgresLedger:
    """Open the ledger at `target` (creating or migrating its schema) for this actor and run."""
    if isinstance(target, PostgresTarget):
        return PostgresLedger.open(target, actor=actor, run_id=run_id)
    return SqliteLedger.open(Path(target), actor=actor, run_id=run_id)


class Ledger(LedgerContract):
    """The ledger the rest of the code uses, whichever backend holds it: `Ledger.open(target, actor=…, run_id=…)`.

    Not instantiated: `open` returns a `SqliteLedger` or a `PostgresLedger`, both registered as a `Ledger`.
    """

    @staticmethod
    def open(target: LedgerTarget, *, actor: str, run_id: str) -> SqliteLedger | PostgresLedger:  # type: ignore[override]
        """Open the ledger at `target`: a SQLite file, or a PostgreSQL database (`PostgresTarget`)."""
        return open_ledger(target, actor=actor, run_id=run_id)


Ledger.register(SqliteLedger)
Ledger.register(PostgresLedger)
